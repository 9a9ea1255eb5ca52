"""BioC XML: the writer, the streaming reader, and errors naming the line of the offending element."""

from __future__ import annotations

import io

import bioc
import pytest

from bioc_helpers import ALL_DOCS, json_docs, to_json, to_xml, xml_docs
from conftest import DOC_100, parse
from relclf.document import Document, Relation
from relclf.errors import InputError, RelclfError
from relclf.io.bioc_xml import read_bioc_xml, write_bioc_xml

# --- writing ------------------------------------------------------------------------------------


def test_writer_output_is_valid_for_bioc_itself():
    documents = parse(ALL_DOCS)
    collection = bioc.biocxml.loads(to_xml(documents).decode("utf-8"))
    assert [d.id for d in collection.documents] == ["100", "200", "300", "400"]


def test_xml_cannot_hold_control_characters_but_json_can():
    document = Document("1", "A\x01B", "")
    with pytest.raises(RelclfError, match="document '1' cannot be written as BioC XML"):
        to_xml([document])
    assert json_docs(to_json([document])) == [document]


def test_text_sink_writes_xml_to_a_text_stream():
    buffer = io.StringIO()
    assert write_bioc_xml(parse(DOC_100), buffer) == 1
    assert xml_docs(buffer.getvalue()) == parse(DOC_100)


# --- reading ------------------------------------------------------------------------------------


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
<relation id="R0"><infon key="entity1">D001241</infon><infon key="entity2">D009369</infon>
<infon key="novel">Novel</infon><infon key="type">Negative_Correlation</infon></relation>
</document>
</collection>
"""


def test_reads_biored_style_xml_with_a_line_break_in_the_text():
    (document,) = xml_docs(BIORED_XML)
    assert (document.pmid, document.title, document.abstract) == ("7", "Aspirin and cancer.", "Aspirin helps.")
    assert [m.identifier for m in document.mentions] == ["D001241", "D009369"]
    assert document.relations == (Relation("Negative_Correlation", "D001241", "D009369", "Novel"),)
    assert document.line == 4


def test_xml_reader_streams(tmp_path):
    path = tmp_path / "c.xml"
    path.write_bytes(to_xml(parse(ALL_DOCS)))
    reader = read_bioc_xml(path)
    assert next(reader).pmid == "100"
    assert [d.pmid for d in reader] == ["200", "300", "400"]


def test_mentions_out_of_passage_order_come_back_in_order_and_errors_name_their_element():
    text = (
        "100|t|Aspirin and cancer.\n100|a|Aspirin "
        "helps.\n100\t20\t27\tAspirin\tChemical\tD1\n100\t0\t7\tAspirin\tChemical\tD1\n"
    )
    documents = parse(text)
    xml = (
        to_xml(documents)
        .replace(b"<document>", b"\n<document>")
        .replace(b'<passage><infon key="type">abstract', b'\n<passage><infon key="type">abstract')
    )
    assert xml_docs(xml) == documents  # mention 0 sits in the abstract passage, mention 1 in the title's
    bad = xml.replace(b'<location offset="0" length="7"/>', b'<location offset="1" length="7"/>')
    with pytest.raises(InputError) as info:
        xml_docs(bad)
    title_line = bad[: bad.index(b'<location offset="1"')].count(b"\n") + 1
    assert info.value.line == title_line and "'Aspirin' differs from the text at 1-8" in info.value.message


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
        pytest.param(
            b"<collection><document><id>1</id>\n<passage>\n</collection>", 3, "not well-formed", id="unclosed"
        ),
        pytest.param(b"<collection></collection>", 1, "no documents", id="no-documents"),
        pytest.param(b"<collection><document><id>1</id></document></collection>", 1, "no passage", id="no-passage"),
        pytest.param(
            b"<collection>\n<document><id>1</id><passage><offset>x</offset></passage></document></collection>",
            2,
            "invalid BioC",
            id="bad-offset",
        ),
        pytest.param(
            b"<collection>\n<document><passage><offset>0</offset><text>a</text></passage></document></collection>",
            2,
            "without an id",
            id="no-id",
        ),
        pytest.param(
            b"<collection><document><id>1</id><passage><offset>0</offset>"
            b"<text>a\xff</text></passage></document></collection>",
            1,
            "not well-formed",
            id="bad-utf8",
        ),
    ],
)
def test_xml_file_errors(data, line, message):
    with pytest.raises(InputError) as info:
        xml_docs(data)
    assert info.value.line == line
    assert message in info.value.message


def test_duplicate_document_ids_are_errors():
    xml = to_xml(parse(DOC_100))
    start, end = xml.index(b"<document>"), xml.index(b"</document>") + len(b"</document>")
    data = xml[:end] + b"\n" + xml[start:end] + xml[end:]
    with pytest.raises(InputError, match="duplicate document ID '100'"):
        xml_docs(data)


def test_skip_mode_drops_the_bad_annotation_and_keeps_its_document():
    documents = parse(ALL_DOCS)
    xml = to_xml(documents).replace(b"<text>Lithium</text>", b"<text>Lithiun</text>")
    errors: list[InputError] = []
    kept = xml_docs(xml, on_error=errors.append)
    assert [d.pmid for d in kept] == ["100", "200", "300", "400"]
    assert [m.text for m in kept[0].mentions] == [m.text for m in documents[0].mentions if m.text != "Lithium"]
    assert [(e.line, e.scope) for e in errors][0] == (5, "mention")
