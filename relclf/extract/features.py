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

import bisect
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder, normalize

from ..document import Document
from ..parallel.workers import ordered_results, process_pool
from .candidates import Candidate
from .text import normal_word, tokenize

__all__ = ["CATEGORICAL", "FEATURE_GROUPS", "NUMERIC", "DocumentView", "FeatureBatch", "PairFeatures", "PairVectorizer", "concat_batches", "featurize", "featurize_parallel"]

_MAX_BETWEEN = 24  # longer gaps keep their first and last halves; the middle says little
_WINDOW = 3
# Word beginnings of general English cue words for the direction of an effect; counted around the
# pair's closest mentions and crossed with the type pair, so that the labeler can pool rare words.
_CUES: dict[str, tuple[str, ...]] = {
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
    """Bit k set when ``word`` starts with a cue of the k-th kind of :data:`_CUES` (cached)."""
    mask = _CUE_MASKS.get(word)
    if mask is None:
        if len(_CUE_MASKS) >= _CACHE_LIMIT:
            _CUE_MASKS.clear()
        mask = _CUE_MASKS[word] = sum(1 << bit for bit, stems in enumerate(_CUES.values()) if word.startswith(stems))
    return mask


def _closest(xs: Sequence[int], ys: Sequence[int]) -> tuple[int, int]:
    """The pair (x, y) with the smallest |x - y|; both lists sorted."""
    best = (abs(xs[0] - ys[0]), xs[0], ys[0])
    for x in xs:
        k = bisect.bisect_left(ys, x)
        for y in ys[max(k - 1, 0) : k + 1]:
            if abs(x - y) < best[0]:
                best = (abs(x - y), x, y)
    return best[1], best[2]


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
        return "+".join(name for bit, name in enumerate(_CUES) if found >> bit & 1)

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
        cues = dict.fromkeys(_CUES, 0)
        for s in shared:
            lo, hi = view.sentence_range(s)
            i, j = _closest(self.slots_in[a][s], self.slots_in[b][s])
            gap = view.masked(min(i, j), max(i, j), a, b)
            a_first += i < j
            negated += not _NEGATIONS.isdisjoint(gap)
            found = 0
            for mask in self.cue_masks[max(min(i, j) - _WINDOW, lo) : min(max(i, j) + _WINDOW, hi) + 1]:
                found |= mask
            for bit, name in enumerate(_CUES):
                cues[name] += found >> bit & 1
            between.extend(_trim(gap))
            between.append("|")
        far: tuple[int, ...] = ()
        if shared:
            distance = 0
        elif pos_a and pos_b:
            i, j = _closest(pos_a, pos_b)
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
    chunks = ((documents[i : i + chunk_size], candidates[i : i + chunk_size]) for i in range(0, len(documents), chunk_size))
    with process_pool(n_jobs) as pool:
        parts = [part for _, part in ordered_results(pool, _featurize_chunk, chunks, in_flight=4 * n_jobs)]
    return concat_batches(parts)


def _featurize_chunk(chunk: tuple[Sequence[Document], Sequence[Sequence[Candidate]]]) -> FeatureBatch:
    return featurize(*chunk)


def _indicator(rows: Sequence[Sequence[int]], n_columns: int) -> sparse.csr_matrix:
    """A 0/1 matrix with a 1 at (i, j) for each j in rows[i]."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in r), dtype=np.int64, count=int(indptr[-1]))
    return sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), n_columns))


def _text_vectorizer(ngram_range: tuple[int, int], min_df: int) -> TfidfVectorizer:
    return TfidfVectorizer(token_pattern=r"\S+", lowercase=False, ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, dtype=np.float64)


def _cue_patterns(batch: FeatureBatch) -> np.ndarray:
    return np.array([p.cue_pattern for p in batch.pairs], dtype=object).reshape(-1, 1)


def _categorical(batch: FeatureBatch) -> np.ndarray:
    return np.array([p.categorical for p in batch.pairs], dtype=object).reshape(len(batch.pairs), len(CATEGORICAL))


class PairVectorizer(TransformerMixin, BaseEstimator):
    """Turn a :class:`FeatureBatch` into one sparse matrix (one row per pair) with sklearn vectorizers.

    Parameters
    ----------
    groups : tuple of str, default all of FEATURE_GROUPS
        Which feature groups to use (for ablations).
    ngram_range : tuple of int, default (1, 3)
        Word n-grams of the between-mention text.
    min_df : int, default 2
        Ignore text features seen in fewer training units (pairs, sentences or entities).
    """

    def __init__(self, *, groups: Sequence[str] = FEATURE_GROUPS, ngram_range: tuple[int, int] = (1, 3), min_df: int = 2) -> None:
        self.groups = groups
        self.ngram_range = ngram_range
        self.min_df = min_df

    def fit(self, batch: FeatureBatch, y=None) -> PairVectorizer:
        """Learn vocabularies from a training batch; returns self."""
        unknown = set(self.groups) - set(FEATURE_GROUPS)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; choose from {FEATURE_GROUPS}")
        groups = set(self.groups)
        self.vectorizers_: dict[str, TfidfVectorizer | OneHotEncoder] = {}
        if groups & {"between", "between_typed"}:
            self.vectorizers_["between"] = _text_vectorizer(self.ngram_range, self.min_df).fit(p.between for p in batch.pairs)
        self.type_pairs_ = sorted({p.type_pair for p in batch.pairs})
        if groups & {"sentence", "far"}:
            self.vectorizers_["sentence"] = _text_vectorizer((1, 2), self.min_df).fit(batch.sentences)
        if "window" in groups:
            self.vectorizers_["window"] = _text_vectorizer((1, 1), self.min_df).fit(batch.entity_windows)
        if "entity" in groups:
            self.vectorizers_["entity"] = _text_vectorizer((1, 1), self.min_df).fit(batch.entity_names)
        if "document" in groups:
            self.vectorizers_["document"] = _text_vectorizer((1, 1), self.min_df).fit(batch.documents)
        if "cues" in groups:
            self.vectorizers_["cues"] = OneHotEncoder(handle_unknown="ignore").fit(_cue_patterns(batch))
        if "dense" in groups:
            self.vectorizers_["dense"] = OneHotEncoder(handle_unknown="ignore").fit(_categorical(batch))
        for vectorizer in self.vectorizers_.values():
            # every n-gram cut by min_df is kept there for introspection only; it would triple the
            # model file and its loading time
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_
        return self

    def _blocks(self, batch: FeatureBatch) -> list[tuple[str, sparse.csr_matrix]]:
        v, pairs, groups = self.vectorizers_, batch.pairs, self.groups
        blocks = []
        if "between" in groups or "between_typed" in groups:
            B = v["between"].transform(p.between for p in pairs)
            if "between" in groups:
                blocks.append(("between", B))
            if "between_typed" in groups:
                blocks.append(("between_typed", self._typed(B, pairs)))
        if "sentence" in groups or "far" in groups:
            S = v["sentence"].transform(batch.sentences)
            if "sentence" in groups:
                blocks.append(("sentence", normalize(_indicator([p.shared for p in pairs], S.shape[0]) @ S)))
            if "far" in groups:
                blocks.append(("far", normalize(_indicator([p.far for p in pairs], S.shape[0]) @ S)))
        for name, texts in (("window", batch.entity_windows), ("entity", batch.entity_names)):
            if name in groups:
                E = v[name].transform(texts)
                blocks.append((f"{name}_a", E[[p.a for p in pairs]]))
                blocks.append((f"{name}_b", E[[p.b for p in pairs]]))
        if "document" in groups:
            W = v["document"].transform(batch.documents)
            blocks.append(("document", self._typed(W[[p.doc for p in pairs]], pairs)))
        if "cues" in groups:
            shares = sparse.csr_matrix(np.array([p.cue_shares for p in pairs], dtype=np.float64))
            blocks.append(("cues", sparse.hstack([v["cues"].transform(_cue_patterns(batch)), shares], format="csr")))
        if "dense" in groups:
            numeric = sparse.csr_matrix(np.array([p.numeric for p in pairs], dtype=np.float64))
            blocks.append(("dense", sparse.hstack([v["dense"].transform(_categorical(batch)), numeric], format="csr")))
        return blocks

    def _typed(self, B: sparse.csr_matrix, pairs: Sequence[PairFeatures]) -> sparse.csr_matrix:
        """Cross text features with the type pair: one copy of the vocabulary per type pair."""
        width = B.shape[1]
        slot = {tp: k for k, tp in enumerate(self.type_pairs_)}
        offsets = np.array([slot.get(p.type_pair, -1) for p in pairs], dtype=np.int64)
        B = B.tocsr()
        per_row = np.repeat(offsets, np.diff(B.indptr))
        data = np.where(per_row < 0, 0.0, B.data)  # type pairs unseen in training get no features
        indices = B.indices.astype(np.int64) + np.maximum(per_row, 0) * width
        typed = sparse.csr_matrix((data, indices, B.indptr.astype(np.int64)), shape=(B.shape[0], width * len(self.type_pairs_)))
        typed.eliminate_zeros()
        return typed

    def transform(self, batch: FeatureBatch) -> sparse.csr_matrix:
        """Return the sparse matrix (n_pairs, n_features) of ``batch``."""
        if not batch.pairs:
            return sparse.csr_matrix((0, len(self.get_feature_names_out())))
        return sparse.hstack([m for _, m in self._blocks(batch)], format="csr")

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the matrix columns, ``block__feature``."""
        names: list[str] = []
        for name in (g for g in FEATURE_GROUPS if g in self.groups):  # the order of _blocks
            if name in ("between_typed", "document"):
                words = self.vectorizers_["between" if name == "between_typed" else name].get_feature_names_out()
                names.extend(f"{name}__{tp}:{w}" for tp in self.type_pairs_ for w in words)
            elif name == "cues":
                names.extend(f"cues__{f}" for f in self.vectorizers_["cues"].get_feature_names_out(["pattern"]))
                names.extend(f"cues__share_{kind}" for kind in _CUES)
            elif name == "dense":
                names.extend(f"dense__{f}" for f in self.vectorizers_["dense"].get_feature_names_out(CATEGORICAL))
                names.extend(f"dense__{f}" for f in NUMERIC)
            else:
                vec = self.vectorizers_["sentence" if name == "far" else name]
                features = vec.get_feature_names_out()
                roles = ("_a", "_b") if name in ("window", "entity") else ("",)
                names.extend(f"{name}{role}__{f}" for role in roles for f in features)
        return np.asarray(names, dtype=object)
