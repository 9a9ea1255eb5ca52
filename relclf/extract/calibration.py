"""Scores that mean what they say: calibration maps, the calibration error, and the precision a threshold buys.

A model's raw score ranks pairs well but is not a probability anyone has checked. :class:`Calibration`
maps it to the probability that the relation as written (pair and label) is right; it is fitted on
out-of-fold scores of the training documents (:mod:`relclf.extract.fitting`) and stored as plain
arrays. :func:`expected_calibration_error` and :func:`reliability` measure how far stated scores are
from observed accuracy (equal-width bins). :class:`PrecisionCurve` is the precision and recall that
cross-validation saw at each threshold, so that a user can ask for a precision and get the threshold
that reached it (:meth:`PrecisionCurve.threshold_for`).

Everything here is numpy: prediction and evaluation use it without scikit-learn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from .threshold import cumulative_hits

__all__ = [
    "CALIBRATION_METHODS",
    "ECE_BINS",
    "ECE_LOW",
    "Calibration",
    "CurvePoint",
    "PrecisionCurve",
    "ReliabilityBin",
    "expected_calibration_error",
    "reliability",
]

CALIBRATION_METHODS = ("isotonic", "platt", "none")
# The calibration error is measured over pairs scoring at least ECE_LOW, in ECE_BINS equal-width bins:
# below 0.1 lie tens of thousands of unrelated pairs whose near-zero scores would drown the error of
# the scores anyone reads.
ECE_BINS = 10
ECE_LOW = 0.1
_EPSILON = 1e-9


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPSILON, 1 - _EPSILON)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibration:
    """A non-decreasing map from raw scores in [0, 1] to probabilities.

    - ``isotonic``: linear interpolation through the knots ``(x, y)`` (x increasing, y non-decreasing),
      constant beyond the first and last knot;
    - ``platt``: ``sigmoid(y[0] * logit(raw) + y[1])`` (``x`` is empty);
    - ``none``: the raw score itself.

    Examples
    --------
    >>> c = Calibration("isotonic", np.array([0.2, 0.6]), np.array([0.1, 0.5]))
    >>> c(np.array([0.0, 0.4, 1.0])).round(3).tolist()
    [0.1, 0.3, 0.5]
    >>> Calibration("platt", np.zeros(0), np.array([1.0, 0.0]))(np.array([0.25])).round(3).tolist()
    [0.25]
    """

    method: str
    x: np.ndarray
    y: np.ndarray

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        """The calibrated probability of each raw score."""
        raw = np.asarray(raw, dtype=float)
        if self.method == "isotonic":
            return np.interp(raw, self.x, self.y)
        if self.method == "platt":
            return 1.0 / (1.0 + np.exp(-(self.y[0] * _logit(raw) + self.y[1])))
        return raw

    @classmethod
    def identity(cls) -> Calibration:
        """The map that leaves scores as they are."""
        return cls("none", np.zeros(0), np.zeros(0))


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One bin of a reliability diagram: scores in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    count: int
    mean_score: float
    accuracy: float


def reliability(
    scores: np.ndarray, correct: np.ndarray, *, bins: int = ECE_BINS, low: float = ECE_LOW
) -> list[ReliabilityBin]:
    """Stated score against observed accuracy, in equal-width bins of [0, 1], over the scores ``>= low``.

    Parameters
    ----------
    scores : array of float
        Scores in [0, 1].
    correct : array of bool
        Whether each scored item is right.
    bins : int
        Number of equal-width bins of [0, 1].
    low : float
        Scores below it are left out.

    Returns
    -------
    list of ReliabilityBin
        The non-empty bins, lowest first.
    """
    scores, correct = np.asarray(scores, dtype=float), np.asarray(correct, dtype=bool)
    kept = scores >= low
    scores, correct = scores[kept], correct[kept]
    index = np.minimum((scores * bins).astype(np.int64), bins - 1)
    found = []
    for k in np.unique(index).tolist():
        member = index == k
        found.append(
            ReliabilityBin(
                k / bins, (k + 1) / bins, int(member.sum()), float(scores[member].mean()), float(correct[member].mean())
            )
        )
    return found


def expected_calibration_error(
    scores: np.ndarray, correct: np.ndarray, *, bins: int = ECE_BINS, low: float = ECE_LOW
) -> float:
    """The expected calibration error of the scores ``>= low``: the bins' |accuracy - mean score|, weighted by size.

    0 when no score is ``>= low``.

    Examples
    --------
    >>> expected_calibration_error(np.array([0.95, 0.95, 0.15, 0.15]), np.array([True, False, False, False]))
    0.3
    """
    found = reliability(scores, correct, bins=bins, low=low)
    total = sum(b.count for b in found)
    if not total:
        return 0.0
    return round(float(sum(b.count * abs(b.accuracy - b.mean_score) for b in found) / total), 12)


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Predicting every pair scored ``>= threshold``: the precision and recall seen there (in
    cross-validation, :class:`PrecisionCurve`; on gold documents,
    :meth:`relclf.evaluation.metrics.EvaluationDetails.curve`); for a threshold chosen for a precision,
    ``held_out`` is the precision the choice kept on documents left out of it (:meth:`PrecisionCurve.threshold_for`)."""

    threshold: float
    precision: float
    recall: float
    held_out: float | None = None

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class PrecisionCurve:
    """Precision and recall at a set of thresholds (highest first), as cross-validation measured them.

    Recall counts every gold relation of the training documents, those no candidate covers included.
    ``fold_predicted`` and ``fold_hits`` (folds x thresholds, empty for a model that did not keep them)
    count, per cross-validation fold, the pairs scoring at least each threshold and the right ones among
    them: :meth:`threshold_for` reads them to choose a threshold whose precision holds on documents that
    took no part in choosing it.
    """

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    fold_predicted: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    fold_hits: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    def __len__(self) -> int:
        return len(self.thresholds)

    @classmethod
    def from_scores(
        cls,
        scores: np.ndarray,
        correct: np.ndarray,
        total: int,
        *,
        resolution: float = 0.001,
        folds: Sequence[np.ndarray] = (),
    ) -> PrecisionCurve:
        """The curve of out-of-fold ``scores`` at thresholds on a grid of step ``resolution`` (scores rounded down).

        Parameters
        ----------
        scores : array of float
            Calibrated out-of-fold scores of every candidate pair.
        correct : array of bool
            Whether each pair's relation as written is right.
        total : int
            Gold relations in all (the recall's denominator).
        resolution : float
            Thresholds are multiples of it, so that the curve stays small (at most 1/resolution + 1 points).
        folds : sequence of index arrays
            The pairs of each cross-validation fold (their test parts), whose counts the curve keeps.

        Examples
        --------
        >>> c = PrecisionCurve.from_scores(np.array([0.9, 0.8, 0.3]), np.array([True, False, True]), 4, resolution=0.1)
        >>> c.thresholds.tolist(), c.precision.round(3).tolist(), c.recall.tolist()
        ([0.9, 0.8, 0.3], [1.0, 0.5, 0.667], [0.25, 0.25, 0.5])
        """
        grid = np.floor(np.asarray(scores, dtype=float) / resolution + 1e-9) * resolution
        grid = np.round(grid, 12)
        correct = np.asarray(correct, dtype=bool)
        thresholds, predicted, (hits,) = cumulative_hits(grid, correct)
        precision = hits / np.maximum(predicted, 1)
        recall = hits / total if total else np.zeros(len(hits))
        fold_predicted = np.zeros((len(folds), len(thresholds)), dtype=np.int64)
        fold_hits = np.zeros((len(folds), len(thresholds)), dtype=np.int64)
        ascending = thresholds[::-1]
        for k, rows in enumerate(folds):
            # pairs of the fold at or above each threshold: its scores counted from the top of the grid
            at = np.searchsorted(ascending, grid[rows], side="right") - 1  # each score's grid point, ascending
            counted = np.bincount(len(thresholds) - 1 - at, minlength=len(thresholds))
            right = np.bincount(len(thresholds) - 1 - at, weights=correct[rows], minlength=len(thresholds))
            fold_predicted[k], fold_hits[k] = np.cumsum(counted), np.cumsum(right).round().astype(np.int64)
        return cls(thresholds, precision, recall, fold_predicted, fold_hits)

    @classmethod
    def empty(cls) -> PrecisionCurve:
        """No curve (a model fitted without cross-validation)."""
        return cls(np.zeros(0), np.zeros(0), np.zeros(0))

    def _lowest_reaching(self, precision: np.ndarray, target: float) -> int | None:
        """The index of the lowest threshold whose ``precision`` is at least ``target``, None if none is."""
        reached = np.flatnonzero(precision >= target - 1e-12)
        return int(reached.max()) if len(reached) else None  # thresholds descend: the last one is the lowest

    def held_out_precision(self, target: float) -> float | None:
        """The precision that choosing a threshold for ``target`` gets on documents that took no part in the choice.

        Each fold in turn is left out: the threshold is chosen on the other folds' counts (the lowest that
        reached ``target`` there) and the left-out fold's pairs at or above it are counted; the result is
        the precision over every fold's counted pairs. None without folds, or when in some fold no threshold
        reaches ``target``.
        """
        if not len(self.fold_predicted):
            return None
        all_predicted, all_hits = self.fold_predicted.sum(axis=0), self.fold_hits.sum(axis=0)
        predicted = hits = 0
        for own_predicted, own_hits in zip(self.fold_predicted, self.fold_hits, strict=True):
            others = (all_hits - own_hits) / np.maximum(all_predicted - own_predicted, 1)
            k = self._lowest_reaching(np.where(all_predicted > own_predicted, others, 0.0), target)
            if k is None:
                return None
            predicted, hits = predicted + int(own_predicted[k]), hits + int(own_hits[k])
        return hits / predicted if predicted else None

    def threshold_for(self, min_precision: float, *, step: float = 0.005) -> CurvePoint:
        """A threshold whose precision is expected to reach ``min_precision`` on new documents.

        The lowest threshold that reached a precision in cross-validation does not reach it on new
        documents as often as not: the choice itself favours thresholds where the folds' noise happened to
        help (on a held-out test set, ``--min-precision 0.8`` once gave 0.751). So the threshold is chosen
        for a target raised, by ``step``, until choosing it that way reached ``min_precision`` on documents
        left out of the choice (:meth:`held_out_precision`); it is then the lowest threshold that reached the
        raised target on every fold's counts. The point returned holds that threshold, the precision and
        recall cross-validation saw there, and the held-out precision. A curve without fold counts (a model
        of relclf 0.3) takes the lowest threshold that reached ``min_precision`` itself.

        Raises :class:`~relclf.errors.UsageError` (a ValueError) when no threshold reaches it, naming the
        highest precision seen.

        Examples
        --------
        >>> c = PrecisionCurve(np.array([0.9, 0.5, 0.2]), np.array([1.0, 0.8, 0.6]), np.array([0.1, 0.4, 0.7]))
        >>> c.threshold_for(0.8)
        CurvePoint(threshold=0.5, precision=0.8, recall=0.4, held_out=None)
        """
        if not len(self):
            raise UsageError(
                "this model holds no cross-validated precision curve (it was fitted without cross-validation)"
            )
        target = min_precision
        if len(self.fold_predicted):
            while target <= 1.0 + 1e-12:
                held_out = self.held_out_precision(target)
                if held_out is None:
                    break
                if held_out >= min_precision - 1e-12:
                    k = self._lowest_reaching(self.precision, target)
                    if k is not None:
                        return self._point(k, held_out)
                target += step
            raise UsageError(
                f"no threshold reached a precision of {min_precision:g} in cross-validation on documents left out of "
                f"choosing it (the highest seen was {float(self.precision.max()):.3f})"
            )
        k = self._lowest_reaching(self.precision, min_precision)
        if k is None:
            raise UsageError(
                f"no threshold reached a precision of {min_precision:g} in cross-validation "
                f"(the highest seen was {float(self.precision.max()):.3f})"
            )
        return self._point(k, None)

    def _point(self, k: int, held_out: float | None) -> CurvePoint:
        return CurvePoint(float(self.thresholds[k]), float(self.precision[k]), float(self.recall[k]), held_out)

    def at(self, threshold: float) -> CurvePoint:
        """The cross-validated precision and recall of predicting every pair scored ``>= threshold``
        (read at the lowest threshold of the curve at or above it: exact on the curve's grid)."""
        below = np.flatnonzero(self.thresholds >= threshold - 1e-12)
        if not len(below):
            return CurvePoint(float(threshold), 0.0, 0.0)
        k = int(below.max())
        return CurvePoint(float(threshold), float(self.precision[k]), float(self.recall[k]))
