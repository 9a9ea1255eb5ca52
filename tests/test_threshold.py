"""Tests for relclf.extract.threshold: the counts under every precision/recall curve."""

from __future__ import annotations

import numpy as np

from relclf.extract.threshold import cumulative_hits


def test_counts_at_every_distinct_score_from_the_highest_down_ties_together():
    scores = np.array([0.2, 0.9, 0.5, 0.5, 0.9])
    related = np.array([False, True, True, False, False])
    labelled = np.array([False, True, False, False, False])
    thresholds, predicted, (related_hits, label_hits) = cumulative_hits(scores, related, labelled)
    assert thresholds.tolist() == [0.9, 0.5, 0.2]
    assert predicted.tolist() == [2, 4, 5]  # both 0.9s, then both 0.5s: a tie is never cut
    assert related_hits.tolist() == [1, 2, 2] and label_hits.tolist() == [1, 1, 1]


def test_no_scores_give_empty_counts():
    thresholds, predicted, (hits,) = cumulative_hits(np.zeros(0), np.zeros(0, dtype=bool))
    assert len(thresholds) == len(predicted) == len(hits) == 0
