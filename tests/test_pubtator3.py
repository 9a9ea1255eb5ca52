"""PubTator3's files: variant identifiers read in BioRED's form (originals written back), BioC infons and
passages kept through BioC in and out, and PubTator3-layout bulk shards predicted like the same
abstracts in PubTator."""

from __future__ import annotations

import gzip
import json

import pytest

from bioc_helpers import json_docs, pubtator_text, to_json, to_xml, xml_docs
from conftest import BC8_UNLABELED, NEEDS_BC8, parse, run_cli
from relclf.document import Document, Mention, Relation, document_entities
from relclf.errors import InputError
from relclf.io.pubtator3 import biored_variant_id, normalize_variants, variant_fields

SUB = "tmVar:p|SUB|S|161|A;HGVS:p.S161A;VariantGroup:0;CorrespondingGene:1956;RS#:121434568"
ALLELE = "tmVar:p|Allele|S|161;VariantGroup:0;CorrespondingGene:1956"
OTHER_GENE = "tmVar:p|Allele|S|161;VariantGroup:0;CorrespondingGene:7157"
NO_RS = "tmVar:c|SUB|G|-1082|A;HGVS:c.-1082G>A;VariantGroup:1;CorrespondingGene:3586"
NO_RS_ALLELE = "tmVar:c|Allele|A|-1082;VariantGroup:1;CorrespondingGene:3586"

# title "EGFR S161A, S161 and -1082G>A, A allele." abstract "Gefitinib." (offsets in title + " " + abstract)
TEXT = "EGFR S161A, S161 and -1082G>A, A allele."
PUBTATOR3 = (
    f"7|t|{TEXT}\n7|a|Gefitinib resistance.\n"
    "7\t0\t4\tEGFR\tGene\t1956\n"
    f"7\t5\t10\tS161A\tProteinMutation\t{SUB}\n"
    f"7\t12\t16\tS161\tProteinMutation\t{ALLELE}\n"
    f"7\t21\t29\t-1082G>A\tDNAMutation\t{NO_RS}\n"
    f"7\t31\t39\tA allele\tDNAMutation\t{NO_RS_ALLELE}\n"
    "7\t41\t50\tGefitinib\tChemical\tMESH:D000077156\n"
    f"7\tAssociation\tMESH:D000077156\t{SUB}\n"
)


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        (SUB, "rs121434568"),
        (ALLELE, "p|Allele|S|161"),
        (NO_RS, "c|SUB|G|-1082|A"),
        ("RS#:113488022;HGVS:p.V600E;CorrespondingGene:673", "rs113488022"),  # PubTator Central's older form
        ("tmVar:c|DEL||30", "c|DEL||30"),
        ("HGVS:p.V600E;CorrespondingGene:673", None),  # neither a tmVar string nor an RS number: left as it is
        ("p|SUB|S|161|A", None),  # already BioRED's form
        ("rs121434568", None),
        ("MESH:D000077156", None),
        ("tmVar:;RS#:x", None),
        ("3172,3651", None),
    ],
)
def test_each_identifier_alone(identifier, expected):
    assert biored_variant_id(identifier) == expected


def test_fields_of_an_identifier():
    assert variant_fields(SUB) == {
        "tmVar": "p|SUB|S|161|A",
        "HGVS": "p.S161A",
        "VariantGroup": "0",
        "CorrespondingGene": "1956",
        "RS#": "121434568",
    }


def test_a_variant_group_with_an_rs_number_is_one_entity_and_one_without_stays_apart():
    (document,) = parse(PUBTATOR3)
    assert [m.identifier for m in document.mentions] == [
        "1956",
        "rs121434568",
        "rs121434568",  # the allele of the same group and gene takes the group's RS number
        "c|SUB|G|-1082|A",
        "c|Allele|A|-1082",  # no RS number in its group: its own tmVar string, as BioRED annotates it
        "MESH:D000077156",
    ]
    assert [m.original_identifier for m in document.mentions] == [None, SUB, ALLELE, NO_RS, NO_RS_ALLELE, None]
    assert document.relations == (Relation("Association", "MESH:D000077156", "rs121434568"),)
    variants = [e for e in document_entities(document) if e.entity_type == "Variant"]
    assert [(e.identifier, len(e.mentions)) for e in variants] == [
        ("rs121434568", 2),
        ("c|SUB|G|-1082|A", 1),
        ("c|Allele|A|-1082", 1),
    ]


def test_the_same_group_of_another_gene_is_another_variant():
    document = Document(
        "1",
        "S161A in EGFR, S161 in TP53",
        "",
        (Mention(0, 5, "S161A", "Variant", SUB), Mention(15, 19, "S161", "Variant", OTHER_GENE)),
    )
    assert [m.identifier for m in normalize_variants(document).mentions] == ["rs121434568", "p|Allele|S|161"]


def test_original_identifiers_are_written_back_in_every_format_and_read_again_alike():
    documents = parse(PUBTATOR3)
    relation = f"MESH:D000077156\t{SUB}\n"
    assert pubtator_text(documents) == PUBTATOR3.replace(relation, "MESH:D000077156\trs121434568\n") + "\n"
    for write, read in ((to_xml, xml_docs), (to_json, json_docs)):
        data = write(documents)
        assert SUB.encode() in data and ALLELE.encode() in data and b"rs121434568" in data
        assert read(data) == documents
        assert [m.original_identifier for m in read(data)[0].mentions] == [
            m.original_identifier for m in documents[0].mentions
        ]


def test_an_unknown_relation_id_is_still_an_error():
    with pytest.raises(InputError, match="relation names ID 'rs999'"):
        parse(PUBTATOR3 + "7\tAssociation\tMESH:D000077156\trs999\n")


# --- BioC infons and passages ---------------------------------------------------------------------

PUBTATOR3_JSON = {
    "_id": "36727001|None",
    "id": "36727001",
    "infons": {"source": "PubMed"},
    "passages": [
        {
            "infons": {"journal": "Front Immunol; 2023", "year": "2023", "type": "title", "section": "Title"},
            "offset": 0,
            "text": "Aspirin and cancer.",
            "annotations": [
                {
                    "id": "1",
                    "infons": {"identifier": "MESH:D001241", "type": "Chemical", "valid": True},
                    "text": "Aspirin",
                    "locations": [{"offset": 0, "length": 7}],
                },
            ],
        },
        {"infons": {"type": "abstract", "section": "Abstract"}, "offset": 20, "text": "Cancer."},
    ],
    "relations": [],
    "pmid": 36727001,
    "pmcid": None,
    "journal": "Front Immunol",
    "authors": ["Wang X", "Li Y"],
}


def test_pubtator3_json_members_and_infons_survive_bioc_in_and_out():
    (document,) = json_docs(json.dumps({"PubTator3": [PUBTATOR3_JSON]}))
    assert dict(document.infons) == {
        "source": "PubMed",
        "_id": "36727001|None",
        "pmid": "36727001",
        "journal": "Front Immunol",
        "authors": '["Wang X", "Li Y"]',
    }  # pmcid null: no value
    assert [dict(p.infons)["type"] for p in document.passages] == ["title", "abstract"]
    for write, read in ((to_xml, xml_docs), (to_json, json_docs)):
        (back,) = read(write([document]))
        assert (back, back.infons, back.passages) == (document, document.infons, document.passages)
    xml = to_xml([document]).decode()
    assert '<infon key="journal">Front Immunol; 2023</infon>' in xml and '<infon key="pmid">36727001</infon>' in xml


def test_passages_of_a_full_text_come_back_at_their_places_with_their_infons():
    passages = [
        {"infons": {"type": "front", "section_type": "TITLE", "article-id_pmid": "7"}, "offset": 0, "text": "A b."},
        {"infons": {"type": "abstract", "section_type": "ABSTRACT"}, "offset": 5, "text": "C d."},
        {"infons": {"type": "paragraph", "section_type": "INTRO"}, "offset": 12, "text": "E f."},
        {"infons": {"type": "ref", "section_type": "REF"}, "offset": 17, "text": "G."},
    ]
    passages[2]["annotations"] = [
        {
            "id": "1",
            "infons": {"type": "Gene", "identifier": "7"},
            "text": "E",
            "locations": [{"offset": 12, "length": 1}],
        }
    ]
    (document,) = json_docs(json.dumps({"id": "7", "passages": passages}))
    assert document.abstract == "C d.   E f. G."  # the gap of 3 spaces, as the offsets say
    xml = to_xml([document])
    (back,) = xml_docs(xml)
    assert (back, back.passages) == (document, document.passages)
    written = json.loads(to_json([document]))["documents"][0]["passages"]
    assert [(p["offset"], p["text"], p["infons"]["type"]) for p in written] == [
        (0, "A b.", "front"),
        (5, "C d.", "abstract"),
        (12, "E f.", "paragraph"),
        (17, "G.", "ref"),
    ]
    assert [a["text"] for a in written[2]["annotations"]] == ["E"]  # in the passage where it is


def test_pubtator_output_has_no_place_for_infons():
    (document,) = json_docs(json.dumps(PUBTATOR3_JSON))
    (back,) = parse(pubtator_text([document]))
    assert back == document and back.infons == () and back.passages == ()


# --- bulk shards ------------------------------------------------------------------------------------


@pytest.fixture
def shards_module(monkeypatch):
    from test_experiments import EXPERIMENTS

    monkeypatch.syspath_prepend(str(EXPERIMENTS))
    import pubtator3_shards

    return pubtator3_shards


def test_a_shard_in_pubtator3_layout_reads_like_its_abstracts(shards_module, tmp_path):
    bioc_types = PUBTATOR3.replace("ProteinMutation", "SequenceVariant").replace("DNAMutation", "SequenceVariant")
    documents = parse(bioc_types.replace(SUB, "rs121434568").replace(ALLELE, "rs121434568"))
    documents = [
        Document("7", d.title, d.abstract, tuple(m for m in d.mentions if m.entity_type != "Gene"), d.relations)
        for d in documents
    ]
    (path,) = shards_module.write_shards(tmp_path, documents, copies=3)
    with gzip.open(path) as handle:
        head = handle.read(200)
    assert head.startswith(b"<?xml") and b"<!DOCTYPE collection SYSTEM 'BioC.dtd'>" in head
    read = xml_docs(gzip.decompress(path.read_bytes()))
    assert [d.pmid for d in read] == ["0-7", "1-7", "2-7"]
    assert [m.identifier for m in read[0].mentions] == [m.identifier for m in documents[0].mentions]
    assert read[0].mentions[2].original_identifier.endswith("CorrespondingGene:0")  # no RS#: the group's


@NEEDS_BC8
def test_predicting_a_pubtator3_shard_gives_the_relations_of_the_same_abstracts_in_pubtator(shards_module, tmp_path):
    documents = shards_module.valid_documents(BC8_UNLABELED)[:150]
    (shard,) = shards_module.write_shards(tmp_path / "shards", documents, copies=1)
    plain = tmp_path / "plain.pubtator"
    plain.write_text(pubtator_text([Document(f"0-{d.pmid}", d.title, d.abstract, d.mentions) for d in documents]))
    for name in ("a.tsv", "b.tsv"):
        source = plain if name == "a.tsv" else shard
        assert run_cli("predict", str(source), "-o", str(tmp_path / name), "--n-jobs", "1").returncode == 0
    rows = (tmp_path / "a.tsv").read_text()
    assert rows == (tmp_path / "b.tsv").read_text() and "\trs" in rows  # variant relations named as in BioRED
    assert run_cli("predict", str(shard), "-o", str(tmp_path / "c.xml")).returncode == 0
    written = (tmp_path / "c.xml").read_text()
    assert '<infon key="journal">' in written and ";VariantGroup:" in written  # infons and originals kept


def test_the_bc8_fixture_builder_keeps_bc8_ids_for_other_entities(shards_module):
    mention = Mention(0, 7, "aspirin", "ChemicalEntity", "D001241")
    assert shards_module.pubtator3_identifier(mention, 0, {}, "0", mesh_prefix=False) == "D001241"
    assert shards_module.pubtator3_identifier(mention, 0, {}, "0", mesh_prefix=True) == "MESH:D001241"


def test_what_bioc_and_pubtator3_add_to_a_document_survives_pickling():
    import pickle

    (document,) = json_docs(json.dumps(PUBTATOR3_JSON))
    (variants,) = parse(PUBTATOR3)
    for original in (document, variants):
        copy = pickle.loads(pickle.dumps(original))
        assert (copy, copy.infons, copy.passages, copy.line) == (
            original,
            original.infons,
            original.passages,
            original.line,
        )
        assert [m.original_identifier for m in copy.mentions] == [m.original_identifier for m in original.mentions]
