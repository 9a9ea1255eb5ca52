"""BioC documents: conversion between documents and bioc.BioCDocument, through both BioC formats."""

from __future__ import annotations

import io
import json

import pytest

from bioc_helpers import ALL_DOCS, json_docs, pubtator_text, to_json, to_xml, xml_docs
from conftest import (
    BC8_UNLABELED,
    DEV,
    DOC_200,
    NEEDS_BC8,
    NEEDS_TRAIN_DEV,
    TRAIN,
    parse,
)
from relclf.document import Document, Mention, Relation
from relclf.errors import InputError
from relclf.io.bioc_document import Locator, bioc_to_document, document_to_bioc
from relclf.io.pubtator import read_pubtator, write_pubtator

# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize(("write", "read"), [(to_xml, xml_docs), (to_json, json_docs)], ids=["xml", "json"])
def test_pubtator_to_bioc_and_back_is_identical(write, read):
    documents = parse(ALL_DOCS)
    back = read(write(documents))
    assert back == documents
    assert pubtator_text(back) == ALL_DOCS


@pytest.mark.parametrize(("write", "read"), [(to_xml, xml_docs), (to_json, json_docs)], ids=["xml", "json"])
def test_scores_novelty_and_odd_fields_survive(write, read):
    document = Document(
        "5",
        "",  # empty title
        "  x\ty  ",  # spaces and a tab kept
        (Mention(3, 4, "x", "Gene", ""), Mention(4, 5, "\t", "Gene", None), Mention(5, 6, "y", "Gene", "7", ("a", ""))),
        (Relation("Bind", "7", "7", "Novel", 0.123456789),),
    )
    (back,) = read(write([document]))
    assert back == document
    assert back.relations[0].score == 0.123456789


def test_bioc_layout_of_a_document(doc_100):
    converted = document_to_bioc(doc_100)
    title, abstract = converted.passages
    assert (title.infons["type"], title.offset, abstract.infons["type"], abstract.offset) == (
        "title",
        0,
        "abstract",
        len(doc_100.title) + 1,
    )
    assert [a.id for a in title.annotations] == ["0", "1"]
    assert abstract.annotations[0].infons == {"type": "ChemicalEntity", "identifier": "D008094"}
    assert abstract.annotations[0].locations[0].offset == 42
    relation = converted.relations[0]
    assert relation.infons == {"type": "Association", "entity1": "1499", "entity2": "D012859", "novel": "Novel"}
    assert [(n.refid, n.role) for n in relation.nodes] == [("0", "entity1"), ("1", "entity2")]


def test_sentence_level_text_and_discontinuous_annotations():
    collection = {
        "documents": [
            {
                "id": "3",
                "passages": [
                    {"offset": 0, "infons": {}, "sentences": [{"offset": 0, "text": "Title here."}]},
                    {
                        "offset": 12,
                        "infons": {},
                        "sentences": [{"offset": 12, "text": "Left and right lung."}, {"offset": 33, "text": "End."}],
                    },
                ],
                "annotations": [
                    {
                        "id": "x",
                        "infons": {"type": "Anatomy"},
                        "text": "Left lung",
                        "locations": [{"offset": 12, "length": 4}, {"offset": 27, "length": 4}],
                    }
                ],
            }
        ]
    }
    (document,) = json_docs(json.dumps(collection))
    assert (document.title, document.abstract) == ("Title here.", "Left and right lung. End.")
    assert document.mentions[0] == Mention(12, 31, "Left and right lung", "Anatomy", None)


def test_bioc_to_document_accepts_a_bioc_object():
    converted = document_to_bioc(parse(DOC_200)[0])
    assert bioc_to_document(converted) == parse(DOC_200)[0]


# --- errors name the document and the line the Locator gives ---------------------------------------


def test_a_bad_mention_names_the_line_of_its_annotation():
    converted = document_to_bioc(parse(DOC_200)[0])
    converted.passages[0].annotations[0].text = "Vinblastine"
    where = Locator("c.xml", 10, annotations=[11, 12, 13, 14], relations=[20, 21])
    with pytest.raises(InputError) as info:
        bioc_to_document(converted, where=where)
    assert (
        str(info.value)
        == "c.xml:11: document '200': mention text 'Vinblastine' differs from the text at 0-11: 'Vincristine'"
    )


def test_a_bad_relation_names_the_line_of_its_element():
    converted = document_to_bioc(parse(DOC_200)[0])
    converted.relations[1].infons["entity2"] = "D404"
    where = Locator("c.xml", 10, prefix="document 1 of the collection: ", relations=[20, 21])
    with pytest.raises(InputError) as info:
        bioc_to_document(converted, where=where)
    assert (
        str(info.value)
        == "c.xml:21: document 1 of the collection: relation names ID 'D404', which no mention of document '200' "
        "carries"
    )


def test_offsets_follow_the_rule_of_every_reader():
    converted = document_to_bioc(parse(DOC_200)[0])
    converted.passages[1].offset = "\u0661\u0662"  # digits to int(), but not ASCII ones
    with pytest.raises(InputError) as info:
        bioc_to_document(converted, "c.json", 3)
    assert str(info.value) == "c.json:3: document '200': passage offset '\u0661\u0662' is not a non-negative integer"
    converted.passages[1].offset = "51"  # a string of digits, as some exports write it
    assert bioc_to_document(converted) == parse(DOC_200)[0]


# --- the real corpora -----------------------------------------------------------------------------


@NEEDS_TRAIN_DEV
@pytest.mark.parametrize("path", [TRAIN, DEV], ids=["train", "dev"])
@pytest.mark.parametrize(("write", "read"), [(to_xml, xml_docs), (to_json, json_docs)], ids=["xml", "json"])
def test_biored_round_trip_through_bioc_is_byte_identical(path, write, read):
    original = path.read_text(encoding="utf-8")
    documents = list(read_pubtator(path))
    buffer = io.StringIO()
    write_pubtator(read(write(documents)), buffer)
    assert buffer.getvalue() == original


@NEEDS_BC8
def test_bc8_round_trip_through_bioc_keeps_the_valid_documents():
    documents = list(read_pubtator(BC8_UNLABELED, on_error=lambda error: None))
    assert len(documents) == 900  # one bad mention line dropped
    assert xml_docs(to_xml(documents)) == documents
    assert json_docs(to_json(documents)) == documents
