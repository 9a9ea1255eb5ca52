"""BioC XML and BioC JSON: conversion to and from documents, streaming readers, errors with lines."""

from __future__ import annotations

import io
import json

import bioc
import pytest

from conftest import BC8_UNLABELED, DEV, DOC_100, DOC_200, DOC_300, DOC_400, MULTI_DOC, NEEDS_BC8, NEEDS_TRAIN_DEV, TRAIN, parse
from relclf.document import Document, Mention, Relation
from relclf.errors import InputError, RelclfError
from relclf.io.bioc import bioc_to_document, document_to_bioc, read_bioc_json, read_bioc_xml, write_bioc_json, write_bioc_xml
from relclf.io.pubtator import read_pubtator, write_pubtator

ALL_DOCS = MULTI_DOC + DOC_300 + "\n" + DOC_400 + "\n"


def to_xml(documents) -> bytes:
    buffer = io.BytesIO()
    write_bioc_xml(documents, buffer)
    return buffer.getvalue()


def to_json(documents) -> bytes:
    buffer = io.StringIO()
    write_bioc_json(documents, buffer)
    return buffer.getvalue().encode("utf-8")


def pubtator_text(documents) -> str:
    buffer = io.StringIO()
    write_pubtator(documents, buffer, with_scores=True)
    return buffer.getvalue()


def xml_docs(data: bytes | str, **kwargs) -> list[Document]:
    return list(read_bioc_xml(io.BytesIO(data.encode() if isinstance(data, str) else data), **kwargs))


def json_docs(data: bytes | str, **kwargs) -> list[Document]:
    return list(read_bioc_json(io.BytesIO(data.encode() if isinstance(data, str) else data), **kwargs))


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
    assert (title.infons["type"], title.offset, abstract.infons["type"], abstract.offset) == ("title", 0, "abstract", len(doc_100.title) + 1)
    assert [a.id for a in title.annotations] == ["0", "1"]
    assert abstract.annotations[0].infons == {"type": "ChemicalEntity", "identifier": "D008094"}
    assert abstract.annotations[0].locations[0].offset == 42
    relation = converted.relations[0]
    assert relation.infons == {"type": "Association", "entity1": "1499", "entity2": "D012859", "novel": "Novel"}
    assert [(n.refid, n.role) for n in relation.nodes] == [("0", "entity1"), ("1", "entity2")]


def test_writer_output_is_valid_for_bioc_itself():
    documents = parse(ALL_DOCS)
    collection = bioc.biocxml.loads(to_xml(documents).decode("utf-8"))
    assert [d.id for d in collection.documents] == ["100", "200", "300", "400"]
    collection = bioc.biocjson.loads(to_json(documents).decode("utf-8"))
    assert len(collection.documents) == 4


def test_xml_cannot_hold_control_characters_but_json_can():
    document = Document("1", "A\x01B", "")
    with pytest.raises(RelclfError, match="document '1' cannot be written as BioC XML"):
        to_xml([document])
    assert json_docs(to_json([document])) == [document]


def test_text_sink_writes_xml_to_a_text_stream():
    buffer = io.StringIO()
    assert write_bioc_xml(parse(DOC_100), buffer) == 1
    assert xml_docs(buffer.getvalue()) == parse(DOC_100)


# --- reading BioC from other tools ---------------------------------------------------------------

BIORED_XML = """<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE collection SYSTEM 'BioC.dtd'>
<collection><source>PubTator</source><date>2021</date><key>BioC.key</key>
<document><id>7</id>
<passage><infon key="type">title</infon><offset>0</offset><text>Aspirin and cancer.</text>
<annotation id="0"><infon key="identifier">D001241</infon><infon key="type">ChemicalEntity</infon>
<location offset="0" length="7"/><text>Aspirin</text></annotation>
<annotation id="1"><infon key="identifier">D009369</infon><infon key="type">DiseaseOrPhenotypicFeature</infon>
<location offset="12" length="6"/><text>cancer</text></annotation>
</passage>
<passage><infon key="type">abstract</infon><offset>20</offset><text>Aspirin
helps.</text></passage>
<relation id="R0"><infon key="entity1">D001241</infon><infon key="entity2">D009369</infon><infon key="novel">Novel</infon><infon key="type">Negative_Correlation</infon></relation>
</document>
</collection>
"""


def test_reads_biored_style_xml_with_a_line_break_in_the_text():
    (document,) = xml_docs(BIORED_XML)
    assert (document.pmid, document.title, document.abstract) == ("7", "Aspirin and cancer.", "Aspirin helps.")
    assert [m.identifier for m in document.mentions] == ["D001241", "D009369"]
    assert document.relations == (Relation("Negative_Correlation", "D001241", "D009369", "Novel"),)
    assert document.line == 4


PUBTATOR3_JSON = {
    "PubTator3": [
        {
            "id": "9",
            "passages": [
                {"offset": 0, "infons": {"type": "title"}, "text": "TP53 in cancer.",
                 "annotations": [{"id": "a", "infons": {"identifier": "7157", "type": "Gene"}, "text": "TP53", "locations": [{"offset": 0, "length": 4}]}]},
                {"offset": 16, "infons": {"type": "abstract"}, "text": "Cancer  (TP53).",
                 "annotations": [{"id": "b", "infons": {"identifier": "MESH:D009369", "type": "Disease"}, "text": "Cancer", "locations": [{"offset": 16, "length": 6}]}]},
                {"offset": 40, "infons": {"type": "paragraph"}, "text": "More."},
            ],
            "relations": [{"id": "R1", "infons": {"type": "Association", "role1": "Gene|7157", "role2": "Disease|MESH:D009369", "score": "0.75"}, "nodes": []}],
        }
    ]
}


def test_reads_pubtator3_style_json_with_roles_scores_and_extra_passages():
    (document,) = json_docs(json.dumps(PUBTATOR3_JSON))
    assert document.title == "TP53 in cancer."
    assert document.abstract == "Cancer  (TP53)." + " " * 9 + "More."  # the paragraph placed at its offset
    assert document.relations == (Relation("Association", "7157", "MESH:D009369", None, 0.75),)


def test_relations_given_only_as_nodes_resolve_through_annotations():
    doc = json.loads(json.dumps(PUBTATOR3_JSON["PubTator3"][0]))
    doc["relations"] = [{"id": "R1", "infons": {"type": "Bind"}, "nodes": [{"refid": "a", "role": "x"}, {"refid": "b", "role": "y"}]}]
    (document,) = json_docs(json.dumps([doc]))
    assert (document.relations[0].id1, document.relations[0].id2) == ("7157", "MESH:D009369")


def test_sentence_level_text_and_discontinuous_annotations():
    collection = {
        "documents": [
            {
                "id": "3",
                "passages": [
                    {"offset": 0, "infons": {}, "sentences": [{"offset": 0, "text": "Title here."}]},
                    {"offset": 12, "infons": {}, "sentences": [{"offset": 12, "text": "Left and right lung."}, {"offset": 33, "text": "End."}]},
                ],
                "annotations": [{"id": "x", "infons": {"type": "Anatomy"}, "text": "Left lung", "locations": [{"offset": 12, "length": 4}, {"offset": 27, "length": 4}]}],
            }
        ]
    }
    (document,) = json_docs(json.dumps(collection))
    assert (document.title, document.abstract) == ("Title here.", "Left and right lung. End.")
    assert document.mentions[0] == Mention(12, 31, "Left and right lung", "Anatomy", None)


def test_collection_errors_name_the_line_of_the_document_id():
    pretty = json.dumps({"documents": [json.loads(to_json(parse(DOC_100)))["documents"][0], PUBTATOR3_JSON["PubTator3"][0]]}, indent=1)
    bad = pretty.replace('"text": "Cancer"', '"text": "Cancre"')
    with pytest.raises(InputError) as info:
        json_docs(bad)
    expected = next(n for n, line in enumerate(bad.splitlines(), start=1) if line.strip() == '"id": "9",')
    assert (info.value.line, info.value.message.split(":")[0]) == (expected, "document 2 of the collection")


def test_json_lines_of_documents_stream_with_line_numbers():
    lines = [json.dumps(bioc.biocjson.toJSON(document_to_bioc(d))) for d in parse(MULTI_DOC)]
    data = "\n".join(lines) + "\n"
    assert [d.pmid for d in json_docs(data)] == ["100", "200"]
    broken = lines[0] + "\n" + lines[1].replace('"Vincristine"', '"Vinblastine"', 1) + "\n"
    with pytest.raises(InputError) as info:
        json_docs(broken)
    assert info.value.line == 2 and "differs from the text" in info.value.message


# --- errors ------------------------------------------------------------------------------------


def test_xml_errors_name_the_line_of_the_annotation():
    bad = BIORED_XML.replace('length="6"/><text>cancer', 'length="6"/><text>canker')
    with pytest.raises(InputError) as info:
        xml_docs(bad)
    assert info.value.line == 8  # where the <annotation> element starts
    assert info.value.message.startswith("document '7': mention text 'canker' differs")


def test_xml_relation_with_unknown_id_names_its_line():
    bad = BIORED_XML.replace('<infon key="entity2">D009369', '<infon key="entity2">D0')
    with pytest.raises(InputError) as info:
        xml_docs(bad)
    assert info.value.line == 13 and "'D0'" in info.value.message


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(b"", 1, "not well-formed", id="empty"),
        pytest.param(b"<collection><document><id>1</id>\n<passage>\n</collection>", 3, "not well-formed", id="unclosed"),
        pytest.param(b"<collection></collection>", 1, "no documents", id="no-documents"),
        pytest.param(b"<collection><document><id>1</id></document></collection>", 1, "no passage", id="no-passage"),
        pytest.param(b"<collection>\n<document><id>1</id><passage><offset>x</offset></passage></document></collection>", 2, "invalid BioC", id="bad-offset"),
        pytest.param(b"<collection>\n<document><passage><offset>0</offset><text>a</text></passage></document></collection>", 2, "without an id", id="no-id"),
        pytest.param(b"<collection><document><id>1</id><passage><offset>0</offset><text>a\xff</text></passage></document></collection>", 1, "not well-formed", id="bad-utf8"),
    ],
)
def test_xml_file_errors(data, line, message):
    with pytest.raises(InputError) as info:
        xml_docs(data)
    assert info.value.line == line
    assert message in info.value.message


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(b"", 1, "not valid BioC JSON", id="empty"),
        pytest.param(b'{"documents": [\n{"id": "1",\n', 3, "not valid BioC JSON", id="truncated"),
        pytest.param(b'{"documents": []}', 1, "no documents", id="no-documents"),
        pytest.param(b'"text"', 1, "not a BioC JSON collection", id="a-string"),
        pytest.param(b'{"documents": [3]}', 0, "document 1 of the collection: expected a BioC document object", id="a-number"),
        pytest.param(b'{"documents": [{"id": "1", "passages": [{"offset": -4, "text": "a"}]}]}', 1, "passage offset -4", id="negative-offset"),
        pytest.param(b'{"documents": [{"id": "1", "passages": {}}]}', 1, "invalid BioC document", id="passages-not-a-list"),
        pytest.param(b'[{"id": "1", "passages": [{"offset": 0, "text": "\xff"}]}]', 1, "invalid UTF-8", id="bad-utf8"),
    ],
)
def test_json_file_errors(data, line, message):
    with pytest.raises(InputError) as info:
        json_docs(data)
    assert info.value.line == line
    assert message in info.value.message


def test_duplicate_document_ids_are_errors():
    xml = to_xml(parse(DOC_100))
    start, end = xml.index(b"<document>"), xml.index(b"</document>") + len(b"</document>")
    data = xml[:end] + b"\n" + xml[start:end] + xml[end:]
    with pytest.raises(InputError, match="duplicate document ID '100'"):
        xml_docs(data)


def test_skip_mode_reports_each_bad_document_and_keeps_the_rest():
    documents = parse(ALL_DOCS)
    data = to_json(documents).replace(b'"text": "Lithium"', b'"text": "Lithiun"')
    errors: list[InputError] = []
    kept = json_docs(data, on_error=errors.append)
    assert [d.pmid for d in kept] == ["200", "300", "400"]
    assert len(errors) == 1 and "document 1 of the collection" in errors[0].message
    assert errors[0].line == 2  # relclf writes the collection header on line 1, then one document per line
    xml = to_xml(documents).replace(b"<text>Lithium</text>", b"<text>Lithiun</text>")
    errors = []
    assert [d.pmid for d in xml_docs(xml, on_error=errors.append)] == ["200", "300", "400"]
    assert errors[0].line == 5


def test_xml_reader_streams(tmp_path):
    path = tmp_path / "c.xml"
    path.write_bytes(to_xml(parse(ALL_DOCS)))
    reader = read_bioc_xml(path)
    assert next(reader).pmid == "100"
    assert [d.pmid for d in reader] == ["200", "300", "400"]


def test_bioc_to_document_accepts_a_bioc_object():
    converted = document_to_bioc(parse(DOC_200)[0])
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
    assert len(documents) == 899
    assert xml_docs(to_xml(documents)) == documents
    assert json_docs(to_json(documents)) == documents


def test_mentions_out_of_passage_order_come_back_in_order_and_errors_name_their_element():
    text = "100|t|Aspirin and cancer.\n100|a|Aspirin helps.\n100\t20\t27\tAspirin\tChemical\tD1\n100\t0\t7\tAspirin\tChemical\tD1\n"
    documents = parse(text)
    xml = to_xml(documents).replace(b"<document>", b"\n<document>").replace(b'<passage><infon key="type">abstract', b'\n<passage><infon key="type">abstract')
    assert xml_docs(xml) == documents  # mention 0 sits in the abstract passage, mention 1 in the title's
    bad = xml.replace(b'<location offset="0" length="7"/>', b'<location offset="1" length="7"/>')
    with pytest.raises(InputError) as info:
        xml_docs(bad)
    title_line = bad[: bad.index(b'<location offset="1"')].count(b"\n") + 1
    assert info.value.line == title_line and "'Aspirin' differs from the text at 1-8" in info.value.message
