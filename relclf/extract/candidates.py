"""Entity-pair candidates: every unordered pair of distinct normalized IDs whose type pair is related.

Which type pairs are related, and whether ``|``/``;``-joined composite IDs name one entity or
several, is learned from the training documents (:func:`related_type_pairs`,
:func:`composites_are_split`) and stored in the model.
"""

from __future__ import annotations

import bisect
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..document import (
    Document,
    Entity,
    document_entities,
    gold_relation_index,
    identifier_parts,
    is_composite,
)

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MAX_PAIRS_PER_DOC",
    "Candidate",
    "CandidateRecall",
    "candidate_indices",
    "expand_ranges",
    "candidate_recall",
    "pair_indices",
    "closest_pair",
    "closest_distances",
    "closest_positions",
    "composites_are_split",
    "generate_candidates",
    "related_type_pairs",
    "type_pair",
]

# Cap on the candidate pairs of one document, by default in training and prediction: 9 times the most
# pairs of any abstract of BioRED Train/Dev or the 900 BC8 abstracts (1,118), so real abstracts are
# never capped, while a pathological document costs at most ~0.2 GB and a few seconds instead of
# growing without bound (see generate_candidates).
DEFAULT_MAX_PAIRS_PER_DOC = 10_000


@dataclass(frozen=True, slots=True)
class Candidate:
    """An unordered entity pair of one document, stored in a fixed order.

    ``a`` sorts before ``b`` by canonical type; entities of the same type are ordered by first mention,
    then identifier, so the same pair always gets the same roles.
    """

    pmid: str
    a: Entity
    b: Entity

    @property
    def type_pair(self) -> str:
        """The canonical type pair, e.g. ``"Chemical|Disease"``."""
        return type_pair(self.a.entity_type, self.b.entity_type)

    @property
    def key(self) -> frozenset[str]:
        """The unordered identifier pair, as used for matching gold relations."""
        return frozenset((self.a.identifier, self.b.identifier))


def type_pair(type1: str, type2: str) -> str:
    """Return the unordered type pair as one string, e.g. ``type_pair("Gene", "Chemical") == "Chemical|Gene"``."""
    return "|".join(sorted((type1, type2)))


def pair_indices(
    entity_doc: np.ndarray,
    kinds: Sequence[str],
    first_start: np.ndarray,
    identifiers: Sequence[str],
    type_pairs: Iterable[str] | None = None,
    *,
    max_pairs: int | None = None,
    starts: Callable[[int], list[int]] | None = None,
    pmids: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of a batch's entities as two arrays of entity indices ``(a, b)``.

    Entities are grouped by document, in document order (``entity_doc`` is non-decreasing), each
    with its canonical type (``kinds``), the offset of its first mention and its identifier. Every two
    entities of one document whose type pair is allowed make a pair, in ``itertools.combinations``
    order; ``a`` is the one whose (type, first mention, identifier) sorts first.

    A document with more than ``max_pairs`` possible pairs keeps the ``max_pairs`` allowed ones whose
    mentions are closest (``starts(entity)`` gives an entity's sorted mention offsets), found with a
    bounded heap so that memory stays ~``max_pairs``, and says so in one warning naming ``pmids[doc]``.
    """
    if max_pairs is not None and starts is None:
        raise ValueError("max_pairs needs starts, the mention offsets of each entity")
    n = len(entity_doc)
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    names = sorted(set(kinds))
    kind = np.array([names.index(k) for k in kinds], dtype=np.int64)
    ident = np.array(identifiers)
    order = np.lexsort((ident, first_start, kind, entity_doc))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    allowed = None
    if type_pairs is not None:
        wanted = frozenset(type_pairs)
        allowed = np.array([[type_pair(s, t) in wanted for t in names] for s in names], dtype=bool)
    doc_end = np.searchsorted(entity_doc, entity_doc, side="right")
    size = np.bincount(entity_doc)[entity_doc]  # entities in each entity's document
    big = np.zeros(n, dtype=bool) if max_pairs is None else size * (size - 1) // 2 > max_pairs
    small = np.flatnonzero(~big)
    owner, j = expand_ranges(small + 1, doc_end[small] - small - 1)
    i = small[owner]
    if allowed is not None:
        keep = allowed[kind[i], kind[j]]
        i, j = i[keep], j[keep]
    for doc in np.unique(entity_doc[big]).tolist():  # rare: the pathological documents
        assert max_pairs is not None and starts is not None  # only a cap makes a document big; checked above
        members = np.flatnonzero(entity_doc == doc)
        pmid = pmids[doc] if doc < len(pmids) else str(doc)
        ci, cj = _capped(members, kind, allowed, rank, starts, max_pairs, pmid)
        i, j = np.concatenate([i, ci]), np.concatenate([j, cj])
    by_doc = np.argsort(entity_doc[i], kind="stable")
    i, j = i[by_doc], j[by_doc]
    first = rank[i] <= rank[j]
    return np.where(first, i, j), np.where(first, j, i)


def expand_ranges(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ranges ``starts[k] .. starts[k] + lengths[k] - 1``: each element's range and value, all ranges in order."""
    owner = np.repeat(np.arange(len(starts)), lengths)
    begin = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=begin[1:])
    return owner, np.asarray(starts)[owner] + np.arange(len(owner)) - begin[owner]


def closest_positions(
    values: np.ndarray,
    keys: np.ndarray,
    a_start: np.ndarray,
    a_len: np.ndarray,
    b_start: np.ndarray,
    b_len: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """For each k, the positions ``p`` in run ``a_start[k] : a_start[k] + a_len[k]`` of ``values`` and ``q`` in run
    ``b_start[k] : b_start[k] + b_len[k]`` whose values are closest (ties: the smaller ``values[p]``, then the
    smaller ``values[q]``). Every run is non-empty.

    ``keys`` is sorted, and within a run the values ascend, are distinct, and ``keys - values`` is constant (a run
    is a slice of one owner's values keyed ``owner * span + value``). Each value of the shorter run is looked up in
    the longer one: the closest pair is among each value's nearest neighbours on either side there, so the work
    and memory grow with the shorter run, not with the product of both lengths.
    """
    if len(a_start) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    found = _Neighbours(values, keys, a_start, a_len, b_start, b_len)
    owner = np.concatenate([found.owner, found.owner])
    x, y = np.concatenate([found.x, found.x]), np.concatenate([found.after - 1, found.after])
    valid = np.concatenate([found.below, found.above])
    owner, x, y = owner[valid], x[valid], y[valid]
    p, q = np.where(found.swap[owner], y, x), np.where(found.swap[owner], x, y)
    order = np.lexsort((values[q], values[p], np.abs(values[p] - values[q]), owner))
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    return p[first], q[first]


def closest_distances(
    values: np.ndarray,
    keys: np.ndarray,
    a_start: np.ndarray,
    a_len: np.ndarray,
    b_start: np.ndarray,
    b_len: np.ndarray,
) -> np.ndarray:
    """For each k, the smallest ``|values[p] - values[q]|`` of :func:`closest_positions` (the same runs), found
    with less work: no tie to break."""
    if len(a_start) == 0:
        return np.zeros(0, dtype=np.int64)
    found = _Neighbours(values, keys, a_start, a_len, b_start, b_len)
    x_value = values[found.x]
    far = np.iinfo(np.int64).max
    below = np.where(found.below, x_value - values[np.maximum(found.after - 1, 0)], far)
    above = np.where(found.above, values[np.minimum(found.after, len(values) - 1)] - x_value, far)
    runs = np.zeros(len(a_start), dtype=np.int64)  # each k's first looked-up value (every run is non-empty)
    np.cumsum(np.minimum(a_len, b_len)[:-1], out=runs[1:])
    return np.minimum.reduceat(np.minimum(below, above), runs)


class _Neighbours:
    """For each value of the shorter of runs a[k] and b[k] (x, of ``owner`` k), where the longer run (y) has its
    first value at or after it (``after``), and whether y has a value below it / at or above it."""

    def __init__(
        self,
        values: np.ndarray,
        keys: np.ndarray,
        a_start: np.ndarray,
        a_len: np.ndarray,
        b_start: np.ndarray,
        b_len: np.ndarray,
    ) -> None:
        self.swap = a_len > b_len  # x is b's run
        x_start, x_len = np.where(self.swap, b_start, a_start), np.where(self.swap, b_len, a_len)
        y_start, y_len = np.where(self.swap, a_start, b_start), np.where(self.swap, a_len, b_len)
        self.owner, self.x = expand_ranges(x_start, x_len)
        y_lo, y_hi = y_start[self.owner], y_start[self.owner] + y_len[self.owner]
        target = keys[y_lo] - values[y_lo] + values[self.x]  # x's value as a key of y's run
        self.after = np.clip(np.searchsorted(keys, target), y_lo, y_hi)
        self.below, self.above = self.after > y_lo, self.after < y_hi


_BLOCK = 1 << 18  # pairs of a capped document scored at once: bounds the memory, not the result


def _capped(
    members: np.ndarray,
    kind: np.ndarray,
    allowed: np.ndarray | None,
    rank: np.ndarray,
    starts: Callable[[int], list[int]],
    max_pairs: int,
    pmid: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``max_pairs`` allowed pairs of one document's entities whose mentions are closest (ties: the earlier
    pair in ``itertools.combinations`` order of ``members``), in that order.

    The pairs are scored with numpy a block of rows at a time, and the best ``max_pairs`` so far kept
    between blocks, so memory stays ~``max_pairs`` plus one block of :data:`_BLOCK` pairs.
    """
    n = len(members)
    offsets = [starts(e) for e in members.tolist()]
    length = np.array([len(o) for o in offsets], dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    np.cumsum(length[:-1], out=first[1:])
    values = np.fromiter(itertools.chain.from_iterable(offsets), dtype=np.int64, count=int(length.sum()))
    keys = np.repeat(np.arange(n), length) * (int(values.max(initial=0)) + 1) + values  # entity-major, sorted
    member_kind = kind[members]
    gap = x = y = np.zeros(0, dtype=np.int64)
    total = 0
    for lo, hi in _row_blocks(n, _BLOCK):
        rows = np.arange(lo, hi)
        owner, block_y = expand_ranges(rows + 1, n - 1 - rows)  # (x, y) in combinations order
        block_x = rows[owner]
        if allowed is not None:
            ok = allowed[member_kind[block_x], member_kind[block_y]]
            block_x, block_y = block_x[ok], block_y[ok]
        total += len(block_x)
        block_gap = closest_distances(values, keys, first[block_x], length[block_x], first[block_y], length[block_y])
        if len(gap) == max_pairs:  # full: a later pair must be nearer than the farthest kept (ties keep the earlier)
            near = block_gap < gap.max(initial=0)
            block_gap, block_x, block_y = block_gap[near], block_x[near], block_y[near]
        gap, x, y = (np.concatenate(v) for v in ((gap, block_gap), (x, block_x), (y, block_y)))
        best = np.lexsort((y, x, gap))[:max_pairs]
        gap, x, y = gap[best], x[best], y[best]
    if total > max_pairs:
        log.warning(
            "document %s has %s candidate pairs; kept the %s whose mentions are closest",
            pmid,
            f"{total:,}",
            f"{max_pairs:,}",
        )
    order = np.lexsort((y, x))
    return members[x[order]], members[y[order]]


def _row_blocks(n: int, size: int) -> Iterator[tuple[int, int]]:
    """Consecutive rows ``lo:hi`` of the pairs of ``n`` items (row x: the pairs (x, y > x)), about ``size`` pairs
    per block and at least one row."""
    per_row = n - 1 - np.arange(n)
    before = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_row, out=before[1:])  # pairs in the rows before each row
    lo = 0
    while lo < n - 1:
        hi = max(lo + 1, int(np.searchsorted(before, before[lo] + size, side="right")) - 1)
        yield lo, min(hi, n - 1)
        lo = hi


def candidate_indices(
    entities: Sequence[Entity], type_pairs: Iterable[str] | None = None, *, max_pairs: int | None = None, pmid: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs among one document's ``entities``, as entity indices ``(a, b)`` (:func:`pair_indices`)."""
    return pair_indices(
        np.zeros(len(entities), dtype=np.int64),
        [e.entity_type for e in entities],
        np.array([min(m.start for m in e.mentions) for e in entities], dtype=np.int64),
        [e.identifier for e in entities],
        type_pairs,
        max_pairs=max_pairs,
        starts=lambda k: sorted({m.start for m in entities[k].mentions}),
        pmids=[pmid],
    )


def generate_candidates(
    document: Document,
    type_pairs: Iterable[str] | None = None,
    *,
    split_composites: bool = True,
    max_pairs: int | None = None,
) -> list[Candidate]:
    """List the candidate pairs of one document.

    Parameters
    ----------
    document : Document
    type_pairs : iterable of str, optional
        Allowed canonical type pairs (see :func:`type_pair`); None allows all.
    split_composites : bool
        See :func:`relclf.document.document_entities`.
    max_pairs : int, optional
        Keep at most this many candidates, so that a document with thousands of entities cannot
        exhaust memory: the pairs whose closest mentions are nearest in the text (ties: earlier
        pairs first), which are also the cheapest to featurize. One warning naming the document is
        logged when pairs are dropped. Memory stays proportional to ``max_pairs`` (plus a block of pairs
        scored at once); time still grows with the number of pairs considered, scored with numpy
        (about 0.4 s per million on a 2-core VM).

    Returns
    -------
    list of Candidate
        In the order of the entities' first mentions; ``a`` is the entity whose (type, first mention,
        identifier) sorts first.
    """
    entities = document_entities(document, split_composites=split_composites)
    a, b = candidate_indices(entities, type_pairs, max_pairs=max_pairs, pmid=document.pmid)
    return [Candidate(document.pmid, entities[x], entities[y]) for x, y in zip(a.tolist(), b.tolist(), strict=True)]


def closest_pair(xs: Sequence[int], ys: Sequence[int]) -> tuple[int, int]:
    """The pair ``(x, y)`` with the smallest ``|x - y|``, from two non-empty sorted lists (first found wins ties).

    >>> closest_pair([3, 40], [10, 38])
    (40, 38)
    """
    best = (abs(xs[0] - ys[0]), xs[0], ys[0])
    for x in xs:
        k = bisect.bisect_left(ys, x)
        for y in ys[max(k - 1, 0) : k + 1]:
            if abs(x - y) < best[0]:
                best = (abs(x - y), x, y)
    return best[1], best[2]


def related_type_pairs(documents: Iterable[Document], *, split_composites: bool = True) -> list[str]:
    """Return the canonical type pairs that the gold relations of ``documents`` connect, sorted."""
    pairs: set[str] = set()
    for document in documents:
        types = {e.identifier: e.entity_type for e in document_entities(document, split_composites=split_composites)}
        for relation in document.relations:
            if relation.id1 in types and relation.id2 in types and relation.id1 != relation.id2:
                pairs.add(type_pair(types[relation.id1], types[relation.id2]))
    return sorted(pairs)


def composites_are_split(documents: Iterable[Document]) -> bool:
    """Decide from gold relations whether composite IDs name their parts (True) or one entity (False).

    Counts relation IDs equal to a whole composite ID against relation IDs equal to one of a
    composite's parts; ties (including no composites at all) split.
    """
    whole = parts = 0
    for document in documents:
        composites = {
            piece.strip()
            for m in document.mentions
            if is_composite(m.identifier)
            for piece in (m.identifier or "").split(",")
        }
        if not composites:
            continue
        part_ids = {p for c in composites for p in identifier_parts(c)}
        for relation in document.relations:
            for identifier in (relation.id1, relation.id2):
                whole += identifier in composites
                parts += identifier in part_ids
    return whole <= parts


@dataclass(frozen=True, slots=True)
class CandidateRecall:
    """How many gold relations the candidates cover; self-relations (ID1 == ID2) are counted apart."""

    gold: int
    covered: int
    self_relations: int

    @property
    def recall(self) -> float:
        """Covered / (gold - self-relations), 1.0 when there is nothing to cover."""
        reachable = self.gold - self.self_relations
        return self.covered / reachable if reachable else 1.0


def candidate_recall(
    documents: Iterable[Document],
    type_pairs: Sequence[str] | None,
    *,
    split_composites: bool = True,
) -> CandidateRecall:
    """Measure the share of distinct gold relations (per document, unordered) that are candidates."""
    gold = covered = self_relations = 0
    for document in documents:
        keys = {c.key for c in generate_candidates(document, type_pairs, split_composites=split_composites)}
        for pair in gold_relation_index(document):
            gold += 1
            if len(pair) == 1:
                self_relations += 1
            elif pair in keys:
                covered += 1
    return CandidateRecall(gold, covered, self_relations)
