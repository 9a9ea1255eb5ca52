"""A fitted relation model as data: vocabulary, feature blocks, linear weights and thresholds.

:class:`RelationModel` is what :class:`~relclf.extract.estimator.RelationExtractor` learns and what a
model file holds (:mod:`relclf.persistence`). It predicts with numpy and scipy only: no scikit-learn,
no pickled code, so a model loads and predicts the same under any scikit-learn version, or none.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..document import PREDICTED_BY, Document, Relation
from ..parallel import run_ordered
from ..parallel.batching import batched
from ..text import Vocabulary
from .calibration import Calibration, CurvePoint, PrecisionCurve
from .candidates import Candidate, generate_candidates
from .context import ContextStage
from .features import FeatureBatch, featurize
from .labels import LabelStage
from .linear import LinearStage, sigmoid
from .vectorizer import PairVectorizer

__all__ = ["DECISION_RULES", "MAX_PAIRS_PER_BATCH", "LabelStage", "LinearStage", "RelationModel", "Scored"]

# Candidate pairs featurized together at most (estimated, see _pair_estimate): a batch of documents
# with many entities each is cut short, so memory stays bounded whatever the input holds.
MAX_PAIRS_PER_BATCH = 50_000


# How a pair's score is made from the stages (see RelationModel.rule).
DECISION_RULES = ("detector", "detector_x_label")


@dataclass(frozen=True)
class Scored:
    """The candidate pairs of a batch that reach a threshold: their rows, labels and scores.

    ``related`` is each pair's probability of being related, ``label_probability`` that of its label,
    ``scores`` the calibrated score (the probability that the relation as written is right).
    """

    rows: np.ndarray
    labels: list[str]
    scores: np.ndarray
    related: np.ndarray
    label_probability: np.ndarray


@dataclass(frozen=True)
class RelationModel:
    """Everything a fitted model needs to predict relations, as data.

    A pair's score is made in four steps: the detector's decision value; the probability that the
    pair is related (the ``context`` stage's, else the detector's logistic function); the raw score
    (that probability, times the label's probability under the ``detector_x_label`` rule); and its
    ``calibration``, the probability that the relation as written (pair and label) is right. Pairs
    scoring at least ``threshold`` are predicted.

    Attributes
    ----------
    vocabulary : Vocabulary
        Frozen: unknown words read as id 0.
    vectorizer : PairVectorizer
        Fitted.
    type_pairs : tuple of str
        Canonical type pairs that become candidates.
    split_composites : bool
        Whether composite IDs name their parts.
    detector : LinearStage
        Related (``classes[1]``) or not.
    labeler : LabelStage
        The label of a related pair (pooled, or the type pair's own labeler).
    novelty : LinearStage or None
        Novel / No, when the training relations carried novelty.
    threshold : float
        Calibrated score at or above which a pair is predicted related.
    max_pairs_per_doc : int or None
        Cap on candidates per document.
    context : ContextStage or None
        The document-context stage, when cross-validation kept it.
    rule : str
        ``detector`` (the raw score is the probability of being related) or ``detector_x_label``
        (times the probability of the label chosen).
    calibration : Calibration
        Raw score -> probability that the relation as written is right.
    curve : PrecisionCurve
        Cross-validated precision and recall (pair and label right) at each threshold.
    """

    vocabulary: Vocabulary
    vectorizer: PairVectorizer
    type_pairs: tuple[str, ...]
    split_composites: bool
    detector: LinearStage
    labeler: LabelStage
    novelty: LinearStage | None
    threshold: float
    max_pairs_per_doc: int | None = None
    context: ContextStage | None = None
    rule: str = "detector"
    calibration: Calibration = dataclasses.field(default_factory=Calibration.identity)
    curve: PrecisionCurve = dataclasses.field(default_factory=PrecisionCurve.empty)

    @property
    def labels(self) -> list[str]:
        """The relation labels the model can give."""
        return list(self.labeler.classes)

    @property
    def novelty_labels(self) -> list[str]:
        """The novelty values the model can give (empty when it gives none)."""
        return list(self.novelty.classes) if self.novelty is not None else []

    def with_pair_cap(self, max_pairs_per_doc: int | None) -> RelationModel:
        """This model predicting with at most ``max_pairs_per_doc`` candidates per document (None: no cap)."""
        if max_pairs_per_doc == self.max_pairs_per_doc:
            return self
        return dataclasses.replace(self, max_pairs_per_doc=max_pairs_per_doc)

    def threshold_for_precision(self, min_precision: float) -> CurvePoint:
        """The lowest threshold at which cross-validation on the training documents reached ``min_precision``
        (pair and label right), with the precision and recall it saw there.

        Raises :class:`~relclf.errors.UsageError` when no threshold reached it (see
        :meth:`PrecisionCurve.threshold_for`).
        """
        return self.curve.threshold_for(min_precision)

    # -- one batch -----------------------------------------------------------------------------------
    def candidates(self, document: Document) -> list[Candidate]:
        """The candidate pairs this model considers in ``document``, in the order features and predictions use."""
        return generate_candidates(
            document, self.type_pairs, split_composites=self.split_composites, max_pairs=self.max_pairs_per_doc
        )

    def featurize(self, documents: Sequence[Document]) -> FeatureBatch:
        """The candidate pairs of ``documents`` with their features."""
        return featurize(
            documents,
            self.vocabulary,
            self.type_pairs,
            split_composites=self.split_composites,
            max_pairs=self.max_pairs_per_doc,
        )

    def transform(self, batch: FeatureBatch) -> sparse.csr_matrix:
        """The feature matrix of a batch (one row per pair)."""
        return self.vectorizer.transform(batch)

    def stages(self) -> dict[str, LinearStage]:
        """Every linear stage by its stored name: ``detector``, ``labeler`` (and ``labeler.T``), ``novelty``."""
        found = {"detector": self.detector, **self.labeler.stages()}
        if self.novelty is not None:
            found["novelty"] = self.novelty
        return found

    @functools.cached_property
    def _weights(self) -> dict[str, np.ndarray]:
        """Each stage's weights as features x decisions (the layout the block products want)."""
        return {name: np.ascontiguousarray(stage.coef.T) for name, stage in self.stages().items() if len(stage.coef)}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_weights"}  # derived: rebuilt where used

    def related_probability(self, batch: FeatureBatch, scorer: Any = None) -> np.ndarray:
        """The probability that each pair of ``batch`` is related: the context stage's, else the detector's."""
        scorer = scorer if scorer is not None else self.vectorizer.scorer(batch)
        decision = scorer.decisions(self._weights["detector"])[:, 0] + self.detector.intercept[0]
        if self.context is None:
            return sigmoid(decision)
        pairs = batch.pairs
        return self.context.probability(pairs.doc, pairs.a, pairs.b, decision)

    def score_batch(self, batch: FeatureBatch, *, threshold: float | None = None, scorer: Any = None) -> Scored:
        """The pairs of a featurized batch scoring at least ``threshold`` (default: the model's), in pair order.

        Every pair gets its probability of being related; only the pairs that could reach the
        threshold are labelled (a label's probability is at most 1, and the calibration never falls).
        ``scorer`` is the batch's ``vectorizer.scorer(batch)`` when the caller has it already.
        """
        cut = self.threshold if threshold is None else threshold
        if not len(batch):
            return Scored(np.zeros(0, dtype=np.int64), [], np.zeros(0), np.zeros(0), np.zeros(0))
        scorer = scorer if scorer is not None else self.vectorizer.scorer(batch)
        related = self.related_probability(batch, scorer)
        rows = np.flatnonzero(self.calibration(related) >= cut)

        def decide(name: str, stage: LinearStage, chosen: np.ndarray) -> np.ndarray:
            return scorer.decisions(self._weights[name], chosen)

        labels, label_probability = self.labeler.choose(decide, rows, batch.pairs.type_pair[rows])
        raw = related[rows] * label_probability if self.rule == "detector_x_label" else related[rows]
        scores = self.calibration(raw)
        keep = np.flatnonzero(scores >= cut)
        return Scored(
            rows[keep], [labels[k] for k in keep.tolist()], scores[keep], related[rows[keep]], label_probability[keep]
        )

    def scores(self, documents: Sequence[Document]) -> tuple[FeatureBatch, np.ndarray, list[str]]:
        """Every candidate pair of ``documents``: the batch, each pair's score and its label."""
        batch = self.featurize(documents)
        scored = self.score_batch(batch, threshold=-np.inf)
        return batch, scored.scores, scored.labels

    def classify(self, batch: FeatureBatch, *, threshold: float | None = None) -> list[tuple[int, Relation]]:
        """The relations among a featurized batch's pairs, as (document index, scored Relation), in pair order.

        ``threshold`` overrides the model's; the novelty stage decides only the pairs kept.
        """
        if not len(batch):
            return []
        scorer = self.vectorizer.scorer(batch)  # its blocks serve every stage
        scored = self.score_batch(batch, threshold=threshold, scorer=scorer)
        if self.novelty is None:
            novelty: list[str | None] = [None] * len(scored.rows)
        elif len(self.novelty.coef) == 0:
            novelty = [self.novelty.classes[0]] * len(scored.rows)
        else:
            values = scorer.decisions(self._weights["novelty"], scored.rows)
            novelty = list(self.novelty.choose(values + self.novelty.intercept))
        pairs, ids = batch.pairs, batch.pairs.identifiers
        return [
            (
                int(pairs.doc[row]),
                Relation(
                    scored.labels[k],
                    ids[pairs.a[row]],
                    ids[pairs.b[row]],
                    novelty[k],
                    float(scored.scores[k]),
                    PREDICTED_BY,
                ),
            )
            for k, row in enumerate(scored.rows.tolist())
        ]

    def predict_batch(
        self, documents: Sequence[Document], *, threshold: float | None = None
    ) -> list[tuple[Relation, ...]]:
        """The predicted relations of each of ``documents``, featurized together (one batch, in this process)."""
        found: list[list[Relation]] = [[] for _ in documents]
        for doc, relation in self.classify(self.featurize(documents), threshold=threshold):
            found[doc].append(relation)
        return [tuple(relations) for relations in found]

    # -- streams ---------------------------------------------------------------------------------------
    def predict_documents(
        self,
        documents: Iterable[Document],
        *,
        threshold: float | None = None,
        batch_size: int = 256,
        n_jobs: int | None = 1,
        client: Any = None,
    ) -> Iterator[Document]:
        """Stream documents back, in input order, with their relations replaced by predicted ones.

        Parameters
        ----------
        documents : iterable of Document
            Read as the result is iterated.
        threshold : float, optional
            Overrides the model's threshold.
        batch_size : int, default 256
            Documents are processed in batches of this size (and of at most :data:`MAX_PAIRS_PER_BATCH`
            candidate pairs), so memory stays flat however long the input is.
        n_jobs : int, default 1
            Worker processes (:mod:`relclf.parallel.workers`; -1: all CPUs).
        client : dask.distributed.Client, optional
            Run on this dask cluster instead (:mod:`relclf.parallel.distributed`).

        The output is the same as a serial run's in every case.
        """
        weight = functools.partial(_pair_estimate, cap=self.max_pairs_per_doc)
        batches = batched(documents, batch_size, max_weight=MAX_PAIRS_PER_BATCH, weight=weight)
        task = functools.partial(_predict_batch, threshold=threshold)
        results = run_ordered(task, batches, n_jobs=n_jobs, client=client, state=self)
        return (
            document.with_relations(r)
            for batch, relations in results
            for document, r in zip(batch, relations, strict=True)
        )

    def predict(self, documents: Iterable[Document], *, threshold: float | None = None) -> list[tuple[Relation, ...]]:
        """The predicted relations of each document, in input order."""
        return [d.relations for d in self.predict_documents(documents, threshold=threshold)]


def _predict_batch(
    model: RelationModel, documents: list[Document], threshold: float | None
) -> list[tuple[Relation, ...]]:
    """A worker's task: only the relations travel back (the caller still holds the documents)."""
    return model.predict_batch(documents, threshold=threshold)


def _pair_estimate(document: Document, cap: int | None) -> int:
    """Upper-bound-like estimate of a document's candidates: pairs of its distinct IDs, capped."""
    n = len({m.identifier for m in document.mentions})
    pairs = n * (n - 1) // 2
    return pairs if cap is None else min(pairs, cap)
