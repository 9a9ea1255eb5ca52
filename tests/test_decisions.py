"""The curators' decisions file (relclf.curation.decisions): reading it, the gold documents it makes of
predicted documents, its rules of completeness, and the decisions a gold file implies."""

from __future__ import annotations

import io

import pytest

from conftest import DOC_100, DOC_300, parse_one
from relclf.curation.decisions import (
    COLUMNS_WITH_DECISIONS,
    Decision,
    Decisions,
    read_decisions,
    simulated_decisions,
    write_decisions,
)
from relclf.document import Document, Relation
from relclf.errors import InputError
from relclf.io.rows import COLUMNS

# DOC_300 predicted: three relations with scores (as relclf writes them), one of them wrong, one pair missed
PREDICTED = parse_one(DOC_300).with_relations(
    [
        Relation("Association", "3172", "D003920", "Novel", 0.64, "relclf"),
        Relation("Association", "c|INS|5382|C", "672", "No", 0.58, "relclf"),
        Relation("Negative_Correlation", "D002945", "D034381|D014786", "Novel", 0.99, "relclf"),
    ]
)


def _file(decisions: list[Decision], documents: list[Document] | None = None) -> bytes:
    """The decisions file of ``decisions`` (all about PREDICTED unless documents are given)."""
    buffer = io.StringIO()
    by_document = {d.pmid: d for d in documents or [PREDICTED]}
    items = [(by_document[pmid], [x for x in decisions if x.document == pmid]) for pmid in by_document]
    write_decisions(items, buffer)
    return buffer.getvalue().encode()


def _apply(data: bytes, documents: list[Document], **options) -> tuple[list[Document], Decisions]:
    decisions = Decisions.read(io.BytesIO(data))
    return list(decisions.apply(documents, **options)), decisions


def test_a_decisions_file_has_the_row_columns_then_the_decision_columns():
    data = _file([Decision("300", "3172", "D003920", "Association", "accepted", "Association", "Novel")])
    header, row = data.decode().splitlines()
    assert (
        tuple(header.split("\t"))
        == COLUMNS_WITH_DECISIONS
        == (*COLUMNS, "decision", "curated_label", "curated_novelty")
    )
    fields = row.split("\t")
    assert (
        fields[:3] == ["300", "3172", "Gene"]
        and fields[8] == "0.64"
        and fields[-4:]
        == [
            "relclf",
            "accepted",
            "Association",
            "Novel",
        ]
    )


def test_accepted_corrected_and_added_relations_make_the_gold_document_rejected_ones_do_not():
    decisions = [
        Decision("300", "3172", "D003920", "Association", "accepted", "Association", "Novel"),
        Decision("300", "c|INS|5382|C", "672", "Association", "corrected", "Positive_Correlation", None),
        Decision("300", "D002945", "D034381|D014786", "Negative_Correlation", "rejected"),
        Decision("300", "672", "D003920", "Bind", "added", "Bind", "No"),
    ]
    (gold,), applied = _apply(_file(decisions), [PREDICTED])
    assert gold.relations == (
        Relation("Association", "3172", "D003920", "Novel"),
        Relation("Positive_Correlation", "c|INS|5382|C", "672"),
        Relation("Bind", "672", "D003920", "No"),
    )
    assert all(r.score is None and r.source is None for r in gold.relations)
    assert gold.with_relations(()) == PREDICTED.with_relations(())  # text and mentions as they were
    counts = applied.counts
    assert (counts.documents, counts.accepted, counts.corrected, counts.added, counts.rejected) == (1, 1, 1, 1, 1)
    assert counts.relations == 3 and counts.unmatched == []


def test_a_document_with_an_undecided_relation_is_left_out_unless_undecided_count_as_rejected():
    decisions = [Decision("300", "3172", "D003920", "Association", "accepted", "Association", "Novel")]
    documents, applied = _apply(_file(decisions), [PREDICTED])
    assert documents == [] and applied.counts.incomplete == 1
    (gold,), applied = _apply(_file(decisions), [PREDICTED], undecided_as_rejected=True)
    assert [r.id1 for r in gold.relations] == ["3172"] and applied.counts.undecided == 2


def test_a_document_without_relations_is_complete_only_once_marked_reviewed_or_given_a_relation():
    empty = parse_one(DOC_100).with_relations(())
    assert _apply(_file([], [empty]), [empty])[0] == []
    (reviewed,), _ = _apply(_file([Decision("100", "", "", "", "reviewed")], [empty]), [empty])
    assert reviewed.relations == ()
    added = [Decision("100", "1499", "D012859", "Association", "added", "Association", None)]
    (gold,), _ = _apply(_file(added, [empty]), [empty])
    assert gold.relations == (Relation("Association", "1499", "D012859"),)


def test_decisions_carry_over_to_other_predictions_by_ids_and_label_whatever_the_score():
    decisions = [Decision("300", r.id1, r.id2, r.label, "accepted", r.label, r.novelty) for r in PREDICTED.relations]
    rescored = PREDICTED.with_relations([Relation(r.label, r.id1, r.id2, r.novelty, 0.1) for r in PREDICTED.relations])
    (gold,), _ = _apply(_file(decisions), [rescored])
    assert [r.label for r in gold.relations] == [r.label for r in PREDICTED.relations]


def test_rows_about_other_documents_or_relations_are_counted_as_unmatched_with_their_lines():
    decisions = [Decision("300", r.id1, r.id2, r.label, "rejected") for r in PREDICTED.relations]
    data = _file(decisions) + b"999\t1\tGene\tx\t2\tGene\ty\tBind\t\t\trelclf\trejected\t\t\n"
    data += b"300\t3172\tGene\tx\tD003920\tDisease\ty\tBind\t\t\trelclf\taccepted\tBind\t\n"
    (gold,), applied = _apply(data, [PREDICTED])
    assert gold.relations == () and applied.counts.unmatched == [5, 6]


def test_files_from_before_corrections_read_their_novelty_from_the_novelty_column():
    header = "\t".join((*COLUMNS[:-1], "decision"))
    rows = [
        "300\t3172\tGene\tx\tD003920\tDisease\ty\tAssociation\t0.64\tNovel\taccepted",
        "300\tc|INS|5382|C\tVariant\tx\t672\tGene\ty\tAssociation\t0.58\tNo\trejected",
    ]
    decisions = read_decisions(io.BytesIO("\n".join([header, *rows, ""]).encode()))
    assert [(d.decision, d.curated_label, d.curated_novelty) for d in decisions] == [
        ("accepted", "Association", "Novel"),
        ("rejected", None, None),
    ]
    assert [d.line for d in decisions] == [2, 3]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("document\tid1\n", 1, "lacks the column(s) id2, label, decision"),
        ("document\tid1\tid2\tlabel\tdecision\n300\t1\t2\tBind\tmaybe\n", 2, "unknown decision 'maybe'"),
        ("document\tid1\tid2\tlabel\tdecision\n300\t1\n", 2, "2 fields, fewer than the header's 5"),
        ("document\tid1\tid2\tlabel\tdecision\n\t1\t2\tBind\taccepted\n", 2, "a decision without a document"),
        ("document\tid1\tid2\tlabel\tdecision\n300\t\t2\tBind\trejected\n", 2, "needs id1, id2 and label"),
        (
            "document\tid1\tid2\tlabel\tdecision\tcurated_label\n300\t1\t2\tBind\tcorrected\t\n",
            2,
            "a corrected relation needs its curated_label",
        ),
        ("document\tid1\tid2\tlabel\tdecision\n300\t1\t2\tBind\taccepted\n\xff\n", 3, "invalid UTF-8"),
    ],
)
def test_a_bad_decisions_file_is_an_error_naming_its_line(text, line, message):
    data = text.encode("latin-1") if "\xff" in text else text.encode()
    with pytest.raises(InputError) as caught:
        read_decisions(io.BytesIO(data))
    assert caught.value.line == line and message in caught.value.message


def test_contradicting_rows_and_impossible_additions_are_errors_naming_the_line():
    twice = [
        Decision("300", "3172", "D003920", "Association", "accepted", "Association", "Novel", line=2),
        Decision("300", "3172", "D003920", "Association", "rejected", line=3),
    ]
    with pytest.raises(InputError, match="rejected here and accepted at line 2"):
        Decisions(twice, "d.tsv")
    added_twice = [
        Decision("300", "672", "D003920", "Bind", "added", "Bind", None, line=2),
        Decision("300", "D003920", "672", "Association", "added", "Association", None, line=3),
    ]
    with pytest.raises(InputError, match="added twice"):
        Decisions(added_twice, "d.tsv")
    unknown = Decisions([Decision("300", "672", "C999", "Bind", "added", "Bind", None, line=4)], "d.tsv")
    with pytest.raises(InputError, match="d.tsv:4: document '300' has no entity 'C999'"):
        list(unknown.apply([PREDICTED]))
    existing = Decisions([Decision("300", "D003920", "3172", "Bind", "added", "Bind", None, line=5)], "d.tsv")
    with pytest.raises(InputError, match="already has a relation between D003920 and 3172: correct that one"):
        list(existing.apply([PREDICTED]))


def test_the_simulated_curator_turns_predictions_into_gold():
    gold = parse_one(DOC_300)  # Association 3172-D003920 Novel, Association c|INS|5382|C-672 No, ...
    predicted = gold.with_relations(
        [
            Relation("Association", "3172", "D003920", "Novel", 0.9),  # right
            Relation("Bind", "672", "c|INS|5382|C", "No", 0.8),  # wrong label, pair reversed
            Relation("Association", "672", "D003920", None, 0.4),  # not related in gold
        ]
    )
    decisions = simulated_decisions(predicted, gold)
    assert [d.decision for d in decisions] == ["accepted", "corrected", "rejected", "added"]
    (curated,), _ = _apply(_file(decisions, [predicted]), [predicted])
    assert {(r.pair, r.label, r.novelty) for r in curated.relations} == {
        (r.pair, r.label, r.novelty) for r in gold.relations
    }


def test_the_simulated_curator_of_a_document_without_relations_marks_it_reviewed():
    empty = parse_one(DOC_100).with_relations(())
    assert [d.decision for d in simulated_decisions(empty, empty)] == ["reviewed"]
