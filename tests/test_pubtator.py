"""Tests of relclf.io.pubtator: reading (streaming, strict validation, error recovery) and writing."""

from __future__ import annotations

import io
import sys
from dataclasses import replace

import pytest

from conftest import (
    BC8_UNLABELED,
    DEV,
    DOC_100,
    DOC_200,
    MULTI_DOC,
    NEEDS_BC8,
    NEEDS_TRAIN_DEV,
    TRAIN,
    parse,
    parse_one,
)
from relclf.document import Document, Mention, Relation
from relclf.errors import InputError
from relclf.io.pubtator import format_document, read_pubtator, write_pubtator

# A minimal valid document (text "Aspirin and cancer. Aspirin helps."), one line per list item, so that
# each error case below changes one line and the expected line number is obvious.
BASE_LINES = [
    "1|t|Aspirin and cancer.",  # line 1
    "1|a|Aspirin helps.",  # line 2
    "1\t0\t7\tAspirin\tChemical\tD001241",  # line 3
    "1\t12\t18\tcancer\tDisease\tD009369",  # line 4
    "1\tTreatment\tD001241\tD009369",  # line 5
]
BASE = "\n".join(BASE_LINES) + "\n"


def doc_text(pmid: str) -> str:
    """BASE with another document ID."""
    return "".join(line.replace("1", pmid, 1) + "\n" for line in BASE_LINES)


def with_line(number: int, line: str | None) -> str:
    """BASE with line ``number`` (1-based) replaced, or removed when ``line`` is None."""
    lines = list(BASE_LINES)
    if line is None:
        del lines[number - 1]
    else:
        lines[number - 1] = line
    return "\n".join(lines) + "\n"


def formatted(documents) -> str:
    buffer = io.StringIO()
    write_pubtator(documents, buffer)
    return buffer.getvalue()


# --- reading valid input ------------------------------------------------------------------------


def test_reads_fields_of_a_document(doc_100):
    assert doc_100.pmid == "100"
    assert doc_100.title == "β-catenin signalling in Sjögren syndrome."
    assert doc_100.abstract.startswith("Lithium activates β-catenin")
    assert doc_100.line == 1
    assert doc_100.mentions[0] == Mention(0, 9, "β-catenin", "GeneOrGeneProduct", "1499")
    assert doc_100.mentions[-1].identifier == "-"
    assert doc_100.relations == (
        Relation("Association", "1499", "D012859", "Novel"),
        Relation("Positive_Correlation", "D008094", "1499", None),
    )
    # offsets are in characters (not bytes) of title + " " + abstract
    for mention in doc_100.mentions:
        assert doc_100.text[mention.start : mention.end] == mention.text


def test_reads_bc5cdr_extra_column_and_missing_id_column(doc_200):
    no_id, composite = doc_200.mentions[0], doc_200.mentions[1]
    assert no_id.identifier is None
    assert no_id.extra == ()
    assert composite.identifier == "D014786|D006311"
    assert composite.extra == ("visual impairment|auditory impairment",)
    assert [r.novelty for r in doc_200.relations] == [None, None]


def test_document_line_numbers_refer_to_title_lines():
    documents = parse(MULTI_DOC)
    assert [d.line for d in documents] == [1, DOC_100.count("\n") + 2]


# --- round trip ---------------------------------------------------------------------------------


def test_round_trip_is_exact():
    documents = parse(MULTI_DOC)
    assert [d.pmid for d in documents] == ["100", "200"]
    assert formatted(documents) == MULTI_DOC
    assert "".join(format_document(d) for d in documents) == MULTI_DOC


def test_round_trip_through_files(tmp_path):
    source = tmp_path / "in.pubtator"
    source.write_bytes(MULTI_DOC.encode("utf-8"))
    target = tmp_path / "out.pubtator"
    with target.open("w", encoding="utf-8", newline="") as handle:
        assert write_pubtator(read_pubtator(source), handle) == 2
    assert target.read_bytes() == source.read_bytes()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(DOC_100 + "\n\n\n\n" + DOC_200 + "\n\n\n", id="several-blank-lines"),
        pytest.param(DOC_100 + DOC_200, id="no-blank-line"),
        pytest.param("\n\n" + DOC_100 + "\n" + DOC_200, id="leading-blank-lines"),
        pytest.param(DOC_100 + " \t \n" + DOC_200.rstrip("\n"), id="whitespace-line-and-no-final-newline"),
    ],
)
def test_document_separation_variants_read_the_same(text):
    documents = parse(text)
    assert documents == parse(MULTI_DOC)
    assert formatted(documents) == MULTI_DOC


def test_crlf_line_endings_read_as_lf():
    crlf = parse(MULTI_DOC.replace("\n", "\r\n"))
    assert crlf == parse(MULTI_DOC)
    assert not any("\r" in d.abstract or "\r" in m.text for d in crlf for m in d.mentions)
    assert not any("\r" in (r.novelty or "") + r.id2 for d in crlf for r in d.relations)
    assert formatted(crlf) == MULTI_DOC


def test_crlf_keeps_line_numbers_in_errors():
    text = with_line(4, "1\t12\t18\tcanker\tDisease\tD009369").replace("\n", "\r\n")
    with pytest.raises(InputError) as info:
        parse(text)
    assert info.value.line == 4


def test_utf8_bom_at_file_start_is_ignored():
    documents = parse(b"\xef\xbb\xbf" + MULTI_DOC.encode("utf-8"))
    assert documents == parse(MULTI_DOC)
    assert documents[0].pmid == "100"


def test_empty_id_column_is_kept_and_written_back():
    text = with_line(4, "1\t12\t18\tcancer\tDisease\t").replace("1\tTreatment\tD001241\tD009369\n", "")
    document = parse_one(text)
    assert document.mentions[1].identifier == ""
    assert format_document(document) == text + "\n"


# --- relation IDs -------------------------------------------------------------------------------

COMPOSITE_DOC_LINES = [
    "5|t|MODY and hearing or visual loss.",
    "5|a|Nothing more.",
    "5\t0\t4\tMODY\tGeneOrGeneProduct\t3172,3651,6927",
    "5\t9\t31\thearing or visual loss\tDiseaseOrPhenotypicFeature\tD015458|D016399",
]


@pytest.mark.parametrize(
    ("id1", "id2"),
    [
        ("3172,3651,6927", "D015458|D016399"),  # both ID fields as written
        ("3172", "D015458|D016399"),  # one part of a comma list, composite as a whole (BioRED)
        ("6927", "D015458"),  # composite parts (BC5CDR)
        ("3651", "D016399"),
    ],
)
def test_relation_may_name_composites_whole_or_in_parts(id1, id2):
    text = "\n".join([*COMPOSITE_DOC_LINES, f"5\tAssociation\t{id1}\t{id2}"]) + "\n"
    document = parse_one(text)
    assert document.relations == (Relation("Association", id1, id2),)


def test_variant_ids_with_separators_are_valid_relation_ids():
    lines = [
        "7|t|5382insC in BRCA1.",
        "7|a|Done.",
        "7\t0\t8\t5382insC\tSequenceVariant\tc|INS|5382|C",
        "7\t12\t17\tBRCA1\tGeneOrGeneProduct\t672",
        "7\tAssociation\tc|INS|5382|C\t672\tNovel",
    ]
    document = parse_one("\n".join(lines) + "\n")
    assert document.relations[0].id1 == "c|INS|5382|C"


# --- errors -------------------------------------------------------------------------------------

ERROR_CASES = [
    pytest.param("", 1, "no documents", id="empty-file"),
    pytest.param("\n\n   \n\t\n", 1, "no documents", id="only-blank-lines"),
    pytest.param(
        "\n".join([BASE_LINES[1], BASE_LINES[0], *BASE_LINES[2:]]) + "\n",
        1,
        "abstract line before any title",
        id="abstract-before-title",
    ),
    pytest.param(BASE_LINES[2] + "\n" + BASE, 1, "before any title", id="mention-before-title"),
    pytest.param(with_line(3, "1\tx\t7\tAspirin\tChemical\tD001241"), 3, "start offset 'x'", id="non-numeric-offset"),
    pytest.param(with_line(3, "1\t0\t7.5\tAspirin\tChemical\tD001241"), 3, "end offset '7.5'", id="non-integer-offset"),
    pytest.param(
        with_line(3, "1\t-1\t7\tAspirin\tChemical\tD001241"), 3, "not a non-negative integer", id="negative-offset"
    ),
    pytest.param(with_line(3, "1\t7\t0\tAspirin\tChemical\tD001241"), 3, "not after start", id="end-before-start"),
    pytest.param(with_line(3, "1\t7\t7\t\tChemical\tD001241"), 3, "not after start", id="empty-span"),
    pytest.param(with_line(4, "1\t30\t36\tcancer\tDisease\tD009369"), 4, "beyond the text", id="offsets-beyond-text"),
    pytest.param(with_line(4, "1\t12\t18\tcanker\tDisease\tD009369"), 4, "differs from the text", id="text-mismatch"),
    pytest.param(with_line(4, "1\t12\t18\tcancer\tDisease\tD009369\tx\ty"), 4, "unknown extra columns", id="8-columns"),
    pytest.param(with_line(4, "1\t12\t18\tcancer"), 4, "4 columns", id="4-column-mention"),
    pytest.param(with_line(5, "1\tTreatment\tD001241\tD999999"), 5, "'D999999'", id="relation-unknown-id"),
    pytest.param(with_line(5, "1\tTreatment\tD001241\t "), 5, "empty", id="relation-empty-id"),
    pytest.param(BASE + "\n" + BASE, 7, "duplicate document ID '1'", id="duplicate-document"),
    pytest.param(BASE + BASE, 6, "duplicate document ID '1'", id="duplicate-document-no-blank-line"),
    pytest.param(with_line(4, "1\t12\t18\tcancer\tDisease\tD009\x00369"), 4, "NUL", id="nul-byte"),
    pytest.param(BASE + "\n2|t|A truncated document.\n", 7, "no abstract line", id="title-without-abstract"),
    pytest.param(with_line(2, None), 1, "no abstract line", id="no-abstract-at-all"),
    pytest.param(
        with_line(4, "2\t12\t18\tcancer\tDisease\tD009369"),
        4,
        "document '2' inside document '1'",
        id="other-pmid-mention",
    ),
    pytest.param(with_line(2, "2|a|Aspirin helps."), 2, "belongs to document '2'", id="other-pmid-abstract"),
    pytest.param(with_line(3, "1|a|Again."), 3, "second abstract", id="second-abstract"),
    pytest.param(with_line(3, "just some text"), 3, "not a PubTator line", id="free-text-line"),
]


@pytest.mark.parametrize(("text", "line", "message"), ERROR_CASES)
def test_errors_name_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "bad.pubtator"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(read_pubtator(path))
    error = info.value
    assert error.line == line
    assert error.path == str(path)
    assert message in error.message
    assert str(error).startswith(f"{path}:{line}: ")
    assert str(error) == f"{path}:{line}: {error.message}"


def test_relation_naming_the_unnormalized_placeholder_is_an_error():
    text = with_line(4, "1\t12\t18\tcancer\tDisease\t-").replace("D001241\tD009369\n", "D001241\t-\n")
    with pytest.raises(InputError) as info:
        parse(text)
    assert info.value.line == 5


def test_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse("")


def test_invalid_utf8_is_reported_at_its_line(tmp_path):
    path = tmp_path / "latin1.pubtator"
    path.write_bytes(BASE.encode() + b"\n2|t|Caf\xe9 and cancer.\n2|a|x\n")
    with pytest.raises(InputError) as info:
        list(read_pubtator(path))
    assert info.value.line == 7
    assert "UTF-8" in info.value.message
    assert str(info.value).startswith(f"{path}:7: ")


def test_invalid_utf8_inside_a_document(tmp_path):
    path = tmp_path / "bad.pubtator"
    path.write_bytes(BASE.replace("Aspirin helps.", "Aspirin \xff helps.").encode("latin-1"))
    with pytest.raises(InputError) as info:
        list(read_pubtator(path))
    assert info.value.line == 2


def test_empty_file_is_accepted_with_allow_empty():
    assert parse("", allow_empty=True) == []
    assert parse("\n\n", allow_empty=True) == []


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError) as info:
        list(read_pubtator(tmp_path / "nope.pubtator"))
    assert info.value.line == 0 and "no such file" in str(info.value)
    with pytest.raises(InputError) as info:
        list(read_pubtator(tmp_path))
    assert "directory" in str(info.value)


def test_stream_errors_use_a_stream_name():
    with pytest.raises(InputError) as info:
        parse(with_line(4, "1\t12\t18\tcanker\tDisease\tD009369"))
    assert str(info.value).startswith("<stream>:4: ")


# --- on_error: skip invalid documents -----------------------------------------------------------


def test_on_error_drops_invalid_lines_and_skips_invalid_documents_in_order():
    text = "\n".join(
        [
            doc_text("1"),
            doc_text("2").replace(
                "\tcancer\t", "\tcanker\t"
            ),  # lines 7-11, mismatch at 10: that mention dropped, and the relation naming it
            doc_text("3"),
            doc_text("4").replace(
                "Treatment\tD001241\tD009369", "Treatment\tD001241\tX"
            ),  # line 23: that relation dropped
            doc_text("5").replace("5|a|", "5|a|\x00"),  # line 26: a broken abstract line, the document skipped
            doc_text("3"),  # duplicate of a valid document, at line 31
            doc_text("6"),
        ]
    )
    errors: list[InputError] = []
    documents = parse(text, on_error=errors.append)
    assert [d.pmid for d in documents] == ["1", "2", "3", "4", "6"]
    assert [(e.line, e.scope) for e in errors] == [
        (10, "mention"),
        (11, "relation"),
        (23, "relation"),
        (26, "document"),
        (31, "document"),
    ]
    assert "differs" in errors[0].message and "its mentions were dropped as invalid" in errors[1].message
    assert "'X'" in errors[2].message
    assert "NUL" in errors[3].message and "duplicate" in errors[4].message
    by_id = {d.pmid: d for d in documents}
    assert by_id["2"].mentions == by_id["1"].mentions[:1] and by_id["2"].relations == ()
    assert by_id["4"].relations == () and by_id["4"].mentions == by_id["1"].mentions


def test_a_relation_keeps_when_another_mention_still_carries_its_id():
    text = BASE + "1\t12\t18\tcanker\tDisease\tD009369\n"  # line 6: a second, wrong, cancer mention
    errors: list[InputError] = []
    (document,) = parse(text, on_error=errors.append)
    assert [(e.line, e.scope) for e in errors] == [(6, "mention")]
    assert document == parse(BASE)[0]


def test_on_error_reads_documents_without_blank_line_separators():
    text = doc_text("1") + doc_text("2").replace("\tcancer\t", "\tcanker\t") + doc_text("3")
    errors: list[InputError] = []
    assert [d.pmid for d in parse(text, on_error=errors.append)] == ["1", "2", "3"]
    assert [(e.line, e.scope) for e in errors] == [(9, "mention"), (10, "relation")]


def test_on_error_skips_a_document_with_invalid_utf8_or_nul():
    data = (
        doc_text("1").encode()
        + b"\n"
        + doc_text("2").replace("helps", "h\xe9lps").encode("latin-1")
        + b"\n"
        + doc_text("3").replace("helps", "he\x00lps").encode()
        + b"\n"
        + doc_text("4").replace("Aspirin", "\x00spirin", 1).encode()  # in the title line (line 19)
        + b"\n"
        + doc_text("5").encode()
    )
    errors: list[InputError] = []
    assert [d.pmid for d in parse(data, on_error=errors.append)] == ["1", "5"]
    assert [(e.line, e.message) for e in errors] == [
        (8, "invalid UTF-8"),
        (14, "NUL byte in line"),
        (19, "NUL byte in line"),
    ]


def test_on_error_keeps_valid_document_before_undecodable_title_without_blank_line():
    data = doc_text("1").encode() + "2|t|Café.\n2|a|x\n".encode("latin-1") + b"\n" + doc_text("3").encode()
    errors: list[InputError] = []
    documents = parse(data, on_error=errors.append)
    assert [e.line for e in errors] == [6]
    assert [d.pmid for d in documents] == ["1", "3"]


def test_on_error_with_only_invalid_documents_yields_nothing():
    errors: list[InputError] = []
    assert parse(with_line(2, "1|a|\x00"), on_error=errors.append) == []
    assert len(errors) == 1


# --- streaming and sources ----------------------------------------------------------------------


def test_read_pubtator_is_lazy_and_streams():
    # The second document is invalid: strict reading still yields the first one before failing.
    text = BASE + "\n" + doc_text("2").replace("\tcancer\t", "\tcanker\t")
    documents = read_pubtator(io.BytesIO(text.encode()))
    assert iter(documents) is documents
    assert next(documents).pmid == "1"
    with pytest.raises(InputError):
        next(documents)


def test_first_document_is_available_before_the_rest_is_read():
    consumed: list[int] = []

    def lines():
        for number, line in enumerate(MULTI_DOC.encode().splitlines(keepends=True), start=1):
            consumed.append(number)
            yield line

    documents = read_pubtator(lines())
    assert consumed == []  # nothing is read before the first next()
    first = next(documents)
    assert first.pmid == "100"
    assert max(consumed) <= DOC_100.count("\n") + 1  # the first document and its separating blank line


def test_reads_from_a_binary_file_object(tmp_path):
    path = tmp_path / "in.pubtator"
    path.write_bytes(MULTI_DOC.encode())
    with path.open("rb") as handle:
        documents = list(read_pubtator(handle))
        assert not handle.closed  # a file passed in open stays open
    assert documents == parse(MULTI_DOC)
    bad = tmp_path / "bad.pubtator"
    bad.write_text(with_line(4, "1\t12\t18\tcanker\tDisease\tD009369"), encoding="utf-8")
    with bad.open("rb") as handle, pytest.raises(InputError) as info:
        list(read_pubtator(handle))
    assert str(info.value).startswith(f"{bad}:4: ")


def test_reads_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(MULTI_DOC.encode())))
    assert [d.pmid for d in read_pubtator("-")] == ["100", "200"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(InputError) as info:
        list(read_pubtator("-"))
    assert str(info.value).startswith("<stdin>:1: ")


# --- writing ------------------------------------------------------------------------------------


def test_format_document_writes_novelty_and_scores():
    document = Document(
        "9",
        "A b.",
        "C.",
        (Mention(0, 1, "A", "Gene", "7"),),
        (
            Relation("Bind", "7", "8", "Novel", 0.91234),
            Relation("Bind", "7", "9", None, 0.5),
            Relation("Bind", "7", "10"),
        ),
    )
    assert format_document(document).splitlines() == [
        "9|t|A b.",
        "9|a|C.",
        "9\t0\t1\tA\tGene\t7",
        "9\tBind\t7\t8\tNovel",
        "9\tBind\t7\t9",
        "9\tBind\t7\t10",
        "",
    ]
    assert format_document(document, with_scores=True).splitlines()[3:] == [
        "9\tBind\t7\t8\tNovel\t0.9123",
        "9\tBind\t7\t9\t\t0.5000",
        "9\tBind\t7\t10",
        "",
    ]
    assert format_document(document).endswith("\n\n")


def test_write_pubtator_returns_count_and_accepts_a_generator():
    buffer = io.StringIO()
    assert write_pubtator((d for d in parse(MULTI_DOC)), buffer) == 2
    assert write_pubtator([], io.StringIO()) == 0


def test_output_with_scores_can_be_read_back():
    document = parse_one(BASE)
    scored = document.with_relations([replace(r, score=0.75) for r in document.relations])
    again = parse_one(format_document(scored, with_scores=True))
    assert [(r.label, r.id1, r.id2) for r in again.relations] == [("Treatment", "D001241", "D009369")]


# --- the real corpus ----------------------------------------------------------------------------


@NEEDS_TRAIN_DEV
def test_biored_train_and_dev_counts(biored_train, biored_dev):
    assert len(biored_train) == 400
    assert sum(len(d.relations) for d in biored_train) == 4178
    assert len(biored_dev) == 100
    assert sum(len(d.relations) for d in biored_dev) == 1162


@NEEDS_TRAIN_DEV
def test_biored_train_round_trip_is_byte_identical(biored_train):
    assert formatted(biored_train).encode("utf-8") == TRAIN.read_bytes()


@NEEDS_TRAIN_DEV
def test_biored_dev_round_trip_is_byte_identical(biored_dev):
    assert formatted(biored_dev).encode("utf-8") == DEV.read_bytes()


@NEEDS_BC8
def test_bc8_unlabeled_strict_fails_at_the_mention_mismatch():
    with pytest.raises(InputError) as info:
        list(read_pubtator(BC8_UNLABELED))
    assert info.value.line == 14937
    assert "mention text 'DiseaseOrPhenotypicFeature' differs from the text at 203-210" in info.value.message
    assert str(info.value).startswith(f"{BC8_UNLABELED}:14937: ")


@NEEDS_BC8
def test_bc8_unlabeled_drops_exactly_one_mention_line_and_keeps_all_900_documents():
    errors: list[InputError] = []
    documents = list(read_pubtator(BC8_UNLABELED, on_error=errors.append))
    assert [(e.line, e.scope) for e in errors] == [(14937, "mention")]
    assert len(documents) == 900
    assert len({d.pmid for d in documents}) == 900


# --- chunks: what parallel prediction sends its workers ---------------------------------------------


def read_through_chunks(data: bytes, size: int, on_error=None) -> list[Document]:
    """The documents of ``data`` read as prediction reads them: split into chunks, each parsed alone."""
    from relclf.io.pubtator import parse_chunk, read_chunks
    from relclf.io.validation import valid_documents

    chunks = list(read_chunks(io.BytesIO(data), size))
    assert b"".join(c.data for c in chunks) == data  # nothing lost or repeated
    items = [item for chunk in chunks for item in parse_chunk(chunk, lenient=on_error is not None)]
    return list(valid_documents(items, "<stream>", on_error=on_error, empty_reason="empty"))


CHUNK_CASES = {
    "blank-lines": "\n".join(doc_text(str(i)) for i in range(1, 8)),
    "no-blank-lines": "".join(doc_text(str(i)) for i in range(1, 8)),
    "bom-crlf-and-blank-runs": "\ufeff"
    + "\r\n\r\n \t\r\n".join(doc_text(str(i)).replace("\n", "\r\n") for i in range(1, 6)),
    # a line of no-break spaces is blank to the reader (str.isspace) but not to the splitter (ASCII)
    "unicode-blank-line": "\u00a0\u00a0\n".join(doc_text(str(i)) for i in range(1, 6)),
    "errors": "\n".join(
        [
            doc_text("1"),
            doc_text("2").replace("\tcancer\t", "\tcanker\t"),
            doc_text("3"),
            "2|a|orphan abstract\n",
            doc_text("3"),
            doc_text("4"),
        ]
    ),
}


@pytest.mark.parametrize("size", [1, 2, 3, 1000])
@pytest.mark.parametrize("case", sorted(CHUNK_CASES))
def test_chunks_parse_as_the_whole_file_does(case, size):
    data = CHUNK_CASES[case].encode("utf-8")
    expected_errors: list[InputError] = []
    expected = list(read_pubtator(io.BytesIO(data), on_error=expected_errors.append))
    errors: list[InputError] = []
    assert read_through_chunks(data, size, on_error=errors.append) == expected
    assert [str(e) for e in errors] == [str(e) for e in expected_errors]
    assert [d.line for d in expected] == [d.line for d in read_through_chunks(data, size, on_error=lambda e: None)]


def test_chunks_raise_the_first_error_in_strict_mode():
    data = CHUNK_CASES["errors"].encode("utf-8")
    with pytest.raises(InputError) as whole:
        list(read_pubtator(io.BytesIO(data)))
    with pytest.raises(InputError) as chunked:
        read_through_chunks(data, 1)
    assert str(chunked.value) == str(whole.value) and whole.value.line == 10


def test_chunks_hold_about_size_documents_and_undecodable_titles_start_documents():
    from relclf.io.pubtator import read_chunks

    data = "".join(doc_text(str(i)) for i in range(1, 8)).encode("utf-8")
    assert [c.titles for c in read_chunks(io.BytesIO(data), 3)] == [3, 3, 1]
    assert [c.first_line for c in read_chunks(io.BytesIO(data), 3)] == [1, 16, 31]
    broken = data.replace(b"4|t|Aspirin", b"4|t|Asp\xffrin")  # a title line that is not UTF-8
    errors: list[InputError] = []
    assert [d.pmid for d in read_through_chunks(broken, 1, on_error=errors.append)] == ["1", "2", "3", "5", "6", "7"]
    assert [e.line for e in errors] == [16]


def test_formatted_documents_are_written_as_they_are():
    from relclf.io.pubtator import Formatted

    documents = parse(MULTI_DOC)
    mixed = [Formatted(documents[0].pmid, documents[0].line, format_document(documents[0])), documents[1]]
    assert formatted(mixed) == MULTI_DOC
