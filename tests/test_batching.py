"""Tests for relclf.parallel.batching: batches bounded in count and in weight, every item once, in order."""

from __future__ import annotations

import pytest

from relclf.parallel.batching import batched


def test_batches_hold_every_item_once_in_order():
    batches = list(batched(iter(range(10)), 4))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_weight_closes_a_batch_before_it_would_overflow():
    weights = [3, 3, 3, 10, 1, 1]
    batches = list(batched(weights, 100, max_weight=6, weight=float))
    assert batches == [[3, 3], [3], [10], [1, 1]]  # a heavy item alone still makes a batch
    assert [w for b in batches for w in b] == weights


def test_the_stream_is_consumed_lazily():
    consumed = []

    def items():
        for i in range(100):
            consumed.append(i)
            yield i

    first = next(iter(batched(items(), 5)))
    assert first == [0, 1, 2, 3, 4] and len(consumed) == 5


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        list(batched([1], 0))
    with pytest.raises(ValueError, match="weight function"):
        list(batched([1], 2, max_weight=3))
