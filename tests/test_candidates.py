"""Tests of relclf.extract.candidates: entities, candidate pairs, learned type pairs and composites, recall."""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace

import numpy as np
import pytest

from conftest import DOC_300, NEEDS_TRAIN_DEV, parse_one
from relclf.document import Relation, gold_relation_index
from relclf.extract.candidates import (
    CandidateRecall,
    candidate_recall,
    closest_distances,
    closest_positions,
    composites_are_split,
    document_entities,
    generate_candidates,
    pair_indices,
    related_type_pairs,
    type_pair,
)

DOC_300_ENTITIES = [
    "3172", "3651", "6927", "3630", "D003920", "c|INS|5382|C", "672", "D002945", "2645", "10090", "D034381", "D014786",
]  # fmt: skip


def reversed_mentions(document):
    return replace(document, mentions=document.mentions[::-1])


# --- entities -----------------------------------------------------------------------------------


def test_type_pair_is_unordered():
    assert type_pair("Gene", "Chemical") == type_pair("Chemical", "Gene") == "Chemical|Gene"
    assert type_pair("Gene", "Gene") == "Gene|Gene"


def test_document_entities_group_mentions_by_identifier(doc_300):
    entities = document_entities(doc_300)
    assert [e.identifier for e in entities] == DOC_300_ENTITIES
    by_id = {e.identifier: e for e in entities}
    # the comma list "3172,3651,6927" (MODY) belongs to each of its IDs
    assert [m.text for m in by_id["3172"].mentions] == ["MODY", "HNF4A"]
    assert [m.text for m in by_id["3651"].mentions] == ["MODY"]
    assert [m.text for m in by_id["6927"].mentions] == ["MODY", "HNF1A"]
    assert [m.text for m in by_id["D003920"].mentions] == ["diabetes", "diabetes"]
    assert by_id["c|INS|5382|C"].entity_type == "Variant"
    assert by_id["D002945"].entity_type == "Chemical"
    assert by_id["10090"].entity_type == "Species"
    assert by_id["D034381"].mentions == by_id["D014786"].mentions  # the composite names both parts


def test_document_entities_keep_composites_whole_when_asked(doc_300):
    identifiers = [e.identifier for e in document_entities(doc_300, split_composites=False)]
    assert identifiers == [*DOC_300_ENTITIES[:-2], "D034381|D014786"]


def test_document_entity_type_is_the_most_frequent_canonical_type():
    document = parse_one(
        "8|t|Foo bar foo.\n"
        "8|a|Baz.\n"
        "8\t0\t3\tFoo\tChemicalEntity\t111\n"
        "8\t4\t7\tbar\tGene\t111\n"
        "8\t8\t11\tfoo\tGeneOrGeneProduct\t111\n"
        "8\t13\t16\tBaz\tChemical\t222\n"
    )
    types = {e.identifier: e.entity_type for e in document_entities(document)}
    assert types == {"111": "Gene", "222": "Chemical"}


def test_unnormalized_mentions_make_no_entity(doc_100, doc_200):
    assert [e.identifier for e in document_entities(doc_100)] == ["1499", "D012859", "D008094", "10090"]
    assert all(m.identifier not in (None, "", "-") for e in document_entities(doc_100) for m in e.mentions)
    # doc 200: the first Vincristine mention has no ID column at all
    entities = document_entities(doc_200)
    assert [e.identifier for e in entities] == ["D014786", "D006311", "D014750", "9606"]
    assert [m.start for m in entities[2].mentions] == [51]


# --- candidates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("split", [True, False])
def test_every_unordered_pair_of_distinct_ids_once(doc_300, split):
    entities = [e.identifier for e in document_entities(doc_300, split_composites=split)]
    candidates = generate_candidates(doc_300, split_composites=split)
    keys = [c.key for c in candidates]
    assert len(keys) == len(set(keys)) == len(entities) * (len(entities) - 1) // 2
    assert set(keys) == {frozenset(p) for p in itertools.combinations(entities, 2)}
    assert all(c.a.identifier != c.b.identifier for c in candidates)
    assert all(c.pmid == "300" for c in candidates)


def test_no_candidate_for_unnormalized_mentions(doc_100):
    candidates = generate_candidates(doc_100)
    assert len(candidates) == 6
    ids = {i for c in candidates for i in c.key}
    assert ids == {"1499", "D012859", "D008094", "10090"}
    assert not any("Tumors" in (m.text for m in c.a.mentions + c.b.mentions) for c in candidates)


def test_document_without_entities_has_no_candidates():
    document = parse_one("9|t|Nothing here.\n9|a|Really.\n9\t0\t7\tNothing\tGene\t-\n")
    assert generate_candidates(document) == []
    assert document_entities(document) == []


def test_type_pairs_filter_candidates(doc_300):
    candidates = generate_candidates(doc_300, ["Disease|Gene"])
    assert {c.type_pair for c in candidates} == {"Disease|Gene"}
    genes = {"3172", "3651", "6927", "3630", "672", "2645"}
    diseases = {"D003920", "D034381", "D014786"}
    assert {c.key for c in candidates} == {frozenset((g, d)) for g in genes for d in diseases}
    assert generate_candidates(doc_300, []) == []
    assert generate_candidates(doc_300, ["Chemical|Species"])[0].key == frozenset(("D002945", "10090"))


def test_pair_order_puts_the_alphabetically_smaller_type_first(doc_100, doc_300):
    for document in (doc_100, doc_300):
        for candidate in generate_candidates(document):
            assert candidate.a.entity_type <= candidate.b.entity_type
            assert candidate.type_pair == f"{candidate.a.entity_type}|{candidate.b.entity_type}"
    # doc 100 mentions the gene β-catenin before the chemical Lithium; the chemical still comes first
    (candidate,) = [c for c in generate_candidates(doc_100) if c.key == frozenset(("1499", "D008094"))]
    assert (candidate.a.identifier, candidate.b.identifier) == ("D008094", "1499")
    (candidate,) = [c for c in generate_candidates(doc_100) if c.key == frozenset(("1499", "10090"))]
    assert (candidate.a.identifier, candidate.b.identifier) == ("1499", "10090")  # Gene < Species


def test_pair_order_does_not_depend_on_mention_order_for_different_types(doc_100, doc_300):
    for document in (doc_100, doc_300):

        def roles(doc):
            return {
                c.key: (c.a.identifier, c.b.identifier)
                for c in generate_candidates(doc)
                if c.a.entity_type != c.b.entity_type
            }

        assert roles(document) == roles(reversed_mentions(document))
        assert len(roles(document)) > 3


def test_pair_order_for_the_same_type_follows_first_mention(doc_300):
    by_key = {c.key: c for c in generate_candidates(doc_300)}
    insulin_brca1 = by_key[frozenset(("3630", "672"))]  # insulin at 15, BRCA1 at 62
    assert (insulin_brca1.a.identifier, insulin_brca1.b.identifier) == ("3630", "672")
    gck_mody = by_key[frozenset(("2645", "3651"))]  # MODY (3651) at 0, GCK at 111
    assert (gck_mody.a.identifier, gck_mody.b.identifier) == ("3651", "2645")
    # MODY names 3172, 3651 and 6927 with one mention: the tie is broken by identifier
    tie = by_key[frozenset(("3651", "3172"))]
    assert (tie.a.identifier, tie.b.identifier) == ("3172", "3651")


def test_pair_order_for_the_same_type_does_not_depend_on_mention_line_order(doc_300):
    def roles(doc):
        return {c.key: (c.a.identifier, c.b.identifier) for c in generate_candidates(doc)}

    assert roles(doc_300) == roles(reversed_mentions(doc_300))


def test_generate_candidates_is_deterministic(doc_300):
    first = generate_candidates(doc_300)
    assert generate_candidates(doc_300) == first
    assert [(c.a.identifier, c.b.identifier) for c in generate_candidates(parse_one(DOC_300))] == [
        (c.a.identifier, c.b.identifier) for c in first
    ]


def test_max_pairs_keeps_the_pairs_whose_mentions_are_closest(doc_400, caplog):
    everything = generate_candidates(doc_400)
    with caplog.at_level(logging.WARNING, logger="relclf"):
        capped = generate_candidates(doc_400, max_pairs=3)
    # closest mentions: Aspirin@28-cancer@20 and TP53@12-cancer@20 (8 characters), TP53@45-EGFR@54 (9)
    assert {c.key for c in capped} == {
        frozenset(("D001241", "D009369")),
        frozenset(("7157", "D009369")),
        frozenset(("7157", "1956")),
    }
    assert [c.key for c in capped] == [c.key for c in everything if c.key in {k.key for k in capped}]  # order kept
    warnings = [r.getMessage() for r in caplog.records]
    assert (
        len(warnings) == 1
        and "document 400 has 10 candidate pairs; kept the 3 whose mentions are closest" in warnings[0]
    )
    # a tie (8 characters) is broken by pair order: Aspirin-cancer comes before TP53-cancer
    assert [c.key for c in generate_candidates(doc_400, max_pairs=1)] == [frozenset(("D001241", "D009369"))]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="relclf"):
        assert generate_candidates(doc_400, max_pairs=10) == everything
    assert caplog.records == []  # nothing dropped, nothing said
    assert generate_candidates(doc_400, max_pairs=0) == []


@pytest.mark.parametrize("seed", range(12))
def test_the_capped_pairs_are_the_closest_by_the_plain_rule(seed, monkeypatch, caplog):
    from relclf.extract import candidates

    monkeypatch.setattr(candidates, "_BLOCK", 5)  # many blocks: the best pairs must survive from block to block
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 30))
    kinds = [["Gene", "Disease", "Chemical"][k] for k in rng.integers(0, 3, size=n)]
    offsets = [sorted({int(v) for v in rng.integers(0, 80, size=rng.integers(1, 5))}) for _ in range(n)]
    first = np.array([o[0] for o in offsets])
    allowed = ["Disease|Gene", "Chemical|Disease", "Gene|Gene"]
    max_pairs = int(rng.integers(0, n * (n - 1) // 2))
    with caplog.at_level(logging.WARNING, logger="relclf"):
        a, b = pair_indices(
            np.zeros(n, dtype=np.int64),
            kinds,
            first,
            [f"E{k}" for k in range(n)],
            allowed,
            max_pairs=max_pairs,
            starts=lambda e: offsets[e],
        )
    # the plain rule: every allowed pair in combinations order, the max_pairs nearest (ties: the earlier pair)
    every = [(x, y) for x, y in itertools.combinations(range(n), 2) if type_pair(kinds[x], kinds[y]) in allowed]
    gap = {(x, y): min(abs(u - v) for u in offsets[x] for v in offsets[y]) for x, y in every}
    chosen = sorted(sorted(range(len(every)), key=lambda k: (gap[every[k]], k))[:max_pairs])
    assert list(map(frozenset, zip(a.tolist(), b.tolist(), strict=True))) == [frozenset(every[k]) for k in chosen]
    assert [r.getMessage() for r in caplog.records] == (
        [f"document 0 has {len(every):,} candidate pairs; kept the {max_pairs:,} whose mentions are closest"]
        if len(every) > max_pairs
        else []
    )


def test_a_cap_needs_the_mention_offsets_to_choose_by():
    entity_doc, kinds, first = np.zeros(3, dtype=np.int64), ["Gene", "Gene", "Disease"], np.array([0, 5, 9])
    a, b = pair_indices(entity_doc, kinds, first, ["1", "2", "D1"], max_pairs=1, starts=lambda e: [int(first[e])])
    assert len(a) == len(b) == 1
    with pytest.raises(ValueError, match="max_pairs needs starts"):
        pair_indices(entity_doc, kinds, first, ["1", "2", "D1"], max_pairs=1)


@pytest.mark.parametrize("seed", range(20))
def test_closest_positions_and_distances_agree_with_trying_every_pair(seed):
    rng = np.random.default_rng(seed)
    span = 60  # small, so that distances tie often
    runs = [np.unique(rng.integers(0, span, size=rng.integers(1, 12))) for _ in range(6)]  # owner k's sorted values
    values = np.concatenate(runs)
    keys = np.concatenate([k * span + run for k, run in enumerate(runs)])
    start = np.r_[0, np.cumsum([len(r) for r in runs])[:-1]]
    # whole runs and slices of runs (as a sentence's mentions are a slice of an entity's)
    ranges = [(int(start[k]), len(runs[k])) for k in range(6)] + [
        (int(start[k]) + 1, len(runs[k]) - 1) for k in range(6)
    ]
    ranges = [(s, n) for s, n in ranges if n > 0]
    a, b = zip(*[(x, y) for x in ranges for y in ranges], strict=True)
    a_start, a_len = (np.array(v) for v in zip(*a, strict=True))
    b_start, b_len = (np.array(v) for v in zip(*b, strict=True))
    p, q = closest_positions(values, keys, a_start, a_len, b_start, b_len)
    distances = closest_distances(values, keys, a_start, a_len, b_start, b_len)
    for k in range(len(a)):
        xs, ys = values[a_start[k] : a_start[k] + a_len[k]], values[b_start[k] : b_start[k] + b_len[k]]
        _, x, y = min((abs(int(x) - int(y)), int(x), int(y)) for x in xs for y in ys)
        assert (values[p[k]], values[q[k]]) == (x, y) and distances[k] == abs(x - y)
        assert a_start[k] <= p[k] < a_start[k] + a_len[k] and b_start[k] <= q[k] < b_start[k] + b_len[k]


def test_closest_positions_of_long_runs_stay_small():
    import tracemalloc

    n = 200_000  # two runs of n: all pairs would be 4 * 10^10
    values = np.concatenate([np.arange(0, 2 * n, 2), np.arange(1, 2 * n, 2) + 10**7])
    keys = np.concatenate([values[:n], values[n:] + 10**8])
    tracemalloc.start()
    try:
        p, q = closest_positions(values, keys, np.array([0]), np.array([n]), np.array([n]), np.array([n]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (values[p[0]], values[q[0]]) == (2 * n - 2, 10**7 + 1)
    assert peak < 30 * n * 8  # linear: about 13 words per value (n * n would be 320 GB)


# --- learning type pairs and composite handling -------------------------------------------------


def test_related_type_pairs_learns_from_gold(doc_100, doc_300):
    assert related_type_pairs([doc_300], split_composites=False) == ["Chemical|Disease", "Disease|Gene", "Gene|Variant"]
    # split: the relation names the composite as a whole, which is then no entity
    assert related_type_pairs([doc_300], split_composites=True) == ["Disease|Gene", "Gene|Variant"]
    assert related_type_pairs([doc_100]) == ["Chemical|Gene", "Disease|Gene"]
    assert related_type_pairs([]) == []


def test_related_type_pairs_ignores_self_relations():
    document = parse_one(
        "8|t|Aspirin and aspirin.\n"
        "8|a|Done.\n"
        "8\t0\t7\tAspirin\tChemical\tD001241\n"
        "8\t12\t19\taspirin\tChemical\tD001241\n"
        "8\tComparison\tD001241\tD001241\n"
    )
    assert related_type_pairs([document]) == []


def test_composites_are_split(doc_100, doc_200, doc_300):
    assert composites_are_split([doc_300]) is False  # BioRED: the relation names the whole composite
    assert composites_are_split([doc_200]) is True  # BC5CDR: relations name the parts
    assert composites_are_split([doc_100]) is True  # no composites at all
    assert composites_are_split([]) is True
    assert composites_are_split(iter([doc_100, doc_300])) is False  # any iterable


# --- recall -------------------------------------------------------------------------------------


def test_gold_relation_index_is_unordered_and_first_line_wins():
    document = parse_one(
        DOC_300 + "300\tBind\tD003920\t3172\tNo\n"  # the same pair as the first relation, reversed
    )
    index = gold_relation_index(document)
    assert len(index) == 3
    assert index[frozenset(("3172", "D003920"))] == ("Association", "Novel")


def test_candidate_recall_counts_covered_and_self_relations(doc_300):
    document = parse_one(
        DOC_300
        + "300\tBind\tD003920\t3172\tNo\n"  # duplicate pair: counts once
        + "300\tAssociation\t672\t672\n"  # self relation
    )
    whole = candidate_recall([document], None, split_composites=False)
    assert whole == CandidateRecall(gold=4, covered=3, self_relations=1)
    assert whole.recall == 1.0
    split = candidate_recall([document], None, split_composites=True)  # the composite is no entity
    assert split == CandidateRecall(gold=4, covered=2, self_relations=1)
    assert split.recall == pytest.approx(2 / 3)
    filtered = candidate_recall([document], ["Disease|Gene"], split_composites=False)
    assert (filtered.covered, filtered.recall) == (1, pytest.approx(1 / 3))


def test_candidate_recall_with_nothing_to_cover(doc_200):
    assert CandidateRecall(0, 0, 0).recall == 1.0
    assert CandidateRecall(2, 0, 2).recall == 1.0
    no_gold = doc_200.with_relations([])
    assert candidate_recall([no_gold], None).recall == 1.0
    assert candidate_recall([doc_200], None, split_composites=True).recall == 1.0  # BC5CDR parts
    assert candidate_recall([doc_200], None, split_composites=False).recall == 0.0


def test_candidate_recall_relation_with_unknown_type_pair_is_missed(doc_100):
    document = doc_100.with_relations([Relation("Association", "1499", "10090")])
    assert candidate_recall([document], ["Chemical|Gene"]).covered == 0
    assert candidate_recall([document], ["Gene|Species"]).covered == 1


# --- the real corpus ----------------------------------------------------------------------------


@NEEDS_TRAIN_DEV
def test_biored_candidates_cover_every_relation_between_distinct_ids(biored_train, biored_dev):
    split = composites_are_split(biored_train)
    assert split is False  # BioRED names composites as a whole
    pairs = related_type_pairs(biored_train, split_composites=split)
    assert "Chemical|Disease" in pairs and "Disease|Gene" in pairs
    train = candidate_recall(biored_train, pairs, split_composites=split)
    dev = candidate_recall(biored_dev, pairs, split_composites=split)
    assert train.recall == 1.0
    assert dev.recall == 1.0
    assert train.covered == train.gold - train.self_relations > 4000
    assert dev.covered == dev.gold - dev.self_relations > 1000
