"""Several inputs read as one corpus (relclf/io/corpus.py; issue 20, item 3 and its workflows): a document
ID once, from the last input holding it, with warnings; an input without documents said, not refused."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from conftest import DOC_100, DOC_200, DOC_300, parse
from relclf.errors import InputError, UsageError
from relclf.io.corpus import DuplicateDocuments, merge_documents, read_inputs

REVIEWED_200 = DOC_200.replace("200\tCID\tD014750\tD006311\n", "")  # one relation taken out by a curator


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_later_input_wins_and_keeps_its_place(caplog):
    base = parse(DOC_100 + "\n" + DOC_200 + "\n" + DOC_300)
    reviewed = parse(REVIEWED_200)
    merged = merge_documents([("base.pubtator", base), ("reviewed.pubtator", reviewed)])
    assert [d.pmid for d in merged] == ["100", "300", "200"]
    assert merged[2] == reviewed[0] and len(merged[2].relations) == 1
    assert messages(caplog) == [
        "replaced 1 document of base.pubtator by their version in reviewed.pubtator: a document in several inputs is "
        "kept from the last one"
    ]


def test_identical_copies_are_dropped_with_a_warning_of_their_own(caplog):
    documents = parse(DOC_100 + "\n" + DOC_200)
    merged = merge_documents([("a.pubtator", documents), ("a.pubtator", parse(DOC_100 + "\n" + DOC_200))])
    assert merged == documents
    assert messages(caplog) == [
        "dropped 2 documents of a.pubtator repeated in a.pubtator: a document in several inputs is read once"
    ]


def test_three_inputs_each_pair_is_counted():
    rule = DuplicateDocuments(["a", "b", "c"], [["1", "2"], ["1", "2"], ["2"]])
    kept = [
        (index, pmid)
        for index, pmid, content in [(0, "1", "x"), (0, "2", "y"), (1, "1", "x"), (1, "2", "y2"), (2, "2", "y3")]
        if rule.keep(index, pmid, content)
    ]
    assert kept == [(1, "1"), (2, "2")]
    assert rule.identical == {(0, 1): 1} and rule.replaced == {(0, 2): 1, (1, 2): 1}


def test_several_corpora_are_merged_each_on_its_own():
    # the same abstract annotated in two schemas: two documents when the inputs are two corpora
    biored, bc5cdr = parse(DOC_200), parse(DOC_200.replace("\tCID\t", "\tAssociation\t"))
    assert merge_documents([("biored", biored)]) + merge_documents([("bc5cdr", bc5cdr)]) == biored + bc5cdr


def test_read_inputs_streams_the_files_with_the_same_rule(tmp_path, caplog):
    (tmp_path / "base.pubtator").write_text(DOC_100 + "\n" + DOC_200)
    (tmp_path / "reviewed.xml").write_bytes(_as_bioc_xml(REVIEWED_200))
    documents = list(read_inputs([tmp_path / "base.pubtator", tmp_path / "reviewed.xml"]))
    assert [d.pmid for d in documents] == ["100", "200"] and len(documents[1].relations) == 1
    assert messages(caplog) == [
        f"replaced 1 document of {tmp_path / 'base.pubtator'} by their version in {tmp_path / 'reviewed.xml'}: a "
        "document in several inputs is kept from the last one"
    ]


def test_an_input_without_documents_is_said_and_gives_none(tmp_path, caplog, monkeypatch):
    (tmp_path / "empty.pubtator").write_text("\n\n")
    (tmp_path / "a.pubtator").write_text(DOC_100)
    assert [d.pmid for d in read_inputs([tmp_path / "empty.pubtator", tmp_path / "a.pubtator"])] == ["100"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert list(read_inputs(["-"])) == []
    assert messages(caplog) == [
        f"{tmp_path / 'empty.pubtator'}: no documents (an empty input)",
        "<stdin>: no documents (an empty input)",
    ]
    (tmp_path / "bad.pubtator").write_text("not PubTator\n")
    with pytest.raises(InputError, match="bad.pubtator:1: "):  # not even a valid empty file
        list(read_inputs([tmp_path / "bad.pubtator"]))


def test_standard_input_cannot_be_one_of_several_inputs(tmp_path):
    (tmp_path / "a.pubtator").write_text(DOC_100)
    with pytest.raises(UsageError, match=r"^<stdin> can be read only once, so it cannot be one of several inputs"):
        list(read_inputs([tmp_path / "a.pubtator", "-"]))


def test_an_invalid_document_fails_before_any_is_given_when_inputs_are_several(tmp_path):
    (tmp_path / "a.pubtator").write_text(DOC_100)
    (tmp_path / "b.pubtator").write_text("300|t|x\n300|a|y\n300\t0\t99\tfar\tGene\t1\n")
    stream = read_inputs([tmp_path / "a.pubtator", tmp_path / "b.pubtator"])
    with pytest.raises(InputError, match="b.pubtator:3: "):
        next(stream)


def _as_bioc_xml(pubtator: str) -> bytes:
    from relclf.io.formats import write_documents

    out = io.BytesIO()
    write_documents(parse(pubtator), out, "bioc-xml")
    return out.getvalue()
