"""Precision and recall as the score cut-off falls, and the cut-off that maximizes F1.

One definition for the model's choice of threshold (:func:`best_f1_threshold`) and for the curves
that evaluation reports and plots (:func:`cumulative_hits`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["best_f1_threshold", "cumulative_hits"]


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
        A threshold t; predict positive when score >= t. Of equally good cut-offs, the highest.

    Examples
    --------
    >>> best_f1_threshold(np.array([0.9, 0.8, 0.3, 0.1]), np.array([True, True, False, False]))
    0.8
    """
    thresholds, predicted, (tp,) = cumulative_hits(scores, positive)
    total = int(np.sum(positive)) + unreachable
    f1 = 2 * tp / (predicted + total)
    return float(thresholds[int(np.argmax(f1))])
