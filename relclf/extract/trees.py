"""Gradient-boosted trees as arrays: a nonlinear stage that predicts with numpy alone.

:class:`TreeEnsemble` holds the regression trees of a fitted scikit-learn
``HistGradientBoostingClassifier`` (binary, log loss) as flat node arrays and computes the same
decision values with numpy: every row walks every tree at once, one level per step. A model file
stores the arrays (:meth:`TreeEnsemble.to_arrays`), so prediction needs neither scikit-learn nor a
pickle.

scikit-learn has no public way to read a histogram-boosted tree, so :meth:`TreeEnsemble.from_estimator`
reads its predictors' node arrays (``_predictors[i][0].nodes``, stable since scikit-learn 0.21; the
much slower ``GradientBoostingClassifier`` has public trees, but fitting it took 12 s where this takes
0.5 s on BioRED's 23,000 candidates). Whatever the version, the conversion checks itself: the decision
values it computes must equal the estimator's own on the rows it was given, or it raises.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TreeEnsemble"]

_LEAF = -1  # scikit-learn's TREE_LEAF: a node without children


@dataclass(frozen=True)
class TreeEnsemble:
    """Regression trees whose leaf values add up to a decision value (a logit).

    Node ``k`` of the flat arrays splits on ``feature[k]`` at ``threshold[k]`` (a row goes to ``left[k]``
    when its value is at most the threshold, else to ``right[k]``), or is a leaf
    (``left[k] == -1``) worth ``value[k]`` (the learning rate included). ``roots[t]`` is tree ``t``'s
    first node; ``depth`` the most steps any row takes; ``init`` the decision before any tree.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int
    init: float

    @property
    def n_features(self) -> int:
        """The number of input columns the trees may read."""
        splits = self.feature[self.left != _LEAF]
        return int(splits.max()) + 1 if len(splits) else 0

    def decision(self, X: np.ndarray) -> np.ndarray:
        """The decision value of each row of ``X`` (rows x input columns, no missing values)."""
        X = np.asarray(X, dtype=np.float64)
        rows = np.arange(len(X))[:, None]
        node = np.broadcast_to(self.roots[None, :], (len(X), len(self.roots))).copy()
        for _ in range(self.depth):
            inner = self.left[node] != _LEAF
            if not inner.any():
                break
            goes_left = X[rows, np.where(inner, self.feature[node], 0)] <= self.threshold[node]
            node = np.where(inner, np.where(goes_left, self.left[node], self.right[node]), node)
        return self.init + self.value[node].sum(axis=1)

    def probability(self, X: np.ndarray) -> np.ndarray:
        """The probability of the positive class: the logistic function of :meth:`decision`."""
        return 1.0 / (1.0 + np.exp(-self.decision(X)))

    @classmethod
    def from_estimator(cls, model: Any, X_check: np.ndarray) -> TreeEnsemble:
        """Read a fitted binary ``HistGradientBoostingClassifier`` (numeric inputs, log loss).

        ``X_check`` (some of the training inputs) fixes ``init`` (the model's decision value minus what
        its trees add, the same for every row) and checks the conversion: ValueError when the
        decisions computed here differ from the model's on any of its rows.
        """
        nodes = [predictors[0].nodes for predictors in model._predictors]
        offsets = np.cumsum([0] + [len(n) for n in nodes])
        leaf = np.concatenate([n["is_leaf"].astype(bool) for n in nodes])
        left = np.concatenate([n["left"].astype(np.int64) + o for n, o in zip(nodes, offsets[:-1], strict=True)])
        right = np.concatenate([n["right"].astype(np.int64) + o for n, o in zip(nodes, offsets[:-1], strict=True)])
        depth = max((int(n["depth"].max()) for n in nodes), default=0)
        ensemble = cls(
            feature=np.where(leaf, 0, np.concatenate([n["feature_idx"] for n in nodes])).astype(np.int32),
            threshold=np.concatenate([n["num_threshold"] for n in nodes]).astype(np.float64),
            left=np.where(leaf, _LEAF, left).astype(np.int32),
            right=np.where(leaf, _LEAF, right).astype(np.int32),
            value=np.where(leaf, np.concatenate([n["value"] for n in nodes]), 0.0).astype(np.float64),
            roots=offsets[:-1].astype(np.int32),
            depth=depth,
            init=0.0,
        )
        X_check = np.asarray(X_check, dtype=np.float64)
        expected = np.asarray(model.decision_function(X_check), dtype=np.float64)
        init = float(expected[0] - ensemble.decision(X_check[:1])[0]) if len(X_check) else 0.0
        ensemble = dataclasses.replace(ensemble, init=init)
        if not np.allclose(ensemble.decision(X_check), expected, rtol=1e-9, atol=1e-9):
            raise ValueError("the trees read from the estimator do not give its decisions")
        return ensemble

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The ensemble as arrays; see :meth:`from_arrays`."""
        return {
            f"{prefix}.feature": self.feature,
            f"{prefix}.threshold": self.threshold,
            f"{prefix}.left": self.left,
            f"{prefix}.right": self.right,
            f"{prefix}.value": self.value,
            f"{prefix}.roots": self.roots,
            f"{prefix}.shape": np.array([self.depth], dtype=np.int64),
            f"{prefix}.init": np.array([self.init], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, n_inputs: int) -> TreeEnsemble:
        """Rebuild an ensemble saved by :meth:`to_arrays`, reading at most ``n_inputs`` columns.

        Raises ValueError when the arrays do not make trees (a child outside the nodes, a split on a
        column beyond ``n_inputs``, a root that is no node).
        """
        get = {name: np.asarray(arrays[f"{prefix}.{name}"]) for name in ("feature", "left", "right", "roots")}
        ensemble = cls(
            feature=get["feature"].astype(np.int32),
            threshold=np.asarray(arrays[f"{prefix}.threshold"], dtype=np.float64),
            left=get["left"].astype(np.int32),
            right=get["right"].astype(np.int32),
            value=np.asarray(arrays[f"{prefix}.value"], dtype=np.float64),
            roots=get["roots"].astype(np.int32),
            depth=int(np.asarray(arrays[f"{prefix}.shape"])[0]),
            init=float(np.asarray(arrays[f"{prefix}.init"], dtype=np.float64)[0]),
        )
        n = len(ensemble.feature)
        inner = ensemble.left != _LEAF
        fits = (
            all(len(a) == n for a in (ensemble.threshold, ensemble.left, ensemble.right, ensemble.value))
            and bool(np.all((ensemble.roots >= 0) & (ensemble.roots < max(n, 1))))
            and bool(np.all((ensemble.left[inner] > np.flatnonzero(inner)) & (ensemble.left[inner] < n)))
            and bool(np.all((ensemble.right[inner] > np.flatnonzero(inner)) & (ensemble.right[inner] < n)))
            and bool(np.all((ensemble.feature[inner] >= 0) & (ensemble.feature[inner] < n_inputs)))
            and 0 <= ensemble.depth <= 64
        )
        if not fits:
            raise ValueError(f"the trees of {prefix} do not fit together")
        return ensemble
