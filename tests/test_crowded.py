"""Crowded documents: memory of prediction grows with a document's mentions, not with their pairs.

Two documents that used to blow up, predicted with the bundled model and the pair cap the API uses
(:data:`relclf.api.DEFAULT_MAX_PAIRS_PER_DOC`): 20,000 mentions of one entity pair (all in one
sentence, or each entity in sentences of its own, so the closest mentions are looked for over the whole
document), which took 6.4 GB when every pair of mentions was tried; and 3,000 distinct entities (4.2
million allowed pairs, capped). Peak memory (tracemalloc) is asserted, not time (docs/scale.md has the
figures). Built in memory: no corpus needed.
"""

from __future__ import annotations

import logging
import math
import tracemalloc
from collections import Counter

import pytest

from relclf.api import DEFAULT_MAX_PAIRS_PER_DOC, resolve_model
from relclf.document import Document, Mention, canonical_type, document_entities
from relclf.extract.candidates import type_pair

BUDGET = 300 * 2**20  # bytes of peak memory (tracemalloc) for one crowded document's prediction
LITHIUM, MANIA = ("lithium", "Chemical", "D008094"), ("mania", "Disease", "D001714")


def written(pmid: str, title: str, tokens: list[str | tuple[str, str, str]]) -> Document:
    """A document whose abstract is ``tokens`` joined by spaces; a token (text, type, ID) is a mention."""
    words, mentions, position = [], [], len(title) + 1
    for token in tokens:
        text = token if isinstance(token, str) else token[0]
        if not isinstance(token, str):
            mentions.append(Mention(position, position + len(text), text, token[1], token[2]))
        words.append(text)
        position += len(text) + 1
    return Document(pmid, title, " ".join(words), tuple(mentions))


def one_pair(layout: str, n: int = 20_000) -> Document:
    """``n`` mentions of lithium and mania: alternating in one long sentence (no full stop until the end), or
    lithium in the first ``n / 2`` sentences and mania in the next ``n / 2`` (they share none)."""
    if layout == "one sentence":
        tokens = [token for _ in range(n // 2) for token in (LITHIUM, "and", MANIA, "with")] + ["."]
    else:
        tokens = [token for _ in range(n // 2) for token in (LITHIUM, "was", "given.")]
        tokens += [token for _ in range(n // 2) for token in ("Then", MANIA, "followed.")]
    return written("990000001", "Lithium and mania in a crowded document.", tokens)


def many_entities(n: int = 3000) -> Document:
    """``n`` distinct entities of four types, each mentioned in two sentences of its own."""
    kinds = ("Chemical", "Disease", "GeneOrGeneProduct", "SequenceVariant")
    names = [(f"entity{k}x", kinds[k % 4], f"ID:{k}") for k in range(n)]
    tokens = [token for name in names for token in ("We", "measured", name, "here.")]
    tokens += [token for name in names for token in ("Then", name, "rose.")]
    return written("990000002", f"A document naming {n} entities.", tokens)


@pytest.fixture(scope="module")
def model():
    return resolve_model(None).with_pair_cap(DEFAULT_MAX_PAIRS_PER_DOC)


def predicted_with_peak(model, document: Document) -> tuple[tuple, int]:
    """Every candidate pair of ``document`` with its score (``floor=0``), and the peak memory it took."""
    tracemalloc.start()
    try:
        [scored] = list(model.predict_documents([document], floor=0.0))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return scored.relations, peak


@pytest.mark.parametrize("layout", ["one sentence", "apart"])
def test_twenty_thousand_mentions_of_one_pair_predict_within_the_budget(model, layout):
    document = one_pair(layout)
    assert len(document.mentions) == 20_000
    relations, peak = predicted_with_peak(model, document)
    assert peak < BUDGET, f"{peak / 2**20:.0f} MB"
    assert [(r.id1, r.id2) for r in relations] == [("D008094", "D001714")]  # the one pair, scored
    assert relations[0].label in model.labels and 0 < relations[0].score < 1 and math.isfinite(relations[0].related)
    # the same document, short, scores the same way: a crowded pair is not an error case
    assert model.predict([one_pair(layout, 20)])[0][0].label in model.labels


def test_three_thousand_entities_keep_the_capped_pairs_within_the_budget(model, caplog):
    document = many_entities()
    kinds = Counter(canonical_type(e.entity_type) for e in document_entities(document))
    allowed = set(model.allowed_type_pairs)
    possible = sum(
        kinds[s] * (kinds[s] - 1) // 2 if s == t else kinds[s] * kinds[t]
        for s in kinds
        for t in kinds
        if s <= t and type_pair(s, t) in allowed
    )
    assert possible > 4_000_000
    with caplog.at_level(logging.WARNING, logger="relclf"):
        relations, peak = predicted_with_peak(model, document)
    assert peak < BUDGET, f"{peak / 2**20:.0f} MB"
    assert [r.getMessage() for r in caplog.records] == [
        f"document 990000002 has {possible:,} candidate pairs; kept the {DEFAULT_MAX_PAIRS_PER_DOC:,} whose mentions"
        " are closest"
    ]
    assert len(relations) == DEFAULT_MAX_PAIRS_PER_DOC  # every kept pair scored, none beyond the cap
    assert len({frozenset((r.id1, r.id2)) for r in relations}) == DEFAULT_MAX_PAIRS_PER_DOC
    assert all(0 <= r.score <= 1 for r in relations)
    # the kept pairs are near ones: their closest mentions are a few short sentences apart, not thousands
    starts = {e.identifier: sorted(m.start for m in e.mentions) for e in document_entities(document)}
    gaps = [min(abs(x - y) for x in starts[r.id1] for y in starts[r.id2]) for r in relations]
    assert max(gaps) < 200, max(gaps)
