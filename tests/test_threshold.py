"""Tests of relclf.extract.threshold: counting items and hits at each score cut-off, against a naive count."""

from __future__ import annotations

import numpy as np
import pytest

from relclf.extract.threshold import cumulative_hits


def _naive(scores: np.ndarray, *hits: np.ndarray) -> tuple[list[float], list[int], list[list[int]]]:
    """At each distinct score, highest first: the items scored at or above it, and their hits of each kind."""
    thresholds = sorted(set(scores.tolist()), reverse=True)
    predicted = [int(np.sum(scores >= t)) for t in thresholds]
    return thresholds, predicted, [[int(np.sum(h & (scores >= t))) for t in thresholds] for h in hits]


def test_ties_fall_on_the_same_side_of_every_cut():
    scores = np.array([0.2, 0.5, 0.9, 0.5, 0.5])
    related = np.array([False, True, True, False, True])
    thresholds, predicted, (tp,) = cumulative_hits(scores, related)
    assert thresholds.tolist() == [0.9, 0.5, 0.2]
    assert predicted.tolist() == [1, 4, 5]  # the three 0.5s come in together
    assert tp.tolist() == [1, 3, 3]


def test_several_kinds_of_hit_are_counted_at_the_same_cuts():
    scores = np.array([0.1, 0.7, 0.4])
    related, right_label = np.array([True, True, False]), np.array([True, False, False])
    thresholds, predicted, (pairs, labels) = cumulative_hits(scores, related, right_label)
    assert thresholds.tolist() == [0.7, 0.4, 0.1] and predicted.tolist() == [1, 2, 3]
    assert pairs.tolist() == [1, 1, 2] and labels.tolist() == [0, 0, 1]


def test_no_items_no_cuts():
    thresholds, predicted, (tp,) = cumulative_hits(np.zeros(0), np.zeros(0, dtype=bool))
    assert len(thresholds) == len(predicted) == len(tp) == 0


def test_all_equal_scores_make_one_cut():
    thresholds, predicted, (tp,) = cumulative_hits(np.full(4, 0.3), np.array([1, 0, 1, 1], dtype=bool))
    assert thresholds.tolist() == [0.3] and predicted.tolist() == [4] and tp.tolist() == [3]


@pytest.mark.parametrize("seed", range(5))
def test_agrees_with_a_naive_count_on_random_scores_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 12, size=200) / 11  # ties everywhere
    hits = [rng.uniform(size=200) < 0.4, rng.uniform(size=200) < 0.2]
    thresholds, predicted, counts = cumulative_hits(scores, *hits)
    want_thresholds, want_predicted, want_counts = _naive(scores, *hits)
    assert thresholds.tolist() == want_thresholds and predicted.tolist() == want_predicted
    assert [c.tolist() for c in counts] == want_counts
