"""The relation extractor: a scikit-learn estimator from annotated documents to relations.

Stages that share one feature matrix, each choice in them made by cross-validation on the training
documents (folds grouped by document; :mod:`relclf.extract.fitting`):

1. a detector (related vs. no relation), a linear model over the pair's features;
2. a document-context stage reading the detector's score against the other pairs of the abstract,
   kept where it helps (:mod:`relclf.extract.context`);
3. labelers choosing the label of each related pair: a pooled one, and their own for the type pairs
   where that labels better; their class weighting chosen too (:mod:`relclf.extract.labels`);
4. a novelty classifier (Novel / No), when the training relations carry novelty;
5. the score: the probability of being related (times the label's probability, where that decides
   labels better), calibrated into the probability that the relation as written is right
   (:mod:`relclf.extract.calibration`); the threshold maximizes cross-validated F1 of pair and label.

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
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.validation import check_is_fitted

from ..document import Document, Relation
from ..errors import UsageError
from ..parallel.workers import effective_n_jobs
from ..text import Vocabulary
from .calibration import CALIBRATION_METHODS, Calibration, PrecisionCurve
from .candidates import Candidate, composites_are_split, related_type_pairs
from .fitting import (
    Split,
    best_f1,
    choose_labelers,
    choose_rule,
    fit_calibration,
    fit_context,
    grouped_folds,
    out_of_fold_decisions,
)
from .labels import LabelStage
from .model import DECISION_RULES, LinearStage, RelationModel
from .training import TrainingSet, build_training_set
from .vectorizer import PairVectorizer

__all__ = ["RelationExtractor"]
# The default labelers' regularization. C=1: with every cross-validated choice made as fit() makes
# them, grouped 5-fold cross-validation on BioRED Train gave a type-level F1 of 0.540 with C=1 and
# 0.543 with C=10 (within noise), and the labelers train 2.4 times faster with C=1 (fit() trains
# them about a dozen times: once per fold and class weighting, and per type pair).
LABELER_C = 1.0


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
        Chooses the label of a related pair (pooled and per type pair), and the novelty; cloned in
        :meth:`fit`; with one, ``class_weight`` is not tried. Default: logistic regression, C=1
        (:data:`LABELER_C`), one-vs-rest. A single label or novelty value needs no model: a ``DummyClassifier``
        gives it.
    negative_label : str, default "None"
        Internal class name for candidate pairs with no relation; it must not be a real label.
    threshold : float or "auto", default "auto"
        Calibrated score at or above which a pair is predicted related; "auto" maximizes the
        cross-validated F1 of pair and label (of the pair, with a single label).
    cv : int, default 5
        Folds (grouped by document) of every cross-validated choice; at least 2.
    context : "auto", True or False, default "auto"
        The document-context stage (:mod:`relclf.extract.context`): "auto" keeps it when its
        cross-validated log loss beats the detector's alone by more than one standard error; its
        inputs are chosen the same way (:func:`relclf.extract.fitting.fit_context`).
    class_weight : "auto", None or "balanced", default "auto"
        The labelers' class weighting; "auto": balanced for the pooled labeler (see
        :func:`relclf.extract.fitting.choose_labelers`), and each type pair's own labeler with or
        without balanced weights, whichever labels better in cross-validation.
    own_labelers : "auto", True or False, default "auto"
        Type pairs with at least ``min_type_pair_relations`` training relations get their own labeler
        ("auto": where its cross-validated accuracy on them beats the pooled labeler's); the others
        are labelled by the pooled one (:func:`relclf.extract.fitting.choose_labelers`).
    min_type_pair_relations : int, default 30
        See ``own_labelers``.
    rule : "auto", "detector" or "detector_x_label", default "auto"
        A pair's raw score: its probability of being related, or that times its label's probability;
        "auto" takes the one with the higher cross-validated F1 of pair and label.
    calibration : "auto", "isotonic", "platt" or "none", default "auto"
        How raw scores become probabilities that the relation as written is right, fitted on the
        out-of-fold scores; "auto": Platt's, unless the isotonic one has a lower cross-validated log
        loss by more than one standard error.
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
        ``labeler_`` (the pooled labeler) is a ``DummyClassifier`` when the training data has a single label.
    own_labelers_ : dict of str to fitted classifier
        Type pair -> its own labeler.
    own_type_pairs_ : dict of str to str or None
        The type pairs given their own labeler, with its class weighting.
    context_ : ContextStage or None
        The document-context stage, when kept.
    class_weight_ : str or None
        The pooled labeler's class weighting.
    rule_ : str
        ``detector`` or ``detector_x_label``.
    calibration_ : Calibration
        Raw score -> calibrated score.
    precision_curve_ : PrecisionCurve
        Cross-validated precision and recall (pair and label right) at each calibrated threshold.
    cv_scores_ : dict
        The cross-validated figures behind each choice (JSON-ready).
    novelty_model_ : fitted classifier or None
        None when the training relations carry no novelty.
    type_pairs_ : list of str
        Canonical type pairs that the training relations connect; only these become candidates.
    split_composites_ : bool
        Whether composite IDs name their parts (learned from the training relations).
    labels_ : list of str
        Relation labels seen in training.
    threshold_ : float
        Calibrated-score threshold in use.
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
        context: bool | str = "auto",
        class_weight: str | None = "auto",
        own_labelers: bool | str = "auto",
        min_type_pair_relations: int = 30,
        rule: str = "auto",
        calibration: str = "auto",
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
        self.context = context
        self.class_weight = class_weight
        self.own_labelers = own_labelers
        self.min_type_pair_relations = min_type_pair_relations
        self.rule = rule
        self.calibration = calibration
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
            raise UsageError("no training relation joins two candidate entities of its document: nothing to learn from")
        self.vectorizer_ = clone(self.vectorizer) if self.vectorizer is not None else PairVectorizer()
        X = self.vectorizer_.fit_transform(data.batch, self.vocabulary_, len(self.type_pairs_))
        self.detector_ = clone(self.detector) if self.detector is not None else self._logistic(1.0)
        self.labels_ = sorted(set(labels[positive]))
        folds = self._folds(data.groups, positive)
        self._cross_validate(X, data, positive, folds, n_jobs)
        self.detector_.fit(X, positive)
        self.labeler_ = self._fit_labeler(X[positive], labels[positive], n_jobs, self.class_weight_)
        pair_type = data.batch.pairs.type_pair
        own_rows = {tp: positive & (pair_type == self.type_pairs_.index(tp)) for tp in self.own_type_pairs_}
        self.own_labelers_ = {
            tp: self._fit_labeler(X[rows], labels[rows], n_jobs, self.own_type_pairs_[tp])
            for tp, rows in own_rows.items()
        }
        novelty = np.array([n or "" for n in data.novelty], dtype=object)[positive]
        has_novelty = novelty != ""
        self.novelty_labels_ = sorted(set(novelty[has_novelty]))
        self.novelty_model_ = (
            self._fit_labeler(X[positive][has_novelty], novelty[has_novelty], n_jobs) if has_novelty.any() else None
        )
        self.n_training_candidates_ = len(data)
        self.n_unreachable_ = data.unreachable
        self.model_ = self._compile(X.shape[1])
        return self

    def _folds(self, groups: np.ndarray, positive: np.ndarray) -> list[Split]:
        """The grouped folds of every cross-validated choice; none when there is nothing to cross-validate."""
        folds = min(self.cv, len(np.unique(groups)))
        if folds < 2 or positive.all():
            return []
        return grouped_folds(groups, folds)

    def _cross_validate(self, X, data: TrainingSet, positive: np.ndarray, folds: list[Split], n_jobs: int) -> None:
        """Make every cross-validated choice (see :mod:`relclf.extract.fitting`) and the threshold.

        Sets ``context_``, ``class_weight_``, ``own_type_pairs_``, ``rule_``, ``calibration_``,
        ``threshold_``, ``precision_curve_`` and ``cv_scores_``.
        """
        labels = data.labels
        total = int(positive.sum()) + data.unreachable
        fixed_weight = None if self.class_weight == "auto" or self.labeler is not None else self.class_weight
        if not folds:  # a single document: nothing to measure a choice on
            self.context_, self.class_weight_, self.own_type_pairs_ = None, fixed_weight, {}
            self.rule_ = "detector" if self.rule == "auto" else self.rule
            self.calibration_, self.precision_curve_ = Calibration.identity(), PrecisionCurve.empty()
            self.threshold_ = 0.5 if self.threshold == "auto" else float(self.threshold)
            self.cv_scores_ = {}
            return
        decision = out_of_fold_decisions(self.detector_, X, positive, folds, n_jobs)
        context = fit_context(decision, data.batch.pairs, positive, folds, self.context)
        self.context_ = context.stage
        choice = choose_labelers(
            self._labeler_maker(n_jobs=1),
            X,
            labels,
            positive,
            data.batch.pairs.type_pair,
            folds,
            class_weight="auto" if self.class_weight == "auto" and self.labeler is None else fixed_weight,
            own_labelers=self.own_labelers,
            min_relations=self.min_type_pair_relations,
            n_jobs=n_jobs,
        )
        self.class_weight_ = choice.class_weight
        self.own_type_pairs_ = {self.type_pairs_[t]: weight for t, weight in sorted(choice.own.items())}
        correct = positive & (choice.labels() == labels)
        label_probability = choice.probabilities.max(axis=1)
        self.rule_, rule_scores = choose_rule(context.related, label_probability, correct, total, self.rule)
        raw = context.related * label_probability if self.rule_ == "detector_x_label" else context.related
        self.calibration_, calibration_scores = fit_calibration(raw, correct, folds, self.calibration)
        calibrated = self.calibration_(raw)
        threshold, f1 = best_f1(calibrated, correct, total)
        self.threshold_ = threshold if self.threshold == "auto" else float(self.threshold)
        self.precision_curve_ = PrecisionCurve.from_scores(calibrated, correct, total)
        kept = calibrated >= self.threshold_
        self.cv_scores_ = {
            "folds": len(folds),
            "context": context.scores,
            "labels": {
                **choice.scores,
                "type_pairs": {self.type_pairs_[int(t)]: v for t, v in choice.scores.get("type_pairs", {}).items()},
                "own_type_pairs": {tp: str(w).lower() for tp, w in self.own_type_pairs_.items()},
            },
            "rule": {"chosen": self.rule_, "f1": rule_scores},
            "calibration": {"chosen": self.calibration_.method, **calibration_scores},
            "at_threshold": {
                "threshold": round(self.threshold_, 4),
                "pair_f1": round(2 * int((kept & positive).sum()) / (int(kept.sum()) + total), 4),
                "type_f1": round(2 * int((kept & correct).sum()) / (int(kept.sum()) + total), 4),
                "best_type_f1": round(f1, 4),
            },
        }

    def _compile(self, n_features: int) -> RelationModel:
        """The fitted model as data (what predicts, and what a model file holds)."""
        own = {
            self.type_pairs_.index(tp): LinearStage.from_estimator(est, n_features)
            for tp, est in self.own_labelers_.items()
        }
        return RelationModel(
            vocabulary=self.vocabulary_,
            vectorizer=self.vectorizer_,
            type_pairs=tuple(self.type_pairs_),
            split_composites=bool(self.split_composites_),
            detector=LinearStage.from_estimator(self.detector_, n_features),
            labeler=LabelStage(LinearStage.from_estimator(self.labeler_, n_features), own),
            novelty=None
            if self.novelty_model_ is None
            else LinearStage.from_estimator(self.novelty_model_, n_features),
            threshold=float(self.threshold_),
            max_pairs_per_doc=self.max_pairs_per_doc,
            context=self.context_,
            rule=self.rule_,
            calibration=self.calibration_,
            curve=self.precision_curve_,
        )

    def _check_parameters(self, documents: list[Document]) -> None:
        if not any(d.relations for d in documents):
            raise UsageError("the training documents carry no relation lines: nothing to learn from")
        if self.negative_label in {r.label for d in documents for r in d.relations}:
            raise UsageError(f"negative_label {self.negative_label!r} is also a relation label in the data")
        if not isinstance(self.cv, int) or self.cv < 2:
            raise ValueError(f"cv must be an integer of at least 2 (folds), not {self.cv!r}")
        if self.threshold != "auto" and not (isinstance(self.threshold, (int, float)) and 0.0 <= self.threshold <= 1.0):
            raise ValueError(f"threshold must be 'auto' or a probability in [0, 1], not {self.threshold!r}")
        if not (isinstance(self.tol, (int, float)) and self.tol > 0):
            raise ValueError(f"tol must be a positive number, not {self.tol!r}")
        if self.max_pairs_per_doc is not None and self.max_pairs_per_doc < 1:
            raise ValueError(f"max_pairs_per_doc must be at least 1 or None, not {self.max_pairs_per_doc!r}")
        choices = {
            "context": ("auto", True, False),
            "class_weight": ("auto", None, "balanced"),
            "own_labelers": ("auto", True, False),
            "rule": ("auto", *DECISION_RULES),
            "calibration": ("auto", *CALIBRATION_METHODS),
        }
        for name, allowed in choices.items():
            value = getattr(self, name)
            if not any(value is option or (isinstance(option, str) and value == option) for option in allowed):
                raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
        if not isinstance(self.min_type_pair_relations, int) or self.min_type_pair_relations < 2:
            raise ValueError(
                f"min_type_pair_relations must be an integer of at least 2, not {self.min_type_pair_relations!r}"
            )

    def _logistic(self, C: float, class_weight: str | None = None) -> LogisticRegression:
        # liblinear is many times faster than lbfgs on these wide sparse problems (2 s against 75 s
        # for the multi-class labeler on BioRED Train); its dual solver is again 3-5 times faster than
        # the primal one here, with far more features than pairs
        return LogisticRegression(
            C=C,
            solver="liblinear",
            dual=True,
            tol=self.tol,
            max_iter=1000,
            random_state=self.random_state,
            class_weight=class_weight,
        )

    def _labeler_maker(self, n_jobs: int):  # noqa: ANN202 - a callable class_weight -> classifier
        """``make(class_weight)``: an unfitted labeler (the ``labeler`` parameter, or the default one-vs-rest logistic regression)."""

        def make(class_weight: str | None) -> ClassifierMixin:
            if self.labeler is not None:
                return clone(self.labeler)
            return OneVsRestClassifier(self._logistic(LABELER_C, class_weight=class_weight), n_jobs=n_jobs)

        return make

    def _fit_labeler(self, X, y: np.ndarray, n_jobs: int, class_weight: str | None = None) -> ClassifierMixin:
        """Fit a labeler on ``y``; a single class gets a DummyClassifier (nothing to learn)."""
        classes = sorted(set(y))
        if len(classes) == 1:
            return DummyClassifier(strategy="most_frequent").fit(X, y)
        if self.labeler is not None:
            return clone(self.labeler).fit(X, y)
        if len(classes) == 2:
            return self._logistic(LABELER_C, class_weight=class_weight).fit(X, y)
        return self._labeler_maker(n_jobs)(class_weight).fit(X, y)

    # -- prediction (by the fitted model, as data) ----------------------------------------------------
    def candidates(self, document: Document) -> list[Candidate]:
        """The candidate pairs this model considers in ``document``."""
        check_is_fitted(self, "model_")
        return self.model_.candidates(document)

    def predict_batch(
        self, documents: Sequence[Document], *, threshold: float | None = None
    ) -> list[tuple[Relation, ...]]:
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
        return self.model_.predict_documents(
            documents, threshold=threshold, batch_size=batch_size, n_jobs=jobs, client=client
        )

    def score(self, documents: Iterable[Document], y: None = None) -> float:
        """Type-level F1 (pair and label right) of the predictions on gold documents, relations hidden from the model."""
        from ..evaluation.metrics import score_documents  # as ClassifierMixin.score: extract stays below evaluation

        gold = list(documents)
        predicted = self.predict_documents(d.with_relations(()) for d in gold)
        return score_documents(gold, predicted).levels["type"].f1
