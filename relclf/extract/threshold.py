"""Hits counted as the score cut-off falls: the one definition under every precision/recall curve.

The model's choice of threshold (:func:`relclf.extract.fitting.best_f1`), its cross-validated
precision curve (:class:`relclf.extract.calibration.PrecisionCurve`) and the curves that evaluation
reports and plots (:meth:`relclf.evaluation.metrics.EvaluationDetails.curve`) all count with
:func:`cumulative_hits`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cumulative_hits"]


def cumulative_hits(scores: np.ndarray, *hits: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Count, at every distinct score from the highest down, the items at or above it and their hits.

    Parameters
    ----------
    scores : array of float
        One score per item.
    *hits : arrays of bool
        For each kind of hit (e.g. "the pair is related", "and the label is right"), one flag per item.

    Returns
    -------
    thresholds : array of float
        The distinct scores, descending: predicting every item scored ``>= thresholds[k]``...
    predicted : array of int
        ...predicts ``predicted[k]`` items...
    tp : list of arrays of int
        ...of which ``tp[h][k]`` are hits of kind ``h``.

    Ties fall on the same side of every cut.

    Examples
    --------
    >>> t, n, (tp,) = cumulative_hits(np.array([0.9, 0.5, 0.5, 0.1]), np.array([True, False, True, False]))
    >>> t.tolist(), n.tolist(), tp.tolist()
    ([0.9, 0.5, 0.1], [1, 3, 4], [1, 2, 2])
    """
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    ranked = np.asarray(scores, dtype=float)[order]
    cuts = np.flatnonzero(np.r_[ranked[1:] < ranked[:-1], True]) if len(ranked) else np.zeros(0, dtype=int)
    counts = [np.cumsum(np.asarray(h, dtype=np.int64)[order])[cuts] for h in hits]
    return ranked[cuts], cuts + 1, counts
