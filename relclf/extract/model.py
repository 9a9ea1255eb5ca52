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

from ..document import Document, Relation
from ..parallel.batching import batched
from ..parallel.workers import effective_n_jobs, imap_ordered
from .candidates import Candidate, generate_candidates
from .features import FeatureBatch, featurize
from .text import Vocabulary
from .vectorizer import PairVectorizer

__all__ = ["MAX_PAIRS_PER_BATCH", "LinearStage", "RelationModel"]

# Candidate pairs featurized together at most (estimated, see _pair_estimate): a batch of documents
# with many entities each is cut short, so memory stays bounded whatever the input holds.
MAX_PAIRS_PER_BATCH = 50_000


@dataclass(frozen=True)
class LinearStage:
    """A linear classifier as arrays: ``decision = X @ coef.T + intercept``, one row of ``coef`` per decision.

    - no row: the constant ``classes[0]`` (a single label);
    - one row and two classes: ``classes[1]`` where the decision is positive (its probability is the
      logistic function of the decision);
    - one row per class: the class of the largest decision (one-vs-rest or multinomial).
    """

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray

    def decision(self, X: sparse.spmatrix) -> np.ndarray:
        """Decision values, one column per row of ``coef``."""
        return np.asarray(X @ self.coef.T) + self.intercept

    def probability(self, X: sparse.spmatrix) -> np.ndarray:
        """The probability of ``classes[1]`` (a binary stage)."""
        return _sigmoid(self.decision(X)[:, 0])

    def predict(self, X: sparse.spmatrix) -> list[str]:
        """The class of each row of ``X``."""
        return self.choose(self.decision(X)) if len(self.coef) else [self.classes[0]] * X.shape[0]

    def choose(self, values: np.ndarray) -> list[str]:
        """The class each row of decision values (from :meth:`decision`) stands for."""
        if len(self.coef) == 0:
            return [self.classes[0]] * len(values)
        chosen = (values[:, 0] > 0).astype(int) if len(self.coef) == 1 else np.argmax(values, axis=1)
        return [self.classes[k] for k in chosen]

    @classmethod
    def from_estimator(cls, estimator: Any, n_features: int) -> LinearStage:
        """Read a fitted scikit-learn classifier: linear (``coef_``/``intercept_``), one-vs-rest of linear ones, or constant.

        Coefficients are rounded to float32, as a model file stores them, so that a model predicts the
        same before and after it is saved.
        """
        classes = tuple(str(c) for c in estimator.classes_)
        if len(classes) == 1 or not (hasattr(estimator, "coef_") or hasattr(estimator, "estimators_")):
            if len(classes) != 1:
                raise ValueError(f"only linear classifiers can be stored in a model, not {type(estimator).__name__}")
            return cls(classes, np.zeros((0, n_features)), np.zeros(0))
        if hasattr(estimator, "estimators_"):  # one-vs-rest
            coef = np.vstack([e.coef_ for e in estimator.estimators_])
            intercept = np.concatenate([np.ravel(e.intercept_) for e in estimator.estimators_])
        else:
            coef, intercept = np.atleast_2d(estimator.coef_), np.ravel(estimator.intercept_)
        return cls(classes, coef.astype(np.float32).astype(np.float64), intercept.astype(np.float64))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The stage as arrays: the columns where any weight is non-zero, and the weights there (float32)."""
        support = np.flatnonzero(np.any(self.coef != 0, axis=0)) if len(self.coef) else np.zeros(0, dtype=np.int64)
        return {
            f"{prefix}.support": support.astype(np.int32),
            f"{prefix}.weights": self.coef[:, support].astype(np.float32),
            f"{prefix}.intercept": self.intercept,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, classes: Sequence[str], n_features: int) -> LinearStage:
        """Rebuild a stage saved by :meth:`to_arrays`."""
        weights = arrays[f"{prefix}.weights"]
        coef = np.zeros((len(weights), n_features))
        coef[:, arrays[f"{prefix}.support"]] = weights
        return cls(tuple(classes), coef, np.asarray(arrays[f"{prefix}.intercept"], dtype=np.float64))


@dataclass(frozen=True)
class RelationModel:
    """Everything a fitted model needs to predict relations, as data.

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
        Related (``classes[1]``) or not; its probability is each relation's score.
    labeler : LinearStage
        The label of a related pair.
    novelty : LinearStage or None
        Novel / No, when the training relations carried novelty.
    threshold : float
        Detector probability at or above which a pair is related.
    max_pairs_per_doc : int or None
        Cap on candidates per document.
    """

    vocabulary: Vocabulary
    vectorizer: PairVectorizer
    type_pairs: tuple[str, ...]
    split_composites: bool
    detector: LinearStage
    labeler: LinearStage
    novelty: LinearStage | None
    threshold: float
    max_pairs_per_doc: int | None = None

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

    # -- one batch -----------------------------------------------------------------------------------
    def candidates(self, document: Document) -> list[Candidate]:
        """The candidate pairs this model considers in ``document``, in the order features and predictions use."""
        return generate_candidates(document, self.type_pairs, split_composites=self.split_composites, max_pairs=self.max_pairs_per_doc)

    def featurize(self, documents: Sequence[Document]) -> FeatureBatch:
        """The candidate pairs of ``documents`` with their features."""
        return featurize(documents, self.vocabulary, self.type_pairs, split_composites=self.split_composites, max_pairs=self.max_pairs_per_doc)

    def transform(self, batch: FeatureBatch) -> sparse.csr_matrix:
        """The feature matrix of a batch (one row per pair)."""
        return self.vectorizer.transform(batch)

    @functools.cached_property
    def _weights(self) -> dict[str, np.ndarray]:
        """Each stage's weights as features x decisions (the layout the block products want)."""
        stages = {"detector": self.detector, "labeler": self.labeler, "novelty": self.novelty}
        return {name: np.ascontiguousarray(stage.coef.T) for name, stage in stages.items() if stage is not None}

    def decisions(self, batch: FeatureBatch) -> dict[str, np.ndarray]:
        """Every stage's decision values for every pair of ``batch``."""
        scorer = self.vectorizer.scorer(batch)
        stages = {"detector": self.detector, "labeler": self.labeler, "novelty": self.novelty}
        return {
            name: scorer.decisions(self._weights[name]) + stage.intercept if len(stage.coef) else np.zeros((len(batch), 0))
            for name, stage in stages.items()
            if stage is not None
        }

    def _choose(self, name: str, scorer: Any, rows: np.ndarray) -> list[str]:
        """The class a labelling stage gives each of ``rows`` (one pass over their features; none for a constant stage)."""
        stage: LinearStage = getattr(self, name)
        if len(stage.coef) == 0:
            return [stage.classes[0]] * len(rows)
        return stage.choose(scorer.decisions(self._weights[name], rows) + stage.intercept)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_weights"}  # derived: rebuilt where used

    def scores(self, documents: Sequence[Document]) -> tuple[FeatureBatch, np.ndarray]:
        """Every candidate pair of ``documents``: the batch and the detector's probabilities."""
        batch = self.featurize(documents)
        if not len(batch):
            return batch, np.zeros(0)
        return batch, _sigmoid(self.vectorizer.decisions(batch, self._weights["detector"])[:, 0] + self.detector.intercept[0])

    def classify(self, batch: FeatureBatch, *, threshold: float | None = None) -> list[tuple[int, Relation]]:
        """The relations among a featurized batch's pairs, as (document index, scored Relation), in pair order.

        The detector scores every candidate pair; the labeler and the novelty stage decide only the
        pairs it keeps (``threshold`` overrides the model's).
        """
        if not len(batch):
            return []
        scorer = self.vectorizer.scorer(batch)
        scores = _sigmoid(scorer.decisions(self._weights["detector"])[:, 0] + self.detector.intercept[0])
        keep = np.flatnonzero(scores >= (self.threshold if threshold is None else threshold))
        labels = self._choose("labeler", scorer, keep)
        novelty = self._choose("novelty", scorer, keep) if self.novelty is not None else [None] * len(keep)
        pairs, ids = batch.pairs, batch.pairs.identifiers
        return [
            (int(pairs.doc[row]), Relation(labels[k], ids[pairs.a[row]], ids[pairs.b[row]], novelty[k], float(scores[row])))
            for k, row in enumerate(keep.tolist())
        ]

    def predict_batch(self, documents: Sequence[Document], *, threshold: float | None = None) -> list[tuple[Relation, ...]]:
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
        if client is not None:
            from ..parallel.distributed import imap_ordered_dask  # dask is an optional extra

            results = imap_ordered_dask(task, batches, client=client, state=self)
        else:
            results = imap_ordered(task, batches, n_jobs=effective_n_jobs(n_jobs), state=self)
        return (document.with_relations(r) for batch, relations in results for document, r in zip(batch, relations))

    def predict(self, documents: Iterable[Document], *, threshold: float | None = None) -> list[tuple[Relation, ...]]:
        """The predicted relations of each document, in input order."""
        return [d.relations for d in self.predict_documents(documents, threshold=threshold)]


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def _predict_batch(model: RelationModel, documents: list[Document], threshold: float | None) -> list[tuple[Relation, ...]]:
    """A worker's task: only the relations travel back (the caller still holds the documents)."""
    return model.predict_batch(documents, threshold=threshold)


def _pair_estimate(document: Document, cap: int | None) -> int:
    """Upper-bound-like estimate of a document's candidates: pairs of its distinct IDs, capped."""
    n = len({m.identifier for m in document.mentions})
    pairs = n * (n - 1) // 2
    return pairs if cap is None else min(pairs, cap)
