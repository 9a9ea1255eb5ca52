"""The relation extractor: a scikit-learn estimator from annotated documents to relations.

Three linear stages share one feature matrix:

1. a detector (related vs. no relation) whose probability is each relation's score; its decision
   threshold is chosen by cross-validation on the training documents to maximize pair F1;
2. a labeler choosing the label of each detected pair (trained on gold relations only);
3. a novelty classifier (Novel / No), when the training relations carry novelty.

Labels, entity type pairs and the composite-ID convention are all learned from the training data.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.validation import check_is_fitted

from ..document import Document, Relation
from ..parallel.workers import ordered_results, process_pool
from .candidates import (
    Candidate,
    composites_are_split,
    generate_candidates,
    gold_relation_index,
    related_type_pairs,
)
from .features import (
    FEATURE_GROUPS,
    FeatureBatch,
    PairVectorizer,
    featurize,
    featurize_parallel,
)

__all__ = ["RelationExtractor", "TrainingSet", "build_training_set"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingSet:
    """Candidates of a corpus with their features and gold answers.

    ``labels[i]`` is the gold label of ``candidates[i]`` or the negative label; ``novelty[i]`` its gold
    novelty (None when absent); ``groups[i]`` the index of its document (for grouped CV);
    ``unreachable`` counts gold relations that no candidate covers (they are false negatives whatever
    the model does).
    """

    candidates: list[Candidate]
    batch: FeatureBatch
    labels: list[str]
    novelty: list[str | None]
    groups: list[int]
    unreachable: int


def build_training_set(
    documents: Sequence[Document],
    type_pairs: Sequence[str],
    *,
    split_composites: bool,
    negative_label: str,
    max_pairs: int | None = None,
    n_jobs: int = 1,
) -> TrainingSet:
    """Generate and featurize the candidates of ``documents`` and attach their gold answers.

    ``n_jobs`` worker processes featurize the documents; the result is the same as a serial run's.
    """
    candidates: list[Candidate] = []
    per_document: list[list[Candidate]] = []
    labels: list[str] = []
    novelty: list[str | None] = []
    groups: list[int] = []
    unreachable = 0
    for index, document in enumerate(documents):
        doc_candidates = generate_candidates(document, type_pairs, split_composites=split_composites, max_pairs=max_pairs)
        gold = gold_relation_index(document)
        keys = set()
        for candidate in doc_candidates:
            label, nov = gold.get(candidate.key, (negative_label, None))
            labels.append(label)
            novelty.append(nov)
            keys.add(candidate.key)
        unreachable += sum(1 for pair in gold if pair not in keys)
        candidates.extend(doc_candidates)
        per_document.append(doc_candidates)
        groups.extend([index] * len(doc_candidates))
    batch = featurize_parallel(documents, per_document, n_jobs=n_jobs)
    return TrainingSet(candidates, batch, labels, novelty, groups, unreachable)


def best_f1_threshold(scores: np.ndarray, positive: np.ndarray, unreachable: int = 0) -> float:
    """Return the score cut-off that maximizes F1, counting ``unreachable`` gold items as misses.

    Parameters
    ----------
    scores : array of float
        Out-of-fold probabilities of the positive class.
    positive : array of bool
        Gold truth for each score.
    unreachable : int
        Gold positives with no score at all (missed whatever the threshold).

    Returns
    -------
    float
        A threshold t; predict positive when score >= t.

    Examples
    --------
    >>> best_f1_threshold(np.array([0.9, 0.8, 0.3, 0.1]), np.array([True, True, False, False]))
    0.8
    """
    order = np.argsort(-scores, kind="stable")
    sorted_scores, hits = scores[order], positive[order].astype(float)
    tp = np.cumsum(hits)
    predicted = np.arange(1, len(scores) + 1)
    total = hits.sum() + unreachable
    f1 = 2 * tp / (predicted + total)
    # only cut where the score changes, so that ties fall on the same side
    valid = np.r_[sorted_scores[1:] < sorted_scores[:-1], True]
    best = int(np.argmax(np.where(valid, f1, -1.0)))
    return float(sorted_scores[best])


class RelationExtractor(BaseEstimator):
    """Extract document-level relations between normalized entities of annotated abstracts.

    Parameters
    ----------
    negative_label : str, default "None"
        Internal class name for candidate pairs with no relation; it must not be a real label.
    groups : tuple of str, default all feature groups
        Feature groups to use (see :data:`relclf.extract.features.FEATURE_GROUPS`).
    ngram_range : tuple of int, default (1, 3)
        Word n-grams of the between-mention text.
    min_df : int, default 2
        Minimum number of training pairs a text feature must occur in.
    C : float, default 1.0
        Inverse regularization strength of the detector.
    label_C : float, default 10.0
        Inverse regularization strength of the labeler and novelty classifiers (10 was best in grouped
        5-fold cross-validation of label accuracy on BioRED Train, by a small margin over 1 and 3).
    class_weight : "balanced" or None, default None
        Class weights of the detector.
    threshold : float or "auto", default "auto"
        Detector probability at or above which a pair is related; "auto" picks it by grouped
        cross-validation on the training documents.
    cv : int, default 5
        Folds (grouped by document) for choosing the threshold.
    max_pairs_per_doc : int or None, default None
        Cap on candidates per document (see :func:`relclf.extract.candidates.generate_candidates`).
    random_state : int, default 0
        Seed for everything random.
    n_jobs : int, default 1
        Parallel jobs for featurization and cross-validation in training, and default worker
        processes for prediction; results are the same as with 1.

    Attributes
    ----------
    type_pairs_ : list of str
        Canonical type pairs that the training relations connect; only these become candidates.
    split_composites_ : bool
        Whether composite IDs name their parts (learned from the training relations).
    labels_ : list of str
        Relation labels seen in training.
    threshold_ : float
        Detector threshold in use.
    novelty_labels_ : list of str
        Novelty values seen in training (empty when the training data has none).

    Examples
    --------
    >>> from relclf import read_pubtator
    >>> model = RelationExtractor().fit(read_pubtator("Train.PubTator"))  # doctest: +SKIP
    >>> relations = model.predict(read_pubtator("new.pubtator"))  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        negative_label: str = "None",
        groups: Sequence[str] = FEATURE_GROUPS,
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 2,
        C: float = 1.0,
        label_C: float = 10.0,
        class_weight: str | None = None,
        threshold: float | str = "auto",
        cv: int = 5,
        max_pairs_per_doc: int | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.negative_label = negative_label
        self.groups = groups
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.label_C = label_C
        self.class_weight = class_weight
        self.threshold = threshold
        self.cv = cv
        self.max_pairs_per_doc = max_pairs_per_doc
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, documents: Iterable[Document], y: None = None) -> RelationExtractor:
        """Learn from documents carrying gold relation lines; returns self.

        Parameters
        ----------
        documents : iterable of Document
            Training documents (their relations are the supervision).
        y : None
            Ignored; present for scikit-learn compatibility.
        """
        documents = list(documents)
        if not any(d.relations for d in documents):
            raise ValueError("the training documents carry no relation lines: nothing to learn from")
        if self.negative_label in {r.label for d in documents for r in d.relations}:
            raise ValueError(f"negative_label {self.negative_label!r} is also a relation label in the data")
        self.split_composites_ = composites_are_split(documents)
        self.type_pairs_ = related_type_pairs(documents, split_composites=self.split_composites_)
        data = build_training_set(
            documents,
            self.type_pairs_,
            split_composites=self.split_composites_,
            negative_label=self.negative_label,
            max_pairs=self.max_pairs_per_doc,
            n_jobs=self.n_jobs,
        )
        labels = np.array(data.labels, dtype=object)
        positive = labels != self.negative_label
        self.vectorizer_ = PairVectorizer(groups=self.groups, ngram_range=self.ngram_range, min_df=self.min_df)
        X = self.vectorizer_.fit_transform(data.batch)
        self.detector_ = self._linear(self.C, self.class_weight)
        # the parallel fits (CV folds, one classifier per label) must run in processes, not threads:
        # liblinear's dual solver draws from one process-wide random generator, so fits in
        # concurrent threads would disturb each other's coordinate order and the model would vary
        self.threshold_ = self._choose_threshold(X, positive, data)
        self.detector_.fit(X, positive)
        self.labels_ = sorted(set(labels[positive]))
        self.labeler_ = self._fit_optional(X[positive], labels[positive])
        novelty = np.array([n or "" for n in data.novelty], dtype=object)[positive]
        has_novelty = novelty != ""
        self.novelty_labels_ = sorted(set(novelty[has_novelty]))
        self.novelty_model_ = self._fit_optional(X[positive][has_novelty], novelty[has_novelty])
        self.n_training_candidates_ = len(data.candidates)
        self.n_unreachable_ = data.unreachable
        return self

    def _linear(self, C: float, class_weight: str | None = None) -> LogisticRegression:
        # liblinear is many times faster than lbfgs on these wide sparse problems (2 s against 75 s
        # for the multi-class labeler on BioRED Train)
        # for the multi-class labeler on BioRED Train); its dual solver is again 3-5 times faster than
        # the primal one here, with far more features than pairs (detector 3.3 s against 16.6 s on
        # BioRED Train), and converges to the same optimum (it needs up to ~350 iterations)
        return LogisticRegression(
            C=C, class_weight=class_weight, solver="liblinear", dual=True, max_iter=1000, random_state=self.random_state
        )

    def _fit_optional(self, X, y: np.ndarray) -> LogisticRegression | OneVsRestClassifier | str | None:
        """Fit a labeler; a single class needs no model (its name is stored instead)."""
        classes = sorted(set(y))
        if not classes:
            return None
        if len(classes) == 1:
            return classes[0]
        if len(classes) == 2:
            return self._linear(self.label_C).fit(X, y)
        return OneVsRestClassifier(self._linear(self.label_C), n_jobs=self.n_jobs).fit(X, y)

    def _choose_threshold(self, X, positive: np.ndarray, data: TrainingSet) -> float:
        if self.threshold != "auto":
            return float(self.threshold)
        n_docs = len(set(data.groups))
        folds = min(self.cv, n_docs)
        if folds < 2 or positive.all() or not positive.any():
            return 0.5
        scores = cross_val_predict(
            clone(self.detector_), X, positive, groups=data.groups, cv=GroupKFold(folds),
            method="predict_proba", n_jobs=self.n_jobs,
        )[:, 1]
        return best_f1_threshold(scores, positive, data.unreachable)

    # -- prediction ------------------------------------------------------------------------------
    def candidates(self, document: Document) -> list[Candidate]:
        """The candidate pairs this model considers in ``document``."""
        check_is_fitted(self, "detector_")
        return generate_candidates(
            document, self.type_pairs_, split_composites=self.split_composites_, max_pairs=self.max_pairs_per_doc
        )

    def predict_candidates(self, candidates: Sequence[Candidate], batch: FeatureBatch, *, threshold: float | None = None) -> list[Relation | None]:
        """Decide each candidate (featurized in ``batch``): a scored Relation, or None when not related."""
        if not candidates:
            return []
        X = self.vectorizer_.transform(batch)
        scores = self.detector_.predict_proba(X)[:, 1]
        cut = self.threshold_ if threshold is None else threshold
        keep = np.flatnonzero(scores >= cut)
        labels = self._apply(self.labeler_, X, keep)
        novelty = self._apply(self.novelty_model_, X, keep)
        decided: list[Relation | None] = [None] * len(candidates)
        for k, i in enumerate(keep):
            c = candidates[i]
            decided[i] = Relation(labels[k], c.a.identifier, c.b.identifier, novelty[k], float(scores[i]))
        return decided

    @staticmethod
    def _apply(model: LogisticRegression | OneVsRestClassifier | str | None, X, rows: np.ndarray) -> list:
        if model is None:
            return [None] * len(rows)
        if isinstance(model, str):
            return [model] * len(rows)
        if len(rows) == 0:
            return []
        return list(model.predict(X[rows]))

    def predict(self, documents: Iterable[Document], *, threshold: float | None = None) -> list[tuple[Relation, ...]]:
        """Predict the relations of each document.

        Parameters
        ----------
        documents : iterable of Document
        threshold : float, optional
            Overrides the stored detector threshold.

        Returns
        -------
        list of tuple of Relation
            One tuple per document, in input order, each relation carrying its score.
        """
        return [d.relations for d in self.predict_documents(documents, threshold=threshold)]

    def predict_documents(
        self,
        documents: Iterable[Document],
        *,
        threshold: float | None = None,
        batch_size: int = 256,
        n_jobs: int | None = None,
    ) -> Iterator[Document]:
        """Stream documents back, in input order, with their relations replaced by predicted ones.

        Parameters
        ----------
        documents : iterable of Document
        threshold : float, optional
            Overrides the stored detector threshold.
        batch_size : int, default 256
            Documents are processed in batches of this size, so memory stays flat however long the
            input is.
        n_jobs : int, optional
            Worker processes (:mod:`relclf.parallel.workers`); defaults to the ``n_jobs`` parameter. The
            output is the same as a serial run's.
        """
        check_is_fitted(self, "detector_")
        n_jobs = self.n_jobs if n_jobs is None else n_jobs
        batches = _batched(documents, batch_size, max_pairs=MAX_PAIRS_PER_BATCH, cap=self.max_pairs_per_doc)
        if n_jobs == 1:
            for batch in batches:
                yield from self._predict_batch(batch, threshold)
            return
        yield from _predict_parallel(self, batches, threshold, n_jobs)

    def _predict_batch(self, batch: list[Document], threshold: float | None) -> list[Document]:
        per_doc = [self.candidates(d) for d in batch]
        candidates = [c for cs in per_doc for c in cs]
        decided = iter(self.predict_candidates(candidates, featurize(batch, per_doc), threshold=threshold))
        out = []
        for document, cs in zip(batch, per_doc):
            relations = [r for r in (next(decided) for _ in cs) if r is not None]
            out.append(document.with_relations(relations))
        return out


# Candidate pairs featurized together at most (estimated, see _pair_estimate): a batch of documents
# with many entities each is cut short, so memory stays bounded (~0.4 GB) whatever the input holds.
MAX_PAIRS_PER_BATCH = 50_000


def _pair_estimate(document: Document, cap: int | None) -> int:
    """Upper-bound-like estimate of a document's candidates: pairs of its distinct IDs, capped."""
    n = len({m.identifier for m in document.mentions})
    pairs = n * (n - 1) // 2
    return pairs if cap is None else min(pairs, cap)


def _batched(
    documents: Iterable[Document], size: int, *, max_pairs: int | None = None, cap: int | None = None
) -> Iterator[list[Document]]:
    """Group documents into batches of at most ``size`` documents and about ``max_pairs`` candidates."""
    batch: list[Document] = []
    pairs = 0
    for document in documents:
        estimate = _pair_estimate(document, cap) if max_pairs is not None else 0
        if batch and max_pairs is not None and pairs + estimate > max_pairs:
            yield batch
            batch, pairs = [], 0
        batch.append(document)
        pairs += estimate
        if len(batch) >= size:
            yield batch
            batch, pairs = [], 0
    if batch:
        yield batch


# The model in a worker process, installed once per worker by process_pool's initializer: under
# fork the worker shares the parent's copy, under a fork server it is pickled once per worker.
_WORKER_MODEL: RelationExtractor | None = None


def _install_model(model: RelationExtractor) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model


def _predict_in_worker(batch: list[Document], threshold: float | None) -> list[tuple[Relation, ...]]:
    # only the relations travel back: the parent still holds the documents
    assert _WORKER_MODEL is not None
    return [d.relations for d in _WORKER_MODEL._predict_batch(batch, threshold)]


def _predict_parallel(
    model: RelationExtractor, batches: Iterator[list[Document]], threshold: float | None, n_jobs: int
) -> Iterator[Document]:
    """Predict batches in ``n_jobs`` worker processes, yielding documents in input order.

    At most ``2 * n_jobs`` batches are in flight at once, so memory stays bounded on long inputs,
    and the parent reads and writes while the workers compute (:mod:`relclf.parallel.workers`).
    """
    predict = functools.partial(_predict_in_worker, threshold=threshold)
    with process_pool(n_jobs, _install_model, (model,)) as pool:
        for batch, relations in ordered_results(pool, predict, batches, in_flight=2 * n_jobs):
            yield from (document.with_relations(r) for document, r in zip(batch, relations))
