"""What grouped cross-validation decides when a model is fitted (training only: uses scikit-learn).

Every choice below is made on out-of-fold predictions over the training documents, folds grouped by
document, so that nothing about a corpus is written in the code:

1. :func:`fit_context`: whether the document-context stage helps and which inputs it reads (log loss
   of the pair's probability of being related, against the detector's own recalibrated);
2. :func:`choose_labelers`: the labelers' class weighting (type-level F1) and, per entity type pair,
   whether its own labeler labels better than the pooled one (accuracy on its related pairs);
3. :func:`choose_rule`: whether a pair's raw score is its probability of being related, or that times
   its label's probability (type-level F1, when there are several labels);
4. :func:`fit_calibration`: isotonic or Platt calibration of the raw score (expected calibration error
   of calibrators fitted on the other folds), then fitted on all out-of-fold scores.

Each returns its decision with the cross-validated figures behind it, which the model card records;
:func:`cross_validate` makes them all, and the threshold, on a training set and returns them as one
:class:`CrossValidatedChoices`. The folds are relclf's own (:func:`grouped_folds`) or splits of the
documents given by the user (:func:`check_document_splits`), as candidate rows (:func:`training_folds`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

from .calibration import Calibration, PrecisionCurve, expected_calibration_error
from .context import ContextStage, context_inputs
from .features import NUMERIC, Pairs
from .threshold import cumulative_hits
from .training import TrainingView
from .trees import TreeEnsemble

__all__ = [
    "CONTEXT_CHOICES",
    "ContextChoice",
    "CrossValidatedChoices",
    "LabelChoice",
    "Split",
    "best_f1",
    "check_document_splits",
    "choose_labelers",
    "choose_rule",
    "cross_validate",
    "fit_calibration",
    "fit_context",
    "fold_probabilities",
    "grouped_folds",
    "out_of_fold_decisions",
    "simplest_within_one_error",
    "training_folds",
]

# (train, test) of one fold: indices of candidate pairs (rows), or of documents in splits a user gives.
Split = tuple[np.ndarray, np.ndarray]


def grouped_folds(groups: np.ndarray, n_splits: int) -> list[Split]:
    """Split rows into ``n_splits`` folds that keep each group (document) whole: (train, test) row indices.

    The largest groups go first, each to the fold with the fewest rows so far (scikit-learn's
    GroupKFold without shuffling, as of 1.9). relclf assigns the folds itself because GroupKFold's
    tie-breaking has changed between scikit-learn versions, and with it every cross-validated choice:
    the same training file must give the same model under every version pyproject allows.
    """
    unique, group_index = np.unique(groups, return_inverse=True)
    if not 2 <= n_splits <= len(unique):
        raise ValueError(f"cannot make {n_splits} folds of {len(unique)} groups")
    sizes = np.bincount(group_index)
    order = np.argsort(sizes, kind="stable")[::-1]  # largest first; among equals, the later group first
    rows_per_fold = np.zeros(n_splits, dtype=np.int64)
    fold_of_group = np.zeros(len(unique), dtype=np.int64)
    for group in order:
        lightest = int(np.argmin(rows_per_fold))
        rows_per_fold[lightest] += sizes[group]
        fold_of_group[group] = lightest
    fold_of_row = fold_of_group[group_index]
    return [(np.flatnonzero(fold_of_row != fold), np.flatnonzero(fold_of_row == fold)) for fold in range(n_splits)]


def check_document_splits(splits: Iterable[Any], n_documents: int) -> list[Split]:
    """Check a user's (train, test) splits of document indices (``0 .. n_documents - 1``); return them as arrays.

    Every document must be in exactly one test part: every choice, the calibration and the threshold
    are fitted on out-of-fold scores of every training pair, so a document never tested would have
    none. No split may train and test on the same document, and there must be at least 2 splits.
    Raises ValueError naming the first problem.

    >>> check_document_splits([([1], [0]), ([0], [1])], 2)
    [(array([1]), array([0])), (array([0]), array([1]))]
    """
    checked: list[Split] = []
    tested_in = np.full(n_documents, -1)  # the split that tests each document
    for k, split in enumerate(splits):
        try:
            train, test = split
        except (TypeError, ValueError):
            raise ValueError(f"cv: split {k} is not a (train, test) pair of arrays of document indices") from None
        train, test = _document_indices(train, k, "train", n_documents), _document_indices(test, k, "test", n_documents)
        both = np.intersect1d(train, test)
        if len(both):
            raise ValueError(f"cv: split {k} trains and tests on document {both[0]}")
        again = test[tested_in[test] >= 0]
        if len(again):
            raise ValueError(
                f"cv: document {again[0]} is tested in split {tested_in[again[0]]} and again in split {k}; "
                "every document must be tested exactly once"
            )
        tested_in[test] = k
        checked.append((train, test))
    if len(checked) < 2:
        raise ValueError(f"cv: {len(checked)} split{'' if len(checked) == 1 else 's'} given; at least 2 are needed")
    untested = np.flatnonzero(tested_in < 0)
    if len(untested):
        raise ValueError(
            f"cv: document {untested[0]} ({len(untested)} of {n_documents} in all) is in no test part; every document "
            "must be tested exactly once, since every choice is fitted on out-of-fold scores"
        )
    return checked


def _document_indices(part: Any, split: int, name: str, n_documents: int) -> np.ndarray:
    """One part of a split as an array of document indices; ValueError when it is not, or an index is out of range."""
    values = np.asarray(part)
    if values.ndim != 1 or (len(values) and values.dtype.kind not in "iu"):
        raise ValueError(f"cv: the {name} part of split {split} is not a 1-D array of document indices (integers)")
    values = values.astype(np.int64)
    outside = values[(values < 0) | (values >= n_documents)]
    if len(outside):
        raise ValueError(
            f"cv: the {name} part of split {split} names document {outside[0]}, out of range for {n_documents} "
            "documents"
        )
    return values


def training_folds(cv: int | Sequence[Split], groups: np.ndarray) -> list[Split]:
    """The folds of every cross-validated choice, as candidate rows (none when a single document has candidates).

    Parameters
    ----------
    cv : int or sequence of (train, test)
        A number of folds that keep documents whole (:func:`grouped_folds`; fewer when fewer documents
        have candidates), or splits of document indices checked by :func:`check_document_splits`.
    groups : array of int
        The document (index) of each candidate row.

    >>> training_folds([([1], [0]), ([0], [1])], np.array([0, 0, 1]))
    [(array([2]), array([0, 1])), (array([0, 1]), array([2]))]
    """
    if isinstance(cv, (int, np.integer)):
        n_splits = min(int(cv), len(np.unique(groups)))
        return grouped_folds(groups, n_splits) if n_splits >= 2 else []
    return [(np.flatnonzero(np.isin(groups, train)), np.flatnonzero(np.isin(groups, test))) for train, test in cv]


# The trees of a nonlinear context stage (scikit-learn's HistGradientBoostingClassifier). Shallow and few:
# they read a few dozen numbers; grouped 5-fold cross-validation on BioRED and BC5CDR Train found deeper
# or more trees no better (docs/accuracy.md).
TREE_PARAMETERS: dict[str, Any] = {
    "max_iter": 100,
    "max_depth": 3,
    "learning_rate": 0.1,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
    "early_stopping": False,
}
_TREE_CHECK_ROWS = 2000  # rows on which a tree conversion is checked against the estimator's own decisions

# Input groups the context stage may read, besides the pair's own score (each tried in turn).
CONTEXT_CHOICES: tuple[tuple[str, ...], ...] = (
    ("score", "entity"),
    ("score", "document"),
    ("score", "entity", "document"),
)


def best_f1(scores: np.ndarray, correct: np.ndarray, total: int) -> tuple[float, float]:
    """The threshold that maximizes F1 over ``scores`` (``correct``: hits; ``total``: gold items) and that F1.

    >>> best_f1(np.array([0.9, 0.8, 0.3]), np.array([True, False, True]), 2)
    (0.3, 0.8)
    """
    thresholds, predicted, (hits,) = cumulative_hits(scores, correct)
    if not len(thresholds) or total == 0:
        return 0.5, 0.0
    f1 = 2 * hits / (predicted + total)
    k = int(np.argmax(f1))
    return float(thresholds[k]), float(round(f1[k], 12))


def _log_losses(probability: np.ndarray, correct: np.ndarray, clip: float = 1e-4) -> np.ndarray:
    """Each item's negative log-likelihood under ``probability`` (clipped to [clip, 1 - clip])."""
    p = np.clip(probability, clip, 1 - clip)
    return -np.where(correct, np.log(p), np.log(1 - p))


def simplest_within_one_error(losses: dict[str, np.ndarray]) -> str:
    """The simplest option whose mean loss is within one standard error of the best one's (the one-standard-error rule).

    ``losses`` maps each option, simplest first, to its loss on each item (the same items for
    all); the standard error is that of the mean paired difference with the best option. A more
    complex option must then beat a simpler one by more than noise to be chosen.

    >>> simplest_within_one_error({"simple": np.array([1.0, 0.0, 1.0, 0.0]), "complex": np.array([1.0, 0.0, 0.0, 0.0])})
    'simple'
    >>> simplest_within_one_error({"simple": np.ones(50), "complex": np.zeros(50)})
    'complex'
    """
    means = {name: float(np.mean(loss)) for name, loss in losses.items()}
    best = min(means, key=lambda name: means[name])
    for name, loss in losses.items():
        difference = loss - losses[best]
        error = float(np.std(difference, ddof=1) / np.sqrt(len(difference))) if len(difference) > 1 else 0.0
        if means[name] - means[best] <= error:
            return name
    return best


def _fit_or_constant(
    estimator: Any, X: Any, y: np.ndarray, rows: np.ndarray, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fit a clone of ``estimator`` on ``rows``; its ``test`` probabilities and classes (one class: probability 1)."""
    classes = np.unique(y[rows])
    if (
        len(classes) < 2 or len(test) == 0
    ):  # nothing to learn (no training row: no class, probabilities 0), or nothing to predict
        return np.ones((len(test), len(classes))), classes
    fitted = clone(estimator).fit(X[rows], y[rows])
    return fitted.predict_proba(X[test]), fitted.classes_


def fold_probabilities(
    estimator: Any,
    X: Any,
    y: np.ndarray,
    folds: Sequence[Split],
    *,
    train_rows: np.ndarray | None = None,
    n_jobs: int = 1,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each fold: fit a clone of ``estimator`` on its training rows (those in ``train_rows`` only, when given)
    and return its probabilities for the test rows, with its classes.

    With ``n_jobs`` > 1 the fits run in worker processes, not threads: liblinear's dual solver draws
    from one process-wide random generator, so fits in concurrent threads would disturb each other.
    """
    allowed = np.ones(len(y), dtype=bool)
    if train_rows is not None:
        allowed[:] = False
        allowed[train_rows] = True
    jobs = [(train[allowed[train]], test) for train, test in folds]
    if n_jobs == 1 or len(jobs) < 2:
        return [_fit_or_constant(estimator, X, y, rows, test) for rows, test in jobs]
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs)(delayed(_fit_or_constant)(estimator, X, y, rows, test) for rows, test in jobs)


def out_of_fold_decisions(
    detector: Any, X: Any, positive: np.ndarray, folds: Sequence[Split], n_jobs: int = 1
) -> np.ndarray:
    """The detector's out-of-fold decision value (the logit of its probability of being related) for every pair."""
    decision = np.zeros(len(positive))
    for (_, test), (values, classes) in zip(
        folds, fold_probabilities(detector, X, positive, folds, n_jobs=n_jobs), strict=True
    ):
        p = values[:, list(classes).index(True)] if len(classes) == 2 else np.full(len(test), float(classes[0]))
        p = np.clip(p, 1e-12, 1 - 1e-12)
        decision[test] = np.log(p / (1 - p))
    return decision


# -- 1. the document-context stage --------------------------------------------------------------------


@dataclass(frozen=True)
class FoldPriors:
    """The corpus priors of the training pairs: read out of fold (``final``: what the kept stage is fitted on), and
    for each fold those it is cross-validated with (``per_fold``; see :func:`relclf.extract.priors.nested_inputs`)."""

    final: np.ndarray
    per_fold: list[np.ndarray]

    def rows(self, rows: np.ndarray) -> FoldPriors:
        """The priors of the pairs ``rows`` only (the folds being the same folds, restricted to them)."""
        return FoldPriors(self.final[rows], [inputs[rows] for inputs in self.per_fold])


@dataclass(frozen=True)
class ContextChoice:
    """The context stage (None when not kept), the out-of-fold probabilities of being related after it, CV figures."""

    stage: ContextStage | None
    related: np.ndarray
    scores: dict[str, Any] = field(default_factory=dict)


def _context_model(inputs: np.ndarray, positive: np.ndarray) -> tuple[np.ndarray, float]:
    """A logistic regression on standardized inputs, returned as weights on the raw inputs."""
    mean, scale = inputs.mean(axis=0), inputs.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=100).fit((inputs - mean) / scale, positive)
    coef = model.coef_[0] / scale
    return coef, float(model.intercept_[0] - coef @ mean)


def _context_stage(
    groups: tuple[str, ...], kind: str, inputs: np.ndarray, positive: np.ndarray, random_state: Any = 0
) -> ContextStage:
    """A context stage of ``kind`` (``logistic`` or ``trees``) reading ``groups``, fitted on ``inputs``."""
    if kind == "trees":
        # one thread: the trees are small, and OpenMP's threads fight for the cores with relclf's worker
        # processes and anything else running (under load, a fit took 8 s instead of 0.6 s)
        with threadpool_limits(limits=1, user_api="openmp"):
            model = HistGradientBoostingClassifier(random_state=random_state, **TREE_PARAMETERS).fit(inputs, positive)
        return ContextStage(groups, np.zeros(0), 0.0, TreeEnsemble.from_estimator(model, inputs[:_TREE_CHECK_ROWS]))
    coef, intercept = _context_model(inputs, positive)
    return ContextStage(groups, coef, intercept)


def context_options(*, priors: bool, nonlinear: bool | str) -> list[tuple[str, tuple[str, ...], str]]:
    """The context stages :func:`fit_context` tries, simplest first: ``(name, groups, kind)``.

    The pair's own score alone (the detector recalibrated: no stage), the logistic stages of
    :data:`CONTEXT_CHOICES`, one that also reads the corpus priors (when there are any), and the
    trees over every group (unless ``nonlinear`` is False; alone when it is True).
    """
    logistic = [("score",), *CONTEXT_CHOICES, *([("score", "entity", "document", "priors")] if priors else [])]
    options = [("+".join(groups), groups, "logistic") for groups in logistic] if nonlinear is not True else []
    if nonlinear is not False:
        groups = ("score", "entity", "document", *(("priors",) if priors else ()), "signals")
        options.append(("trees:" + "+".join(groups), groups, "trees"))
    return options


def fit_context(
    decision: np.ndarray,
    pairs: Pairs,
    positive: np.ndarray,
    folds: Sequence[Split],
    mode: bool | str = "auto",
    *,
    priors: FoldPriors | None = None,
    signals: np.ndarray | None = None,
    nonlinear: bool | str = "auto",
    random_state: Any = 0,
) -> ContextChoice:
    """Choose and fit the context stage on the detector's out-of-fold decisions.

    Each option of :func:`context_options` (input groups, logistic regression or trees) is fitted on
    the other folds and scored on each fold by log loss; the simplest within one standard error of
    the best is chosen (:func:`simplest_within_one_error`), so that a stage that reads more, or trees,
    must predict better by more than noise. The own score alone is the detector recalibrated, which
    the calibration does anyway: then the stage is not kept.

    Parameters
    ----------
    decision : array of float
        The detector's out-of-fold decision value of every candidate pair.
    pairs : Pairs
        The candidate pairs (their documents and entities).
    positive : array of bool
        Whether each pair is related.
    folds : sequence of (train, test)
        The grouped folds that produced ``decision``.
    mode : "auto", True or False
        "auto": as above; True: keep the best stage whatever its gain; False: no stage.
    priors : FoldPriors, optional
        The corpus priors each pair reads out of fold, and those each fold is cross-validated with
        (:mod:`relclf.extract.priors`); without them no option reads priors.
    signals : array, optional
        Each pair's ``FeatureBatch.numeric`` (read by the trees).
    nonlinear : "auto", True or False
        Whether the trees are tried ("auto"), the only stage tried (True), or not tried (False).
    random_state : int or None
        Seed of the trees.

    Returns
    -------
    ContextChoice
        With each option's cross-validated log loss and average precision (``ap``).
    """
    detector_related = 1.0 / (1.0 + np.exp(-decision))
    if mode is False or not positive.any() or positive.all():
        return ContextChoice(None, detector_related, {"kept": False})
    signals = signals if signals is not None else np.zeros((len(decision), len(NUMERIC)))
    tried: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    options = context_options(priors=priors is not None, nonlinear=nonlinear)

    def inputs_of(groups: tuple[str, ...], prior_inputs: np.ndarray | None) -> np.ndarray:
        return context_inputs(pairs.doc, pairs.a, pairs.b, decision, groups, priors=prior_inputs, signals=signals)

    for name, groups, kind in options:
        inputs = inputs_of(groups, priors.final if priors is not None else None)
        related = detector_related.copy()
        for k, (train, test) in enumerate(folds):
            if positive[train].any() and not positive[train].all():
                cv_inputs = inputs if "priors" not in groups else inputs_of(groups, priors.per_fold[k])  # type: ignore[union-attr]
                stage = _context_stage(groups, kind, cv_inputs[train], positive[train], random_state)
                related[test] = stage.probability_of(cv_inputs[test])
        tried[name] = (inputs, related)
    losses = {name: _log_losses(related, positive) for name, (_, related) in tried.items()}
    if mode is True and len(losses) > 1:
        losses.pop("score", None)
    name = simplest_within_one_error(losses)
    scores = {
        "log_loss": {k: round(float(v.mean()), 5) for k, v in losses.items()},
        "ap": {k: round(float(average_precision_score(positive, related)), 4) for k, (_, related) in tried.items()},
        "kept": name != "score",
        "inputs": name,
    }
    if name == "score":
        return ContextChoice(None, detector_related, scores)
    inputs, related = tried[name]
    _, groups, kind = next(option for option in options if option[0] == name)
    return ContextChoice(_context_stage(groups, kind, inputs, positive, random_state), related, scores)


# -- 2. labelers ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelChoice:
    """The pooled labeler's class weighting, the type pairs (indices) given their own labeler with its
    class weighting, the out-of-fold label probabilities (columns: ``classes``) that follow, and the CV figures."""

    class_weight: str | None
    own: dict[int, str | None]
    classes: np.ndarray
    probabilities: np.ndarray
    scores: dict[str, Any] = field(default_factory=dict)

    def labels(self) -> np.ndarray:
        """The label each pair gets out of fold."""
        return self.classes[np.argmax(self.probabilities, axis=1)]


def _spread(values: np.ndarray, fold_classes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probabilities over ``fold_classes`` as columns of ``classes`` (absent classes: 0)."""
    out = np.zeros((len(values), len(classes)))
    out[:, np.searchsorted(classes, fold_classes)] = values
    return out


def _oof_probabilities(
    estimator: Any,
    X: Any,
    labels: np.ndarray,
    classes: np.ndarray,
    folds: Sequence[Split],
    train_rows: np.ndarray,
    n_jobs: int,
) -> np.ndarray:
    """Out-of-fold probabilities over ``classes`` (one row per pair; rows outside the folds' test parts stay 0)."""
    probabilities = np.zeros((len(labels), len(classes)))
    for (_, test), (values, fold_classes) in zip(
        folds, fold_probabilities(estimator, X, labels, folds, train_rows=train_rows, n_jobs=n_jobs), strict=True
    ):
        probabilities[test] = _spread(values, fold_classes, classes)
    return probabilities


def _accuracy(probabilities: np.ndarray, classes: np.ndarray, labels: np.ndarray) -> float:
    """The share of rows whose most probable class is their label."""
    return float(np.mean(classes[np.argmax(probabilities, axis=1)] == labels))


def choose_labelers(
    make: Callable[[str | None], Any],
    X: Any,
    labels: np.ndarray,
    positive: np.ndarray,
    type_pairs: np.ndarray,
    folds: Sequence[Split],
    *,
    class_weight: str | None = "auto",
    own_labelers: bool | str = "auto",
    min_relations: int = 30,
    n_jobs: int = 1,
) -> LabelChoice:
    """Decide the labelers by grouped cross-validation (a single label needs none: every pair gets it).

    The pooled labeler is trained on every related pair. Each type pair with at least
    ``min_relations`` related pairs is then given the labeler that labels them best out of fold
    (accuracy, which is what type-level micro F1 counts): the pooled one, or its own trained on them
    alone, without class weighting or balanced (a rare label weighs as much as a frequent one). Of
    these, simplest first, the first within one standard error of the best is chosen
    (:func:`simplest_within_one_error`): one more labeler must label better by more than noise.

    Parameters
    ----------
    make : callable
        ``make(class_weight)``: an unfitted labeler with that class weighting (None or "balanced").
    X : sparse matrix
        Features of every candidate pair.
    labels : array of str
        Each pair's gold label (or the negative label).
    positive : array of bool
        Whether each pair is related.
    type_pairs : array of int
        Each pair's type pair index.
    folds : sequence of (train, test)
        Grouped folds.
    class_weight : "auto", None or "balanced"
        "auto": the pooled labeler is balanced, and each type pair's own labeler is tried with and
        without; otherwise every labeler has this one.
    own_labelers : "auto", True or False
        "auto": as above; True: every type pair with enough relations gets its own labeler (of the
        better weighting); False: none does.
    n_jobs : int
        Worker processes for the fits.

    Returns
    -------
    LabelChoice
    """
    classes = np.unique(labels[positive])
    rows = np.flatnonzero(positive)
    if len(classes) == 1:
        return LabelChoice(None, {}, classes, np.ones((len(labels), 1)), {})
    # class weighting is tried on the type pairs' own labelers only: trying it on the pooled one too
    # would double the most expensive fits of training (the pooled labeler's, once per fold), and
    # training on BioRED Train + Dev would take 21 s instead of 18. The pooled labeler is balanced:
    # in grouped 5-fold cross-validation on BioRED Train, with every other choice made as here, the
    # type-level F1 was 0.539 with a balanced pooled labeler and 0.537 without.
    pooled_weight = "balanced" if class_weight == "auto" else class_weight
    own_weights = [None, "balanced"] if class_weight == "auto" else [class_weight]
    probabilities = _oof_probabilities(make(pooled_weight), X, labels, classes, folds, rows, n_jobs)
    scores: dict[str, Any] = {
        "pooled_class_weight": pooled_weight,
        "pooled_accuracy": round(_accuracy(probabilities[rows], classes, labels[rows]), 4),
    }
    own: dict[int, str | None] = {}
    if own_labelers is not False:
        own_scores = {}
        for t in np.unique(type_pairs[rows]).tolist():
            members = rows[type_pairs[rows] == t]
            if len(members) < min_relations:
                continue
            sub_folds = [(train[type_pairs[train] == t], test[type_pairs[test] == t]) for train, test in folds]
            options = {} if own_labelers is True else {"pooled": probabilities}
            options.update(
                {
                    f"own, {_weight_name(w)}": _oof_probabilities(
                        make(w), X, labels, classes, sub_folds, members, n_jobs
                    )
                    for w in own_weights
                }
            )
            errors = {
                name: (classes[np.argmax(p[members], axis=1)] != labels[members]).astype(float)
                for name, p in options.items()
            }
            best = simplest_within_one_error(errors)
            own_scores[int(t)] = {
                "relations": len(members),
                **{k: round(1 - float(v.mean()), 4) for k, v in errors.items()},
                "chosen": best,
            }
            if best != "pooled":
                own[int(t)] = own_weights[[f"own, {_weight_name(w)}" for w in own_weights].index(best)]
                in_type = np.flatnonzero(type_pairs == t)
                probabilities[in_type] = options[best][in_type]
        scores["type_pairs"] = own_scores
    return LabelChoice(pooled_weight, own, classes, probabilities, scores)


def _weight_name(class_weight: str | None) -> str:
    return "balanced" if class_weight == "balanced" else "unweighted"


# -- 3. the decision rule ----------------------------------------------------------------------------------


def rule_threshold(
    rule: str, related: np.ndarray, label_probability: np.ndarray, positive: np.ndarray, correct: np.ndarray, total: int
) -> tuple[float, np.ndarray]:
    """The threshold of best out-of-fold F1 for a decision rule, on that rule's own raw score, and the pairs it keeps.

    ``pair``: the probability of being related, at the best *pair* F1 (whether a pair is related is
    decided on its own, whatever its label); ``detector``: the same probability, at the best type-level
    F1 (pair and label right); ``detector_x_label``: that probability times the label's, at the best
    type-level F1.
    """
    if rule == "pair":
        threshold = best_f1(related, positive, total)[0]
        return threshold, related >= threshold
    raw = related * label_probability if rule == "detector_x_label" else related
    threshold = best_f1(raw, correct, total)[0]
    return threshold, raw >= threshold


def choose_rule(
    related: np.ndarray,
    label_probability: np.ndarray,
    positive: np.ndarray,
    correct: np.ndarray,
    total: int,
    mode: str = "pair",
) -> tuple[str, dict[str, dict[str, float]]]:
    """The decision rule: ``mode``, or with "auto" the rule (:data:`relclf.extract.model.DECISION_RULES`) whose
    out-of-fold type-level F1 at its own best threshold (:func:`rule_threshold`) is highest, the simplest first
    on ties. Returns the rule and each rule's out-of-fold pair and type F1 there (JSON-ready).

    A single label (every probability 1) makes ``detector`` and ``detector_x_label`` the same.
    """
    figures = {}
    for rule in ("pair", "detector", "detector_x_label"):
        _, kept = rule_threshold(rule, related, label_probability, positive, correct, total)
        figures[rule] = {
            "pair_f1": round(2 * int((kept & positive).sum()) / (int(kept.sum()) + total), 4) if total else 0.0,
            "type_f1": round(2 * int((kept & correct).sum()) / (int(kept.sum()) + total), 4) if total else 0.0,
        }
    if mode != "auto":
        return mode, figures
    if np.all(label_probability == 1):
        figures.pop("detector_x_label")
    order = list(figures)
    return max(order, key=lambda k: (figures[k]["type_f1"], -order.index(k))), figures


# -- 4. calibration -----------------------------------------------------------------------------------------


def calibrate(method: str, raw: np.ndarray, correct: np.ndarray) -> Calibration:
    """Fit a calibration map from raw scores to the probability of being right.

    ``isotonic``: isotonic regression, then linear interpolation through the centroids of its steps
    (centred isotonic regression: strictly increasing between the first and last step, so that pairs
    keep their order within a step); ``platt``: a logistic regression on the logit of the raw score.
    """
    correct = np.asarray(correct, dtype=float)
    if method == "none" or len(raw) == 0:
        return Calibration.identity()
    if method == "platt":
        logit = np.log(np.clip(raw, 1e-9, 1 - 1e-9) / np.clip(1 - raw, 1e-9, 1))
        if correct.min() == correct.max():
            return Calibration("platt", np.zeros(0), np.array([0.0, -20.0 if correct.max() == 0 else 20.0]))
        model = LogisticRegression(C=1e4, max_iter=1000).fit(
            logit[:, None], correct.astype(bool)
        )  # ~unregularized: 2 parameters, thousands of scores
        return Calibration("platt", np.zeros(0), np.array([float(model.coef_[0, 0]), float(model.intercept_[0])]))
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit_transform(raw, correct)
    steps, step = np.unique(fitted, return_inverse=True)
    centroids = np.bincount(step, weights=raw) / np.bincount(step)
    return Calibration("isotonic", centroids, steps)


def fit_calibration(
    raw: np.ndarray, correct: np.ndarray, folds: Sequence[Split], method: str = "auto"
) -> tuple[Calibration, dict[str, Any]]:
    """Calibrate out-of-fold raw scores; ``method`` "auto" picks Platt or isotonic by cross-validation.

    Each method is fitted on the other folds' scores and scored on each fold's by log loss, a proper
    scoring rule. Platt's map (2 parameters) is chosen unless the isotonic one (a step per few dozen
    scores) has a lower loss by more than one standard error (:func:`simplest_within_one_error`); the
    chosen method is then fitted on all the scores. (The expected calibration error, which relclf
    reports, is no criterion here: a binned measure, it rewards a map for fitting the training folds'
    bins, as the isotonic one did on BioRED Train, where it then had the larger error on Dev.) Returns
    the calibration and each method's cross-validated log loss and calibration error.
    """
    methods = ["platt", "isotonic"] if method == "auto" else [method]
    scores: dict[str, Any] = {}
    losses = {}
    if len(methods) > 1:
        for m in methods:
            calibrated = np.zeros(len(raw))
            for train, test in folds:
                calibrated[test] = calibrate(m, raw[train], correct[train])(raw[test])
            losses[m] = _log_losses(calibrated, correct)
            scores[m] = {
                "log_loss": round(float(losses[m].mean()), 5),
                "ece": round(expected_calibration_error(calibrated, correct), 4),
            }
    chosen = simplest_within_one_error(losses) if losses else methods[0]
    return calibrate(chosen, raw, correct), scores


# -- all of them ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossValidatedChoices:
    """Every choice cross-validation made for a model, and the figures behind them (the model card's).

    Attributes
    ----------
    context : ContextStage or None
        The document-context stage, when kept (:func:`fit_context`).
    class_weight : str or None
        The pooled labeler's class weighting (:func:`choose_labelers`).
    own_type_pairs : dict of str to str or None
        The type pairs given their own labeler, with its class weighting.
    rule : str
        ``detector`` or ``detector_x_label`` (:func:`choose_rule`).
    calibration : Calibration
        Raw score -> calibrated score (:func:`fit_calibration`).
    threshold : float
        The decision threshold, unless one was given: under the ``pair`` rule on the probability of being
        related, at the best out-of-fold pair F1; under the others on the calibrated score, at the best
        type-level F1.
    precision_curve : PrecisionCurve
        Out-of-fold precision and recall (pair and label right) at each calibrated threshold.
    cv_scores : dict
        The cross-validated figures behind each choice (JSON-ready).
    """

    context: ContextStage | None
    class_weight: str | None
    own_type_pairs: dict[str, str | None]
    rule: str
    calibration: Calibration
    threshold: float
    precision_curve: PrecisionCurve
    cv_scores: dict[str, Any]


def cross_validate(
    decision: np.ndarray,
    make_labeler: Callable[[str | None], Any],
    X: Any,
    data: TrainingView,
    positive: np.ndarray,
    type_pairs: Sequence[str],
    folds: Sequence[Split],
    *,
    context: bool | str = "auto",
    class_weight: str | None = "auto",
    own_labelers: bool | str = "auto",
    min_type_pair_relations: int = 30,
    rule: str = "pair",
    calibration: str = "auto",
    threshold: float | str = "auto",
    priors: FoldPriors | None = None,
    nonlinear: bool | str = "auto",
    random_state: Any = 0,
    n_jobs: int = 1,
) -> CrossValidatedChoices:
    """Make every cross-validated choice of a model (steps 1 to 4 above) and its threshold; fits clones only.

    Parameters
    ----------
    decision : array of float
        The detector's out-of-fold decision value of every candidate pair (:func:`out_of_fold_decisions`).
    make_labeler : callable
        ``make_labeler(class_weight)``: an unfitted labeler (see :func:`choose_labelers`).
    X : sparse matrix
        Features of every candidate pair of ``data``.
    data : TrainingView
        The candidate pairs, their signals and gold labels, and the gold relations no candidate covers.
    positive : array of bool
        Whether each pair is related.
    type_pairs : sequence of str
        The model's type pairs (pairs' ``type_pair`` indexes them).
    folds : sequence of (train, test)
        Candidate rows (:func:`training_folds`); none: nothing is measured, and each choice is the
        fixed one given or the simplest (no context stage, the ``pair`` rule, no calibration,
        threshold 0.5).
    context, class_weight, own_labelers, min_type_pair_relations, rule, calibration, threshold, nonlinear
        As the parameters of :class:`~relclf.extract.estimator.RelationExtractor` ("auto": chosen
        here); ``class_weight`` None when the labeler is the user's (its weighting is not tried).
    priors : FoldPriors, optional
        The corpus priors the context stage may read (see :func:`fit_context`); None: it reads none.
    random_state : int or None
        Seed of the context stage's trees.
    n_jobs : int
        Worker processes for the fits.

    Returns
    -------
    CrossValidatedChoices
    """
    labels = data.labels
    total = int(positive.sum()) + data.unreachable
    if not folds:  # a single document: nothing to measure a choice on
        return CrossValidatedChoices(
            context=None,
            class_weight=None if class_weight == "auto" else class_weight,
            own_type_pairs={},
            rule="pair" if rule == "auto" else rule,
            calibration=Calibration.identity(),
            threshold=0.5 if threshold == "auto" else float(threshold),
            precision_curve=PrecisionCurve.empty(),
            cv_scores={},
        )
    context_choice = fit_context(
        decision,
        data.pairs,
        positive,
        folds,
        context,
        priors=priors,
        signals=data.signals,
        nonlinear=nonlinear,
        random_state=random_state,
    )
    label_choice = choose_labelers(
        make_labeler,
        X,
        labels,
        positive,
        data.pairs.type_pair,
        folds,
        class_weight=class_weight,
        own_labelers=own_labelers,
        min_relations=min_type_pair_relations,
        n_jobs=n_jobs,
    )
    own_type_pairs = {type_pairs[t]: weight for t, weight in sorted(label_choice.own.items())}
    correct = positive & (label_choice.labels() == labels)
    label_probability = label_choice.probabilities.max(axis=1)
    related = context_choice.related
    chosen_rule, rule_scores = choose_rule(related, label_probability, positive, correct, total, rule)
    # the score says whether the relation as written (pair and label) is right, whichever rule decides
    raw = related if chosen_rule == "detector" else related * label_probability
    calibration_map, calibration_scores = fit_calibration(raw, correct, folds, calibration)
    calibrated = calibration_map(raw)
    _, f1 = best_f1(calibrated, correct, total)
    if chosen_rule == "pair":  # the pair decision: on the probability of being related, at the best pair F1
        best_threshold = rule_threshold("pair", related, label_probability, positive, correct, total)[0]
        decided = related
    else:  # on the calibrated score, at the best type-level F1
        best_threshold, decided = best_f1(calibrated, correct, total)[0], calibrated
    chosen_threshold = best_threshold if threshold == "auto" else float(threshold)
    kept = decided >= chosen_threshold
    cv_scores = {
        "folds": len(folds),
        "context": context_choice.scores,
        "labels": {
            **label_choice.scores,
            "type_pairs": {type_pairs[int(t)]: v for t, v in label_choice.scores.get("type_pairs", {}).items()},
            "own_type_pairs": {tp: str(w).lower() for tp, w in own_type_pairs.items()},
        },
        "rule": {"chosen": chosen_rule, "at_own_threshold": rule_scores},
        "calibration": {"chosen": calibration_map.method, **calibration_scores},
        "at_threshold": {
            "threshold": round(chosen_threshold, 4),
            "pair_f1": round(2 * int((kept & positive).sum()) / (int(kept.sum()) + total), 4),
            "type_f1": round(2 * int((kept & correct).sum()) / (int(kept.sum()) + total), 4),
            "best_type_f1": round(f1, 4),
        },
    }
    return CrossValidatedChoices(
        context=context_choice.stage,
        class_weight=label_choice.class_weight,
        own_type_pairs=own_type_pairs,
        rule=chosen_rule,
        calibration=calibration_map,
        threshold=chosen_threshold,
        precision_curve=PrecisionCurve.from_scores(calibrated, correct, total, folds=[test for _, test in folds]),
        cv_scores=cv_scores,
    )
