"""Tests of relclf.evaluation.metrics against hand-computed precision, recall and F1."""

from __future__ import annotations

import dataclasses
import json

import pytest

from relclf.document import Document, Relation
from relclf.evaluation.metrics import (
    LEVELS,
    Counts,
    ScoreAccumulator,
    Scores,
    score_documents,
)


def doc(pmid: str, *relations: Relation) -> Document:
    return Document(pmid, "Title.", "Abstract.", relations=relations)


R = Relation

GOLD = [
    doc("1", R("Bind", "a", "b", "Novel"), R("Association", "a", "c", "No"), R("Association", "b", "c", "Novel")),
    doc("2", R("Association", "x", "y", "No")),  # absent from the predictions
]
PREDICTED = [
    doc(
        "1",
        R("Bind", "b", "a", "Novel", 0.9),  # swapped IDs: matches at every level
        R("Bind", "a", "b", "Novel", 0.8),  # duplicate: counts once
        R("Association", "a", "c", "Novel", 0.7),  # pair and type right, novelty wrong
        R("Bind", "c", "b", "Novel", 0.6),  # pair right, label wrong
        R("Bind", "c", "d", "No", 0.5),  # wrong pair
    ),
    doc("3", R("Bind", "p", "q", "No", 0.9)),  # not in gold: ignored
]


@pytest.fixture
def scores() -> Scores:
    return score_documents(GOLD, PREDICTED)


def test_pair_level(scores):
    # doc 1: gold {ab, ac, bc}, predicted {ab, ac, bc, cd}; doc 2: gold {xy}
    assert scores.levels["pair"] == Counts(tp=3, fp=1, fn=1)
    assert scores.levels["pair"].precision == pytest.approx(0.75)
    assert scores.levels["pair"].recall == pytest.approx(0.75)
    assert scores.levels["pair"].f1 == pytest.approx(0.75)


def test_type_level(scores):
    # doc 1: right (ab, Bind), (ac, Association); wrong (bc, Bind), (cd, Bind); missed (bc, Association)
    assert scores.levels["type"] == Counts(tp=2, fp=2, fn=2)
    assert (scores.levels["type"].precision, scores.levels["type"].recall, scores.levels["type"].f1) == (0.5, 0.5, 0.5)


def test_novelty_level(scores):
    # only (ab, Bind, Novel) is right
    assert scores.levels["novelty"] == Counts(tp=1, fp=3, fn=3)
    assert scores.levels["novelty"].f1 == pytest.approx(0.25)
    assert scores.novelty_in_gold is True


def test_per_label_counts(scores):
    assert scores.per_label == {
        "Bind": Counts(tp=1, fp=2, fn=0),
        "Association": Counts(tp=1, fp=0, fn=2),
    }
    assert sum((c for c in scores.per_label.values()), Counts()) == scores.levels["type"]


def test_documents_counts_gold_documents_only(scores):
    assert scores.documents == 2
    assert set(scores.levels) == set(LEVELS)


def test_unequal_precision_and_recall():
    gold = [doc("1", R("Bind", "a", "b"), R("Bind", "a", "c"), R("Bind", "a", "d"), R("Bind", "a", "e"))]
    predicted = [doc("1", R("Bind", "b", "a"), R("Bind", "a", "c"), R("Bind", "a", "z"))]
    counts = score_documents(gold, predicted).levels["type"]
    assert counts == Counts(2, 1, 2)
    assert counts.precision == pytest.approx(2 / 3)
    assert counts.recall == pytest.approx(1 / 2)
    assert counts.f1 == pytest.approx(4 / 7)


def test_unordered_matching():
    gold = [doc("1", R("Bind", "x", "y", "No"))]
    predicted = [doc("1", R("Bind", "y", "x", "No"))]
    scores = score_documents(gold, predicted)
    for level in LEVELS:
        assert scores.levels[level] == Counts(1, 0, 0)
        assert scores.levels[level].f1 == 1.0


def test_duplicates_count_once_in_gold_and_predictions():
    gold = [doc("1", R("Bind", "x", "y"), R("Bind", "y", "x"), R("Bind", "x", "y"))]
    predicted = [doc("1", R("Bind", "x", "y"), R("Bind", "x", "y"), R("Bind", "y", "x"))]
    scores = score_documents(gold, predicted)
    assert scores.levels["pair"] == scores.levels["type"] == Counts(1, 0, 0)


def test_gold_document_missing_from_predictions_counts_as_false_negatives():
    gold = [doc("1", R("Bind", "a", "b")), doc("2", R("Bind", "c", "d"), R("Association", "c", "e"))]
    scores = score_documents(gold, [doc("1", R("Bind", "a", "b"))])
    assert scores.levels["type"] == Counts(tp=1, fp=0, fn=2)
    assert score_documents(gold, []).levels["pair"] == Counts(tp=0, fp=0, fn=3)


def test_predictions_for_unknown_documents_are_ignored():
    gold = [doc("1", R("Bind", "a", "b"))]
    predicted = [doc("1", R("Bind", "a", "b")), doc("99", R("Bind", "a", "b"), R("Bind", "c", "d"))]
    scores = score_documents(gold, predicted)
    assert scores.levels["pair"] == Counts(1, 0, 0)
    assert scores.documents == 1


def test_novelty_level_without_novelty_in_gold():
    gold = [doc("1", R("Bind", "a", "b"), R("Bind", "a", "c"))]
    predicted = [doc("1", R("Bind", "a", "b"))]
    scores = score_documents(gold, predicted)
    assert scores.novelty_in_gold is False
    assert scores.levels["novelty"] == scores.levels["type"] == Counts(1, 0, 1)
    assert "novelty" not in scores.table()


def test_predicted_novelty_must_match_gold_novelty():
    gold = [doc("1", R("Bind", "a", "b", "Novel"))]
    assert score_documents(gold, [doc("1", R("Bind", "a", "b", None))]).levels["novelty"] == Counts(0, 1, 1)
    assert score_documents(gold, [doc("1", R("Bind", "a", "b", "No"))]).levels["novelty"] == Counts(0, 1, 1)
    assert score_documents(gold, [doc("1", R("Bind", "a", "b", "Novel"))]).levels["novelty"] == Counts(1, 0, 0)


def test_counts_zero_division_gives_zero():
    empty = Counts()
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    only_fp = Counts(0, 5, 0)
    assert (only_fp.precision, only_fp.recall, only_fp.f1) == (0.0, 0.0, 0.0)
    only_fn = Counts(0, 0, 5)
    assert (only_fn.precision, only_fn.recall, only_fn.f1) == (0.0, 0.0, 0.0)
    perfect = Counts(3, 0, 0)
    assert (perfect.precision, perfect.recall, perfect.f1) == (1.0, 1.0, 1.0)


def test_counts_add():
    assert Counts(1, 2, 3) + Counts(10, 20, 30) == Counts(11, 22, 33)


def test_no_gold_documents():
    scores = score_documents([], [doc("1", R("Bind", "a", "b"))])
    assert scores.documents == 0
    assert all(c == Counts() for c in scores.levels.values())
    assert scores.per_label == {}


def test_scores_as_dict_is_json_serializable(scores):
    data = json.loads(json.dumps(scores.as_dict()))
    assert data["documents"] == 2
    assert data["novelty_in_gold"] is True
    assert data["levels"]["pair"] == {"tp": 3, "fp": 1, "fn": 1, "precision": 0.75, "recall": 0.75, "f1": 0.75}
    assert set(data["levels"]) == set(LEVELS)
    assert list(data["per_label"]) == ["Association", "Bind"]  # sorted
    assert data["per_label"]["Bind"]["fp"] == 2


def test_table_lists_labels_and_levels(scores):
    table = scores.table()
    lines = table.splitlines()
    assert lines[0].split() == ["P", "R", "F1", "TP", "FP", "FN"]
    assert lines[1].split()[0] == "Association"
    assert lines[2].split()[0] == "Bind"
    assert lines[3].split()[:2] == ["pair", "(micro)"]
    assert lines[3].split()[2:] == ["0.750", "0.750", "0.750", "3", "1", "1"]
    assert lines[-1].startswith("novelty (micro)")


# -- evaluation details ----------------------------------------------------------------------------

from relclf.evaluation.metrics import NO_RELATION, evaluation_details  # noqa: E402


def _details_fixture():
    """Gold: x-y Bind, x-z Association. Scored (threshold 0): x-y Bind 0.9, x-z Bind 0.6, y-z Bind 0.2."""
    from relclf.document import Document, Mention, Relation

    text = "x y z"
    mentions = (Mention(0, 1, "x", "Gene", "x"), Mention(2, 3, "y", "Gene", "y"), Mention(4, 5, "z", "Chemical", "z"))
    gold = Document("1", "x", "y z", mentions, (Relation("Bind", "x", "y"), Relation("Association", "x", "z")))
    assert gold.text == text
    scored = gold.with_relations(
        (
            Relation("Bind", "x", "y", score=0.9),
            Relation("Bind", "x", "z", score=0.6),
            Relation("Bind", "y", "z", score=0.2),
        )
    )
    return gold, scored


def test_evaluation_details_scores_match_thresholded_predictions():
    gold, scored = _details_fixture()
    details = evaluation_details([gold], [scored], 0.5)
    expected = score_documents([gold], [gold.with_relations(scored.relations[:2])])
    assert dataclasses.replace(details.scores, calibration=None) == expected
    # the calibration report reads every scored pair: x-y Bind 0.9 right, x-z Bind 0.6 and y-z Bind 0.2 wrong
    report = details.scores.calibration
    assert report.pairs == 3 and report.ece == pytest.approx((0.1 + 0.6 + 0.2) / 3)
    assert details.labels == ["Association", "Bind"]
    names, counts = details.confusion()
    assert names == ["Association", "Bind", NO_RELATION]
    assert counts.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 1]]
    per_tp = details.per_type_pair()
    assert per_tp["Gene|Gene"][1] == Counts(1, 0, 0)
    assert per_tp["Chemical|Gene"][0] == Counts(1, 0, 0) and per_tp["Chemical|Gene"][1] == Counts(0, 1, 1)


def test_evaluation_details_curve_has_one_point_per_distinct_score():
    gold, scored = _details_fixture()
    details = evaluation_details([gold], [scored], 0.5)
    pair, typed = details.curve("pair"), details.curve()
    assert [p.threshold for p in pair] == [p.threshold for p in typed] == [0.9, 0.6, 0.2]
    # gold: x-y Bind, x-z Association; scored: x-y Bind 0.9, x-z Bind 0.6, y-z Bind 0.2
    assert [(p.precision, p.recall) for p in pair] == [(1.0, 0.5), (1.0, 1.0), (2 / 3, 1.0)]
    assert [(p.precision, p.recall) for p in typed] == [(1.0, 0.5), (0.5, 0.5), (1 / 3, 0.5)]
    assert typed[0].f1 == pytest.approx(2 / 3) and pair[1].f1 == 1.0
    with pytest.raises(ValueError, match="'pair' or 'type', not 'novelty'"):
        details.curve("novelty")


def test_gold_pair_that_is_no_candidate_is_a_miss_without_score():
    gold, scored = _details_fixture()
    details = evaluation_details([gold], [scored.with_relations(scored.relations[:1])], 0.5)
    missing = [o for o in details.outcomes if o.score is None]
    assert len(missing) == 1 and missing[0].gold == "Association" and missing[0].predicted(0.0) is None


# --- ScoreAccumulator ---------------------------------------------------------------------------


def test_accumulator_fed_document_by_document_equals_score_documents(scores):
    accumulator = ScoreAccumulator()
    predictions = {d.pmid: d.relations for d in PREDICTED}
    for gold in GOLD:
        accumulator.add(gold, predictions.get(gold.pmid, ()))
    assert accumulator.scores() == scores
    assert accumulator.scores().levels["pair"] == Counts(tp=3, fp=1, fn=1)


def test_accumulator_add_all_zips_streams_and_checks_their_order():
    gold = [doc("1", R("Bind", "a", "b")), doc("2", R("Bind", "c", "d"))]
    predicted = [doc("1", R("Bind", "a", "b")), doc("2")]
    scores = ScoreAccumulator().add_all(zip(gold, predicted, strict=True)).scores()
    assert scores.levels["type"] == Counts(tp=1, fp=0, fn=1)
    assert scores.documents == 2
    with pytest.raises(ValueError, match="document 2 was predicted where 1 was expected"):
        ScoreAccumulator().add_all(zip(gold, reversed(predicted), strict=True))
