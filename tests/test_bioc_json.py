"""BioC JSON: the writer, the reader (collections, PubTator3 exports, JSON Lines), and errors with lines."""

from __future__ import annotations

import json

import bioc
import pytest

from bioc_helpers import ALL_DOCS, json_docs, to_json
from conftest import DOC_100, MULTI_DOC, parse
from relclf.document import Relation
from relclf.errors import InputError
from relclf.io.bioc_document import document_to_bioc

# --- writing ------------------------------------------------------------------------------------


def test_writer_output_is_valid_for_bioc_itself():
    documents = parse(ALL_DOCS)
    collection = bioc.biocjson.loads(to_json(documents).decode("utf-8"))
    assert len(collection.documents) == 4


# --- reading BioC from other tools ---------------------------------------------------------------


PUBTATOR3_JSON = {
    "PubTator3": [
        {
            "id": "9",
            "passages": [
                {
                    "offset": 0,
                    "infons": {"type": "title"},
                    "text": "TP53 in cancer.",
                    "annotations": [
                        {
                            "id": "a",
                            "infons": {"identifier": "7157", "type": "Gene"},
                            "text": "TP53",
                            "locations": [{"offset": 0, "length": 4}],
                        }
                    ],
                },
                {
                    "offset": 16,
                    "infons": {"type": "abstract"},
                    "text": "Cancer  (TP53).",
                    "annotations": [
                        {
                            "id": "b",
                            "infons": {"identifier": "MESH:D009369", "type": "Disease"},
                            "text": "Cancer",
                            "locations": [{"offset": 16, "length": 6}],
                        }
                    ],
                },
                {"offset": 40, "infons": {"type": "paragraph"}, "text": "More."},
            ],
            "relations": [
                {
                    "id": "R1",
                    "infons": {
                        "type": "Association",
                        "role1": "Gene|7157",
                        "role2": "Disease|MESH:D009369",
                        "score": "0.75",
                    },
                    "nodes": [],
                }
            ],
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
    doc["relations"] = [
        {"id": "R1", "infons": {"type": "Bind"}, "nodes": [{"refid": "a", "role": "x"}, {"refid": "b", "role": "y"}]}
    ]
    (document,) = json_docs(json.dumps([doc]))
    assert (document.relations[0].id1, document.relations[0].id2) == ("7157", "MESH:D009369")


def test_collection_errors_name_the_line_of_the_document_id():
    pretty = json.dumps(
        {"documents": [json.loads(to_json(parse(DOC_100)))["documents"][0], PUBTATOR3_JSON["PubTator3"][0]]}, indent=1
    )
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


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        pytest.param(b"", 1, "not valid BioC JSON", id="empty"),
        pytest.param(b'{"documents": [\n{"id": "1",\n', 3, "not valid BioC JSON", id="truncated"),
        pytest.param(b'{"documents": []}', 1, "no documents", id="no-documents"),
        pytest.param(b'"text"', 1, "not a BioC JSON collection", id="a-string"),
        pytest.param(
            b'{"documents": [3]}', 0, "document 1 of the collection: expected a BioC document object", id="a-number"
        ),
        pytest.param(
            b'{"documents": [{"id": "1", "passages": [{"offset": -4, "text": "a"}]}]}',
            1,
            "passage offset -4",
            id="negative-offset",
        ),
        pytest.param(
            b'{"documents": [{"id": "1", "passages": {}}]}', 1, "invalid BioC document", id="passages-not-a-list"
        ),
        pytest.param(b'[{"id": "1", "passages": [{"offset": 0, "text": "\xff"}]}]', 1, "invalid UTF-8", id="bad-utf8"),
    ],
)
def test_json_file_errors(data, line, message):
    with pytest.raises(InputError) as info:
        json_docs(data)
    assert info.value.line == line
    assert message in info.value.message


def test_skip_mode_drops_the_bad_annotation_or_document_and_keeps_the_rest():
    documents = parse(ALL_DOCS)
    data = to_json(documents).replace(b'"text": "Lithium"', b'"text": "Lithiun"')
    errors: list[InputError] = []
    kept = json_docs(data, on_error=errors.append)
    assert [d.pmid for d in kept] == ["100", "200", "300", "400"]  # document 100 without its Lithium mention
    assert [m.text for m in kept[0].mentions] == [m.text for m in documents[0].mentions if m.text != "Lithium"]
    assert [e.scope for e in errors] == ["mention", "relation"]  # Lithium's relation names no mention left
    assert "document 1 of the collection" in errors[0].message
    assert errors[0].line == 2  # relclf writes the collection header on line 1, then one document per line
    data = to_json(documents).replace(b'"offset": 0', b'"offset": "zero"', 1)  # a broken passage: the document goes
    errors = []
    assert [d.pmid for d in json_docs(data, on_error=errors.append)] == ["200", "300", "400"]
    assert [e.scope for e in errors] == ["document"]
