"""Features of candidate pairs as integer arrays: context text as word ids, and document-level signals.

:func:`featurize` reads a batch of documents (:func:`relclf.extract.text.encode`: one regular-expression
pass and one dictionary lookup per token), finds each document's candidate pairs, and computes what
every pair looks like with numpy operations over the whole batch; no string is built per pair.
:class:`relclf.extract.vectorizer.PairVectorizer` then turns the :class:`FeatureBatch` into a sparse matrix.

The groups of features (named as in :data:`relclf.extract.blocks.FEATURE_GROUPS`, so that ablations stay
comparable; :data:`relclf.extract.blocks.BLOCKS` says how each becomes columns of the pair matrix):

- ``between`` (and ``between_typed``, crossed with the type pair): in each sentence the pair shares,
  the words between its closest mentions, the pair's own mentions read ``@A@``/``@B@`` (``@AB@`` for
  a mention of both), other mentions ``@Type@``; a stretch longer than 24 words keeps its first and
  last 12 around ``…``; ``|`` ends each sentence's stretch. Word 1- to 3-grams;
- ``sentence``: the sentences the pair shares (word 1- and 2-grams, summed, mentions as ``@Type@``);
- ``far``: for a pair that never shares a sentence, the sentences of its closest mentions;
- ``window``: the 3 words on each side of each mention of either entity (``window_a``, ``window_b``);
- ``entity``: each entity's identifier and names (``entity_a``, ``entity_b``);
- ``document``: the document's words, crossed with the type pair;
- ``cues``: the kinds of direction cue near the pair (:data:`relclf.extract.text.CUES`), negation and
  the cues near each entity, as one pattern crossed with the type pair, plus the share of shared
  sentences with each kind;
- ``dense``: document-level signals (:data:`CATEGORICAL`, :data:`NUMERIC`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..document import Document, canonical_type, mention_groups
from .candidates import expand_ranges, pair_indices, type_pair
from .text import CUE_KINDS, CUE_SHIFT, NEGATION, SPECIAL_WORDS, Vocabulary, encode_batch

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "FeatureBatch",
    "Pairs",
    "Ragged",
    "cue_name",
    "featurize",
    "signal_name",
]

# Document-level signals of a pair, in the order of FeatureBatch.categorical / .numeric.
CATEGORICAL: tuple[str, ...] = (
    "tp",
    "tp&cooc",
    "tp&dist",
    "dist",
    "tp&title",
    "first_shared",
    "rank_a",
    "rank_b",
    "tp&ranks",
)
NUMERIC: tuple[str, ...] = (
    "n_a",
    "n_b",
    "n_shared",
    "shared_frac",
    "title_a",
    "title_b",
    "title_both",
    "last_shared",
    "partners_a",
    "partners_b",
    "a_first",
    "negated",
    "n_entities",
    "n_sentences",
)
#: bucket edges of the sentence distance, the relative place of the first shared sentence, and ranks
DIST_EDGES = (0, 1, 2, 4, 8)
FIRST_EDGES = (0.0, 0.25, 0.5, 0.75, 1.0)
RANK_EDGES = (1, 2, 3, 5)
_MAX_BETWEEN = 24  # longer gaps keep their first and last halves; the middle says little
_HALF = _MAX_BETWEEN // 2
_WINDOW = 3


@dataclass(frozen=True)
class Ragged:
    """Integer sequences: sequence ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    values: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def rows(self) -> np.ndarray:
        """The sequence each value belongs to."""
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))


def _ragged(values: np.ndarray, lengths: np.ndarray) -> Ragged:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Ragged(values.astype(np.int64, copy=False), offsets)


@dataclass(frozen=True)
class Pairs:
    """The candidate pairs of a batch, in document order: document, the two entities (roles a, b), type pair.

    ``doc`` indexes the batch's documents, ``a``/``b`` its entities (``identifiers[a]`` is an entity's
    ID), ``type_pair`` the model's type pairs.
    """

    doc: np.ndarray
    a: np.ndarray
    b: np.ndarray
    type_pair: np.ndarray
    identifiers: list[str]

    def __len__(self) -> int:
        return len(self.doc)


@dataclass(frozen=True)
class FeatureBatch:
    """What each candidate pair of a batch looks like (see the module docstring), as integer arrays.

    ``between`` holds one word-id sequence per pair; ``sentences`` one per sentence of the batch, and
    ``shared``/``far`` the (pair, sentence) links; ``windows`` (codes ``2 * word + side``) and ``names``
    one per entity; ``documents`` one per document; ``cue_pattern``/``cue_shares`` and
    ``categorical``/``numeric`` one row per pair.
    """

    pairs: Pairs
    between: Ragged
    sentences: Ragged
    shared: tuple[np.ndarray, np.ndarray]
    far: tuple[np.ndarray, np.ndarray]
    windows: Ragged
    names: Ragged
    documents: Ragged
    cue_pattern: np.ndarray
    cue_shares: np.ndarray
    categorical: np.ndarray
    numeric: np.ndarray

    def __len__(self) -> int:
        return len(self.pairs)


@dataclass
class _Prepared:
    """The batch's slots, entities (those in at least one pair) and pairs, before any pair-level work.

    Per-document offsets cover every input document (one without pairs owns no slot and no sentence).
    """

    words: np.ndarray
    flags: np.ndarray
    sentence: np.ndarray
    doc_slots: np.ndarray
    doc_sentences: np.ndarray
    occurrence_key: np.ndarray  # entity * n_slots + slot, distinct and sorted
    entity_doc: np.ndarray
    n_mentions: np.ndarray
    rank: np.ndarray
    names: Ragged
    pairs: Pairs


def featurize(
    documents: Sequence[Document],
    vocabulary: Vocabulary,
    type_pairs: Sequence[str],
    *,
    split_composites: bool = True,
    max_pairs: int | None = None,
) -> FeatureBatch:
    """Find the candidate pairs of ``documents`` and featurize them together.

    Parameters
    ----------
    documents : sequence of Document
    vocabulary : Vocabulary
        Growing while a model learns, frozen when it predicts.
    type_pairs : sequence of str
        The type pairs that make candidates (``FeatureBatch.pairs.type_pair`` indexes it).
    split_composites : bool
        See :func:`relclf.document.document_entities`.
    max_pairs : int, optional
        Cap on candidates per document (see :func:`relclf.extract.candidates.generate_candidates`).

    Returns
    -------
    FeatureBatch
        Pairs in document order, and in :func:`~relclf.extract.candidates.generate_candidates` order
        within a document.
    """
    return _compute(_prepare(documents, vocabulary, type_pairs, split_composites, max_pairs), vocabulary)


def _prepare(
    documents: Sequence[Document], vocabulary: Vocabulary, type_pairs: Sequence[str], split: bool, max_pairs: int | None
) -> _Prepared:
    """Group mentions into entities, pair them, and read the documents that have pairs (the per-document Python work)."""
    kinds: dict[str, int] = {}  # canonical type -> code, in order of appearance
    identifiers: list[str] = []
    entity_doc: list[int] = []
    member_entity: list[int] = []  # (entity, mention) memberships, mentions as batch-wide indices
    member_mention: list[int] = []
    mention_kind: list[int] = []
    mention_start: list[int] = []
    mention_name: list[int] = []
    name_id = vocabulary.name_id
    offset = 0
    for d, document in enumerate(documents):
        mentions = document.mentions
        for identifier, indices in mention_groups(document, split_composites=split).items():
            member_entity.extend([len(identifiers)] * len(indices))
            member_mention.extend(offset + k for k in indices)
            identifiers.append(identifier)
            entity_doc.append(d)
        mention_kind.extend(kinds.setdefault(canonical_type(m.entity_type), len(kinds)) for m in mentions)
        mention_start.extend(m.start for m in mentions)
        mention_name.extend(name_id(m.text) for m in mentions)
        offset += len(mentions)
    doc_of = np.array(entity_doc, dtype=np.int64)
    member_e, member_m = np.array(member_entity, dtype=np.int64), np.array(member_mention, dtype=np.int64)
    starts = np.array(mention_start, dtype=np.int64)
    first = (
        np.minimum.reduceat(starts[member_m], np.flatnonzero(np.r_[True, member_e[1:] != member_e[:-1]]))
        if len(member_e)
        else np.zeros(0, dtype=np.int64)
    )
    kind_names = list(kinds)
    entity_kind = _majority(member_e, np.array(mention_kind, dtype=np.int64)[member_m], len(identifiers))
    a, b = pair_indices(
        doc_of,
        [kind_names[k] for k in entity_kind.tolist()],
        first,
        identifiers,
        type_pairs,
        max_pairs=max_pairs,
        starts=lambda e: sorted(set(starts[member_m[member_e == e]].tolist())),
        pmids=[d.pmid for d in documents],
    )
    used = np.unique(np.concatenate([a, b]))
    keep = np.zeros(len(identifiers), dtype=bool)
    keep[used] = True
    local = np.cumsum(keep) - 1  # old entity index -> index among the used ones
    encoded_docs = np.unique(doc_of[used])
    encoded = encode_batch([documents[d] for d in encoded_docs.tolist()], vocabulary)
    doc_slots = _spread(np.diff(encoded.doc_slots), encoded_docs, len(documents))
    doc_sentences = _spread(np.diff(encoded.doc_sentences), encoded_docs, len(documents))
    # each used entity's mentions -> their slots (a mention's place in the encoded batch: its document's first mention + its index)
    mention_doc_first = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum([len(d.mentions) for d in documents], out=mention_doc_first[1:])
    encoded_mention_first = np.zeros(len(documents), dtype=np.int64)
    encoded_mention_first[encoded_docs] = encoded.doc_mentions[:-1]
    taken = keep[member_e]
    member_doc = doc_of[member_e[taken]]
    slot = encoded.mention_slots[encoded_mention_first[member_doc] + member_m[taken] - mention_doc_first[member_doc]]
    n_slots = max(len(encoded.words), 1)
    occurrence_key = np.unique(local[member_e[taken]] * n_slots + slot)
    n_mentions = np.bincount(member_e, minlength=len(identifiers))[used]
    names = _names(
        member_e[taken],
        np.array(mention_name, dtype=np.int64)[member_m[taken]],
        local,
        [vocabulary.id(f"id={identifiers[e]}") for e in used.tolist()],
    )
    used_doc = doc_of[used]
    ranked = np.lexsort((np.arange(len(used)), -n_mentions, used_doc))  # most mentions first, then first mentioned
    rank = np.empty(len(used), dtype=np.int64)
    rank[ranked] = np.arange(len(used)) - np.searchsorted(used_doc[ranked], used_doc[ranked]) + 1
    type_index = {tp: k for k, tp in enumerate(type_pairs)}
    kind_pairs = np.array(
        [[type_index.get(type_pair(s, t), -1) for t in kind_names] for s in kind_names], dtype=np.int64
    ).reshape(len(kind_names), len(kind_names))
    pairs = Pairs(
        doc_of[a],
        local[a],
        local[b],
        kind_pairs[entity_kind[a], entity_kind[b]],
        [identifiers[e] for e in used.tolist()],
    )
    return _Prepared(
        encoded.words,
        encoded.flags.astype(np.int64),
        encoded.sentence,
        doc_slots,
        doc_sentences,
        occurrence_key,
        used_doc,
        n_mentions,
        rank,
        names,
        pairs,
    )


def _spread(lengths: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Offsets over ``n`` rows where row ``rows[k]`` has ``lengths[k]`` items and the others none."""
    full = np.zeros(n, dtype=np.int64)
    full[rows] = lengths
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(full, out=offsets[1:])
    return offsets


def _majority(member: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Per group, its most frequent value (ties: the one that comes first); ``member`` is sorted."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keys, first, counts = np.unique(member * (value.max() + 1) + value, return_index=True, return_counts=True)
    group = keys // (value.max() + 1)
    best = np.lexsort((first, -counts, group))
    chosen = best[np.r_[True, group[best][1:] != group[best][:-1]]]
    return (keys % (value.max() + 1))[chosen]


def _names(member: np.ndarray, name: np.ndarray, local: np.ndarray, id_tokens: list[int]) -> Ragged:
    """Per used entity: its identifier token, then each distinct name token of its mentions."""
    entity = local[member]
    keys = np.unique(entity * (name.max() + 1 if len(name) else 1) + name)
    named = keys // (name.max() + 1 if len(name) else 1)
    values = np.concatenate([np.array(id_tokens, dtype=np.int64), keys % (name.max() + 1 if len(name) else 1)])
    owner = np.concatenate([np.arange(len(id_tokens)), named])
    order = np.argsort(owner, kind="stable")
    return _ragged(values[order], np.bincount(owner, minlength=len(id_tokens)))


def _first_per_group(keys: tuple[np.ndarray, ...], group: np.ndarray) -> np.ndarray:
    """Index of the element of each group that sorts first by ``keys`` (the last key the most significant, as in np.lexsort)."""
    order = np.lexsort((*keys, group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    return order[first]


def _compute(prepared: _Prepared, vocabulary: Vocabulary) -> FeatureBatch:
    """Everything that depends on pairs, computed over the whole batch at once."""
    words, flags, sentence = prepared.words, prepared.flags, prepared.sentence
    doc_slots, doc_sentences = prepared.doc_slots, prepared.doc_sentences
    n_sentences_batch = int(doc_sentences[-1])
    entity_doc = prepared.entity_doc
    pairs = prepared.pairs
    pair_a, pair_b, pair_type = pairs.a, pairs.b, pairs.type_pair
    n_pairs, n_entities = len(pairs), len(entity_doc)

    # occurrences: the distinct (entity, slot) pairs, entity-major and slot-ordered
    n_slots = len(words)
    occ_key = prepared.occurrence_key
    occ_entity, occ_slot = np.divmod(occ_key, max(n_slots, 1))
    occ_count = np.bincount(occ_entity, minlength=n_entities)
    occ_start = np.zeros(n_entities, dtype=np.int64)
    np.cumsum(occ_count[:-1], out=occ_start[1:])
    occ_sentence = sentence[occ_slot]

    # (entity, sentence) groups of occurrences
    new_group = np.ones(len(occ_slot), dtype=bool)
    new_group[1:] = (occ_entity[1:] != occ_entity[:-1]) | (occ_sentence[1:] != occ_sentence[:-1])
    group_begin = np.flatnonzero(new_group)
    group_len = np.diff(np.append(group_begin, len(occ_slot)))
    group_entity, group_sentence = occ_entity[group_begin], occ_sentence[group_begin]
    group_key = group_entity * max(n_sentences_batch, 1) + group_sentence  # sorted
    entity_groups = np.bincount(group_entity, minlength=n_entities)
    entity_group_start = np.zeros(n_entities, dtype=np.int64)
    np.cumsum(entity_groups[:-1], out=entity_group_start[1:])

    # the sentences each pair shares: a's groups looked up among b's
    rep_pair, ga = expand_ranges(entity_group_start[pair_a], entity_groups[pair_a])
    wanted = pair_b[rep_pair] * max(n_sentences_batch, 1) + group_sentence[ga]
    gb = np.minimum(np.searchsorted(group_key, wanted), max(len(group_key) - 1, 0))
    hit = (group_key[gb] == wanted) if len(group_key) else np.zeros(0, dtype=bool)
    m_pair, m_ga, m_gb = rep_pair[hit], ga[hit], gb[hit]
    m_sentence = group_sentence[m_ga]

    # each shared sentence's closest mention pair (ties: first of a, then first of b)
    i_slot, j_slot = _closest(group_begin[m_ga], group_len[m_ga], group_begin[m_gb], group_len[m_gb], occ_slot)
    lo, hi = np.minimum(i_slot, j_slot), np.maximum(i_slot, j_slot)

    between = _between(words, lo, hi, pair_a[m_pair], pair_b[m_pair], m_pair, n_pairs, occ_key, n_slots, vocabulary)

    # per shared sentence: negation between the mentions, cue kinds around them
    negation = _any_in(flags & NEGATION, lo, hi)
    sentence_first = np.searchsorted(sentence, np.arange(n_sentences_batch))
    sentence_last = np.searchsorted(sentence, np.arange(n_sentences_batch), side="right") - 1
    cue_lo = np.maximum(lo - _WINDOW, sentence_first[m_sentence])
    cue_hi = np.minimum(hi + _WINDOW, sentence_last[m_sentence])
    near = (
        np.stack([_any_in(flags & (1 << (CUE_SHIFT + k)), cue_lo, cue_hi) for k in range(len(CUE_KINDS))], axis=1)
        if len(lo)
        else np.zeros((0, len(CUE_KINDS)), dtype=bool)
    )

    n_shared = np.bincount(m_pair, minlength=n_pairs)
    a_first = np.bincount(m_pair, weights=(i_slot < j_slot), minlength=n_pairs)
    negated = np.bincount(m_pair, weights=negation, minlength=n_pairs)
    cue_counts = np.stack(
        [np.bincount(m_pair, weights=near[:, k], minlength=n_pairs) for k in range(len(CUE_KINDS))], axis=1
    )

    # pairs that never share a sentence: the sentences of their closest mentions
    lonely = np.flatnonzero(n_shared == 0)
    fi, fj = _closest(
        occ_start[pair_a[lonely]],
        occ_count[pair_a[lonely]],
        occ_start[pair_b[lonely]],
        occ_count[pair_b[lonely]],
        occ_slot,
    )
    si, sj = sentence[fi], sentence[fj]
    distance = np.zeros(n_pairs, dtype=np.int64)
    distance[lonely] = np.abs(si - sj)
    far_pair = np.concatenate([lonely, lonely[si != sj]])
    far_sentence = np.concatenate([np.minimum(si, sj), np.maximum(si, sj)[si != sj]])
    order = np.lexsort((far_sentence, far_pair))

    entity_cues = _entity_cues(flags, occ_slot, occ_entity, entity_doc, doc_slots, n_entities)
    windows = _windows(words, occ_slot, occ_entity, entity_doc, doc_slots, n_entities)
    names = prepared.names
    documents = Ragged(words, doc_slots)
    sentences = Ragged(words, np.append(sentence_first, n_slots).astype(np.int64))

    cue_pattern, cue_shares = _cues(pair_type, cue_counts, negated, n_shared, entity_cues, pair_a, pair_b)
    categorical, numeric = _signals(
        entity_doc,
        prepared.rank,
        pairs,
        occ_count,
        entity_groups,
        group_entity,
        group_sentence,
        m_pair,
        m_sentence,
        n_shared,
        a_first,
        negated,
        distance,
        doc_sentences,
        n_pairs,
    )
    return FeatureBatch(
        pairs=pairs,
        between=between,
        sentences=sentences,
        shared=(m_pair, m_sentence),
        far=(far_pair[order], far_sentence[order]),
        windows=windows,
        names=names,
        documents=documents,
        cue_pattern=cue_pattern,
        cue_shares=cue_shares,
        categorical=categorical,
        numeric=numeric,
    )


def _closest(
    a_start: np.ndarray, a_len: np.ndarray, b_start: np.ndarray, b_len: np.ndarray, occ_slot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each k, the slots (i, j), i among occurrences ``a_start[k]..`` and j among ``b_start[k]..``, with the
    smallest distance (ties: the earlier i, then the earlier j)."""
    if len(a_start) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    combos = a_len * b_len
    owner, k = expand_ranges(np.zeros(len(combos), dtype=np.int64), combos)
    i = occ_slot[a_start[owner] + k // b_len[owner]]
    j = occ_slot[b_start[owner] + k % b_len[owner]]
    best = _first_per_group((j, i, np.abs(i - j)), owner)
    return i[best], j[best]


def _any_in(marks: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether any slot ``lo..hi`` (inclusive) is marked, for each range (with one cumulative sum)."""
    counts = np.zeros(len(marks) + 1, dtype=np.int64)
    np.cumsum(marks != 0, out=counts[1:])
    return counts[hi + 1] - counts[lo] > 0


def _between(
    words: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    m_pair: np.ndarray,
    n_pairs: int,
    occ_key: np.ndarray,
    n_slots: int,
    vocabulary: Vocabulary,
) -> Ragged:
    """Each pair's stretches between its closest mentions, masked and trimmed, ``|`` after each (module docstring)."""
    mark_a, mark_b, mark_ab, separator, ellipsis = (vocabulary.id(w) for w in SPECIAL_WORDS)
    length = hi - lo + 1
    kept = np.where(length > _MAX_BETWEEN, 2 * _HALF + 1, length)
    owner, t = expand_ranges(np.zeros(len(lo), dtype=np.int64), kept + 1)
    long = length[owner] > _MAX_BETWEEN
    slot = np.where(long & (t > _HALF), hi[owner] - 2 * _HALF + t, lo[owner] + t)
    inside = t < kept[owner]
    slot = np.where(inside, slot, 0)
    of_a = _member(a[owner] * max(n_slots, 1) + slot, occ_key)
    of_b = _member(b[owner] * max(n_slots, 1) + slot, occ_key)
    values = words[slot] if len(words) else np.zeros(len(slot), dtype=np.int64)
    values = np.where(of_a & of_b, mark_ab, np.where(of_a, mark_a, np.where(of_b, mark_b, values)))
    values = np.where(long & (t == _HALF), ellipsis, values)
    values = np.where(inside, values, separator)
    return _ragged(values, np.bincount(m_pair, weights=kept + 1, minlength=n_pairs).astype(np.int64))


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def _window_ranges(
    occ_slot: np.ndarray, occ_entity: np.ndarray, entity_doc: np.ndarray, doc_slots: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``_WINDOW`` slots on each side of every occurrence, within its document: (occurrence, slot, side)."""
    first = doc_slots[entity_doc[occ_entity]]
    last = doc_slots[entity_doc[occ_entity] + 1] - 1
    offsets = np.array([*range(-_WINDOW, 0), *range(1, _WINDOW + 1)])
    slot = occ_slot[:, None] + offsets[None, :]
    valid = (slot >= first[:, None]) & (slot <= last[:, None])
    occurrence = np.broadcast_to(np.arange(len(occ_slot))[:, None], slot.shape)
    side = np.broadcast_to((offsets > 0)[None, :], slot.shape)
    return occurrence[valid], slot[valid], side[valid]


def _windows(
    words: np.ndarray,
    occ_slot: np.ndarray,
    occ_entity: np.ndarray,
    entity_doc: np.ndarray,
    doc_slots: np.ndarray,
    n_entities: int,
) -> Ragged:
    """Per entity, the words around its mentions as ``2 * word + side`` (0 before, 1 after)."""
    occurrence, slot, side = _window_ranges(occ_slot, occ_entity, entity_doc, doc_slots)
    entity = occ_entity[occurrence]
    order = np.argsort(entity, kind="stable")
    return _ragged((2 * words[slot] + side)[order], np.bincount(entity, minlength=n_entities))


def _entity_cues(
    flags: np.ndarray,
    occ_slot: np.ndarray,
    occ_entity: np.ndarray,
    entity_doc: np.ndarray,
    doc_slots: np.ndarray,
    n_entities: int,
) -> np.ndarray:
    """Per entity, the cue kinds (bit k: kind k) among the words around its mentions."""
    occurrence, slot, _ = _window_ranges(occ_slot, occ_entity, entity_doc, doc_slots)
    bits = (flags[slot] >> CUE_SHIFT) & ((1 << len(CUE_KINDS)) - 1)
    found = np.zeros(n_entities, dtype=np.int64)
    np.bitwise_or.at(found, occ_entity[occurrence], bits)
    return found


def _cues(
    tp: np.ndarray,
    counts: np.ndarray,
    negated: np.ndarray,
    n_shared: np.ndarray,
    entity_cues: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The cue pattern of each pair as one integer, and the share of shared sentences with each cue kind."""
    kinds = (
        ((counts > 0) * (1 << np.arange(len(CUE_KINDS)))).sum(axis=1) if len(counts) else np.zeros(0, dtype=np.int64)
    )
    width = 1 << len(CUE_KINDS)
    pattern = (((tp * width + kinds) * 2 + (negated > 0)) * width + entity_cues[a]) * width + entity_cues[b]
    shares = np.divide(
        counts, n_shared[:, None], out=np.zeros_like(counts, dtype=np.float64), where=n_shared[:, None] > 0
    )
    return pattern.astype(np.int64), shares


def bucket(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Index of the first edge each value is at or below (``len(edges)`` above the last).

    >>> bucket(np.array([0, 1, 3, 9]), (0, 1, 2, 4, 8)).tolist()
    [0, 1, 3, 5]
    """
    return np.searchsorted(np.asarray(edges, dtype=float), values, side="left")


def _signals(
    entity_doc: np.ndarray,
    rank: np.ndarray,
    pairs: Pairs,
    occ_count: np.ndarray,
    entity_groups: np.ndarray,
    group_entity: np.ndarray,
    group_sentence: np.ndarray,
    m_pair: np.ndarray,
    m_sentence: np.ndarray,
    n_shared: np.ndarray,
    a_first: np.ndarray,
    negated: np.ndarray,
    distance: np.ndarray,
    doc_sentences: np.ndarray,
    n_pairs: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`CATEGORICAL` codes (``feature << 32 | value``) and :data:`NUMERIC` values of each pair."""
    a, b, doc, tp = pairs.a, pairs.b, pairs.doc, pairs.type_pair
    first_sentence = doc_sentences[:-1][doc]
    last = doc_sentences[1:][doc] - 1 - first_sentence  # the last sentence's index within the document
    in_title = np.zeros(len(occ_count), dtype=bool)  # an entity mentioned in its document's first sentence
    in_title[group_entity[group_sentence == doc_sentences[:-1][entity_doc[group_entity]]]] = True
    title_a, title_b = in_title[a], in_title[b]
    local = m_sentence - first_sentence[m_pair]
    title_both = np.bincount(m_pair, weights=local == 0, minlength=n_pairs) > 0
    last_shared = np.bincount(m_pair, weights=local >= last[m_pair] - 1, minlength=n_pairs) > 0
    first_local = np.full(n_pairs, -1, dtype=np.int64)
    first_local[m_pair[::-1]] = local[::-1]  # matches are sentence-ordered per pair: the first one wins
    shared = n_shared > 0
    first_shared = np.where(shared, first_local / np.maximum(last, 1), 1.0)
    dist = bucket(np.where(shared, 0, distance), DIST_EDGES)
    rank_a, rank_b = rank[a], rank[b]
    partners = np.bincount(np.concatenate([a, b]), minlength=len(occ_count))
    n_entities = np.bincount(entity_doc, minlength=len(doc_sentences) - 1)
    union = entity_groups[a] + entity_groups[b] - n_shared
    values = [
        tp,
        tp * 2 + shared,
        tp * (len(DIST_EDGES) + 1) + dist,
        dist,
        tp * 4 + title_a * 2 + title_b,
        bucket(first_shared, FIRST_EDGES),
        bucket(rank_a, RANK_EDGES),
        bucket(rank_b, RANK_EDGES),
        tp * 16 + (np.minimum(rank_a, 4) - 1) * 4 + (np.minimum(rank_b, 4) - 1),
    ]
    categorical = (
        np.stack([(k << 32) | v.astype(np.int64) for k, v in enumerate(values)], axis=1)
        if n_pairs
        else np.zeros((0, len(CATEGORICAL)), dtype=np.int64)
    )
    numeric = (
        np.stack(
            [
                np.log1p(occ_count[a]),
                np.log1p(occ_count[b]),
                np.log1p(n_shared),
                n_shared / np.maximum(union, 1),
                title_a,
                title_b,
                title_both,
                last_shared,
                np.log1p(partners[a]),
                np.log1p(partners[b]),
                np.where(shared, a_first / np.maximum(n_shared, 1), 0.5),
                np.where(shared, negated / np.maximum(n_shared, 1), 0.0),
                np.log1p(n_entities[doc]),
                np.log1p(doc_sentences[1:][doc] - first_sentence),
            ],
            axis=1,
        ).astype(np.float64)
        if n_pairs
        else np.zeros((0, len(NUMERIC)))
    )
    return categorical, numeric


def _bucket_name(index: int, edges: Sequence[float]) -> str:
    return str(edges[index]) if index < len(edges) else f">{edges[-1]}"


def signal_name(code: int, type_pairs: Sequence[str]) -> str:
    """``signal_value`` for a categorical code of :func:`_signals` (see :data:`CATEGORICAL`)."""
    feature, value = code >> 32, code & 0xFFFFFFFF
    name = CATEGORICAL[feature]
    dist = len(DIST_EDGES) + 1
    readable = {
        "tp": lambda v: type_pairs[v],
        "tp&cooc": lambda v: f"{type_pairs[v // 2]}&{bool(v % 2)}",
        "tp&dist": lambda v: f"{type_pairs[v // dist]}&{_bucket_name(v % dist, DIST_EDGES)}",
        "dist": lambda v: _bucket_name(v, DIST_EDGES),
        "tp&title": lambda v: f"{type_pairs[v // 4]}&{bool(v // 2 % 2)}&{bool(v % 2)}",
        "first_shared": lambda v: _bucket_name(v, FIRST_EDGES),
        "rank_a": lambda v: _bucket_name(v, RANK_EDGES),
        "rank_b": lambda v: _bucket_name(v, RANK_EDGES),
        "tp&ranks": lambda v: f"{type_pairs[v // 16]}&{v // 4 % 4 + 1}&{v % 4 + 1}",
    }[name](value)
    return f"{name}_{readable}"


def cue_name(code: int, type_pairs: Sequence[str]) -> str:
    """``TypePair&kinds&neg=…&a=…&b=…`` for a cue pattern code of :func:`_cues`."""
    width = 1 << len(CUE_KINDS)
    b, code = code % width, code // width
    a, code = code % width, code // width
    negated, code = code % 2, code // 2
    kinds, tp = code % width, code // width

    def spell(mask: int) -> str:
        return "+".join(kind for bit, kind in enumerate(CUE_KINDS) if mask >> bit & 1)

    return f"{type_pairs[tp]}&{spell(kinds) or 'none'}&neg={bool(negated)}&a={spell(a)}&b={spell(b)}"
