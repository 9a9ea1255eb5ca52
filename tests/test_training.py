"""Tests of relclf.extract.training: every candidate pair of the training documents with its gold answer."""

from __future__ import annotations

import numpy as np

from conftest import DOC_100, DOC_200, DOC_400, parse, parse_one
from relclf.extract.candidates import generate_candidates
from relclf.extract.training import build_training_set
from relclf.text import Vocabulary

# DOC_100: Lithium (D008094), beta-catenin (1499), Sjogren syndrome (D012859), mice, whose BioRED types read
# as Chemical, Gene, Disease, Species; relations: Association 1499-D012859 (Novel), Positive_Correlation
# D008094-1499 (no novelty column).
CHEMICAL_GENE = "Chemical|Gene"
DISEASE_GENE = "Disease|Gene"
CHEMICAL_DISEASE = "Chemical|Disease"


def _answers(data) -> dict[frozenset[str], tuple[str, str | None]]:
    ids = data.batch.pairs.identifiers
    pairs = zip(data.batch.pairs.a.tolist(), data.batch.pairs.b.tolist(), strict=True)
    return {
        frozenset((ids[a], ids[b])): (label, n)
        for (a, b), label, n in zip(pairs, data.labels, data.novelty, strict=True)
    }


def test_every_candidate_gets_its_gold_label_and_novelty_or_the_negative_label():
    documents = parse(DOC_100)
    data = build_training_set(
        documents,
        Vocabulary(growing=True),
        [CHEMICAL_DISEASE, CHEMICAL_GENE, DISEASE_GENE],
        split_composites=True,
        negative_label="NOREL",
    )
    assert _answers(data) == {
        frozenset(("1499", "D012859")): ("Association", "Novel"),
        frozenset(("D008094", "1499")): ("Positive_Correlation", None),
        frozenset(("D008094", "D012859")): ("NOREL", None),
    }
    assert len(data) == len(generate_candidates(documents[0], [CHEMICAL_DISEASE, CHEMICAL_GENE, DISEASE_GENE]))
    assert data.labels.dtype == object and data.unreachable == 0


def test_gold_relations_no_candidate_covers_are_counted_unreachable():
    # a type pair the model does not consider, and a self-relation (never a pair of two entities)
    documents = parse(DOC_100.replace("\t1499\n", "\t1499\n100\tBind\t1499\t1499\n", 1))
    assert any(r.id1 == r.id2 for r in documents[0].relations)
    data = build_training_set(
        documents, Vocabulary(growing=True), [CHEMICAL_GENE], split_composites=True, negative_label="None"
    )
    assert _answers(data) == {frozenset(("D008094", "1499")): ("Positive_Correlation", None)}
    assert data.unreachable == 2  # Association (Disease|Gene) and the self-relation


def test_a_cap_on_pairs_leaves_the_dropped_relations_unreachable():
    documents = [parse_one(DOC_100)]
    full = build_training_set(
        documents, Vocabulary(growing=True), [CHEMICAL_GENE, DISEASE_GENE], split_composites=True, negative_label="None"
    )
    capped = build_training_set(
        documents,
        Vocabulary(growing=True),
        [CHEMICAL_GENE, DISEASE_GENE],
        split_composites=True,
        negative_label="None",
        max_pairs=1,
    )
    assert (len(full), full.unreachable) == (2, 0)
    assert (len(capped), capped.unreachable) == (1, 1)


def test_composites_name_their_parts_or_one_entity():
    # DOC_200's relations name the parts of the composite disease D014786|D006311
    documents = parse(DOC_200)
    split = build_training_set(
        documents, Vocabulary(growing=True), ["Chemical|Disease"], split_composites=True, negative_label="None"
    )
    assert set(split.labels) == {"CID"} and split.unreachable == 0
    whole = build_training_set(
        documents, Vocabulary(growing=True), ["Chemical|Disease"], split_composites=False, negative_label="None"
    )
    assert set(whole.labels) == {"None"} and whole.unreachable == 2


def test_groups_are_document_indices_and_the_vocabulary_grows():
    documents = parse(DOC_100 + "\n" + DOC_400)
    vocabulary = Vocabulary(growing=True)
    type_pairs = [CHEMICAL_GENE, DISEASE_GENE]
    data = build_training_set(documents, vocabulary, type_pairs, split_composites=True, negative_label="None")
    per_document = [len(generate_candidates(d, type_pairs)) for d in documents]
    assert data.groups.tolist() == np.repeat([0, 1], per_document).tolist()
    assert data.groups is not data.batch.pairs.doc  # a copy: the batch's pairs stay as they are
    assert {"name=lithium", "name=aspirin"} <= set(vocabulary.words)
    assert list(data.labels).count("Negative_Correlation") == 1  # DOC_400: Aspirin (D001241) - EGFR (1956)
