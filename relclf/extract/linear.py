"""A linear classifier as arrays: what every stage of a model that reads the pair features is.

:class:`LinearStage` holds the classes, coefficients and intercepts of a fitted scikit-learn linear
classifier (or a constant one), computes decisions, probabilities and classes with numpy and scipy,
and saves itself as arrays (:mod:`relclf.persistence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

__all__ = ["LinearStage", "sigmoid"]


def sigmoid(values: np.ndarray) -> np.ndarray:
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-values))


@dataclass(frozen=True)
class LinearStage:
    """A linear classifier as arrays: ``decision = X @ coef.T + intercept``, one row of ``coef`` per decision.

    - no row: the constant ``classes[0]`` (a single label);
    - one row and two classes: ``classes[1]`` where the decision is positive (its probability is the
      logistic function of the decision);
    - one row per class: the class of the largest decision (one-vs-rest or multinomial).
    """

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray

    def decision(self, X: sparse.spmatrix) -> np.ndarray:
        """Decision values, one column per row of ``coef``."""
        return np.asarray(X @ self.coef.T) + self.intercept

    def probability(self, X: sparse.spmatrix) -> np.ndarray:
        """The probability of ``classes[1]`` (a binary stage)."""
        return sigmoid(self.decision(X)[:, 0])

    def predict(self, X: sparse.spmatrix) -> list[str]:
        """The class of each row of ``X``."""
        return self.choose(self.decision(X)) if len(self.coef) else [self.classes[0]] * X.shape[0]

    def probabilities(self, values: np.ndarray) -> np.ndarray:
        """The probability of each class (columns in ``classes`` order) from decision values (:meth:`decision`).

        One-vs-rest decisions give each class's logistic function, normalized to sum to 1 (as
        scikit-learn's ``OneVsRestClassifier.predict_proba``); a constant stage gives its class 1.

        >>> stage = LinearStage(("x", "y"), np.zeros((1, 2)), np.zeros(1))
        >>> stage.probabilities(np.array([[0.0], [np.log(3)]])).round(2).tolist()
        [[0.5, 0.5], [0.25, 0.75]]
        """
        if len(self.coef) == 0:
            return np.ones((len(values), 1))
        if len(self.coef) == 1:
            p = sigmoid(values[:, 0])
            return np.column_stack([1 - p, p])
        p = sigmoid(values)
        return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-300)

    def choose(self, values: np.ndarray) -> list[str]:
        """The class each row of decision values (from :meth:`decision`) stands for."""
        if len(self.coef) == 0:
            return [self.classes[0]] * len(values)
        chosen = (values[:, 0] > 0).astype(int) if len(self.coef) == 1 else np.argmax(values, axis=1)
        return [self.classes[k] for k in chosen]

    @classmethod
    def from_estimator(cls, estimator: Any, n_features: int) -> LinearStage:
        """Read a fitted scikit-learn classifier: linear (``coef_``/``intercept_``), one-vs-rest of linear, constant.

        Coefficients are rounded to float32, as a model file stores them, so that a model predicts the
        same before and after it is saved.
        """
        classes = tuple(str(c) for c in estimator.classes_)
        if len(classes) == 1 or not (hasattr(estimator, "coef_") or hasattr(estimator, "estimators_")):
            if len(classes) != 1:
                raise ValueError(f"only linear classifiers can be stored in a model, not {type(estimator).__name__}")
            return cls(classes, np.zeros((0, n_features)), np.zeros(0))
        if hasattr(estimator, "estimators_"):  # one-vs-rest
            coef = np.vstack([e.coef_ for e in estimator.estimators_])
            intercept = np.concatenate([np.ravel(e.intercept_) for e in estimator.estimators_])
        else:
            coef, intercept = np.atleast_2d(estimator.coef_), np.ravel(estimator.intercept_)
        return cls(classes, coef.astype(np.float32).astype(np.float64), intercept.astype(np.float64))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The stage as arrays: the columns where any weight is non-zero, and the weights there (float32).

        The columns are stored as a list (``support``, 4 bytes a column) or as a bit mask over every
        column (``mask``, 1 bit a column), whichever is smaller: a stage with weights on a tenth of
        the columns or more takes a thirtieth of the room as a mask.
        """
        n_features = self.coef.shape[1]
        nonzero = np.any(self.coef != 0, axis=0) if len(self.coef) else np.zeros(n_features, dtype=bool)
        support = np.flatnonzero(nonzero)
        columns: dict[str, np.ndarray] = {f"{prefix}.support": support.astype(np.int32)}
        if 4 * len(support) > (n_features + 7) // 8:
            columns = {f"{prefix}.mask": np.packbits(nonzero)}
        return {
            **columns,
            f"{prefix}.weights": self.coef[:, support].astype(np.float32),
            f"{prefix}.intercept": self.intercept,
        }

    @classmethod
    def from_arrays(
        cls, arrays: dict[str, np.ndarray], prefix: str, classes: Sequence[str], n_features: int
    ) -> LinearStage:
        """Rebuild a stage saved by :meth:`to_arrays`."""
        weights = arrays[f"{prefix}.weights"]
        if f"{prefix}.mask" in arrays:
            support = np.flatnonzero(np.unpackbits(arrays[f"{prefix}.mask"], count=n_features))
        else:
            support = arrays[f"{prefix}.support"]
        if len(support) != weights.shape[1]:
            raise ValueError(f"stage {prefix} has {weights.shape[1]} weights per row for {len(support)} columns")
        coef = np.zeros((len(weights), n_features))
        coef[:, support] = weights
        return cls(tuple(classes), coef, np.asarray(arrays[f"{prefix}.intercept"], dtype=np.float64))
