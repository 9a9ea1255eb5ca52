"""A fitted relation model as data: vocabulary, feature blocks, linear weights and thresholds.

:class:`RelationModel` is what :class:`~relclf.extract.estimator.RelationExtractor` learns and what a
model file holds (:mod:`relclf.persistence`). It predicts with numpy and scipy only: no scikit-learn,
no pickled code, so a model loads and predicts the same under any scikit-learn version, or none.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections import deque
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
from .passages import PassageChoice, check_choice, merged_relations, read_pieces
from .priors import CorpusPriors
from .schemas import DEFAULT_SCHEMA
from .vectorizer import PairVectorizer

__all__ = ["DECISION_RULES", "Cut", "MAX_PAIRS_PER_BATCH", "LabelStage", "LinearStage", "RelationModel", "Scored"]

# Candidate pairs featurized together at most (estimated, see _pair_estimate): a batch of documents
# with many entities each is cut short, so memory stays bounded whatever the input holds.
MAX_PAIRS_PER_BATCH = 50_000


# How a model decides which pairs are related (see RelationModel.rule), simplest first.
DECISION_RULES = ("pair", "detector", "detector_x_label")


@dataclass(frozen=True)
class Cut:
    """Which scored relations are predicted: those whose score (``on="score"``) or probability of being related
    (``on="related"``) is at least ``threshold`` (see :meth:`RelationModel.cut`).

    >>> Cut(0.5).keeps(0.6, 0.2), Cut(0.5, "related").keeps(0.6, 0.2)
    (True, False)
    """

    threshold: float
    on: str = "score"

    def keeps(self, score: float | None, related: float | None) -> bool:
        """Whether a relation with this score and probability of being related is predicted."""
        value = score if self.on == "score" else related
        return value is not None and value >= self.threshold

    def __str__(self) -> str:
        what = "score" if self.on == "score" else "probability of being related"
        return f"{what} >= {self.threshold:.3f}"


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

    A pair is scored in four steps: the detector's decision value; the probability that the pair is
    related (the ``context`` stage's, else the detector's logistic function); its label, the labeler's
    choice, with that label's probability; and its score, the ``calibration`` of the probability of
    being related times the label's (of the probability alone under the ``detector`` rule): the
    probability that the relation as written (pair and label) is right. Which pairs are predicted
    follows the ``rule``:

    - ``pair``: those whose probability of being related is at least ``threshold`` (whether a pair is
      related is decided on its own; an uncertain label does not drop it);
    - ``detector``, ``detector_x_label``: those whose score is at least ``threshold``.

    A threshold given at prediction (``--threshold``, ``--min-precision``) is always one on the score.

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
        The decision threshold of the ``rule`` (above).
    max_pairs_per_doc : int or None
        Cap on candidates per document.
    context : ContextStage or None
        The context stage, when cross-validation kept it.
    rule : str
        One of :data:`DECISION_RULES` (above).
    calibration : Calibration
        Raw score -> probability that the relation as written is right.
    curve : PrecisionCurve
        Cross-validated precision and recall (pair and label right) at each score threshold.
    priors : CorpusPriors or None
        The training corpus's counts, when the context stage reads them.
    schema : str
        The schema (corpus) whose labels the model gives (:mod:`relclf.extract.schemas`).
    candidate_type_pairs : tuple of str or None
        The type pairs that make candidates in this schema, when not all of ``type_pairs`` do (a model
        trained on several corpora: ``type_pairs`` are every corpus's).
    passages : None, "all" or frozenset of str
        The passages :meth:`predict_documents` reads (:mod:`relclf.extract.passages`: None reads all
        but references, tables, figures and the like); a long document is read in sections. Set at
        prediction (:meth:`with_passages`), not stored in a model file.
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
    priors: CorpusPriors | None = None
    schema: str = DEFAULT_SCHEMA
    candidate_type_pairs: tuple[str, ...] | None = None
    passages: PassageChoice = None

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

    def with_passages(self, passages: PassageChoice) -> RelationModel:
        """This model reading the passages ``passages`` chooses (see :mod:`relclf.extract.passages`; None: the
        default); a ``ValueError`` when the choice names no kind."""
        passages = check_choice(passages)
        if passages == self.passages:
            return self
        return dataclasses.replace(self, passages=passages)

    def cut(self, threshold: float | None = None) -> Cut:
        """What is predicted: by the model's rule (``threshold`` None), or what scores ``threshold`` or more."""
        if threshold is None:
            return Cut(self.threshold, "related" if self.rule == "pair" else "score")
        return Cut(threshold)

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
            document, self.allowed_type_pairs, split_composites=self.split_composites, max_pairs=self.max_pairs_per_doc
        )

    @property
    def allowed_type_pairs(self) -> tuple[str, ...]:
        """The type pairs that make candidates (in this schema)."""
        return self.type_pairs if self.candidate_type_pairs is None else self.candidate_type_pairs

    def featurize(self, documents: Sequence[Document]) -> FeatureBatch:
        """The candidate pairs of ``documents`` with their features."""
        return featurize(
            documents,
            self.vocabulary,
            self.type_pairs,
            split_composites=self.split_composites,
            max_pairs=self.max_pairs_per_doc,
            allowed_type_pairs=self.candidate_type_pairs,
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
        return self.context.probability(
            pairs.doc, pairs.a, pairs.b, decision, priors=self.prior_inputs(batch), signals=batch.numeric
        )

    def prior_inputs(self, batch: FeatureBatch) -> np.ndarray | None:
        """The corpus priors of each pair of ``batch`` (:meth:`CorpusPriors.inputs`), None without priors."""
        if self.priors is None:
            return None
        pairs, ids = batch.pairs, batch.pairs.identifiers
        return self.priors.inputs([ids[a] for a in pairs.a], [ids[b] for b in pairs.b], pairs.type_pair)

    def score_batch(
        self, batch: FeatureBatch, *, threshold: float | None = None, scorer: Any = None, floor: float | None = None
    ) -> Scored:
        """The pairs of a featurized batch that are predicted, in pair order: by the model's rule, or, with
        ``threshold``, those whose score reaches it (:meth:`cut`); with ``floor``, also those scoring at least it.

        Every pair gets its probability of being related; only the pairs that could be kept are
        labelled (a label's probability is at most 1, and the calibration never falls).
        ``scorer`` is the batch's ``vectorizer.scorer(batch)`` when the caller has it already.
        """
        if not len(batch):
            return Scored(np.zeros(0, dtype=np.int64), [], np.zeros(0), np.zeros(0), np.zeros(0))
        scorer = scorer if scorer is not None else self.vectorizer.scorer(batch)
        related = self.related_probability(batch, scorer)
        cut = self.cut(threshold)
        low = np.inf if floor is None else floor  # the lowest score kept whatever the cut
        by_pair = cut.on == "related"
        reachable = self.calibration(related) >= min(low, np.inf if by_pair else cut.threshold)
        rows = np.flatnonzero(reachable | (related >= cut.threshold) if by_pair else reachable)

        def decide(name: str, stage: LinearStage, chosen: np.ndarray) -> np.ndarray:
            return scorer.decisions(self._weights[name], chosen)

        labels, label_probability = self.labeler.choose(decide, rows, batch.pairs.type_pair[rows])
        raw = related[rows] if self.rule == "detector" else related[rows] * label_probability
        scores = self.calibration(raw)
        decided = related[rows] >= cut.threshold if by_pair else scores >= cut.threshold
        keep = np.flatnonzero(decided | (scores >= low))
        return Scored(
            rows[keep], [labels[k] for k in keep.tolist()], scores[keep], related[rows[keep]], label_probability[keep]
        )

    def scores(self, documents: Sequence[Document]) -> tuple[FeatureBatch, np.ndarray, list[str]]:
        """Every candidate pair of ``documents``: the batch, each pair's score and its label."""
        batch = self.featurize(documents)
        scored = self.score_batch(batch, threshold=-np.inf)
        return batch, scored.scores, scored.labels

    def classify(
        self, batch: FeatureBatch, *, threshold: float | None = None, floor: float | None = None
    ) -> list[tuple[int, Relation]]:
        """The relations among a featurized batch's pairs, as (document index, scored Relation), in pair order.

        ``threshold`` and ``floor`` as in :meth:`score_batch`; the novelty stage decides only the pairs kept.
        """
        if not len(batch):
            return []
        scorer = self.vectorizer.scorer(batch)  # its blocks serve every stage
        scored = self.score_batch(batch, threshold=threshold, scorer=scorer, floor=floor)
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
                    source=PREDICTED_BY,
                    related=float(scored.related[k]),
                ),
            )
            for k, row in enumerate(scored.rows.tolist())
        ]

    def predict_batch(
        self, documents: Sequence[Document], *, threshold: float | None = None, floor: float | None = None
    ) -> list[tuple[Relation, ...]]:
        """The predicted relations of each of ``documents``, featurized together (one batch, in this process)."""
        found: list[list[Relation]] = [[] for _ in documents]
        for doc, relation in self.classify(self.featurize(documents), threshold=threshold, floor=floor):
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
        floor: float | None = None,
    ) -> Iterator[Document]:
        """Stream documents back, in input order, with their relations replaced by predicted ones.

        Parameters
        ----------
        documents : iterable of Document
            Read as the result is iterated.
        threshold : float, optional
            Predict the relations scoring at least this instead of deciding by the model's rule (:meth:`cut`).
        floor : float, optional
            Also return the relations scoring at least this (for a calibration report; each relation carries its
            score and its probability of being related, so a caller can apply :meth:`cut` itself).
        batch_size : int, default 256
            Documents are processed in batches of this size (and of at most :data:`MAX_PAIRS_PER_BATCH`
            candidate pairs), so memory stays flat however long the input is.
        n_jobs : int, default 1
            Worker processes (:mod:`relclf.parallel.workers`; -1: all CPUs).
        client : dask.distributed.Client, optional
            Run on this dask cluster instead (:mod:`relclf.parallel.distributed`).

        The model reads the passages :attr:`passages` chooses, a long document in sections
        (:mod:`relclf.extract.passages`); the documents come back whole. The output is the same as a
        serial run's in every case.
        """
        read: deque[tuple[Document, int]] = deque()  # each document and its number of pieces, until predicted

        def pieces() -> Iterator[Document]:
            for document in documents:
                parts = read_pieces(document, self.passages)
                read.append((document, len(parts)))
                yield from parts

        weight = functools.partial(_pair_estimate, cap=self.max_pairs_per_doc)
        batches = batched(pieces(), batch_size, max_weight=MAX_PAIRS_PER_BATCH, weight=weight)
        task = functools.partial(_predict_batch, threshold=threshold, floor=floor)
        results = run_ordered(task, batches, n_jobs=n_jobs, client=client, state=self)
        found = (relations for _, batch_relations in results for relations in batch_relations)
        for relations in found:  # a document's pieces were read (and so queued) before their relations came back
            document, count = read.popleft()
            parts = [relations, *itertools.islice(found, count - 1)]
            yield document.with_relations(merged_relations(parts))

    def predict(self, documents: Iterable[Document], *, threshold: float | None = None) -> list[tuple[Relation, ...]]:
        """The predicted relations of each document, in input order."""
        return [d.relations for d in self.predict_documents(documents, threshold=threshold)]


def _predict_batch(
    model: RelationModel, documents: list[Document], threshold: float | None, floor: float | None = None
) -> list[tuple[Relation, ...]]:
    """A worker's task: only the relations travel back (the caller still holds the documents)."""
    return model.predict_batch(documents, threshold=threshold, floor=floor)


def _pair_estimate(document: Document, cap: int | None) -> int:
    """Upper-bound-like estimate of a document's candidates: pairs of its distinct IDs, capped."""
    n = len({m.identifier for m in document.mentions})
    pairs = n * (n - 1) // 2
    return pairs if cap is None else min(pairs, cap)
