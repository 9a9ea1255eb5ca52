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
The parameters are checked when :meth:`RelationExtractor.fit` starts, against one table of constraints
(``RelationExtractor._parameter_constraints``, read by :func:`check_parameters`); the choices made by
cross-validation come back as one value (:func:`relclf.extract.fitting.cross_validate`). A model holds
only linear weights, so the pluggable parts are narrow: a ``PairVectorizer``, and linear classifiers
whose probabilities are the logistic function of their decisions (see the parameters).
Batching and worker processes are not the estimator's business: :meth:`RelationExtractor.predict_documents`
hands batches to :mod:`relclf.parallel`.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted

from ..document import Document, Relation
from ..errors import UsageError
from ..parallel.workers import effective_n_jobs
from ..text import Vocabulary
from .calibration import CALIBRATION_METHODS
from .candidates import DEFAULT_MAX_PAIRS_PER_DOC, Candidate, composites_are_split, related_type_pairs
from .fitting import (
    CrossValidatedChoices,
    FoldPriors,
    Split,
    check_document_splits,
    cross_validate,
    out_of_fold_decisions,
    training_folds,
)
from .labels import LabelStage
from .model import DECISION_RULES, LinearStage, RelationModel
from .priors import TrainingPairs, nested_inputs, out_of_fold_inputs
from .schemas import SchemaRule, augment, check_corpus_names, rows_within, schema_detector
from .training import TrainingSet, build_training_set, concat_training_sets
from .vectorizer import PairVectorizer

__all__ = ["RelationExtractor"]
# The default labelers' regularization. C=3: under the pair rule (labels no longer decide which pairs are
# predicted), grouped 5-fold cross-validation on BioRED Train gave a type-level F1 of 0.527 with C=1, 0.532
# with C=3 and 0.530 with C=10, every other choice made as fit() makes them (experiments/accuracy_ablation.py).
LABELER_C = 3.0


# -- parameter constraints: each parameter's allowed values, as data (checked in fit) ---------------------
@dataclass(frozen=True)
class Interval:
    """Numbers of a ``kind`` (``int`` or ``float``: any real) from ``low`` to ``high`` (None: unbounded), both included
    unless ``low_open``. Booleans are not numbers here.

    >>> (2 in Interval(int, 2), True in Interval(int, 0),
    ...  str(Interval(float, 0, 1)), str(Interval(float, 0, low_open=True)))
    (True, False, 'a number in [0, 1]', 'a number above 0')
    """

    kind: type
    low: float | None = None
    high: float | None = None
    low_open: bool = False

    def __contains__(self, value: object) -> bool:
        if isinstance(value, bool) or not isinstance(value, Integral if self.kind is int else Real):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def __str__(self) -> str:
        noun = "an integer" if self.kind is int else "a number"
        if self.low is not None and self.high is not None:
            return f"{noun} in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        if self.low is not None:
            return f"{noun} {'above' if self.low_open else 'of at least'} {self.low:g}"
        return noun if self.high is None else f"{noun} of at most {self.high:g}"


@dataclass(frozen=True)
class InstanceOf:
    """Instances of ``kind`` (strings excluded unless ``kind`` is ``str``), described as ``description``."""

    kind: type | tuple[type, ...]
    description: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, self.kind) and (self.kind is str or not isinstance(value, str))

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class HasMethods:
    """Objects with each of ``methods`` (what a parameter will call), described as ``description``."""

    methods: tuple[str, ...]
    description: str

    def __contains__(self, value: object) -> bool:
        return all(callable(getattr(value, name, None)) for name in self.methods)

    def __str__(self) -> str:
        return f"{self.description} (with {' and '.join(self.methods)})"


def _allows(option: Any, value: Any) -> bool:
    """Whether ``value`` is ``option``: one of a constraint's values (True, False and None by identity, so 1 is not
    True), or in a constraint object (:class:`Interval`, :class:`InstanceOf`, :class:`HasMethods`)."""
    if isinstance(option, (Interval, InstanceOf, HasMethods)):
        return value in option
    if isinstance(option, str):
        return isinstance(value, str) and value == option
    return value is option


def _describe(allowed: Sequence[Any]) -> str:
    """``'auto', True or False``: the allowed values and kinds of a parameter, in words."""
    words = [
        str(option) if isinstance(option, (Interval, InstanceOf, HasMethods)) else repr(option) for option in allowed
    ]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def check_parameters(estimator: Any) -> None:
    """Check each parameter of ``estimator`` against its class's ``_parameter_constraints`` (name -> allowed values
    and kinds); raise ValueError naming the first parameter outside them, what it may be and what it is.

    >>> check_parameters(RelationExtractor(rule="max"))
    Traceback (most recent call last):
    ...
    ValueError: rule must be 'pair', 'detector', 'detector_x_label' or 'auto', not 'max'
    """
    for name, allowed in type(estimator)._parameter_constraints.items():
        value = getattr(estimator, name)
        if not any(_allows(option, value) for option in allowed):
            raise ValueError(f"{name} must be {_describe(allowed)}, not {reprlib.repr(value)}")


@dataclass(frozen=True)
class FittedSchema:
    """What a :class:`RelationExtractor` learned for one corpus's schema (see :mod:`relclf.extract.schemas`):
    its candidate rule, labels, the cross-validated choices, the fitted labelers and the model that predicts."""

    # the fields a RelationExtractor also holds, for its first schema, as attributes ``NAME_``
    # (and every field of its ``choices``)
    LEGACY: ClassVar[tuple[str, ...]] = (
        "labeler",
        "split_composites",
        "labels",
        "novelty_labels",
        "own_labelers",
        "novelty_model",
    )

    name: str
    type_pairs: list[str]
    split_composites: bool
    labels: list[str]
    novelty_labels: list[str]
    choices: CrossValidatedChoices
    labeler: Any
    own_labelers: dict[str, Any]
    novelty_model: Any
    model: RelationModel


def _pmid_groups(documents: Sequence[Document]) -> np.ndarray:
    """Each document's group: the index of its PMID in order of first appearance (one abstract in two corpora is
    one group; with unique PMIDs, the document's own index)."""
    first: dict[str, int] = {}
    return np.array([first.setdefault(d.pmid, len(first)) for d in documents], dtype=np.int64)


class RelationExtractor(BaseEstimator):
    """Extract document-level relations between normalized entities of annotated abstracts.

    Parameters
    ----------
    vectorizer : PairVectorizer, optional
        The features of the candidate pairs; cloned in :meth:`fit`. Default:
        :class:`~relclf.extract.vectorizer.PairVectorizer` with its defaults; any of its parameters
        can be changed, but no other class is accepted, since a model and a model file rely on its
        whole protocol: ``fit_transform(batch, vocabulary, n_type_pairs)`` and ``transform(batch)``
        (the sparse matrix), ``scorer(batch).decisions(weights, rows)`` (prediction without building
        the matrix), ``n_features_``, ``get_feature_names_out(vocabulary, type_pairs)``
        (explanations), and ``to_arrays()`` with ``PairVectorizer.from_arrays`` (a model file holds
        its arrays and is read back as a ``PairVectorizer``, so a subclass is saved as its parent).
    detector : classifier, optional
        Related vs. no relation; cloned in :meth:`fit`. Default: logistic regression, C=1
        (liblinear's dual solver, seeded with ``random_state``). A model keeps only linear weights
        (:class:`~relclf.extract.linear.LinearStage`), so it must be a linear classifier: fitted, it
        has ``coef_`` and ``intercept_``, and its ``predict_proba`` is the logistic function of its
        decision value (as logistic regression's; not a linear SVM's, nor ``modified_huber``'s).
        :meth:`fit` checks this first, on a trial fit of a few rows, and refuses anything else.
    labeler : classifier, optional
        Chooses the label of a related pair (pooled and per type pair), and the novelty; cloned in
        :meth:`fit`; with one, ``class_weight`` is not tried. Default: logistic regression, C=1
        (:data:`LABELER_C`), one-vs-rest. Linear as the detector, or a one-vs-rest of such
        classifiers (``OneVsRestClassifier(LogisticRegression())``): its ``predict_proba`` must be the
        logistic function of each class's decision, normalized over the classes, which a
        multinomial model's is not; checked the same way. A single label or novelty value needs no
        model: a ``DummyClassifier`` gives it.
    negative_label : str, default "None"
        Internal class name for candidate pairs with no relation; it must not be a real label.
    threshold : float or "auto", default "auto"
        Calibrated score at or above which a pair is predicted related; "auto" maximizes the
        cross-validated F1 of pair and label (of the pair, with a single label).
    cv : int or iterable of (train, test), default 5
        The folds of every cross-validated choice. An int: that many folds, grouped by document,
        which relclf makes (:func:`relclf.extract.fitting.grouped_folds`; fewer when fewer documents
        have candidates); at least 2. Or splits of your own: (train, test) arrays of indices into
        the documents given to :meth:`fit`, every document in exactly one test part, no split
        training and testing on the same document, at least 2 splits (give a list, not a
        generator, to fit or clone the estimator again).
    context : "auto", True or False, default "auto"
        The context stage (:mod:`relclf.extract.context`): "auto" keeps it when its cross-validated
        log loss beats the detector's alone by more than one standard error; its inputs and its
        model are chosen the same way (:func:`relclf.extract.fitting.fit_context`).
    priors : "auto" or False, default "auto"
        The corpus priors (:mod:`relclf.extract.priors`: how often each entity and ID pair is related
        in the other training documents) as inputs the context stage may read ("auto": where
        cross-validation finds they help); False: never.
    nonlinear : "auto", True or False, default "auto"
        Whether the context stage may be gradient-boosted trees over its inputs instead of a
        logistic regression ("auto": where cross-validation finds they predict better by more than
        noise; True: only trees are tried; False: never).
    class_weight : "auto", None or "balanced", default "auto"
        The labelers' class weighting; "auto": balanced for the pooled labeler (see
        :func:`relclf.extract.fitting.choose_labelers`), and each type pair's own labeler with or
        without balanced weights, whichever labels better in cross-validation.
    own_labelers : "auto", True or False, default "auto"
        Type pairs with at least ``min_type_pair_relations`` training relations get their own labeler
        ("auto": where its cross-validated accuracy on them beats the pooled labeler's); the others
        are labelled by the pooled one (:func:`relclf.extract.fitting.choose_labelers`).
    min_type_pair_relations : int, default 30
        See ``own_labelers``; at least 2.
    rule : "pair", "detector", "detector_x_label" or "auto", default "pair"
        Which pairs are predicted (:class:`~relclf.extract.model.RelationModel`): ``pair``, those whose
        probability of being related reaches a threshold of its own, chosen for the best
        cross-validated pair F1, whatever their label's probability; ``detector``, those whose
        calibrated score reaches the threshold of best type-level F1; ``detector_x_label``, the same,
        the score made from the probability of being related times the label's; "auto" takes the
        rule of highest cross-validated type-level F1.
    calibration : "auto", "isotonic", "platt" or "none", default "auto"
        How raw scores become probabilities that the relation as written is right, fitted on the
        out-of-fold scores; "auto": Platt's, unless the isotonic one has a lower cross-validated log
        loss by more than one standard error.
    max_pairs_per_doc : int or None, default 10,000
        Cap on candidates per document in training and prediction (see
        :func:`relclf.extract.candidates.generate_candidates` and
        :data:`~relclf.extract.candidates.DEFAULT_MAX_PAIRS_PER_DOC`: real abstracts are never
        capped); None: no cap.
    tol : float, default 1.0
        Stopping tolerance of the default detector's and labelers' solver (liblinear's dual; its own
        default is 1e-4). Stopping early costs no accuracy here and saves most of the training time:
        experiments/results/solver_tolerance.md.
    random_state : int, RandomState or None, default 0
        Seed of the default detector and labeler.
    n_jobs : int or None, default 1
        Worker processes for featurization and cross-validation in training, and the default for
        prediction; ``-1`` means all CPUs (as in joblib). Results are the same as with 1.

    Every parameter is checked when :meth:`fit` starts, against :attr:`_parameter_constraints`
    (:func:`check_parameters`), never in ``__init__`` (``set_params`` and ``clone`` skip it).

    Attributes
    ----------
    model_ : RelationModel
        What predicts (the first corpus's schema); a model file holds it.
    models_ : dict of str to RelationModel
        Every schema's model, by corpus name (one, ``default``, unless ``fit`` was given ``corpus``).
    schemas_ : dict of str to FittedSchema
        What was learned for each schema: its candidate rule, labels, cross-validated choices and labelers.
    vectorizer_, detector_ : fitted estimators
        Shared by every schema (the detector on augmented features when there are several corpora).
    priors_ : CorpusPriors or None
        The training documents' counts (None when ``priors`` is False); a model keeps them when its
        context stage reads them.
    type_pairs_ : list of str
        Canonical type pairs that the training relations connect (in any corpus).

    and, for the first corpus's schema (:attr:`FittedSchema.LEGACY`): ``labeler_`` (the pooled labeler, a
    ``DummyClassifier`` for a single label), ``own_labelers_`` (type pair -> its own labeler),
    ``own_type_pairs_`` (with their class weighting), ``context_`` (the context stage, when kept),
    ``class_weight_``, ``rule_`` (one of :data:`relclf.extract.model.DECISION_RULES`), ``calibration_``,
    ``threshold_``, ``precision_curve_`` (cross-validated precision and recall at each score threshold),
    ``cv_scores_`` (the figures behind each choice, JSON-ready), ``novelty_model_`` (None without novelty),
    ``split_composites_`` (whether composite IDs name their parts), ``labels_`` and ``novelty_labels_``.

    Examples
    --------
    >>> from relclf import read_documents
    >>> model = RelationExtractor().fit(read_documents("Train.PubTator"))  # doctest: +SKIP
    >>> relations = model.predict(read_documents("new.pubtator"))  # doctest: +SKIP
    """

    # Each parameter's allowed values and kinds (checked by check_parameters when fit starts).
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "vectorizer": [None, InstanceOf(PairVectorizer, "a PairVectorizer")],
        "detector": [None, HasMethods(("fit", "predict_proba"), "a classifier")],
        "labeler": [None, HasMethods(("fit", "predict_proba"), "a classifier")],
        "negative_label": [InstanceOf(str, "a string")],
        "threshold": ["auto", Interval(float, 0, 1)],
        "cv": [Interval(int, 2), InstanceOf(Iterable, "an iterable of (train, test) arrays of document indices")],
        "context": ["auto", True, False],
        "priors": ["auto", False],
        "nonlinear": ["auto", True, False],
        "class_weight": ["auto", None, "balanced"],
        "own_labelers": ["auto", True, False],
        "min_type_pair_relations": [Interval(int, 2)],
        "rule": [*DECISION_RULES, "auto"],
        "calibration": ["auto", *CALIBRATION_METHODS],
        "max_pairs_per_doc": [Interval(int, 1), None],
        "tol": [Interval(float, 0, low_open=True)],
        "random_state": [None, Interval(int, 0), InstanceOf(np.random.RandomState, "a numpy RandomState")],
        "n_jobs": [None, Interval(int)],
    }

    def __init__(
        self,
        *,
        vectorizer: Any = None,
        detector: Any = None,
        labeler: Any = None,
        negative_label: str = "None",
        threshold: float | str = "auto",
        cv: int | Iterable[Split] = 5,
        context: bool | str = "auto",
        priors: bool | str = "auto",
        nonlinear: bool | str = "auto",
        class_weight: str | None = "auto",
        own_labelers: bool | str = "auto",
        min_type_pair_relations: int = 30,
        rule: str = "pair",
        calibration: str = "auto",
        max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
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
        self.priors = priors
        self.nonlinear = nonlinear
        self.class_weight = class_weight
        self.own_labelers = own_labelers
        self.min_type_pair_relations = min_type_pair_relations
        self.rule = rule
        self.calibration = calibration
        self.max_pairs_per_doc = max_pairs_per_doc
        self.tol = tol
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Tags:
        """Documents in, relations out: no 2-D array input, and the supervision is inside the documents."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags

    # -- fitting ---------------------------------------------------------------------------------
    def fit(
        self, documents: Iterable[Document], y: None = None, *, corpus: Sequence[str] | None = None
    ) -> RelationExtractor:
        """Learn from documents carrying gold relation lines; returns self.

        Parameters
        ----------
        documents : iterable of Document
            Training documents (their relations are the supervision).
        y : None
            Ignored; present for scikit-learn compatibility.
        corpus : sequence of str, optional
            The corpus of each document, when the documents come from several corpora, each annotated in
            its own schema (its own labels, type pairs and conventions). The model then learns, for each
            corpus, a *schema*: its own labels, thresholds, calibration and context stage, on the evidence
            that all the corpora share (feature augmentation: the detector reads every feature once for
            all corpora and once for its own, see :mod:`relclf.extract.schemas`). ``model_`` is the first
            corpus's; ``models_`` has every one. The same abstract in two corpora is two examples, one per
            schema, kept in one cross-validation fold and counted once by the corpus priors. Default: one
            corpus, named ``default``.
        """
        documents = list(documents)
        check_parameters(self)
        names = check_corpus_names(corpus, len(documents))
        order = np.argsort([list(dict.fromkeys(names)).index(n) for n in names], kind="stable")
        documents, names = [documents[i] for i in order], [names[i] for i in order]  # grouped by corpus
        # int as well as Integral: mypy does not know that every int is an Integral
        if isinstance(self.cv, (int, Integral)):
            cv: int | list[Split] = self.cv
        else:  # document indices as the caller gave them, renumbered as the documents are now ordered
            position = np.empty(len(order), dtype=np.int64)
            position[order] = np.arange(len(order))
            cv = [(position[train], position[test]) for train, test in check_document_splits(self.cv, len(documents))]
        schemas = list(dict.fromkeys(names))
        for schema in schemas:
            _check_supervision([d for d, n in zip(documents, names, strict=True) if n == schema], self.negative_label)
        n_jobs = effective_n_jobs(self.n_jobs)
        data, X, rules = self._training_matrix(documents, names)
        labels = data.labels
        positive = labels != self.negative_label
        self._check_linear(X, labels, positive, data.novelty)
        self.detector_ = clone(self.detector) if self.detector is not None else self._logistic(1.0)
        corpus_of_row = np.asarray([schemas.index(rule.name) for rule in rules for _ in range(rule.n_rows)])
        # folds keep an abstract whole, across corpora too: one PMID is one group
        folds = training_folds(cv, data.groups if not isinstance(cv, int) else _pmid_groups(documents)[data.groups])
        X_detect = augment(X, corpus_of_row, len(schemas))
        decision = (
            out_of_fold_decisions(self.detector_, X_detect, positive, folds, n_jobs) if folds else np.zeros(len(labels))
        )
        prior_inputs = self._count_priors(documents, data, positive, folds)
        self.detector_.fit(X_detect, positive)
        starts = np.cumsum([0] + [rule.n_rows for rule in rules])
        self.schemas_ = {
            rule.name: self._fit_schema(
                rule, k, np.arange(starts[k], starts[k + 1]), X, data, decision, positive, folds, prior_inputs, n_jobs
            )
            for k, rule in enumerate(rules)
        }
        self.models_ = {name: fitted.model for name, fitted in self.schemas_.items()}
        default = self.schemas_[schemas[0]]
        self.model_ = default.model
        for name in FittedSchema.LEGACY:  # the first corpus's, as a model trained on one corpus has them
            setattr(self, f"{name}_", getattr(default, name))
        for field in fields(default.choices):
            setattr(self, f"{field.name}_", getattr(default.choices, field.name))
        self.n_training_candidates_ = len(data)
        self.n_unreachable_ = data.unreachable
        return self

    def _count_priors(
        self, documents: list[Document], data: TrainingSet, positive: np.ndarray, folds: list[Split]
    ) -> FoldPriors | None:
        """Count the corpus priors of the training documents, and what each pair reads of them out of fold.

        Sets ``priors_`` (None when ``priors`` is False, or without folds). Documents are told apart by PMID,
        so that one abstract that appears twice (in two corpora) counts once.
        """
        self.priors_ = None
        if self.priors is False or not folds:
            return None
        pairs, ids = data.batch.pairs, data.batch.pairs.identifiers
        training = TrainingPairs(
            group=_pmid_groups(documents)[pairs.doc],
            id_a=[ids[a] for a in pairs.a],
            id_b=[ids[b] for b in pairs.b],
            type_pair=pairs.type_pair,
            related=positive,
            n_type_pairs=len(self.type_pairs_),
        )
        self.priors_ = training.count(np.arange(len(positive)))
        return FoldPriors(out_of_fold_inputs(training, folds), nested_inputs(training, folds))

    def _training_matrix(
        self, documents: list[Document], names: list[str]
    ) -> tuple[TrainingSet, Any, list[SchemaRule]]:
        """The training set of ``documents`` (grouped by corpus, as ``names`` says), its feature matrix, and each
        corpus's candidate rule (what makes a candidate in its schema) with the rows it has.

        Sets ``type_pairs_`` (every corpus's), ``vocabulary_`` (frozen) and ``vectorizer_`` (fitted).
        """
        corpora = [
            (name, [d for d, n in zip(documents, names, strict=True) if n == name]) for name in dict.fromkeys(names)
        ]
        found = []
        for name, docs in corpora:
            split = composites_are_split(docs)
            found.append((name, docs, split, related_type_pairs(docs, split_composites=split)))
        self.type_pairs_ = sorted({tp for *_, tps in found for tp in tps})
        self.vocabulary_ = Vocabulary(growing=True)
        sets = [
            build_training_set(
                docs,
                self.vocabulary_,
                self.type_pairs_,
                split_composites=split,
                negative_label=self.negative_label,
                max_pairs=self.max_pairs_per_doc,
                allowed_type_pairs=tps,
            )
            for _, docs, split, tps in found
        ]
        self.vocabulary_.freeze()
        for (name, *_), part in zip(found, sets, strict=True):
            related = part.labels != self.negative_label
            where = "" if len(found) == 1 else f" of corpus {name}"
            if not related.any():
                raise UsageError(
                    f"no training relation{where} joins two candidate entities of its document: nothing to learn from"
                )
            if related.all():
                raise UsageError(
                    f"every candidate pair of the training documents{where} is related: no unrelated pair to learn from"
                )
        rules = [
            SchemaRule(name, tuple(tps), split, len(part), part.unreachable)
            for (name, _, split, tps), part in zip(found, sets, strict=True)
        ]
        data = concat_training_sets(sets)
        self.vectorizer_ = clone(self.vectorizer) if self.vectorizer is not None else PairVectorizer()
        X = self.vectorizer_.fit_transform(data.batch, self.vocabulary_, len(self.type_pairs_))
        # sorted in place here: worker processes receive read-only copies, which scikit-learn may want to sort
        X.sort_indices()
        return data, X, rules

    def _fit_schema(
        self,
        rule: SchemaRule,
        index: int,
        rows: np.ndarray,
        X: Any,
        data: TrainingSet,
        decision: np.ndarray,
        positive: np.ndarray,
        folds: list[Split],
        priors: FoldPriors | None,
        n_jobs: int,
    ) -> FittedSchema:
        """Cross-validate and fit the stages of schema ``index`` on its corpus's ``rows``; the schema with its model."""
        local = rows_within(folds, rows)
        view = data.view(rows, unreachable=rule.unreachable)
        choices = cross_validate(
            decision[rows],
            self._labeler_maker(n_jobs=1),
            X[rows],
            view,
            positive[rows],
            self.type_pairs_,
            local,
            context=self.context,
            class_weight=self.class_weight if self.labeler is None else None,
            own_labelers=self.own_labelers,
            min_type_pair_relations=self.min_type_pair_relations,
            rule=self.rule,
            calibration=self.calibration,
            threshold=self.threshold,
            priors=None if priors is None else priors.rows(rows),
            nonlinear=self.nonlinear,
            random_state=self.random_state,
            n_jobs=n_jobs,
        )
        X_rows, is_related, labels = X[rows], positive[rows], view.labels
        labeler = self._fit_labeler(X_rows[is_related], labels[is_related], n_jobs, choices.class_weight)
        pair_type = view.pairs.type_pair
        own_labelers = {
            tp: self._fit_labeler(X_rows[rows_of], labels[rows_of], n_jobs, choices.own_type_pairs[tp])
            for tp in choices.own_type_pairs
            for rows_of in [is_related & (pair_type == self.type_pairs_.index(tp))]
        }
        values = np.array([n or "" for n in view.novelty], dtype=object)[is_related]
        has_novelty = values != ""
        novelty_model = (
            self._fit_labeler(X_rows[is_related][has_novelty], values[has_novelty], n_jobs)
            if has_novelty.any()
            else None
        )
        n_features = X.shape[1]
        model = RelationModel(
            vocabulary=self.vocabulary_,
            vectorizer=self.vectorizer_,
            type_pairs=tuple(self.type_pairs_),
            split_composites=rule.split_composites,
            detector=schema_detector(self.detector_, index, n_features),
            labeler=LabelStage(
                LinearStage.from_estimator(labeler, n_features),
                {
                    self.type_pairs_.index(tp): LinearStage.from_estimator(e, n_features)
                    for tp, e in own_labelers.items()
                },
            ),
            novelty=None if novelty_model is None else LinearStage.from_estimator(novelty_model, n_features),
            threshold=float(choices.threshold),
            max_pairs_per_doc=self.max_pairs_per_doc,
            context=choices.context,
            rule=choices.rule,
            calibration=choices.calibration,
            curve=choices.precision_curve,
            priors=self.priors_ if choices.context is not None and "priors" in choices.context.groups else None,
            schema=rule.name,
            candidate_type_pairs=None if rule.type_pairs == tuple(self.type_pairs_) else rule.type_pairs,
        )
        return FittedSchema(
            name=rule.name,
            type_pairs=list(rule.type_pairs),
            split_composites=rule.split_composites,
            labels=sorted(set(labels[is_related])),
            novelty_labels=sorted(set(values[has_novelty])),
            choices=choices,
            labeler=labeler,
            own_labelers=own_labelers,
            novelty_model=novelty_model,
            model=model,
        )

    def _check_linear(self, X: Any, labels: np.ndarray, positive: np.ndarray, novelty: Sequence[str | None]) -> None:
        """Refuse a ``detector`` or ``labeler`` of the user's that a model cannot hold, before the long fits.

        The labeler is tried on the labels, or on the novelty when there is a single label; the
        defaults need no trial (they are linear), nor does a single class (no model decides it).
        """
        positive_rows = np.flatnonzero(positive)
        values = np.array([n or "" for n in novelty], dtype=object)
        novelty_rows = positive_rows[values[positive_rows] != ""]
        trials = [
            ("detector", self.detector, [(np.arange(len(positive)), positive)]),
            ("labeler", self.labeler, [(positive_rows, labels[positive_rows]), (novelty_rows, values[novelty_rows])]),
        ]
        for name, estimator, targets in trials:
            target = next(((rows, y) for rows, y in targets if len(np.unique(y)) > 1), None)
            if estimator is not None and target is not None:
                _check_linear_classifier(name, estimator, X, *target)

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

    def _labeler_maker(self, n_jobs: int) -> Callable[[str | None], ClassifierMixin]:
        """``make(class_weight)``: an unfitted labeler (``labeler``, or the default one-vs-rest logistic regression)."""

        def make(class_weight: str | None) -> ClassifierMixin:
            if self.labeler is not None:
                return clone(self.labeler)
            return OneVsRestClassifier(self._logistic(LABELER_C, class_weight=class_weight), n_jobs=n_jobs)

        return make

    def _fit_labeler(self, X: Any, y: np.ndarray, n_jobs: int, class_weight: str | None = None) -> ClassifierMixin:
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
        """Type-level F1 (pair and label right) of the predictions on gold documents, their relations hidden from it."""
        from ..evaluation.metrics import score_documents  # as ClassifierMixin.score: extract stays below evaluation

        gold = list(documents)
        predicted = self.predict_documents(d.with_relations(()) for d in gold)
        return score_documents(gold, predicted).levels["type"].f1


def _check_supervision(documents: Sequence[Document], negative_label: str) -> None:
    """Raise UsageError when ``documents`` carry no relation, or one labelled ``negative_label``."""
    if not any(d.relations for d in documents):
        raise UsageError("the training documents carry no relation lines: nothing to learn from")
    if negative_label in {r.label for d in documents for r in d.relations}:
        raise UsageError(f"negative_label {negative_label!r} is also a relation label in the data")


def _check_linear_classifier(name: str, estimator: Any, X: Any, rows: np.ndarray, y: np.ndarray) -> None:
    """Fit a clone of ``estimator`` on a few of ``rows`` (of ``X``; their classes ``y``) of each class, and raise
    ValueError unless it reads as a :class:`LinearStage` whose probabilities are its own ``predict_proba``
    (so that what cross-validation measures is what the model computes)."""
    trial = np.sort(np.concatenate([np.flatnonzero(y == c)[:20] for c in np.unique(y)]))
    X_trial, y_trial = X[rows[trial]], y[trial]
    fitted = clone(estimator).fit(X_trial, y_trial)
    kind = type(estimator).__name__
    try:
        stage = LinearStage.from_estimator(fitted, X.shape[1])
    except (AttributeError, ValueError):
        raise ValueError(
            f"{name} must be a linear classifier (fitted, with coef_ and intercept_, or a one-vs-rest of such), "
            f"since a model keeps only linear weights; {kind} is not one"
        ) from None
    if not np.allclose(stage.probabilities(stage.decision(X_trial)), fitted.predict_proba(X_trial), atol=1e-4):
        raise ValueError(
            f"{name}'s predict_proba must be the logistic function of its decision values (normalized over the "
            f"classes of a one-vs-rest), which is what a model computes; {kind}'s is not (a multinomial model? "
            "wrap it in OneVsRestClassifier)"
        )
