"""Tests of relclf.extract.priors: document counts per entity and ID pair, out of fold, checked by a naive count."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relclf.extract.priors import ALPHA, PRIOR_INPUTS, CorpusPriors, TrainingPairs, nested_inputs, out_of_fold_inputs


def _naive(group, id_a, id_b, type_pair, related, query_a, query_b, query_tp) -> np.ndarray:
    """The priors by plain sets of (document, thing): the obviously right version."""
    seen, rel = defaultdict(set), defaultdict(set)
    for g, a, b, t, r in zip(group, id_a, id_b, type_pair, related, strict=True):
        for key in (("pair", frozenset((a, b))), ("entity", a), ("entity", b), ("typed", a, t), ("typed", b, t)):
            seen[key].add(g)
            if r:
                rel[key].add(g)
    base = float(np.mean(related)) if len(related) else 0.0

    def rate(key):
        return (len(rel[key]) + ALPHA * base) / (len(seen[key]) + ALPHA)

    rows = []
    for a, b, t in zip(query_a, query_b, query_tp, strict=True):
        pair = ("pair", frozenset((a, b)))
        row = [np.log1p(len(seen[pair])), np.log1p(len(rel[pair])), rate(pair)]
        for e in (a, b):
            row += [np.log1p(len(seen[("entity", e)])), np.log1p(len(rel[("entity", e)]))]
            row += [rate(("entity", e)), rate(("typed", e, t))]
        rows.append(row)
    return np.array(rows).reshape(len(rows), len(PRIOR_INPUTS))


_pairs = st.lists(
    st.tuples(
        st.integers(0, 6),  # document
        st.sampled_from("ABCDEFG"),
        st.sampled_from("ABCDEFG"),
        st.integers(0, 2),  # type pair
        st.booleans(),
    ).filter(lambda p: p[1] != p[2]),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pairs, st.lists(st.tuples(st.sampled_from("ABCDEFGHX"), st.sampled_from("ABCDEFGHY"), st.integers(0, 2))))
def test_the_counts_equal_a_naive_count_of_documents(pairs, queries):
    group, id_a, id_b, type_pair, related = (list(column) for column in zip(*pairs, strict=True))
    priors = CorpusPriors.count(np.array(group), id_a, id_b, np.array(type_pair), np.array(related), 3)
    queries = [(a, b, t) for a, b, t in queries if a != b] or [("A", "B", 0)]
    qa, qb, qt = (list(column) for column in zip(*queries, strict=True))
    expected = _naive(group, id_a, id_b, type_pair, related, qa, qb, qt)
    assert priors.inputs(qa, qb, np.array(qt)) == pytest.approx(expected)
    restored = CorpusPriors.from_arrays(priors.to_arrays("p"), "p")
    assert np.array_equal(restored.inputs(qa, qb, np.array(qt)), priors.inputs(qa, qb, np.array(qt)))


def _training(n_docs: int = 12, seed: int = 0) -> TrainingPairs:
    rng = np.random.default_rng(seed)
    rows = [(d, a, b) for d in range(n_docs) for a, b in [("X", "Y"), ("X", f"Z{d % 3}"), (f"W{d}", "Y")]]
    return TrainingPairs(
        group=np.array([d for d, _, _ in rows]),
        id_a=[a for _, a, _ in rows],
        id_b=[b for _, _, b in rows],
        type_pair=np.zeros(len(rows), dtype=np.int64),
        related=rng.uniform(size=len(rows)) < 0.5,
        n_type_pairs=1,
    )


def _folds(group: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    fold = group % k
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def test_out_of_fold_inputs_read_only_the_other_folds_documents():
    pairs = _training()
    folds = _folds(pairs.group, 3)
    found = out_of_fold_inputs(pairs, folds)
    for train, test in folds:
        g = pairs.group
        expected = _naive(
            g[train],
            [pairs.id_a[r] for r in train],
            [pairs.id_b[r] for r in train],
            pairs.type_pair[train],
            pairs.related[train],
            [pairs.id_a[r] for r in test],
            [pairs.id_b[r] for r in test],
            pairs.type_pair[test],
        )
        assert found[test] == pytest.approx(expected)


def test_a_pairs_own_answer_never_reaches_its_inputs():
    """Flipping the answer of the pairs of one document changes none of that document's inputs, out of fold and
    nested; and in the nested inputs of fold k, no answer of fold k reaches any pair."""
    pairs = _training()
    folds = _folds(pairs.group, 4)
    flipped = TrainingPairs(**{**pairs.__dict__, "related": np.where(pairs.group == 5, ~pairs.related, pairs.related)})
    mine = pairs.group == 5
    assert np.array_equal(out_of_fold_inputs(pairs, folds)[mine], out_of_fold_inputs(flipped, folds)[mine])
    k = 5 % 4  # document 5's fold
    before, after = nested_inputs(pairs, folds)[k], nested_inputs(flipped, folds)[k]
    assert np.array_equal(before, after)  # fold k's answers reach nothing the stage scored on fold k reads
    other = nested_inputs(pairs, folds)[(k + 1) % 4], nested_inputs(flipped, folds)[(k + 1) % 4]
    assert not np.array_equal(*other)  # ...while they do reach the stage cross-validated on another fold


def test_identifiers_never_seen_read_zero_documents_and_the_base_rate():
    priors = CorpusPriors.count(np.array([0, 1]), ["A", "A"], ["B", "C"], np.array([0, 0]), np.array([True, False]), 1)
    (row,) = priors.inputs(["Q"], ["R"], np.array([0]))
    values = dict(zip(PRIOR_INPUTS, row, strict=True))
    assert values["pair_seen"] == values["a_seen"] == values["b_related"] == 0
    assert values["pair_rate"] == values["a_rate"] == values["b_type_rate"] == pytest.approx(0.5)


def test_damaged_arrays_are_refused():
    arrays = CorpusPriors.count(np.array([0]), ["A"], ["B"], np.array([0]), np.array([True]), 1).to_arrays("p")
    arrays["p.pair_keys"] = np.array([5, 3])
    with pytest.raises(ValueError, match="do not fit together"):
        CorpusPriors.from_arrays(arrays, "p")
