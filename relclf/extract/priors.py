"""Corpus priors: how often an entity, or an ID pair, is related in the *other* training documents.

A bag of n-grams knows what one abstract says; it does not know that the same chemical and disease were
found related in twenty other abstracts, or that a gene appears in many abstracts without ever being
related. :class:`CorpusPriors` counts, over the training documents, per normalized identifier and per
unordered identifier pair:

- in how many documents it is a candidate (``seen``), and in how many it is in a gold relation
  (``related``); for an entity also per type pair (the chemical related to diseases, not to genes);

and :meth:`CorpusPriors.inputs` turns the counts into a few numbers per candidate pair (:data:`PRIOR_INPUTS`):
the counts as ``log(1 + n)`` and smoothed rates ``(related + ALPHA * base_rate) / (seen + ALPHA)``, where
``base_rate`` is the share of training candidates that are related, so that an identifier seen once
reads close to the base rate rather than 0 or 1.

Counts are of *documents*, and documents are identified by their PMID: the same abstract annotated in
two corpora counts once. A training pair must never read its own document's relation, or the model
learns to trust priors that, at prediction, never hold the answer. Leaving out only the pair's own
document is not enough: the count it leaves then depends on the pair's own label (of an entity's pairs,
the related ones read a lower rate than the unrelated ones), which a flexible model learns to exploit.
So the training pairs read counts *out of fold* (:func:`out_of_fold_inputs`): the pairs of each fold
read the counts of the other folds' documents, and a new document reads the counts of all of them.
Everything here is numpy; a model file stores the counts as arrays (:meth:`CorpusPriors.to_arrays`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["ALPHA", "PRIOR_INPUTS", "CorpusPriors", "TrainingPairs", "nested_inputs", "out_of_fold_inputs"]

#: pseudo-count of the smoothed rates: a rate rests on ALPHA imagined documents at the base rate
ALPHA = 2.0

#: the numbers of :meth:`CorpusPriors.inputs`, in column order
PRIOR_INPUTS: tuple[str, ...] = (
    "pair_seen",
    "pair_related",
    "pair_rate",
    "a_seen",
    "a_related",
    "a_rate",
    "a_type_rate",
    "b_seen",
    "b_related",
    "b_rate",
    "b_type_rate",
)


def _distinct_counts(group: np.ndarray, key: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """In how many distinct groups each key occurs; and the distinct ``group * n_keys + key`` codes (sorted)."""
    codes = np.unique(group.astype(np.int64) * n_keys + key)
    return np.bincount(codes % n_keys, minlength=n_keys), codes


def _member(codes: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """Whether each of ``codes`` is in ``sorted_codes``."""
    if not len(sorted_codes):
        return np.zeros(len(codes), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return sorted_codes[at] == codes


@dataclass(frozen=True)
class CorpusPriors:
    """Document counts of each training identifier and identifier pair (see the module docstring).

    Attributes
    ----------
    identifiers : tuple of str
        The entities, sorted; an entity's index is its place here.
    entity_seen, entity_related : int arrays (n_entities,)
        Documents where the entity is in a candidate pair / in a gold relation.
    type_seen, type_related : int arrays (n_entities, n_type_pairs)
        The same, counting only pairs of each type pair.
    pair_keys : int64 array
        Sorted keys ``i * n_entities + j`` (``i < j``) of the identifier pairs seen as candidates.
    pair_seen, pair_related : int arrays
        Documents where the pair is a candidate / a gold relation.
    base_rate : float
        The share of training candidates that are related.
    """

    identifiers: tuple[str, ...]
    entity_seen: np.ndarray
    entity_related: np.ndarray
    type_seen: np.ndarray
    type_related: np.ndarray
    pair_keys: np.ndarray
    pair_seen: np.ndarray
    pair_related: np.ndarray
    base_rate: float

    # -- counting ---------------------------------------------------------------------------------------------
    @classmethod
    def count(
        cls,
        group: np.ndarray,
        id_a: Sequence[str],
        id_b: Sequence[str],
        type_pair: np.ndarray,
        related: np.ndarray,
        n_type_pairs: int,
    ) -> CorpusPriors:
        """Count the candidate pairs of the training documents.

        Parameters
        ----------
        group : int array
            Each pair's document, as the index of its PMID (one abstract in two corpora is one group).
        id_a, id_b : sequences of str
            Each pair's two identifiers.
        type_pair : int array
            Each pair's type pair index (below ``n_type_pairs``).
        related : bool array
            Whether each pair is a gold relation.
        n_type_pairs : int
        """
        identifiers, index = np.unique(np.array([*id_a, *id_b], dtype=object).astype(str), return_inverse=True)
        n, n_e = len(group), len(identifiers)
        a, b = index[:n], index[n:]
        roles, rel2, tp2 = np.r_[a, b], np.r_[related, related], np.r_[type_pair, type_pair]
        group2 = np.r_[group, group]
        entity_seen, _ = _distinct_counts(group2, roles, n_e)
        entity_related, _ = _distinct_counts(group2[rel2], roles[rel2], n_e)
        typed = roles * n_type_pairs + tp2
        type_seen, _ = _distinct_counts(group2, typed, n_e * n_type_pairs)
        type_related, _ = _distinct_counts(group2[rel2], typed[rel2], n_e * n_type_pairs)
        keys = np.minimum(a, b).astype(np.int64) * n_e + np.maximum(a, b)
        pair_keys, inverse = np.unique(keys, return_inverse=True)
        pair_seen, _ = _distinct_counts(group, inverse, len(pair_keys))
        pair_related, _ = _distinct_counts(group[related], inverse[related], len(pair_keys))
        return cls(
            tuple(identifiers.tolist()),
            entity_seen,
            entity_related,
            type_seen.reshape(n_e, n_type_pairs),
            type_related.reshape(n_e, n_type_pairs),
            pair_keys,
            pair_seen,
            pair_related,
            float(np.mean(related)) if n else 0.0,
        )

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {identifier: k for k, identifier in enumerate(self.identifiers)}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_index"}  # derived: rebuilt where used

    def _lookup(self, identifiers: Sequence[str]) -> np.ndarray:
        """Each identifier's entity index, -1 for one never seen in training."""
        index = self._index
        return np.array([index.get(i, -1) for i in identifiers], dtype=np.int64)

    # -- the numbers a stage reads ---------------------------------------------------------------------------
    def inputs(self, id_a: Sequence[str], id_b: Sequence[str], type_pair: np.ndarray) -> np.ndarray:
        """The :data:`PRIOR_INPUTS` of each pair, shape ``(n_pairs, len(PRIOR_INPUTS))``.

        An identifier or pair never seen in training reads 0 documents and the base rate.
        """
        n = len(type_pair)
        a, b = self._lookup(id_a), self._lookup(id_b)
        n_e = len(self.identifiers)
        pair_seen, pair_related = np.zeros(n), np.zeros(n)
        both = (a >= 0) & (b >= 0)
        keys = np.minimum(a, b) * n_e + np.maximum(a, b)
        found = both.copy()
        found[both] = _member(keys[both], self.pair_keys)
        at = np.searchsorted(self.pair_keys, keys[found])
        pair_seen[found], pair_related[found] = self.pair_seen[at], self.pair_related[at]
        columns = [np.log1p(pair_seen), np.log1p(pair_related), self._rate(pair_related, pair_seen)]
        for entity in (a, b):
            seen, related, type_seen, type_related = self._entity_counts(entity, type_pair)
            columns += [
                np.log1p(seen),
                np.log1p(related),
                self._rate(related, seen),
                self._rate(type_related, type_seen),
            ]
        return np.column_stack(columns) if n else np.zeros((0, len(PRIOR_INPUTS)))

    def _entity_counts(self, entity: np.ndarray, type_pair: np.ndarray) -> tuple[np.ndarray, ...]:
        """(seen, related, seen with this type pair, related with this type pair) of each entity index (0 if -1)."""
        known = entity >= 0
        out = [np.zeros(len(entity)) for _ in range(4)]
        e, t = entity[known], type_pair[known]
        out[0][known], out[1][known] = self.entity_seen[e], self.entity_related[e]
        out[2][known], out[3][known] = self.type_seen[e, t], self.type_related[e, t]
        return tuple(out)

    def _rate(self, related: np.ndarray, seen: np.ndarray) -> np.ndarray:
        return (related + ALPHA * self.base_rate) / (seen + ALPHA)

    # -- persistence ------------------------------------------------------------------------------------------
    def to_arrays(self, prefix: str = "priors") -> dict[str, np.ndarray]:
        """The counts as arrays (identifiers as newline-separated UTF-8 bytes); see :meth:`from_arrays`."""
        return {
            f"{prefix}.identifiers": np.frombuffer("\n".join(self.identifiers).encode("utf-8"), dtype=np.uint8),
            f"{prefix}.entity_seen": self.entity_seen.astype(np.int32),
            f"{prefix}.entity_related": self.entity_related.astype(np.int32),
            f"{prefix}.type_seen": self.type_seen.astype(np.int32),
            f"{prefix}.type_related": self.type_related.astype(np.int32),
            f"{prefix}.pair_keys": self.pair_keys.astype(np.int64),
            f"{prefix}.pair_seen": self.pair_seen.astype(np.int32),
            f"{prefix}.pair_related": self.pair_related.astype(np.int32),
            f"{prefix}.base_rate": np.array([self.base_rate], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "priors") -> CorpusPriors:
        """Rebuild counts saved by :meth:`to_arrays`; raises ValueError when the arrays do not fit together."""
        text = bytes(arrays[f"{prefix}.identifiers"]).decode("utf-8")
        identifiers = tuple(text.split("\n")) if text else ()
        n_e = len(identifiers)
        counts = {
            name: np.asarray(arrays[f"{prefix}.{name}"], dtype=np.int64)
            for name in ("entity_seen", "entity_related", "type_seen", "type_related", "pair_seen", "pair_related")
        }
        priors = cls(
            identifiers=identifiers,
            pair_keys=np.asarray(arrays[f"{prefix}.pair_keys"], dtype=np.int64),
            base_rate=float(np.asarray(arrays[f"{prefix}.base_rate"], dtype=np.float64)[0]),
            **counts,
        )
        shapes_fit = (
            priors.entity_seen.shape == priors.entity_related.shape == (n_e,)
            and priors.type_seen.ndim == 2
            and priors.type_seen.shape == priors.type_related.shape
            and priors.type_seen.shape[0] == n_e
            and priors.pair_keys.shape == priors.pair_seen.shape == priors.pair_related.shape
            and priors.pair_keys.ndim == 1
            and bool(np.all(np.diff(priors.pair_keys) > 0))
            and (not len(priors.pair_keys) or 0 <= priors.pair_keys[0] and priors.pair_keys[-1] < n_e * n_e)
        )
        if not shapes_fit or list(identifiers) != sorted(identifiers):
            raise ValueError("the corpus priors' arrays do not fit together")
        return priors


@dataclass(frozen=True)
class TrainingPairs:
    """What the priors count of the training pairs: document group (by PMID), identifiers, type pair, answer."""

    group: np.ndarray
    id_a: list[str]
    id_b: list[str]
    type_pair: np.ndarray
    related: np.ndarray
    n_type_pairs: int

    def count(self, rows: np.ndarray) -> CorpusPriors:
        """The priors of the pairs ``rows`` (an index array)."""
        return CorpusPriors.count(
            self.group[rows],
            [self.id_a[r] for r in rows.tolist()],
            [self.id_b[r] for r in rows.tolist()],
            self.type_pair[rows],
            self.related[rows],
            self.n_type_pairs,
        )

    def inputs(self, priors: CorpusPriors, rows: np.ndarray) -> np.ndarray:
        """The :data:`PRIOR_INPUTS` that the pairs ``rows`` read from ``priors``."""
        return priors.inputs(
            [self.id_a[r] for r in rows.tolist()], [self.id_b[r] for r in rows.tolist()], self.type_pair[rows]
        )


def out_of_fold_inputs(pairs: TrainingPairs, folds: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Every training pair's :data:`PRIOR_INPUTS`, each fold's pairs reading the counts of the other folds only.

    ``folds`` are (train, test) row arrays whose test parts cover every row once (documents whole).
    """
    out = np.zeros((len(pairs.group), len(PRIOR_INPUTS)))
    for train, test in folds:
        out[test] = pairs.inputs(pairs.count(train), test)
    return out


def nested_inputs(pairs: TrainingPairs, folds: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
    """For each outer fold k, the :data:`PRIOR_INPUTS` with which a stage is cross-validated on it.

    Fold k's pairs read the counts of the other folds (as a new document reads those of all the training
    documents); each other fold's pairs, on which the stage is trained, read the counts of the folds that
    are neither theirs nor k: fold k's answers reach no input of the stage that is scored on it.
    """
    fold_of = np.zeros(len(pairs.group), dtype=np.int64)
    for k, (_, test) in enumerate(folds):
        fold_of[test] = k
    found = []
    for k, (train, test) in enumerate(folds):
        inputs = np.zeros((len(pairs.group), len(PRIOR_INPUTS)))
        inputs[test] = pairs.inputs(pairs.count(train), test)
        for j, (_, inner) in enumerate(folds):
            if j != k:
                others = np.flatnonzero((fold_of != j) & (fold_of != k))
                inputs[inner] = pairs.inputs(pairs.count(others), inner)
        found.append(inputs)
    return found
