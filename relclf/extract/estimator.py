"""The relation extractor: a scikit-learn estimator from annotated documents to relations.

Three linear stages share one feature matrix:

1. a detector (related vs. no relation) whose probability is each relation's score; its decision
   threshold is chosen by cross-validation on the training documents to maximize pair F1;
2. a labeler choosing the label of each detected pair (trained on gold relations only);
3. a novelty classifier (Novel / No), when the training relations carry novelty.

Labels, entity type pairs and the composite-ID convention are all learned from the training data.
Batching and worker processes are not the estimator's business: :meth:`RelationExtractor.predict_documents`
hands batches to :mod:`relclf.parallel`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.validation import check_is_fitted

from ..document import Document, Relation
from ..evaluation.metrics import score_documents
from ..parallel.workers import effective_n_jobs
from .candidates import Candidate, composites_are_split, related_type_pairs
from .model import LinearStage, RelationModel
from .text import Vocabulary
from .threshold import best_f1_threshold
from .training import TrainingSet, build_training_set
from .vectorizer import PairVectorizer

__all__ = ["RelationExtractor"]


class RelationExtractor(BaseEstimator):
    """Extract document-level relations between normalized entities of annotated abstracts.

    Parameters
    ----------
    vectorizer : transformer, optional
        Turns a :class:`~relclf.extract.features.FeatureBatch` into a sparse matrix; cloned in
        :meth:`fit`. Default: :class:`~relclf.extract.vectorizer.PairVectorizer` with its defaults.
    detector : classifier, optional
        Related vs. no relation; needs ``predict_proba``; cloned in :meth:`fit`. Default: logistic
        regression, C=1 (liblinear's dual solver, seeded with ``random_state``).
    labeler : classifier, optional
        Chooses the label of a related pair, and the novelty; cloned in :meth:`fit`. Default:
        logistic regression, C=10 (best by a small margin over 1 and 3 in grouped 5-fold
        cross-validation of label accuracy on BioRED Train), fit one-vs-rest when there are more than
        two labels. A single label or novelty value needs no model: a ``DummyClassifier`` gives it.
    negative_label : str, default "None"
        Internal class name for candidate pairs with no relation; it must not be a real label.
    threshold : float or "auto", default "auto"
        Detector probability at or above which a pair is related; "auto" picks it by grouped
        cross-validation on the training documents.
    cv : int, default 5
        Folds (grouped by document) for choosing the threshold; at least 2.
    max_pairs_per_doc : int or None, default None
        Cap on candidates per document (see :func:`relclf.extract.candidates.generate_candidates`).
    tol : float, default 1.0
        Stopping tolerance of the default detector's and labelers' solver (liblinear's dual; its own
        default is 1e-4). Stopping early costs no accuracy here and saves most of the training time:
        experiments/results/solver_tolerance.md.
    random_state : int, default 0
        Seed of the default detector and labeler.
    n_jobs : int or None, default 1
        Worker processes for featurization and cross-validation in training, and the default for
        prediction; ``-1`` means all CPUs (as in joblib). Results are the same as with 1.

    Attributes
    ----------
    vectorizer_, detector_, labeler_ : fitted estimators
        ``labeler_`` is a ``DummyClassifier`` when the training data has a single label.
    novelty_model_ : fitted classifier or None
        None when the training relations carry no novelty.
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
    >>> from relclf import read_documents
    >>> model = RelationExtractor().fit(read_documents("Train.PubTator"))  # doctest: +SKIP
    >>> relations = model.predict(read_documents("new.pubtator"))  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        vectorizer: Any = None,
        detector: Any = None,
        labeler: Any = None,
        negative_label: str = "None",
        threshold: float | str = "auto",
        cv: int = 5,
        max_pairs_per_doc: int | None = None,
        tol: float = 1.0,
        random_state: int | None = 0,
        n_jobs: int | None = 1,
    ) -> None:
        self.vectorizer = vectorizer
        self.detector = detector
        self.labeler = labeler
        self.negative_label = negative_label
        self.threshold = threshold
        self.cv = cv
        self.max_pairs_per_doc = max_pairs_per_doc
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn.utils.Tags
        """Documents in, relations out: no 2-D array input, and the supervision is inside the documents."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags

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
        self._check_parameters(documents)
        n_jobs = effective_n_jobs(self.n_jobs)
        self.split_composites_ = composites_are_split(documents)
        self.type_pairs_ = related_type_pairs(documents, split_composites=self.split_composites_)
        self.vocabulary_ = Vocabulary(growing=True)
        data = build_training_set(
            documents,
            self.vocabulary_,
            self.type_pairs_,
            split_composites=self.split_composites_,
            negative_label=self.negative_label,
            max_pairs=self.max_pairs_per_doc,
        )
        self.vocabulary_.freeze()
        labels = data.labels
        positive = labels != self.negative_label
        if not positive.any():
            raise ValueError("no training relation joins two candidate entities of its document: nothing to learn from")
        self.vectorizer_ = clone(self.vectorizer) if self.vectorizer is not None else PairVectorizer()
        X = self.vectorizer_.fit_transform(data.batch, self.vocabulary_, len(self.type_pairs_))
        self.detector_ = clone(self.detector) if self.detector is not None else self._logistic(1.0)
        # the parallel fits (CV folds, one classifier per label) run in processes, not threads:
        # liblinear's dual solver draws from one process-wide random generator, so fits in
        # concurrent threads would disturb each other's coordinate order and the model would vary
        self.threshold_ = self._choose_threshold(X, positive, data, n_jobs)
        self.detector_.fit(X, positive)
        self.labels_ = sorted(set(labels[positive]))
        self.labeler_ = self._fit_labeler(X[positive], labels[positive], n_jobs)
        novelty = np.array([n or "" for n in data.novelty], dtype=object)[positive]
        has_novelty = novelty != ""
        self.novelty_labels_ = sorted(set(novelty[has_novelty]))
        self.novelty_model_ = self._fit_labeler(X[positive][has_novelty], novelty[has_novelty], n_jobs) if has_novelty.any() else None
        self.n_training_candidates_ = len(data)
        self.n_unreachable_ = data.unreachable
        self.model_ = self._compile(X.shape[1])
        return self

    def _compile(self, n_features: int) -> RelationModel:
        """The fitted model as data (what predicts, and what a model file holds)."""
        return RelationModel(
            vocabulary=self.vocabulary_,
            vectorizer=self.vectorizer_,
            type_pairs=tuple(self.type_pairs_),
            split_composites=bool(self.split_composites_),
            detector=LinearStage.from_estimator(self.detector_, n_features),
            labeler=LinearStage.from_estimator(self.labeler_, n_features),
            novelty=None if self.novelty_model_ is None else LinearStage.from_estimator(self.novelty_model_, n_features),
            threshold=float(self.threshold_),
            max_pairs_per_doc=self.max_pairs_per_doc,
        )

    def _check_parameters(self, documents: list[Document]) -> None:
        if not any(d.relations for d in documents):
            raise ValueError("the training documents carry no relation lines: nothing to learn from")
        if self.negative_label in {r.label for d in documents for r in d.relations}:
            raise ValueError(f"negative_label {self.negative_label!r} is also a relation label in the data")
        if not isinstance(self.cv, int) or self.cv < 2:
            raise ValueError(f"cv must be an integer of at least 2 (folds), not {self.cv!r}")
        if self.threshold != "auto" and not (isinstance(self.threshold, (int, float)) and 0.0 <= self.threshold <= 1.0):
            raise ValueError(f"threshold must be 'auto' or a probability in [0, 1], not {self.threshold!r}")
        if not (isinstance(self.tol, (int, float)) and self.tol > 0):
            raise ValueError(f"tol must be a positive number, not {self.tol!r}")
        if self.max_pairs_per_doc is not None and self.max_pairs_per_doc < 1:
            raise ValueError(f"max_pairs_per_doc must be at least 1 or None, not {self.max_pairs_per_doc!r}")

    def _logistic(self, C: float) -> LogisticRegression:
        # liblinear is many times faster than lbfgs on these wide sparse problems (2 s against 75 s
        # for the multi-class labeler on BioRED Train); its dual solver is again 3-5 times faster than
        # the primal one here, with far more features than pairs
        return LogisticRegression(C=C, solver="liblinear", dual=True, tol=self.tol, max_iter=1000, random_state=self.random_state)

    def _fit_labeler(self, X, y: np.ndarray, n_jobs: int) -> ClassifierMixin:
        """Fit a labeler on ``y``; a single class gets a DummyClassifier (nothing to learn)."""
        classes = sorted(set(y))
        if len(classes) == 1:
            return DummyClassifier(strategy="most_frequent").fit(X, y)
        if self.labeler is not None:
            return clone(self.labeler).fit(X, y)
        if len(classes) == 2:
            return self._logistic(10.0).fit(X, y)
        return OneVsRestClassifier(self._logistic(10.0), n_jobs=n_jobs).fit(X, y)

    def _choose_threshold(self, X, positive: np.ndarray, data: TrainingSet, n_jobs: int) -> float:
        if self.threshold != "auto":
            return float(self.threshold)
        folds = min(self.cv, len(np.unique(data.groups)))
        if folds < 2 or positive.all() or not positive.any():
            return 0.5
        scores = cross_val_predict(
            clone(self.detector_), X, positive, groups=data.groups, cv=GroupKFold(folds), method="predict_proba", n_jobs=n_jobs
        )[:, 1]
        return best_f1_threshold(scores, positive, data.unreachable)

    # -- prediction (by the fitted model, as data) ----------------------------------------------------
    def candidates(self, document: Document) -> list[Candidate]:
        """The candidate pairs this model considers in ``document``."""
        check_is_fitted(self, "model_")
        return self.model_.candidates(document)

    def predict_batch(self, documents: Sequence[Document], *, threshold: float | None = None) -> list[tuple[Relation, ...]]:
        """The predicted relations of each of ``documents``, featurized together (one batch, serially)."""
        check_is_fitted(self, "model_")
        return self.model_.predict_batch(documents, threshold=threshold)

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
        client: Any = None,
    ) -> Iterator[Document]:
        """Stream documents back, in input order, with their relations replaced by predicted ones.

        The fitted state is checked when this is called; the documents are read as the result is
        iterated. See :meth:`relclf.extract.model.RelationModel.predict_documents`; ``n_jobs``
        defaults to the ``n_jobs`` parameter.
        """
        check_is_fitted(self, "model_")
        jobs = self.n_jobs if n_jobs is None else n_jobs
        return self.model_.predict_documents(documents, threshold=threshold, batch_size=batch_size, n_jobs=jobs, client=client)

    def score(self, documents: Iterable[Document], y: None = None) -> float:
        """Type-level F1 (pair and label right) of the predictions on gold documents, relations hidden from the model."""
        gold = list(documents)
        predicted = self.predict_documents(d.with_relations(()) for d in gold)
        return score_documents(gold, predicted).levels["type"].f1
