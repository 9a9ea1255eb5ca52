"""Features of candidate pairs: entity-masked context text plus document-level signals.

:func:`featurize` turns documents and their candidates into a :class:`FeatureBatch`; a
:class:`PairVectorizer` turns a batch into one sparse matrix, one row per candidate.

Text that does not depend on the pair is vectorized once and shared: each sentence once (a pair gets
the sum of its co-occurrence sentences), each entity's mention windows and names once (a pair gets
its two entities' rows). Only the text between the two mentions is built per pair. This keeps
prediction fast however many pairs a document has.

In masked text the pair's own mentions read ``@A@`` and ``@B@`` (in between-text), every other entity
mention reads as its type (``@Gene@``), digits read ``0`` and words are lower-cased.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..document import Document
from ..parallel.batching import batched
from ..parallel.workers import imap_ordered
from .candidates import Candidate, closest_pair
from .text import normal_word, tokenize

__all__ = ["CATEGORICAL", "CUES", "FEATURE_GROUPS", "NUMERIC", "DocumentView", "FeatureBatch", "PairFeatures", "concat_batches", "featurize", "featurize_parallel"]

_MAX_BETWEEN = 24  # longer gaps keep their first and last halves; the middle says little
_WINDOW = 3
# Word beginnings of general English cue words for the direction of an effect; counted around the
# pair's closest mentions and crossed with the type pair, so that the labeler can pool rare words.
CUES: dict[str, tuple[str, ...]] = {
    "up": ("increas", "induc", "elevat", "upregulat", "up-regulat", "promot", "enhanc", "activat", "stimulat",
           "caus", "risk", "trigger", "aggravat", "exacerbat", "worsen", "augment", "potentiat", "accelerat"),
    "down": ("decreas", "reduc", "inhibit", "suppress", "downregulat", "down-regulat", "attenuat", "prevent",
             "protect", "treat", "alleviat", "amelior", "improv", "block", "abolish", "lower", "therap", "rescu",
             "revers", "antagon", "diminish", "impair", "relie"),
    "association": ("associat", "correlat", "link", "polymorphism", "susceptib", "carrier", "genotyp", "allele"),
    "binding": ("bind", "bound", "interact", "complex", "ligand", "receptor"),
}
_NEGATIONS = frozenset({"not", "no", "nor", "neither", "without", "lack", "failed", "unaffected", "absence"})

# Document-level signals of a pair, in the order of PairFeatures.categorical / .numeric.
CATEGORICAL: tuple[str, ...] = (
    "tp", "tp&cooc", "tp&dist", "dist", "tp&title", "first_shared", "rank_a", "rank_b", "tp&ranks",
)
NUMERIC: tuple[str, ...] = (
    "n_a", "n_b", "n_shared", "shared_frac", "title_a", "title_b", "title_both", "last_shared",
    "partners_a", "partners_b", "a_first", "negated", "n_entities", "n_sentences",
)

# Feature groups that can be switched off (for ablations).
FEATURE_GROUPS: tuple[str, ...] = ("between", "between_typed", "sentence", "far", "window", "entity", "document", "cues", "dense")


@dataclass(frozen=True, slots=True)
class PairFeatures:
    """What is specific to one candidate pair.

    ``shared`` and ``far`` index the batch's sentences (co-occurrence sentences, and the closest
    sentences of a pair that never co-occurs); ``a`` and ``b`` index the batch's entities and
    ``doc`` its documents;
    ``categorical`` and ``numeric`` are the document-level signals named by :data:`CATEGORICAL` and
    :data:`NUMERIC`; ``cue_pattern`` names the kinds of direction cue found near the pair (with the type
    pair, negation, and the cues near each entity's own mentions) and ``cue_shares`` the share of
    co-occurrence sentences with each kind.
    """

    between: str
    type_pair: str
    shared: tuple[int, ...]
    far: tuple[int, ...]
    a: int
    b: int
    doc: int
    categorical: tuple[str, ...]
    numeric: tuple[float, ...]
    cue_pattern: str
    cue_shares: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class FeatureBatch:
    """The vectorizer's input: shared sentence and entity texts, and one PairFeatures per candidate."""

    sentences: tuple[str, ...]
    documents: tuple[str, ...]
    entity_windows: tuple[str, ...]
    entity_names: tuple[str, ...]
    pairs: tuple[PairFeatures, ...]

    def __len__(self) -> int:
        return len(self.pairs)


class DocumentView:
    """A document as slots (:func:`relclf.extract.text.tokenize`) with the slots of each entity.

    Parameters
    ----------
    document : Document
    entity_ids : dict
        Maps the index of each mention in ``document.mentions`` to the identifiers it names (an
        empty tuple for mentions of no candidate entity; they still read as their type).

    Attributes
    ----------
    words_, sentence_of : list
        Per slot: the word (lower-cased, digits as 0, or ``@Type@`` for a mention) and its sentence.
    positions : dict
        Identifier -> indices of the slots of its mentions.
    n_sentences : int
        Sentence 0 is the title.
    """

    def __init__(self, document: Document, entity_ids: dict[int, tuple[str, ...]]) -> None:
        tokens = tokenize(document)
        self.tokens = tokens
        self.words_ = tokens.words
        self.sentence_of = tokens.sentence_of
        self.n_sentences = tokens.n_sentences
        self.sentence_starts = tokens.sentence_starts()
        self.positions: dict[str, list[int]] = {}
        for _, _, index in sorted((m.start, m.end, i) for i, m in enumerate(document.mentions)):
            slot = tokens.mention_slots[index]
            for identifier in entity_ids.get(index, ()):
                positions = self.positions.setdefault(identifier, [])
                if not positions or positions[-1] != slot:
                    positions.append(slot)

    def words(self, lo: int, hi: int) -> list[str]:
        """Words of slots ``lo..hi`` (inclusive), every mention as its type."""
        return self.words_[lo : hi + 1]

    def masked(self, lo: int, hi: int, a: str, b: str) -> list[str]:
        """Words of slots ``lo..hi`` (inclusive) with the pair's own mentions as @A@ / @B@."""
        words = self.words_[lo : hi + 1]
        for identifier, mask in ((a, "@A@"), (b, "@B@")):
            for index in self.positions.get(identifier, ()):
                if lo <= index <= hi:
                    words[index - lo] = "@AB@" if words[index - lo] in ("@A@", "@B@") else mask
        return words

    def sentence_range(self, sentence: int) -> tuple[int, int]:
        """First and last slot index of a sentence."""
        return self.sentence_starts[sentence], self.sentence_starts[sentence + 1] - 1


# Per-process cache of a pure function of a word; cleared when large so that memory stays bounded.
_CUE_MASKS: dict[str, int] = {}
_CACHE_LIMIT = 500_000


def _cue_mask(word: str) -> int:
    """Bit k set when ``word`` starts with a cue of the k-th kind of :data:`CUES` (cached)."""
    mask = _CUE_MASKS.get(word)
    if mask is None:
        if len(_CUE_MASKS) >= _CACHE_LIMIT:
            _CUE_MASKS.clear()
        mask = _CUE_MASKS[word] = sum(1 << bit for bit, stems in enumerate(CUES.values()) if word.startswith(stems))
    return mask


def _trim(words: list[str]) -> list[str]:
    if len(words) <= _MAX_BETWEEN:
        return words
    half = _MAX_BETWEEN // 2
    return words[:half] + ["…"] + words[-half:]


def _bucket(value: float, edges: Sequence[float]) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return f">{edges[-1]}"


class _DocumentFeatures:
    """Per-document work shared by all of its pairs; appends sentences and entities to the batch."""

    def __init__(self, document: Document, candidates: Sequence[Candidate], batch: _BatchBuilder) -> None:
        entities = {c.a.identifier: c.a for c in candidates} | {c.b.identifier: c.b for c in candidates}
        mention_ids: dict[int, list[str]] = {}
        index_of = {id(m): i for i, m in enumerate(document.mentions)}
        for entity in entities.values():
            for mention in entity.mentions:
                mention_ids.setdefault(index_of[id(mention)], []).append(entity.identifier)
        self.view = view = DocumentView(document, {k: tuple(v) for k, v in mention_ids.items()})
        self.sentence_offset = len(batch.sentences)
        batch.sentences.extend(" ".join(view.words(*view.sentence_range(s))) for s in range(view.n_sentences))
        self.doc_index = len(batch.documents)
        batch.documents.append(" ".join(view.words_))
        order = sorted(entities.values(), key=lambda e: -len(e.mentions))
        self.ranks = {e.identifier: rank for rank, e in enumerate(order, start=1)}
        self.partners = Counter(x for c in candidates for x in (c.a.identifier, c.b.identifier))
        self.entity_index: dict[str, int] = {}
        for identifier, entity in entities.items():
            self.entity_index[identifier] = len(batch.entity_windows)
            batch.entity_windows.append(self._windows(view.positions.get(identifier, [])))
            names = Counter(normal_word(m.text).replace(" ", "_") for m in entity.mentions)
            batch.entity_names.append(" ".join([f"id={identifier}", *(f"name={n}" for n in names)]))
        # which kinds of cue each word is (a bit per kind), computed once per document, not per pair
        self.cue_masks = [_cue_mask(word) for word in view.words_]
        # an entity's cues do not depend on its partner: computed once, not once per pair
        self.entity_cues = {identifier: self._entity_cues(positions) for identifier, positions in view.positions.items()}
        self.sentences_of = {
            identifier: Counter(view.sentence_of[p] for p in positions)
            for identifier, positions in view.positions.items()
        }
        # each entity's slots grouped by sentence (in order), so that a pair looks up, not scans
        self.slots_in: dict[str, dict[int, list[int]]] = {}
        for identifier, positions in view.positions.items():
            by_sentence: dict[int, list[int]] = {}
            for p in positions:
                by_sentence.setdefault(view.sentence_of[p], []).append(p)
            self.slots_in[identifier] = by_sentence

    def _entity_cues(self, positions: list[int]) -> str:
        """Kinds of cue within the word windows of an entity's mentions, e.g. ``"up+treat"``."""
        found = 0
        for p in positions:
            for mask in self.cue_masks[max(p - _WINDOW, 0) : p + _WINDOW + 1]:
                found |= mask
        return "+".join(name for bit, name in enumerate(CUES) if found >> bit & 1)

    def _windows(self, positions: list[int]) -> str:
        view, words = self.view, []
        last = len(view.words_) - 1
        for p in positions:
            words.extend(f"l_{w}" for w in view.words(max(p - _WINDOW, 0), p - 1))
            words.extend(f"r_{w}" for w in view.words(p + 1, min(p + _WINDOW, last)))
        return " ".join(words)

    def pair(self, candidate: Candidate) -> PairFeatures:
        a, b = candidate.a.identifier, candidate.b.identifier
        view, tp = self.view, candidate.type_pair
        pos_a, pos_b = view.positions.get(a, []), view.positions.get(b, [])
        sents_a, sents_b = self.sentences_of.get(a, Counter()), self.sentences_of.get(b, Counter())
        shared = sorted(set(sents_a) & set(sents_b))
        between: list[str] = []
        a_first = negated = 0
        cues = dict.fromkeys(CUES, 0)
        for s in shared:
            lo, hi = view.sentence_range(s)
            i, j = closest_pair(self.slots_in[a][s], self.slots_in[b][s])
            gap = view.masked(min(i, j), max(i, j), a, b)
            a_first += i < j
            negated += not _NEGATIONS.isdisjoint(gap)
            found = 0
            for mask in self.cue_masks[max(min(i, j) - _WINDOW, lo) : min(max(i, j) + _WINDOW, hi) + 1]:
                found |= mask
            for bit, name in enumerate(CUES):
                cues[name] += found >> bit & 1
            between.extend(_trim(gap))
            between.append("|")
        far: tuple[int, ...] = ()
        if shared:
            distance = 0
        elif pos_a and pos_b:
            i, j = closest_pair(pos_a, pos_b)
            si, sj = view.sentence_of[i], view.sentence_of[j]
            distance = abs(si - sj)
            far = tuple(self.sentence_offset + s for s in sorted({si, sj}))
        else:
            distance = view.n_sentences
        last = view.n_sentences - 1
        first_shared = shared[0] / max(last, 1) if shared else 1.0
        dist = _bucket(distance, (0, 1, 2, 4, 8))
        in_title = (0 in sents_a, 0 in sents_b)
        categorical = (
            tp,
            f"{tp}&{bool(shared)}",
            f"{tp}&{dist}",
            dist,
            f"{tp}&{in_title[0]}&{in_title[1]}",
            _bucket(first_shared, (0.0, 0.25, 0.5, 0.75, 1.0)),
            _bucket(self.ranks[a], (1, 2, 3, 5)),
            _bucket(self.ranks[b], (1, 2, 3, 5)),
            f"{tp}&{min(self.ranks[a], 4)}&{min(self.ranks[b], 4)}",
        )
        numeric = (
            math.log1p(len(pos_a)),
            math.log1p(len(pos_b)),
            math.log1p(len(shared)),
            len(shared) / max(len(set(sents_a) | set(sents_b)), 1),
            float(in_title[0]),
            float(in_title[1]),
            float(0 in shared),
            float(last in shared or last - 1 in shared),
            math.log1p(self.partners[a]),
            math.log1p(self.partners[b]),
            a_first / len(shared) if shared else 0.5,
            negated / len(shared) if shared else 0.0,
            math.log1p(len(self.ranks)),
            math.log1p(view.n_sentences),
        )
        return PairFeatures(
            between=" ".join(between),
            type_pair=tp,
            shared=tuple(self.sentence_offset + s for s in shared),
            far=far,
            a=self.entity_index[a],
            b=self.entity_index[b],
            doc=self.doc_index,
            categorical=categorical,
            numeric=numeric,
            cue_pattern=(
                f"{tp}&" + ("&".join(name for name, n in cues.items() if n) or "none") + f"&neg={negated > 0}"
                f"&a={self.entity_cues.get(a, '')}&b={self.entity_cues.get(b, '')}"
            ),
            cue_shares=tuple(n / len(shared) if shared else 0.0 for n in cues.values()),
        )


@dataclass
class _BatchBuilder:
    sentences: list[str]
    documents: list[str]
    entity_windows: list[str]
    entity_names: list[str]
    pairs: list[PairFeatures]


def featurize(documents: Sequence[Document], candidates: Sequence[Sequence[Candidate]]) -> FeatureBatch:
    """Featurize the candidates of several documents into one batch.

    Parameters
    ----------
    documents : sequence of Document
    candidates : sequence of sequence of Candidate
        ``candidates[i]`` are the candidates of ``documents[i]``.

    Returns
    -------
    FeatureBatch
        ``batch.pairs`` follows the candidates in order (documents, then candidates).
    """
    builder = _BatchBuilder([], [], [], [], [])
    for document, doc_candidates in zip(documents, candidates):
        if not doc_candidates:
            continue
        features = _DocumentFeatures(document, doc_candidates, builder)
        builder.pairs.extend(features.pair(c) for c in doc_candidates)
    return FeatureBatch(
        tuple(builder.sentences), tuple(builder.documents), tuple(builder.entity_windows), tuple(builder.entity_names), tuple(builder.pairs)
    )


def concat_batches(batches: Sequence[FeatureBatch]) -> FeatureBatch:
    """Join feature batches into one, as if their documents had been featurized together.

    The sentence, entity and document indices of each batch's pairs are shifted past the batches
    before it, so ``featurize(d1 + d2, c1 + c2)`` equals ``concat_batches([featurize(d1, c1), featurize(d2, c2)])``.
    """
    if len(batches) == 1:
        return batches[0]
    sentences: list[str] = []
    documents: list[str] = []
    windows: list[str] = []
    names: list[str] = []
    pairs: list[PairFeatures] = []
    for batch in batches:
        s, d, e = len(sentences), len(documents), len(windows)
        pairs.extend(
            replace(
                p,
                shared=tuple(i + s for i in p.shared),
                far=tuple(i + s for i in p.far),
                a=p.a + e,
                b=p.b + e,
                doc=p.doc + d,
            )
            for p in batch.pairs
        )
        sentences.extend(batch.sentences)
        documents.extend(batch.documents)
        windows.extend(batch.entity_windows)
        names.extend(batch.entity_names)
    return FeatureBatch(tuple(sentences), tuple(documents), tuple(windows), tuple(names), tuple(pairs))


def featurize_parallel(
    documents: Sequence[Document], candidates: Sequence[Sequence[Candidate]], n_jobs: int = 1, chunk_size: int = 64
) -> FeatureBatch:
    """:func:`featurize` in ``n_jobs`` worker processes; the batch is the same as a serial run's.

    Documents are featurized in chunks of ``chunk_size`` and the chunks joined in input order
    (:func:`concat_batches`).
    """
    if n_jobs == 1 or len(documents) <= chunk_size:
        return featurize(documents, candidates)
    chunks = batched(zip(documents, candidates), chunk_size)
    return concat_batches([part for _, part in imap_ordered(_featurize_chunk, chunks, n_jobs=n_jobs, in_flight=4 * n_jobs)])


def _featurize_chunk(_: None, chunk: list[tuple[Document, Sequence[Candidate]]]) -> FeatureBatch:
    return featurize([d for d, _ in chunk], [c for _, c in chunk])
