"""Tests of relclf.extract.linear: a linear classifier as arrays (decisions, probabilities, classes, storage)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from relclf.extract.linear import LinearStage, sigmoid


def _data(n_classes: int, seed: int = 0) -> tuple[sparse.csr_matrix, np.ndarray]:
    """60 rows of 5 sparse features whose first columns tell the class apart."""
    rng = np.random.default_rng(seed)
    y = np.array([["x", "y", "z"][i % n_classes] for i in range(60)], dtype=object)
    dense = rng.uniform(size=(60, 5)) * (rng.uniform(size=(60, 5)) < 0.6)
    dense[np.arange(60), np.arange(60) % n_classes] += 1.0
    return sparse.csr_matrix(dense), y


def test_sigmoid():
    assert sigmoid(np.array([0.0, np.log(3)])).tolist() == pytest.approx([0.5, 0.75])


def test_a_binary_stage_decides_by_the_sign_and_its_probability_is_logistic():
    stage = LinearStage(("no", "yes"), np.array([[1.0, -2.0]]), np.array([0.5]))
    X = sparse.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.25]]))
    assert stage.decision(X)[:, 0].tolist() == [1.5, -1.5, 0.0]
    assert stage.probability(X).tolist() == pytest.approx([sigmoid(1.5), sigmoid(-1.5), 0.5])
    assert stage.predict(X) == ["yes", "no", "no"]  # a decision of exactly 0 is not positive
    assert stage.probabilities(stage.decision(X))[:, 1].tolist() == pytest.approx(stage.probability(X).tolist())


def test_one_vs_rest_rows_give_each_class_its_logistic_function_normalized():
    stage = LinearStage(("a", "b", "c"), np.eye(3), np.zeros(3))
    values = np.array([[0.0, 0.0, 0.0], [np.log(3), 0.0, -np.log(3)]])
    p = stage.probabilities(values)
    assert p[0].tolist() == pytest.approx([1 / 3] * 3)
    assert p[1].tolist() == pytest.approx(np.array([0.75, 0.5, 0.25]) / 1.5)
    assert stage.choose(values[1:]) == ["a"]


def test_a_constant_stage_gives_its_one_class():
    stage = LinearStage(("CID",), np.zeros((0, 4)), np.zeros(0))
    X = sparse.csr_matrix((3, 4))
    assert stage.predict(X) == ["CID"] * 3
    assert stage.probabilities(np.zeros((3, 0))).tolist() == [[1.0]] * 3
    assert stage.choose(np.zeros((2, 0))) == ["CID", "CID"]


def test_read_from_a_binary_logistic_regression_it_gives_its_probabilities():
    X, y = _data(2)
    fitted = LogisticRegression().fit(X, y)
    stage = LinearStage.from_estimator(fitted, X.shape[1])
    assert stage.classes == ("x", "y") and stage.coef.shape == (1, 5)
    assert stage.probability(X) == pytest.approx(fitted.predict_proba(X)[:, 1], abs=1e-6)
    assert stage.predict(X) == fitted.predict(X).tolist()


def test_read_from_a_one_vs_rest_it_gives_its_probabilities_and_classes():
    X, y = _data(3)
    fitted = OneVsRestClassifier(LogisticRegression()).fit(X, y)
    stage = LinearStage.from_estimator(fitted, X.shape[1])
    assert stage.classes == ("x", "y", "z") and stage.coef.shape == (3, 5) and stage.intercept.shape == (3,)
    assert stage.probabilities(stage.decision(X)) == pytest.approx(fitted.predict_proba(X), abs=1e-6)
    assert stage.predict(X) == fitted.predict(X).tolist()


def test_read_coefficients_are_rounded_to_what_a_model_file_stores():
    X, y = _data(2)
    fitted = LogisticRegression(C=10.0).fit(X, y)
    stage = LinearStage.from_estimator(fitted, X.shape[1])
    assert stage.coef.dtype == np.float64
    assert stage.coef.tolist() == fitted.coef_.astype(np.float32).astype(np.float64).tolist()


def test_read_from_a_single_class_or_refused_when_not_linear():
    X, _ = _data(2)
    constant = LinearStage.from_estimator(DummyClassifier().fit(X, ["CID"] * 60), 5)
    assert constant.classes == ("CID",) and constant.coef.shape == (0, 5)
    forest = RandomForestClassifier(n_estimators=2, random_state=0).fit(X.toarray(), [0, 1] * 30)
    with pytest.raises(AttributeError):  # estimators_ of trees: not a one-vs-rest of linear models
        LinearStage.from_estimator(forest, 5)
    with pytest.raises(ValueError, match="only linear classifiers can be stored in a model, not DummyClassifier"):
        LinearStage.from_estimator(DummyClassifier().fit(X, [0, 1] * 30), 5)


def _stage(n_features: int, columns: list[int], rows: int = 2) -> LinearStage:
    rng = np.random.default_rng(n_features)
    coef = np.zeros((rows, n_features))
    coef[:, columns] = rng.normal(size=(rows, len(columns))).astype(np.float32)
    return LinearStage(tuple("abc"[:rows]), coef, rng.normal(size=rows))


@pytest.mark.parametrize(
    ("n_support", "stored_as"),
    [(0, "support"), (25, "support"), (26, "mask"), (800, "mask")],  # a mask of 800 columns takes 100 bytes
)
def test_to_arrays_stores_the_smaller_of_a_column_list_and_a_mask_and_from_arrays_rebuilds_the_stage(
    n_support, stored_as
):
    stage = _stage(800, np.linspace(0, 799, n_support).round().astype(int).tolist())
    arrays = stage.to_arrays("detector")
    assert set(arrays) == {f"detector.{stored_as}", "detector.weights", "detector.intercept"}
    assert arrays["detector.weights"].dtype == np.float32 and arrays["detector.weights"].shape == (2, n_support)
    restored = LinearStage.from_arrays(arrays, "detector", stage.classes, 800)
    assert restored.classes == stage.classes
    assert restored.coef.tolist() == stage.coef.tolist() and restored.intercept.tolist() == stage.intercept.tolist()


def test_a_constant_stage_round_trips():
    stage = LinearStage(("CID",), np.zeros((0, 7)), np.zeros(0))
    restored = LinearStage.from_arrays(stage.to_arrays("labeler"), "labeler", ["CID"], 7)
    assert restored.coef.shape == (0, 7) and restored.classes == ("CID",)


def test_from_arrays_refuses_weights_that_do_not_fit_their_columns():
    arrays = _stage(100, [3, 50]).to_arrays("novelty")
    arrays["novelty.support"] = np.array([3], dtype=np.int32)
    with pytest.raises(ValueError, match="stage novelty has 2 weights per row for 1 columns"):
        LinearStage.from_arrays(arrays, "novelty", ["a", "b"], 100)
