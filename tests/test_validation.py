"""The shared rules of every reader: document validation, offsets, quoting, and the skip-or-raise loop."""

from __future__ import annotations

import io

import pytest

from relclf.document import Document, Mention, Relation
from relclf.errors import InputError
from relclf.io.bioc_json import read_bioc_json, write_bioc_json
from relclf.io.bioc_xml import read_bioc_xml, write_bioc_xml
from relclf.io.pubtator import format_document, read_pubtator
from relclf.io.validation import parse_offset, shown, valid_documents, validate_document

TITLE, ABSTRACT = (
    "Aspirin and cancer.",
    "Aspirin prevents cancer.",
)  # the text: "Aspirin and cancer. Aspirin prevents cancer."
ASPIRIN = Mention(0, 7, "Aspirin", "Chemical", "D001241")
CANCER = Mention(12, 18, "cancer", "Disease", "D009369")
COMPOSITE = Mention(37, 43, "cancer", "Disease", "D009369|D002277")


def document(mentions=(ASPIRIN, CANCER), relations=(), pmid="1", line=0) -> Document:
    return Document(pmid, TITLE, ABSTRACT, tuple(mentions), tuple(relations), line=line)


def error_of(check) -> InputError:
    with pytest.raises(InputError) as info:
        check()
    return info.value


# --- shown and parse_offset ---------------------------------------------------------------------


def test_shown_quotes_values_and_cuts_long_strings():
    assert shown("BRCA1") == "'BRCA1'"
    assert shown("x" * 60) == repr("x" * 60)
    assert shown("x" * 61 + "yz") == repr("x" * 60) + "... (63 characters)"
    assert shown("9" * 2000) == repr("9" * 60) + "... (2,000 characters)"
    assert (shown(-4), shown(None), shown([])) == ("-4", "None", "[]")


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("12", 12), ("007", 7), (0, 0), (42, 42)])
def test_parse_offset_accepts_non_negative_integers_and_their_digits(value, expected):
    assert parse_offset(value, "start offset", "a.pubtator", 3) == expected


@pytest.mark.parametrize(
    ("value", "shown_as"),
    [
        ("-1", "'-1'"),
        ("1.5", "'1.5'"),
        ("", "''"),
        (" 3", "' 3'"),
        (
            "\u0661\u0662",
            "'\u0661\u0662'",
        ),  # Arabic-Indic digits: int() reads them, a PubTator line could not write them back
        ("\u00b2", "'\u00b2'"),  # superscript two: a digit to str.isdigit, not to int()
        (-4, "-4"),
        (4.0, "4.0"),
        (True, "True"),
        (None, "None"),
        ([], "[]"),
    ],
)
def test_parse_offset_rejects_anything_else_naming_value_and_line(value, shown_as):
    error = error_of(lambda: parse_offset(value, "location length", "a.json", 7))
    assert (error.path, error.line, error.message) == (
        "a.json",
        7,
        f"location length {shown_as} is not a non-negative integer",
    )


def test_parse_offset_cuts_a_long_value_in_its_message():
    error = error_of(lambda: parse_offset("1" * 100 + "x", "end offset", "a.pubtator", 2))
    assert error.message == f"end offset {'1' * 60!r}... (101 characters) is not a non-negative integer"


# --- validate_document ----------------------------------------------------------------------------


def test_a_valid_document_passes():
    relations = (Relation("Treatment", "D001241", "D009369"), Relation("Treatment", "D001241", "D002277"))
    assert validate_document(document((ASPIRIN, CANCER, COMPOSITE), relations), "a.pubtator", [3, 4, 5], [6, 7]) is None


@pytest.mark.parametrize(
    ("mention", "message"),
    [
        (Mention(7, 7, "", "Chemical", "D1"), "end offset 7 is not after start offset 7"),
        (Mention(9, 3, "", "Chemical", "D1"), "end offset 3 is not after start offset 9"),
        (Mention(40, 45, "cance", "Disease", "D1"), "offsets 40-45 beyond the text (length 44)"),
        (Mention(0, 7, "Aspirim", "Chemical", "D1"), "mention text 'Aspirim' differs from the text at 0-7: 'Aspirin'"),
        (Mention(0, 7, "aspirin", "Chemical", "D1"), "mention text 'aspirin' differs from the text at 0-7: 'Aspirin'"),
    ],
)
def test_a_bad_mention_is_named_with_its_line(mention, message):
    error = error_of(lambda: validate_document(document((ASPIRIN, mention, CANCER)), "a.pubtator", [3, 4, 5]))
    assert (error.path, error.line, error.message) == ("a.pubtator", 4, message)


def test_the_first_bad_mention_is_reported_and_mentions_come_before_relations():
    bad1, bad2 = Mention(0, 7, "x", "Chemical", "D1"), Mention(12, 18, "y", "Disease", "D2")
    unknown = Relation("Bind", "D1", "D404")
    error = error_of(lambda: validate_document(document((ASPIRIN, bad1, bad2), (unknown,)), "a", [3, 4, 5], [6]))
    assert (error.line, error.message) == (4, "mention text 'x' differs from the text at 0-7: 'Aspirin'")


@pytest.mark.parametrize(
    ("relation", "unknown"),
    [
        (Relation("Bind", "D001241", "D404"), "D404"),  # no mention carries it
        (Relation("Bind", "D0", "D009369"), "D0"),  # a prefix of a carried ID is not the ID
        (Relation("Bind", "D001241", "-"), "-"),  # "-" marks a mention without a concept
    ],
)
def test_a_relation_must_name_ids_that_mentions_carry(relation, unknown):
    mentions = (ASPIRIN, CANCER, Mention(20, 27, "Aspirin", "Chemical", "-"))
    relations = (Relation("Treatment", "D001241", "D009369"), relation)
    error = error_of(
        lambda: validate_document(document(mentions, relations, pmid="9"), "a.pubtator", [3, 4, 5], [6, 7])
    )
    assert (error.line, error.message) == (
        7,
        f"relation names ID {unknown!r}, which no mention of document '9' carries",
    )


def test_relations_may_name_the_parts_of_a_composite_or_the_whole():
    for identifier in ("D009369|D002277", "D009369", "D002277"):
        validate_document(document((ASPIRIN, COMPOSITE), (Relation("Bind", "D001241", identifier),)), "a")


def test_without_lines_errors_name_the_document_line():
    bad = document((ASPIRIN, Mention(0, 3, "Asp", "Chemical", "D1"), Mention(0, 4, "x", "Chemical", "D1")), line=12)
    error = error_of(lambda: validate_document(bad, "a.pubtator"))
    assert str(error) == "a.pubtator:12: mention text 'x' differs from the text at 0-4: 'Aspi'"


def test_one_line_per_mention_and_relation_is_required():
    with pytest.raises(ValueError):
        validate_document(document(), "a", [3])


# --- valid_documents: the reader loop -------------------------------------------------------------


def read(items, **kwargs) -> list[Document]:
    return list(valid_documents(items, "a.txt", empty_reason="nothing here", **kwargs))


def test_documents_pass_through_in_order():
    items = [document(pmid="1", line=1), document(pmid="2", line=5), document(pmid="3", line=9)]
    assert [(d.pmid, d.line) for d in read(items)] == [("1", 1), ("2", 5), ("3", 9)]


def test_a_duplicate_document_id_is_an_error_at_the_second_document():
    items = [document(pmid="1", line=1), document(pmid="2", line=5), document(pmid="1", line=9)]
    assert str(error_of(lambda: read(items))) == "a.txt:9: duplicate document ID '1'"
    errors: list[InputError] = []
    assert [d.line for d in read(items, on_error=errors.append)] == [1, 5]
    assert [str(e) for e in errors] == ["a.txt:9: duplicate document ID '1'"]


def test_a_skipped_document_does_not_claim_its_id():
    items = [InputError("a.txt", 1, "bad"), document(pmid="1", line=5)]
    errors: list[InputError] = []
    assert [d.line for d in read(items, on_error=errors.append)] == [5]
    assert [e.message for e in errors] == ["bad"]


def test_errors_are_raised_or_reported_and_skipped():
    bad = InputError("a.txt", 5, "mention text 'x' differs")
    items = [document(pmid="1", line=1), bad, document(pmid="3", line=9)]
    assert error_of(lambda: read(items)) is bad
    errors: list[InputError] = []
    assert [d.pmid for d in read(items, on_error=errors.append)] == ["1", "3"]
    assert errors == [bad]


def test_an_empty_input_is_an_error_unless_allowed_or_skipping():
    assert str(error_of(lambda: read([]))) == "a.txt:1: no documents found (nothing here)"
    assert read([], allow_empty=True) == []
    assert read([], on_error=lambda error: None) == []
    assert read([InputError("a.txt", 3, "bad")], on_error=lambda error: None) == []  # all invalid, each reported


def test_the_loop_streams():
    def items():
        yield document(pmid="1", line=1)
        raise AssertionError("read past the first document")

    documents = valid_documents(items(), "a.txt", empty_reason="")
    assert next(documents).pmid == "1"


# --- every reader applies the same rules ----------------------------------------------------------


def as_pubtator(documents) -> bytes:
    return "".join(format_document(d) for d in documents).encode()


def as_xml(documents) -> bytes:
    buffer = io.BytesIO()
    write_bioc_xml(documents, buffer)
    return buffer.getvalue()


def as_json(documents) -> bytes:
    buffer = io.StringIO()
    write_bioc_json(documents, buffer)
    return buffer.getvalue().encode()


READERS = [
    (as_pubtator, read_pubtator, ""),
    (as_xml, read_bioc_xml, "document '2': "),
    (as_json, read_bioc_json, "document 2 of the collection: "),
]
READER_IDS = ["pubtator", "bioc-xml", "bioc-json"]


@pytest.mark.parametrize(("write", "reader", "prefix"), READERS, ids=READER_IDS)
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            document((ASPIRIN, Mention(12, 18, "canker", "Disease", "D9")), pmid="2"),
            "mention text 'canker' differs from the text at 12-18: 'cancer'",
        ),
        (
            document((ASPIRIN, Mention(12, 12, "", "Disease", "D9")), pmid="2"),
            "end offset 12 is not after start offset 12",
        ),
        (
            document((ASPIRIN, Mention(40, 46, "cancer", "Disease", "D9")), pmid="2"),
            "offsets 40-46 beyond the text (length 44)",
        ),
        (
            document((ASPIRIN, CANCER), (Relation("Bind", "D001241", "D404"),), pmid="2"),
            "relation names ID 'D404', which no mention of document '2' carries",
        ),
    ],
    ids=["text", "empty-span", "beyond", "relation"],
)
def test_every_reader_rejects_the_same_part_with_the_same_message(write, reader, prefix, bad, message):
    data = write([document(pmid="1"), bad, document(pmid="3")])
    errors: list[InputError] = []
    kept = list(reader(io.BytesIO(data), on_error=errors.append))
    assert [d.pmid for d in kept] == ["1", "2", "3"]  # skipping drops the bad mention or relation, not the document
    assert [e.message for e in errors] == [prefix + message]
    assert errors[0].scope == ("relation" if "relation" in message else "mention")
    repaired = kept[1]
    assert len(repaired.mentions) + len(repaired.relations) == len(bad.mentions) + len(bad.relations) - 1
    assert str(error_of(lambda: list(reader(io.BytesIO(data))))) == str(errors[0])


@pytest.mark.parametrize(("write", "reader", "prefix"), READERS, ids=READER_IDS)
def test_every_reader_rejects_a_duplicate_document_id(write, reader, prefix):
    data = write([document(pmid="1"), document(pmid="2"), document(pmid="1")])
    errors: list[InputError] = []
    assert [d.pmid for d in reader(io.BytesIO(data), on_error=errors.append)] == ["1", "2"]
    assert [e.message for e in errors] == ["duplicate document ID '1'"]
    assert errors[0].line > 1  # the line of the second document "1"


@pytest.mark.parametrize(
    ("reader", "data", "reason"),
    [
        (read_pubtator, b"\n\n", "empty file or only blank lines"),
        (read_bioc_xml, b"<collection></collection>", "no <document> in the BioC file"),
        (read_bioc_json, b'{"documents": []}', "no <document> in the BioC file"),
    ],
    ids=READER_IDS,
)
def test_every_reader_rejects_an_input_without_documents(reader, data, reason):
    assert str(error_of(lambda: list(reader(io.BytesIO(data))))) == f"<stream>:1: no documents found ({reason})"
    assert list(reader(io.BytesIO(data), allow_empty=True)) == []
    assert list(reader(io.BytesIO(data), on_error=lambda error: None)) == []
