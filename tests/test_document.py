"""Tests of relclf.document: type names, identifier splitting, and the Document/Relation helpers."""

from __future__ import annotations

import pytest

from relclf.document import (
    Document,
    Mention,
    Relation,
    canonical_type,
    identifier_parts,
    is_composite,
    is_normalized,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # BioRED
        ("GeneOrGeneProduct", "Gene"),
        ("ChemicalEntity", "Chemical"),
        ("DiseaseOrPhenotypicFeature", "Disease"),
        ("SequenceVariant", "Variant"),
        ("OrganismTaxon", "Species"),
        ("CellLine", "CellLine"),
        # PubTator3 / BC5CDR / tmVar
        ("Gene", "Gene"),
        ("Chemical", "Chemical"),
        ("Disease", "Disease"),
        ("Species", "Species"),
        ("Variant", "Variant"),
        ("DNAMutation", "Variant"),
        ("ProteinMutation", "Variant"),
        ("SNP", "Variant"),
    ],
)
def test_canonical_type_maps_source_names(name, expected):
    assert canonical_type(name) == expected


def test_canonical_type_ignores_case():
    assert canonical_type("geneorgeneproduct") == "Gene"
    assert canonical_type("CHEMICAL") == "Chemical"


@pytest.mark.parametrize("name", ["Organ", "Anatomy", "CellType", ""])
def test_canonical_type_passes_unknown_names_through(name):
    assert canonical_type(name) == name


def test_mention_canonical_type():
    mention = Mention(0, 4, "TP53", "GeneOrGeneProduct", "7157")
    assert mention.canonical_type == "Gene"
    assert mention.entity_type == "GeneOrGeneProduct"  # the source name is kept for writing back


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        # BioRED: a comma list names several entities.
        ("3172,3651,6927", ("3172", "3651", "6927")),
        ("3172, 3651", ("3172", "3651")),
        # BioRED variant IDs: the "|" is part of ONE identifier.
        ("c|INS|5382|C", ("c|INS|5382|C",)),
        ("p|SUB|V|1763|M", ("p|SUB|V|1763|M",)),
        ("|INS|125_126|AA", ("|INS|125_126|AA",)),
        ("g|SUB|T|3318-6|A", ("g|SUB|T|3318-6|A",)),
        # Composite accessions split by default.
        ("D015458|D016399", ("D015458", "D016399")),  # BioRED composite disease
        ("D014786|D006311", ("D014786", "D006311")),  # BC5CDR composite
        ("4313;4312", ("4313", "4312")),  # GNormPlus
        ("MESH:D014786|MESH:D006311", ("MESH:D014786", "MESH:D006311")),
        # PubTator3 variant: one identifier with ";" and ":" inside.
        (
            "RS#:113488022;HGVS:p.V600E;CorrespondingGene:673",
            ("RS#:113488022;HGVS:p.V600E;CorrespondingGene:673",),
        ),
        # Plain single identifiers.
        ("D003920", ("D003920",)),
        ("MESH:D003920", ("MESH:D003920",)),
        ("rs74805019", ("rs74805019",)),
        ("CVCL_0023", ("CVCL_0023",)),
        # Repeated parts are listed once, in input order.
        ("3172,3172,6927", ("3172", "6927")),
    ],
)
def test_identifier_parts(identifier, expected):
    assert identifier_parts(identifier) == expected


@pytest.mark.parametrize("identifier", ["D015458|D016399", "4313;4312", "MESH:D014786|MESH:D006311"])
def test_identifier_parts_keeps_composites_whole_when_asked(identifier):
    assert identifier_parts(identifier, split_composites=False) == (identifier,)


def test_identifier_parts_commas_split_even_without_composite_splitting():
    assert identifier_parts("3172,3651", split_composites=False) == ("3172", "3651")
    assert identifier_parts("D015458|D016399,D003920", split_composites=False) == ("D015458|D016399", "D003920")


@pytest.mark.parametrize("identifier", ["c|INS|5382|C", "RS#:113488022;HGVS:p.V600E;CorrespondingGene:673"])
def test_variant_identifiers_are_the_same_with_or_without_composite_splitting(identifier):
    assert identifier_parts(identifier, split_composites=False) == identifier_parts(identifier) == (identifier,)


@pytest.mark.parametrize("identifier", ["-", "", None, "  ", " - "])
def test_missing_identifiers_are_not_normalized(identifier):
    assert is_normalized(identifier) is False
    assert identifier_parts(identifier) == ()
    assert identifier_parts(identifier, split_composites=False) == ()
    assert is_composite(identifier) is False


@pytest.mark.parametrize("identifier", ["D003920", "3172,3651", "c|INS|5382|C", "0"])
def test_present_identifiers_are_normalized(identifier):
    assert is_normalized(identifier) is True


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("D015458|D016399", True),
        ("4313;4312", True),
        ("D003920,D015458|D016399", True),
        ("3172,3651,6927", False),
        ("c|INS|5382|C", False),
        ("RS#:113488022;HGVS:p.V600E;CorrespondingGene:673", False),
        ("D003920", False),
    ],
)
def test_is_composite(identifier, expected):
    assert is_composite(identifier) is expected


def test_document_text_joins_title_and_abstract_with_one_space():
    document = Document("1", "Aspirin and cancer.", "Aspirin helps.")
    assert document.text == "Aspirin and cancer. Aspirin helps."
    assert document.text[20:27] == "Aspirin"


def test_with_relations_returns_a_copy_with_new_relations():
    mention = Mention(0, 7, "Aspirin", "Chemical", "D001241")
    gold = (Relation("Bind", "a", "b"),)
    document = Document("1", "Aspirin.", "x", (mention,), gold, line=5)
    new = document.with_relations([Relation("Association", "c", "d", "Novel", 0.9)])
    assert new.relations == (Relation("Association", "c", "d", "Novel", 0.9),)
    assert isinstance(new.relations, tuple)
    assert (new.pmid, new.title, new.abstract, new.mentions, new.line) == ("1", "Aspirin.", "x", (mention,), 5)
    assert document.relations == gold  # the original is unchanged


def test_document_equality_ignores_line():
    assert Document("1", "t", "a", line=1) == Document("1", "t", "a", line=99)


def test_relation_pair_is_unordered():
    assert Relation("Bind", "x", "y").pair == Relation("Bind", "y", "x").pair == frozenset({"x", "y"})
    assert Relation("Bind", "x", "x").pair == frozenset({"x"})


def test_relation_defaults():
    relation = Relation("Bind", "x", "y")
    assert relation.novelty is None
    assert relation.score is None
