"""Tests of relclf.extract.trees: a HistGradientBoostingClassifier read as arrays decides as scikit-learn does."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from relclf.extract.trees import TreeEnsemble


@pytest.fixture(scope="module")
def fitted() -> tuple[HistGradientBoostingClassifier, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 6))
    X[:, 5] = rng.integers(0, 3, size=3000)  # a few distinct values: ties at the thresholds
    y = X[:, 0] + X[:, 1] * X[:, 2] + (X[:, 5] == 1) + rng.normal(size=3000) > 0.5
    model = HistGradientBoostingClassifier(max_iter=40, max_depth=3, early_stopping=False, random_state=0)
    return model.fit(X, y), X


def test_the_arrays_decide_as_the_estimator_on_new_rows_and_after_saving(fitted):
    model, X = fitted
    trees = TreeEnsemble.from_estimator(model, X[:200])
    new = np.random.default_rng(1).normal(size=(2000, 6))
    new[:, 5] = np.random.default_rng(2).integers(0, 3, size=2000)
    assert trees.decision(new) == pytest.approx(model.decision_function(new), abs=1e-9)
    assert trees.probability(new) == pytest.approx(model.predict_proba(new)[:, 1], abs=1e-9)
    restored = TreeEnsemble.from_arrays(trees.to_arrays("t"), "t", n_inputs=6)
    assert np.array_equal(restored.decision(new), trees.decision(new))
    assert trees.n_features <= 6 and 1 <= trees.depth <= 3


def test_arrays_that_do_not_make_trees_are_refused(fitted):
    model, X = fitted
    arrays = TreeEnsemble.from_estimator(model, X[:50]).to_arrays("t")
    with pytest.raises(ValueError, match="do not fit together"):
        TreeEnsemble.from_arrays(arrays, "t", n_inputs=3)  # splits on columns the stage does not have
    looping = dict(arrays)
    looping["t.left"] = np.where(arrays["t.left"] > 0, 0, arrays["t.left"])  # children pointing back to the root
    with pytest.raises(ValueError, match="do not fit together"):
        TreeEnsemble.from_arrays(looping, "t", n_inputs=6)
