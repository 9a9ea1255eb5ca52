"""Calibration maps, the calibration error and the cross-validated precision curve, on constructed scores."""

from __future__ import annotations

import numpy as np
import pytest

from relclf.extract.calibration import Calibration, PrecisionCurve, expected_calibration_error, reliability


def test_isotonic_map_interpolates_between_knots_and_is_flat_beyond():
    calibration = Calibration("isotonic", np.array([0.2, 0.4, 0.8]), np.array([0.1, 0.5, 0.6]))
    assert calibration(np.array([0.0, 0.2, 0.3, 0.6, 0.8, 1.0])).tolist() == pytest.approx(
        [0.1, 0.1, 0.3, 0.55, 0.6, 0.6]
    )


def test_platt_map_is_a_logistic_function_of_the_logit():
    calibration = Calibration("platt", np.zeros(0), np.array([2.0, -1.0]))
    raw = np.array([0.1, 0.5, 0.9])
    logit = np.log(raw / (1 - raw))
    assert calibration(raw) == pytest.approx(1 / (1 + np.exp(-(2 * logit - 1))))
    assert np.all(np.diff(calibration(np.linspace(0, 1, 50))) >= 0)


def test_identity_leaves_scores_alone():
    assert Calibration.identity()(np.array([0.3, 0.7])).tolist() == [0.3, 0.7]


def test_calibration_error_of_perfect_and_of_overconfident_scores():
    # 10 pairs at 0.8 of which 8 right, 10 at 0.3 of which 3 right: perfectly calibrated
    scores = np.r_[np.full(10, 0.8), np.full(10, 0.3)]
    right = np.r_[np.arange(10) < 8, np.arange(10) < 3]
    assert expected_calibration_error(scores, right) == pytest.approx(0.0)
    # the same pairs claimed at 0.95 and 0.45: off by 0.15 in every bin
    assert expected_calibration_error(scores + 0.15, right) == pytest.approx(0.15)


def test_calibration_error_leaves_out_scores_below_the_floor():
    scores, right = np.array([0.05, 0.05, 0.9]), np.array([True, True, True])
    assert expected_calibration_error(scores, right) == pytest.approx(0.1)  # only the 0.9 counts
    assert expected_calibration_error(scores, right, low=0.0) == pytest.approx((2 * 0.95 + 0.1) / 3)
    assert expected_calibration_error(np.array([0.01]), np.array([False])) == 0.0


def test_reliability_bins_are_equal_width_and_the_last_holds_one():
    bins = reliability(np.array([0.1, 0.15, 0.55, 1.0]), np.array([False, True, True, True]))
    assert [(b.low, b.high, b.count) for b in bins] == [(0.1, 0.2, 2), (0.5, 0.6, 1), (0.9, 1.0, 1)]
    assert bins[0].mean_score == pytest.approx(0.125) and bins[0].accuracy == 0.5


def test_precision_curve_counts_every_gold_relation_in_recall():
    curve = PrecisionCurve.from_scores(
        np.array([0.91, 0.72, 0.55, 0.2]), np.array([True, True, False, True]), total=5, resolution=0.1
    )
    assert curve.thresholds.tolist() == pytest.approx([0.9, 0.7, 0.5, 0.2])
    assert curve.precision.tolist() == pytest.approx([1.0, 1.0, 2 / 3, 0.75])
    assert curve.recall.tolist() == pytest.approx([0.2, 0.4, 0.4, 0.6])


def test_threshold_for_a_precision_is_the_lowest_that_reached_it():
    curve = PrecisionCurve(
        np.array([0.9, 0.7, 0.5, 0.2]), np.array([1.0, 0.85, 0.7, 0.81]), np.array([0.1, 0.3, 0.5, 0.7])
    )
    point = curve.threshold_for(0.8)
    assert (point.threshold, point.precision, point.recall) == (0.2, 0.81, 0.7)  # precision need not fall monotonically
    assert curve.threshold_for(0.9).threshold == 0.9
    assert curve.threshold_for(0.0).threshold == 0.2


def test_a_precision_never_reached_is_an_error_naming_the_best():
    curve = PrecisionCurve(np.array([0.9, 0.5]), np.array([0.7, 0.6]), np.array([0.2, 0.4]))
    with pytest.raises(ValueError, match=r"no threshold reached a precision of 0.95 .*highest seen was 0.700"):
        curve.threshold_for(0.95)
    with pytest.raises(ValueError, match="no cross-validated precision curve"):
        PrecisionCurve.empty().threshold_for(0.5)


def test_curve_at_a_threshold_reads_the_lowest_curve_threshold_at_or_above_it():
    curve = PrecisionCurve(np.array([0.9, 0.5]), np.array([0.7, 0.6]), np.array([0.2, 0.4]))
    assert curve.at(0.6).precision == 0.7 and curve.at(0.5).recall == 0.4 and curve.at(0.95).recall == 0.0


def _brute_force_held_out(scores, correct, folds, target, resolution=0.001):
    """Leave each fold out, choose the lowest grid threshold reaching ``target`` on the others, count the fold."""
    grid = np.round(np.floor(scores / resolution + 1e-9) * resolution, 12)
    predicted = hits = 0
    for rows in folds:
        others = np.setdiff1d(np.arange(len(scores)), rows)
        chosen = None
        for t in sorted(set(grid.tolist()), reverse=True):
            kept = others[grid[others] >= t]
            if len(kept) and correct[kept].mean() >= target - 1e-12:
                chosen = t
        if chosen is None:
            return None
        mine = rows[grid[rows] >= chosen]
        predicted, hits = predicted + len(mine), hits + int(correct[mine].sum())
    return hits / predicted if predicted else None


@pytest.mark.parametrize("seed", range(5))
def test_held_out_precision_is_a_brute_force_leave_one_fold_out(seed):
    rng = np.random.default_rng(seed)
    scores = rng.uniform(size=300)
    correct = rng.uniform(size=300) < scores
    folds = np.array_split(rng.permutation(300), 4)
    curve = PrecisionCurve.from_scores(scores, correct, 200, folds=folds)
    assert curve.fold_predicted[:, -1].sum() == 300 and curve.fold_hits.sum(axis=0)[-1] == correct.sum()
    for target in (0.6, 0.75, 0.9):
        expected = _brute_force_held_out(scores, correct, folds, target)
        found = curve.held_out_precision(target)
        assert (found is None) == (expected is None)
        if expected is not None:
            assert found == pytest.approx(expected)


def test_a_threshold_for_a_precision_keeps_it_on_the_folds_left_out_of_the_choice():
    rng = np.random.default_rng(7)
    scores = rng.uniform(size=2000)
    correct = rng.uniform(size=2000) < scores**2  # precision rises with the score
    folds = np.array_split(rng.permutation(2000), 5)
    curve = PrecisionCurve.from_scores(scores, correct, 1000, folds=folds)
    naive = PrecisionCurve(curve.thresholds, curve.precision, curve.recall).threshold_for(0.8)
    point = curve.threshold_for(0.8)
    assert point.held_out is not None and point.held_out >= 0.8 and naive.held_out is None
    assert point.threshold >= naive.threshold and point.precision >= 0.8
    with pytest.raises(ValueError, match="on documents left out of choosing it"):
        curve.threshold_for(0.9999)
