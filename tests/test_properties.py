"""Property-based tests (hypothesis) of the PubTator and BioC readers and writers.

* Generated documents with arbitrary Unicode text and mentions round-trip exactly: PubTator text ->
  documents -> PubTator text, and documents -> BioC XML / BioC JSON -> documents -> PubTator text.
* On arbitrary bytes (random, or a valid file with a random stretch overwritten) every reader either
  returns documents or raises :class:`InputError`, in strict and in skipping mode; nothing else.
"""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relclf.document import Document, Mention, Relation, is_normalized
from relclf.errors import InputError
from relclf.io.bioc_json import read_bioc_json, write_bioc_json
from relclf.io.bioc_xml import read_bioc_xml, write_bioc_xml
from relclf.io.pubtator import format_document, read_pubtator

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters a PubTator line can hold: anything but line breaks, tabs (the column separator) and NUL.
# (The writer does not escape; the reader rejects NUL.) Surrogates cannot be encoded in UTF-8.
LINE_TEXT = st.characters(blacklist_characters="\n\r\t\x00", blacklist_categories=("Cs",))
# XML 1.0 cannot hold control characters nor U+FFFE/U+FFFF: the BioC XML writer refuses them (tested
# in test_biocio); here the XML round trip draws from what XML can carry.
XML_TEXT = st.characters(blacklist_characters="\n\r\t\x00\ufffe\uffff", blacklist_categories=("Cs", "Cc"))
FIELD = st.text(st.characters(blacklist_characters="\n\r\t\x00", blacklist_categories=("Cs", "Cc")), max_size=12)


@st.composite
def documents(draw, alphabet=LINE_TEXT) -> Document:
    """A valid document: random text, mentions at random spans, relations between mentioned IDs."""
    pmid = draw(st.text("0123456789ABCxyz", min_size=1, max_size=8))
    title = draw(st.text(alphabet, max_size=40))
    abstract = draw(st.text(alphabet, max_size=120))
    text = f"{title} {abstract}"
    mentions = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 15)))
        identifier = draw(st.none() | FIELD)
        extra = draw(st.lists(FIELD, max_size=1)) if identifier is not None else []
        mentions.append(Mention(start, end, text[start:end], draw(FIELD), identifier, tuple(extra)))
    ids = sorted({m.identifier.strip() for m in mentions if is_normalized(m.identifier)})
    relations = []
    if ids:
        for _ in range(draw(st.integers(0, 3))):
            label = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc", min_size=1, max_size=10))
            novelty = draw(st.sampled_from([None, "Novel", "No"]))
            relations.append(Relation(label, draw(st.sampled_from(ids)), draw(st.sampled_from(ids)), novelty))
    return Document(pmid, title, abstract, tuple(mentions), tuple(relations))


def pubtator(docs: list[Document]) -> str:
    return "".join(format_document(d) for d in docs)


def unique(docs: list[Document]) -> list[Document]:
    return list({d.pmid: d for d in docs}.values())


corpora = st.lists(documents(), min_size=1, max_size=3).map(unique)
xml_corpora = st.lists(documents(XML_TEXT), min_size=1, max_size=3).map(unique)


@FAST
@given(corpora)
def test_pubtator_round_trip(docs):
    text = pubtator(docs)
    back = list(read_pubtator(io.BytesIO(text.encode("utf-8"))))
    assert back == docs
    assert pubtator(back) == text


@FAST
@given(xml_corpora)
def test_bioc_xml_round_trip(docs):
    buffer = io.BytesIO()
    write_bioc_xml(docs, buffer)
    back = list(read_bioc_xml(io.BytesIO(buffer.getvalue())))
    assert back == docs
    assert pubtator(back) == pubtator(docs)


@FAST
@given(corpora, st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_bioc_json_round_trip_with_scores(docs, scores):
    scored = [
        d.with_relations(
            [Relation(r.label, r.id1, r.id2, r.novelty, s) for r, s in zip(d.relations, scores, strict=False)]
        )
        for d in docs
    ]
    buffer = io.StringIO()
    write_bioc_json(scored, buffer)
    back = list(read_bioc_json(io.BytesIO(buffer.getvalue().encode("utf-8"))))
    assert back == scored


READERS = [read_pubtator, read_bioc_xml, read_bioc_json]


def only_input_errors(data: bytes) -> None:
    for reader in READERS:
        for on_error in (None, lambda error: None):
            try:
                for document in reader(io.BytesIO(data), on_error=on_error):
                    assert isinstance(document, Document)
            except InputError as error:
                assert isinstance(error.line, int) and error.message


@FAST
@given(st.binary(max_size=300))
def test_readers_raise_only_input_errors_on_random_bytes(data):
    only_input_errors(data)


@FAST
@given(st.lists(documents(XML_TEXT), min_size=1, max_size=2).map(unique), st.data())
def test_readers_raise_only_input_errors_on_damaged_files(docs, data):
    xml, js = io.BytesIO(), io.StringIO()
    write_bioc_xml(docs, xml)
    write_bioc_json(docs, js)
    for valid in (pubtator(docs).encode("utf-8"), xml.getvalue(), js.getvalue().encode("utf-8")):
        start = data.draw(st.integers(0, len(valid)))
        end = data.draw(st.integers(start, min(len(valid), start + 20)))
        only_input_errors(valid[:start] + data.draw(st.binary(max_size=20)) + valid[end:])


def test_deeply_nested_input_is_an_input_error():
    only_input_errors(b"[" * 100_000)
    only_input_errors(b"<a>" * 100_000)
