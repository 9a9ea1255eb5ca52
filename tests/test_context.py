"""The document-context stage: each pair's place among the other pairs of its abstract, computed for a batch."""

from __future__ import annotations

import numpy as np
import pytest

from relclf.extract.context import CONTEXT_INPUTS, ContextStage, context_inputs, group_ranks


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def test_group_ranks_count_strictly_higher_scores_and_find_the_best_other():
    group = np.array([3, 3, 3, 3, 7])
    score = np.array([0.4, 0.9, 0.4, 0.1, 0.6])
    higher, top, best_other = group_ranks(group, score)
    assert higher.tolist() == [1, 0, 1, 3, 0]  # ties share the count above them
    assert top.tolist() == [0.9, 0.9, 0.9, 0.9, 0.6]
    assert best_other.tolist() == [0.9, 0.4, 0.9, 0.9, 0.0]  # the top pair's best other is the runner-up; alone: 0


def test_group_ranks_of_nothing():
    higher, top, best_other = group_ranks(np.zeros(0, dtype=int), np.zeros(0))
    assert len(higher) == len(top) == len(best_other) == 0


def test_group_ranks_match_a_loop_on_random_groups():
    rng = np.random.default_rng(1)
    group, score = rng.integers(0, 5, 60), rng.integers(0, 6, 60) / 5
    higher, top, best_other = group_ranks(group, score)
    for i in range(60):
        same = [j for j in range(60) if group[j] == group[i]]
        others = [score[j] for j in same if j != i]
        assert higher[i] == sum(score[j] > score[i] for j in same)
        assert top[i] == max(score[j] for j in same)
        assert best_other[i] == (max(others) if others else 0.0)


def test_context_inputs_place_each_pair_in_its_document_and_among_its_entities_pairs():
    # document 0: entities 0, 1, 2 -> pairs (0,1) p=0.9, (0,2) p=0.2, (1,2) p=0.5; document 1: one pair (3,4)
    doc, a, b = np.array([0, 0, 0, 1]), np.array([0, 0, 1, 3]), np.array([1, 2, 2, 4])
    decision = np.array([_logit(0.9), _logit(0.2), _logit(0.5), _logit(0.7)])
    inputs = context_inputs(doc, a, b, decision, ("score", "entity", "document"))
    names = [n for g in ("score", "entity", "document") for n in CONTEXT_INPUTS[g]]
    column = {name: inputs[:, k] for k, name in enumerate(names)}
    assert column["decision"] == pytest.approx(decision)
    # pair (0,2): entity 0's other pair scores 0.9 (higher), entity 2's other pair 0.5 (higher)
    assert column["a_best_other"][1] == pytest.approx(_logit(0.9)) and column["b_best_other"][1] == pytest.approx(
        _logit(0.5)
    )
    assert column["a_higher"][1] == pytest.approx(np.log(2)) and column["b_higher"][1] == pytest.approx(np.log(2))
    # pair (0,1) is the top pair of its document: nothing higher, gap 0
    assert column["doc_higher"][0] == 0 and column["doc_gap"][0] == pytest.approx(0)
    assert column["doc_higher"][1] == pytest.approx(np.log(3)) and column["doc_top"][1] == pytest.approx(_logit(0.9))
    assert column["doc_pairs"].tolist() == pytest.approx([np.log(3)] * 3 + [0.0])
    # the lone pair of document 1: its entities have no other pair (read as probability 1e-4)
    assert column["a_best_other"][3] == pytest.approx(_logit(1e-4)) and column["a_higher"][3] == 0


def test_context_inputs_read_only_the_groups_asked_for():
    doc, a, b, decision = np.array([0, 0]), np.array([0, 0]), np.array([1, 2]), np.array([1.0, -1.0])
    assert context_inputs(doc, a, b, decision, ("score",)).shape == (2, 1)
    assert context_inputs(doc, a, b, decision, ("score", "document")).shape == (2, 1 + len(CONTEXT_INPUTS["document"]))
    assert context_inputs(doc[:0], a[:0], b[:0], decision[:0], ("score", "entity")).shape == (0, 5)


def test_a_context_stage_is_a_logistic_regression_over_its_inputs():
    stage = ContextStage(("score", "document"), np.array([1.0, -0.5, 0.0, 0.0, 0.0]), 0.25)
    assert stage.columns == ["decision", "doc_higher", "doc_top", "doc_gap", "doc_pairs"]
    doc, a, b = np.array([0, 0]), np.array([0, 0]), np.array([1, 2])
    decision = np.array([2.0, 1.0])
    expected = 1 / (1 + np.exp(-(decision - 0.5 * np.log1p([0, 1]) + 0.25)))
    assert stage.probability(doc, a, b, decision) == pytest.approx(expected)
