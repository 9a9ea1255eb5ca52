"""The calibration report of an evaluation (calibration error, precision and recall by cut-off), hand-made documents."""

from __future__ import annotations

import pytest

from relclf.document import Document, Relation
from relclf.evaluation.calibration import CalibrationAccumulator


def _gold(pmid: str, *relations: Relation) -> Document:
    return Document(pmid, "t", "a", relations=relations)


def test_cut_offs_count_pair_and_label_and_the_pair_alone():
    accumulator = CalibrationAccumulator()
    accumulator.add(
        _gold("1", Relation("Bind", "a", "b"), Relation("Association", "a", "c")),
        (
            Relation("Bind", "b", "a", score=0.95),  # right (pair order does not matter)
            Relation("Bind", "a", "c", score=0.55),  # the pair is right, its label is not
            Relation("Bind", "b", "c", score=0.15),  # wrong
        ),
    )
    accumulator.add(_gold("2", Relation("Bind", "x", "y")), ())  # a missed relation still counts in recall
    report = accumulator.report(cutoffs=(0.1, 0.5, 0.9))
    assert [(c.threshold, c.predicted) for c in report.cutoffs] == [(0.1, 3), (0.5, 2), (0.9, 1)]
    low, middle, high = report.cutoffs
    assert (low.type_precision, low.type_recall) == pytest.approx((1 / 3, 1 / 3))
    assert (low.pair_precision, low.pair_recall) == pytest.approx((2 / 3, 2 / 3))
    assert (middle.type_precision, middle.pair_precision) == pytest.approx((0.5, 1.0))
    assert (high.type_precision, high.type_recall) == pytest.approx((1.0, 1 / 3))


def test_calibration_error_over_the_relations_scoring_at_least_the_floor():
    accumulator = CalibrationAccumulator()
    gold = _gold("1", *(Relation("Bind", "a", f"r{i}") for i in range(4)))
    predicted = [Relation("Bind", "a", f"r{i}", score=0.75) for i in range(4)]  # all right, claimed at 0.75
    predicted += [Relation("Bind", "a", f"w{i}", score=0.05) for i in range(10)]  # wrong but below 0.1: left out
    accumulator.add(gold, predicted)
    report = accumulator.report()
    assert report.pairs == 4 and report.ece == pytest.approx(0.25)
    assert [(b.low, b.count, b.accuracy) for b in report.bins] == [(0.7, 4, 1.0)]
    assert "calibration error (ECE, 10 bins, relations scoring >= 0.1): 0.250 over 4 relations" in report.table()


def test_relations_without_a_score_are_left_out():
    accumulator = CalibrationAccumulator()
    accumulator.add(_gold("1", Relation("Bind", "a", "b")), (Relation("Bind", "a", "b"),))
    report = accumulator.report()
    assert report.pairs == 0 and report.ece == 0.0 and report.cutoffs[0].predicted == 0
