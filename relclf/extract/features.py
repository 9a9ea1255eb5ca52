"""Features of candidate pairs as integer arrays: context text as word ids, and document-level signals.

:func:`featurize` reads a batch of documents (:func:`relclf.text.encode`: one regular-expression
pass and one dictionary lookup per token), finds each document's candidate pairs, and computes what
every pair looks like with numpy operations over the whole batch; no string is built per pair.
:class:`relclf.extract.vectorizer.PairVectorizer` then turns the :class:`FeatureBatch` into a sparse
matrix. The rules below are the specification: ``tests/featurizer_oracle.py`` follows them with plain
loops, pair by pair, and a property test checks that both give the same batch.

A document is read as slots (:mod:`relclf.text`: a word, or one mention, nested mentions
sharing a slot); only documents with at least one candidate pair are read, and their sentences are
numbered across the batch. An entity's *occurrences* are the distinct slots of its mentions (entities
are those of :func:`relclf.document.document_entities`, pairs those of
:func:`relclf.extract.candidates.generate_candidates`; only entities in a pair are kept). A pair's
*closest mentions*, in one sentence or in the whole document, are the occurrences ``i`` of A and
``j`` of B with the smallest ``|i - j|`` (ties: the earlier ``i``, then the earlier ``j``).

The groups of features (named as in :data:`relclf.extract.blocks.FEATURE_GROUPS`, so that ablations stay
comparable; :data:`relclf.extract.blocks.BLOCKS` says how each becomes columns of the pair matrix):

- ``between`` (and ``between_typed``, crossed with the type pair): in each sentence the pair shares,
  in sentence order, the slots from one closest mention to the other (both included), the pair's own
  occurrences read ``@A@``/``@B@`` (``@AB@`` for a slot of both), other slots their word (a mention
  ``@Type@``); a stretch longer than 24 slots keeps its first and last 12 around ``…``; ``|`` ends
  each sentence's stretch. Word 1- to 3-grams;
- ``sentence``: the sentences the pair shares (word 1- and 2-grams, summed, mentions as ``@Type@``);
- ``far``: for a pair that never shares a sentence, the sentences of its closest mentions in the document;
- ``window``: the 3 slots on each side of each occurrence of either entity, within its document (not
  its sentence), as ``2 * word + side`` (0 before, 1 after) (``window_a``, ``window_b``);
- ``entity``: each entity's ``id=`` token, then the distinct ``name=`` tokens of its mentions (in id order)
  (``entity_a``, ``entity_b``);
- ``document``: the document's words (no words for a document without pairs), crossed with the type pair;
- ``cues``: the kinds of direction cue (:data:`relclf.text.CUES`) within 3 slots of a shared
  sentence's closest mentions (inside that sentence), whether a negation lies between them (both
  included), and the cue kinds in each entity's windows, as one pattern crossed with the type pair
  (:func:`cue_name`), plus the share of shared sentences with each kind;
- ``dense``: document-level signals, each explained where it is named (:data:`CATEGORICAL`, :data:`NUMERIC`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..document import Document, canonical_type, mention_groups
from ..text import CUE_KINDS, CUE_SHIFT, NEGATION, SPECIAL_WORDS, Vocabulary, encode_batch
from .candidates import expand_ranges, pair_indices, type_pair

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "FeatureBatch",
    "concat_batches",
    "Pairs",
    "Ragged",
    "cue_name",
    "featurize",
    "signal_name",
]

# Document-level signals of a pair, in the order of FeatureBatch.categorical / .numeric. "Title" is the
# document's first sentence; a bucket is the number of edges below the value (:func:`bucket`).
CATEGORICAL: tuple[str, ...] = (
    "tp",  # the type pair
    "tp&cooc",  # the type pair & whether the pair shares a sentence
    "tp&dist",  # the type pair & dist
    "dist",  # bucket (DIST_EDGES) of the sentence distance of the closest mentions, 0 when shared
    "tp&title",  # the type pair & A in the title & B in the title
    "first_shared",  # bucket (FIRST_EDGES) of the first shared sentence's index / max(last index, 1); 1.0 if none
    "rank_a",  # bucket (RANK_EDGES) of A's rank among its document's entities (in pairs) by mentions, ties:
    "rank_b",  # the first mentioned first; B's
    "tp&ranks",  # the type pair & min(rank of A, 4) & min(rank of B, 4)
)
NUMERIC: tuple[str, ...] = (
    "n_a",  # log(1 + occurrences of A)
    "n_b",  # log(1 + occurrences of B)
    "n_shared",  # log(1 + shared sentences)
    "shared_frac",  # shared sentences / sentences with A or B
    "title_a",  # A in the title
    "title_b",  # B in the title
    "title_both",  # the title is shared
    "last_shared",  # one of the document's last two sentences is shared
    "partners_a",  # log(1 + pairs A is in)
    "partners_b",  # log(1 + pairs B is in)
    "a_first",  # the share of shared sentences whose closest A comes before B (0.5 when none is shared)
    "negated",  # the share of shared sentences with a negation between the closest mentions (0 when none)
    "n_entities",  # log(1 + the document's entities in pairs)
    "n_sentences",  # log(1 + the document's sentences)
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
    allowed_type_pairs: Sequence[str] | None = None,
) -> FeatureBatch:
    """Find the candidate pairs of ``documents`` and featurize them together.

    Parameters
    ----------
    documents : sequence of Document
    vocabulary : Vocabulary
        Growing while a model learns, frozen when it predicts.
    type_pairs : sequence of str
        The type pairs that make candidates (``FeatureBatch.pairs.type_pair`` indexes it).
    allowed_type_pairs : sequence of str, optional
        Only these of ``type_pairs`` make candidates (a schema of a model trained on several corpora,
        whose ``type_pairs`` are all the corpora's); default: all of them.
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
    allowed = type_pairs if allowed_type_pairs is None else allowed_type_pairs
    if set(allowed) - set(type_pairs):
        raise ValueError(f"type pairs {sorted(set(allowed) - set(type_pairs))} are not among {list(type_pairs)}")
    return _compute(_prepare(documents, vocabulary, type_pairs, split_composites, max_pairs, allowed), vocabulary)


def _prepare(
    documents: Sequence[Document],
    vocabulary: Vocabulary,
    type_pairs: Sequence[str],
    split: bool,
    max_pairs: int | None,
    allowed: Sequence[str],
) -> _Prepared:
    """Group mentions into entities, pair them, and read the documents with pairs (the per-document Python work)."""
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
        allowed,
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
    # each used entity's mentions -> their slots (a mention's place in the encoded batch: its document's first
    # mention + its index)
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
    """Index of each group's element that sorts first by ``keys`` (the last key the most significant, as np.lexsort)."""
    order = np.lexsort((*keys, group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    return order[first]


def _compute(prepared: _Prepared, vocabulary: Vocabulary) -> FeatureBatch:
    """Everything that depends on pairs, computed over the whole batch at once, step by step (each below)."""
    pairs, words, sentence = prepared.pairs, prepared.words, prepared.sentence
    n_sentences = int(prepared.doc_sentences[-1])
    occurrences = _occurrences(prepared)
    groups = _entity_sentences(occurrences, n_sentences)
    shared = _shared_sentences(groups, pairs, occurrences, n_sentences)
    between = _between(words, shared, pairs, occurrences, vocabulary)
    counts = _shared_counts(prepared.flags, sentence, shared, n_sentences, len(pairs))
    lonely = _lonely_pairs(occurrences, pairs, counts.n_shared, sentence)
    around = _Around(occurrences, prepared.entity_doc, prepared.doc_slots)
    cue_pattern, cue_shares = _cues(pairs, counts, around.cues(prepared.flags))
    categorical, numeric = _signals(prepared, occurrences, groups, shared, counts, lonely.distance)
    sentence_first = np.searchsorted(sentence, np.arange(n_sentences))
    return FeatureBatch(
        pairs=pairs,
        between=between,
        sentences=Ragged(words, np.append(sentence_first, len(words)).astype(np.int64)),
        shared=(shared.pair, shared.sentence),
        far=lonely.far,
        windows=around.windows(words),
        names=prepared.names,
        documents=Ragged(words, prepared.doc_slots),
        cue_pattern=cue_pattern,
        cue_shares=cue_shares,
        categorical=categorical,
        numeric=numeric,
    )


def _starts(counts: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of ``counts`` items begins."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


@dataclass(frozen=True)
class _Occurrences:
    """The distinct (entity, slot) pairs of the used entities (two mentions in one slot are one occurrence).

    Entity-major and slot-ordered: ``key = entity * n_slots + slot`` is sorted. Entity ``e`` owns
    occurrences ``start[e] : start[e] + count[e]``.
    """

    key: np.ndarray
    entity: np.ndarray
    slot: np.ndarray
    sentence: np.ndarray
    count: np.ndarray
    start: np.ndarray


def _occurrences(prepared: _Prepared) -> _Occurrences:
    """The batch's occurrences, from the sorted keys :func:`_prepare` made."""
    entity, slot = np.divmod(prepared.occurrence_key, max(len(prepared.words), 1))
    count = np.bincount(entity, minlength=len(prepared.entity_doc))
    return _Occurrences(prepared.occurrence_key, entity, slot, prepared.sentence[slot], count, _starts(count))


@dataclass(frozen=True)
class _Groups:
    """The (entity, sentence) groups of occurrences: the sentences each entity is mentioned in.

    Group ``g`` is occurrences ``begin[g] : begin[g] + length[g]``; ``key = entity * n_sentences +
    sentence`` is sorted. Entity ``e`` owns groups ``start[e] : start[e] + count[e]``, in sentence order.
    """

    begin: np.ndarray
    length: np.ndarray
    entity: np.ndarray
    sentence: np.ndarray
    key: np.ndarray
    count: np.ndarray
    start: np.ndarray


def _entity_sentences(occurrences: _Occurrences, n_sentences: int) -> _Groups:
    """Cut the occurrences where the entity or the sentence changes."""
    entity, sentence = occurrences.entity, occurrences.sentence
    new_group = np.ones(len(entity), dtype=bool)
    new_group[1:] = (entity[1:] != entity[:-1]) | (sentence[1:] != sentence[:-1])
    begin = np.flatnonzero(new_group)
    length = np.diff(np.append(begin, len(entity)))
    group_entity, group_sentence = entity[begin], sentence[begin]
    count = np.bincount(group_entity, minlength=len(occurrences.count))
    key = group_entity * max(n_sentences, 1) + group_sentence
    return _Groups(begin, length, group_entity, group_sentence, key, count, _starts(count))


@dataclass(frozen=True)
class _Shared:
    """Each (pair, sentence both its entities are in), pair-major and sentence-ordered, with the pair's
    closest mentions there: slots ``i`` (of a) and ``j`` (of b), ``lo``/``hi`` the smaller and larger."""

    pair: np.ndarray
    sentence: np.ndarray
    i: np.ndarray
    j: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def _shared_sentences(groups: _Groups, pairs: Pairs, occurrences: _Occurrences, n_sentences: int) -> _Shared:
    """Look each of a's groups up among b's (same sentence), then find the closest mentions in each match."""
    pair, a_group = expand_ranges(groups.start[pairs.a], groups.count[pairs.a])
    wanted = pairs.b[pair] * max(n_sentences, 1) + groups.sentence[a_group]
    b_group = np.minimum(np.searchsorted(groups.key, wanted), max(len(groups.key) - 1, 0))
    hit = (groups.key[b_group] == wanted) if len(groups.key) else np.zeros(0, dtype=bool)
    a_group, b_group = a_group[hit], b_group[hit]
    i, j = _closest(
        groups.begin[a_group], groups.length[a_group], groups.begin[b_group], groups.length[b_group], occurrences.slot
    )
    return _Shared(pair[hit], groups.sentence[a_group], i, j, np.minimum(i, j), np.maximum(i, j))


@dataclass(frozen=True)
class _Counts:
    """Per pair: shared sentences, those where a comes first, those with a negation between the closest
    mentions, and those with each cue kind near them (one column per kind of CUE_KINDS)."""

    n_shared: np.ndarray
    a_first: np.ndarray
    negated: np.ndarray
    cue_counts: np.ndarray


def _shared_counts(flags: np.ndarray, sentence: np.ndarray, shared: _Shared, n_sentences: int, n_pairs: int) -> _Counts:
    """Read each shared sentence's stretch between the closest mentions (negation) and around it (cues,
    ``_WINDOW`` words on each side within the sentence), and count per pair."""
    lo, hi, pair = shared.lo, shared.hi, shared.pair
    negation = _any_in(flags & NEGATION, lo, hi)
    sentence_first = np.searchsorted(sentence, np.arange(n_sentences))
    sentence_last = np.searchsorted(sentence, np.arange(n_sentences), side="right") - 1
    cue_lo = np.maximum(lo - _WINDOW, sentence_first[shared.sentence])
    cue_hi = np.minimum(hi + _WINDOW, sentence_last[shared.sentence])
    near = (
        np.stack([_any_in(flags & (1 << (CUE_SHIFT + k)), cue_lo, cue_hi) for k in range(len(CUE_KINDS))], axis=1)
        if len(lo)
        else np.zeros((0, len(CUE_KINDS)), dtype=bool)
    )
    return _Counts(
        np.bincount(pair, minlength=n_pairs),
        np.bincount(pair, weights=(shared.i < shared.j), minlength=n_pairs),
        np.bincount(pair, weights=negation, minlength=n_pairs),
        np.stack([np.bincount(pair, weights=near[:, k], minlength=n_pairs) for k in range(len(CUE_KINDS))], axis=1),
    )


@dataclass(frozen=True)
class _Lonely:
    """For pairs that never share a sentence: the sentence distance of their closest mentions (0 for the
    others), and the (pair, sentence) links to those mentions' sentences, sorted."""

    distance: np.ndarray
    far: tuple[np.ndarray, np.ndarray]


def _lonely_pairs(occurrences: _Occurrences, pairs: Pairs, n_shared: np.ndarray, sentence: np.ndarray) -> _Lonely:
    """The closest mentions (over the whole document) of each pair without a shared sentence, and their sentences."""
    lonely = np.flatnonzero(n_shared == 0)
    a, b = pairs.a[lonely], pairs.b[lonely]
    i, j = _closest(
        occurrences.start[a], occurrences.count[a], occurrences.start[b], occurrences.count[b], occurrences.slot
    )
    si, sj = sentence[i], sentence[j]
    distance = np.zeros(len(pairs), dtype=np.int64)
    distance[lonely] = np.abs(si - sj)
    far_pair = np.concatenate([lonely, lonely[si != sj]])
    far_sentence = np.concatenate([np.minimum(si, sj), np.maximum(si, sj)[si != sj]])
    order = np.lexsort((far_sentence, far_pair))
    return _Lonely(distance, (far_pair[order], far_sentence[order]))


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
    words: np.ndarray, shared: _Shared, pairs: Pairs, occurrences: _Occurrences, vocabulary: Vocabulary
) -> Ragged:
    """Each pair's stretches between its closest mentions, masked and trimmed, ``|`` after each (module docstring).

    A stretch longer than ``_MAX_BETWEEN`` slots keeps its first and last ``_HALF`` around the ellipsis.
    """
    mark_a, mark_b, mark_ab, separator, ellipsis = (vocabulary.id(w) for w in SPECIAL_WORDS)
    lo, hi, n_slots = shared.lo, shared.hi, max(len(words), 1)
    length = hi - lo + 1
    kept = np.where(length > _MAX_BETWEEN, 2 * _HALF + 1, length)
    owner, t = expand_ranges(np.zeros(len(lo), dtype=np.int64), kept + 1)  # t: place in the stretch; kept: the "|"
    long = length[owner] > _MAX_BETWEEN
    slot = np.where(long & (t > _HALF), hi[owner] - 2 * _HALF + t, lo[owner] + t)
    inside = t < kept[owner]
    slot = np.where(inside, slot, 0)
    pair = shared.pair[owner]
    of_a = _member(pairs.a[pair] * n_slots + slot, occurrences.key)
    of_b = _member(pairs.b[pair] * n_slots + slot, occurrences.key)
    values = words[slot] if len(words) else np.zeros(len(slot), dtype=np.int64)
    values = np.where(of_a & of_b, mark_ab, np.where(of_a, mark_a, np.where(of_b, mark_b, values)))
    values = np.where(long & (t == _HALF), ellipsis, values)
    values = np.where(inside, values, separator)
    return _ragged(values, np.bincount(shared.pair, weights=kept + 1, minlength=len(pairs)).astype(np.int64))


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each key is among the sorted keys."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


class _Around:
    """The ``_WINDOW`` slots on each side of every occurrence, within its document (not its sentence): the
    windows and the cues near each entity are read from them."""

    def __init__(self, occurrences: _Occurrences, entity_doc: np.ndarray, doc_slots: np.ndarray) -> None:
        first = doc_slots[entity_doc[occurrences.entity]]
        last = doc_slots[entity_doc[occurrences.entity] + 1] - 1
        offsets = np.array([*range(-_WINDOW, 0), *range(1, _WINDOW + 1)])
        slot = occurrences.slot[:, None] + offsets[None, :]
        valid = (slot >= first[:, None]) & (slot <= last[:, None])
        occurrence = np.broadcast_to(np.arange(len(occurrences.slot))[:, None], slot.shape)
        side = np.broadcast_to((offsets > 0)[None, :], slot.shape)
        # each window slot's entity, slot and side (0 before, 1 after), in occurrence order (entity-major)
        self.entity, self.slot, self.side = occurrences.entity[occurrence[valid]], slot[valid], side[valid]
        self.n_entities = len(entity_doc)

    def windows(self, words: np.ndarray) -> Ragged:
        """Per entity, the words around its mentions as ``2 * word + side``."""
        order = np.argsort(self.entity, kind="stable")
        return _ragged((2 * words[self.slot] + self.side)[order], np.bincount(self.entity, minlength=self.n_entities))

    def cues(self, flags: np.ndarray) -> np.ndarray:
        """Per entity, the cue kinds (bit k: kind k) among the words around its mentions."""
        bits = (flags[self.slot] >> CUE_SHIFT) & ((1 << len(CUE_KINDS)) - 1)
        found = np.zeros(self.n_entities, dtype=np.int64)
        np.bitwise_or.at(found, self.entity, bits)
        return found


def _cues(pairs: Pairs, counts: _Counts, entity_cues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cue pattern of each pair as one integer (decoded by :func:`cue_name`), and the share of its
    shared sentences with each cue kind."""
    near, n_shared = counts.cue_counts, counts.n_shared
    kinds = ((near > 0) * (1 << np.arange(len(CUE_KINDS)))).sum(axis=1) if len(near) else np.zeros(0, dtype=np.int64)
    width = 1 << len(CUE_KINDS)
    pattern = (pairs.type_pair * width + kinds) * 2 + (counts.negated > 0)
    pattern = (pattern * width + entity_cues[pairs.a]) * width + entity_cues[pairs.b]
    shares = np.divide(near, n_shared[:, None], out=np.zeros_like(near, dtype=np.float64), where=n_shared[:, None] > 0)
    return pattern.astype(np.int64), shares


def bucket(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Index of the first edge each value is at or below (``len(edges)`` above the last).

    >>> bucket(np.array([0, 1, 3, 9]), (0, 1, 2, 4, 8)).tolist()
    [0, 1, 3, 5]
    """
    return np.searchsorted(np.asarray(edges, dtype=float), values, side="left")


def _in_title(groups: _Groups, entity_doc: np.ndarray, doc_sentences: np.ndarray) -> np.ndarray:
    """Whether each entity is mentioned in its document's first sentence (the title, unless that is empty)."""
    in_title = np.zeros(len(groups.count), dtype=bool)
    in_title[groups.entity[groups.sentence == doc_sentences[:-1][entity_doc[groups.entity]]]] = True
    return in_title


def _shared_places(
    shared: _Shared, first_sentence: np.ndarray, last: np.ndarray, n_pairs: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: whether it shares its document's first sentence, whether one of its last two, and the
    index within the document of the first sentence it shares (-1 when none)."""
    local = shared.sentence - first_sentence[shared.pair]
    title_both = np.bincount(shared.pair, weights=local == 0, minlength=n_pairs) > 0
    last_shared = np.bincount(shared.pair, weights=local >= last[shared.pair] - 1, minlength=n_pairs) > 0
    first_local = np.full(n_pairs, -1, dtype=np.int64)
    first_local[shared.pair[::-1]] = local[::-1]  # sentence-ordered per pair: the first one is written last
    return title_both, last_shared, first_local


def _signals(
    prepared: _Prepared,
    occurrences: _Occurrences,
    groups: _Groups,
    shared: _Shared,
    counts: _Counts,
    distance: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`CATEGORICAL` codes (``feature << 32 | value``) and :data:`NUMERIC` values of each pair."""
    pairs, doc_sentences = prepared.pairs, prepared.doc_sentences
    a, b, doc, tp, n_pairs = pairs.a, pairs.b, pairs.doc, pairs.type_pair, len(pairs)
    n_shared, together = counts.n_shared, counts.n_shared > 0
    first_sentence = doc_sentences[:-1][doc]
    last = doc_sentences[1:][doc] - 1 - first_sentence  # the last sentence's index within the document
    in_title = _in_title(groups, prepared.entity_doc, doc_sentences)
    title_a, title_b = in_title[a], in_title[b]
    title_both, last_shared, first_local = _shared_places(shared, first_sentence, last, n_pairs)
    first_shared = np.where(together, first_local / np.maximum(last, 1), 1.0)
    dist = bucket(np.where(together, 0, distance), DIST_EDGES)
    rank_a, rank_b = prepared.rank[a], prepared.rank[b]
    partners = np.bincount(np.concatenate([a, b]), minlength=len(groups.count))
    n_entities = np.bincount(prepared.entity_doc, minlength=len(doc_sentences) - 1)
    union = groups.count[a] + groups.count[b] - n_shared
    values = [
        tp,
        tp * 2 + together,
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
                np.log1p(occurrences.count[a]),
                np.log1p(occurrences.count[b]),
                np.log1p(n_shared),
                n_shared / np.maximum(union, 1),
                title_a,
                title_b,
                title_both,
                last_shared,
                np.log1p(partners[a]),
                np.log1p(partners[b]),
                np.where(together, counts.a_first / np.maximum(n_shared, 1), 0.5),
                np.where(together, counts.negated / np.maximum(n_shared, 1), 0.0),
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


def _ragged_concat(parts: Sequence[Ragged]) -> Ragged:
    """Ragged sequences one after the other."""
    offsets = [parts[0].offsets[:1]]
    shift = 0
    for part in parts:
        offsets.append(part.offsets[1:] + shift)
        shift += int(part.offsets[-1])
    return Ragged(np.concatenate([part.values for part in parts]), np.concatenate(offsets))


def concat_batches(batches: Sequence[FeatureBatch]) -> FeatureBatch:
    """Batches featurized with the same vocabulary and type pairs, as one batch (documents one after the other).

    Pairs, documents, entities and sentences are renumbered; the result is what featurizing all the
    documents at once gives, but each batch may have had its own candidate rule (``allowed_type_pairs``,
    ``split_composites``), as the corpora of a model trained on several have.
    """
    if len(batches) == 1:
        return batches[0]
    n_docs = np.cumsum([0] + [len(b.documents) for b in batches])
    n_entities = np.cumsum([0] + [len(b.names) for b in batches])
    n_pairs = np.cumsum([0] + [len(b.pairs) for b in batches])
    n_sentences = np.cumsum([0] + [len(b.sentences) for b in batches])

    def links(name: str) -> tuple[np.ndarray, np.ndarray]:
        found = [getattr(b, name) for b in batches]
        return (
            np.concatenate([pair + n_pairs[k] for k, (pair, _) in enumerate(found)]),
            np.concatenate([sentence + n_sentences[k] for k, (_, sentence) in enumerate(found)]),
        )

    pairs = Pairs(
        doc=np.concatenate([b.pairs.doc + n_docs[k] for k, b in enumerate(batches)]),
        a=np.concatenate([b.pairs.a + n_entities[k] for k, b in enumerate(batches)]),
        b=np.concatenate([b.pairs.b + n_entities[k] for k, b in enumerate(batches)]),
        type_pair=np.concatenate([b.pairs.type_pair for b in batches]),
        identifiers=[identifier for b in batches for identifier in b.pairs.identifiers],
    )
    return FeatureBatch(
        pairs=pairs,
        between=_ragged_concat([b.between for b in batches]),
        sentences=_ragged_concat([b.sentences for b in batches]),
        shared=links("shared"),
        far=links("far"),
        windows=_ragged_concat([b.windows for b in batches]),
        names=_ragged_concat([b.names for b in batches]),
        documents=_ragged_concat([b.documents for b in batches]),
        cue_pattern=np.concatenate([b.cue_pattern for b in batches]),
        cue_shares=np.concatenate([b.cue_shares for b in batches]),
        categorical=np.concatenate([b.categorical for b in batches]),
        numeric=np.concatenate([b.numeric for b in batches]),
    )
