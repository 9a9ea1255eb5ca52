"""The label stage: a pooled labeler and the type pairs' own, with each label's probability."""

from __future__ import annotations

import numpy as np
import pytest

from relclf.extract.labels import LabelStage, own_stage_name
from relclf.extract.linear import LinearStage


def _decide_with(values: dict[str, np.ndarray]):
    """A ``decide`` that reads constructed decision values (one row per batch row) and records its calls."""
    calls = []

    def decide(name, stage, rows):
        calls.append((name, rows.tolist()))
        return values[name][rows] - stage.intercept  # LabelStage adds the intercept back

    return decide, calls


def test_one_vs_rest_probabilities_are_normalized_logistic_functions():
    stage = LinearStage(("A", "B", "C"), np.zeros((3, 4)), np.zeros(3))
    p = stage.probabilities(np.array([[0.0, 0.0, 0.0], [2.0, 0.0, -2.0]]))
    assert p[0] == pytest.approx([1 / 3] * 3)
    expected = 1 / (1 + np.exp(-np.array([2.0, 0.0, -2.0])))
    assert p[1] == pytest.approx(expected / expected.sum())


def test_binary_and_constant_probabilities():
    binary = LinearStage(("No", "Novel"), np.zeros((1, 2)), np.zeros(1))
    assert binary.probabilities(np.array([[0.0]])).tolist() == [[0.5, 0.5]]
    constant = LinearStage(("CID",), np.zeros((0, 2)), np.zeros(0))
    assert constant.probabilities(np.zeros((2, 0))).tolist() == [[1.0], [1.0]]


def test_each_type_pair_is_labelled_by_its_own_labeler_or_the_pooled_one():
    pooled = LinearStage(("A", "B", "C"), np.ones((3, 5)), np.array([0.1, 0.2, 0.3]))
    own = LinearStage(("B", "C"), np.ones((1, 5)), np.array([0.5]))  # binary: toward C
    stage = LabelStage(pooled, {2: own})
    assert stage.classes == ("A", "B", "C")
    assert list(stage.stages()) == ["labeler", own_stage_name(2)] == ["labeler", "labeler.2"]
    values = {
        "labeler": np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 3.0], [0.0, 3.0, 0.0]]),
        "labeler.2": np.array([[0.0], [-1.0], [2.0], [0.0]]),
    }
    decide, calls = _decide_with(values)
    rows, type_pairs = np.array([0, 1, 3]), np.array([0, 2, 0])
    labels, probability = stage.choose(decide, rows, type_pairs)
    assert labels == ["A", "B", "B"]  # row 1 is of type pair 2: its own labeler says B (decision -1)
    assert probability[1] == pytest.approx(1 - 1 / (1 + np.exp(1.0)))
    p0 = 1 / (1 + np.exp(-np.array([3.0, 0.0, 0.0])))
    assert probability[0] == pytest.approx(p0[0] / p0.sum())
    # each labeler scores only its rows
    assert sorted(calls) == [("labeler", [0, 3]), ("labeler.2", [1])]


def test_a_constant_own_labeler_gives_its_label_with_probability_one():
    pooled = LinearStage(("A", "B"), np.ones((1, 3)), np.zeros(1))
    stage = LabelStage(pooled, {1: LinearStage(("B",), np.zeros((0, 3)), np.zeros(0))})
    decide, calls = _decide_with({"labeler": np.array([[5.0], [5.0]])})
    labels, probability = stage.choose(decide, np.array([0, 1]), np.array([1, 1]))
    assert labels == ["B", "B"] and probability.tolist() == [1.0, 1.0] and calls == []


def test_no_rows_no_labels():
    stage = LabelStage(LinearStage(("A", "B"), np.ones((1, 3)), np.zeros(1)))
    labels, probability = stage.choose(
        lambda *args: pytest.fail("nothing to decide"), np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    )
    assert labels == [] and len(probability) == 0
