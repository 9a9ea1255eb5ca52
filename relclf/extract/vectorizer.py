"""Feature batches to one sparse matrix: tf-idf n-gram blocks on word ids, one-hot signals, type-pair crossings.

:class:`PairVectorizer` learns, per block, which n-grams occur in at least ``min_df`` training units and
their idf weights, and turns a :class:`~relclf.extract.features.FeatureBatch` into one sparse matrix,
one row per candidate pair. An n-gram of word ids is one integer (:func:`ngram_codes`), looked up in the
block's sorted codes with ``searchsorted``; tf-idf weighting (sublinear tf, smooth idf, l2 rows, as
scikit-learn's ``TfidfVectorizer``) is array arithmetic. Shared units (sentences, entities, documents)
are vectorized once per batch and each pair takes its rows. Needs numpy and scipy only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..text import CUE_KINDS, Vocabulary
from .features import CATEGORICAL, DIST_EDGES, FEATURE_GROUPS, FIRST_EDGES, NUMERIC, RANK_EDGES, FeatureBatch, Ragged

__all__ = ["CodeBlock", "PairVectorizer", "cue_name", "ngram_codes", "signal_name"]

# n-gram codes must fit in int64: V + V**2 + V**3 < 2**63
MAX_VOCABULARY = 2_000_000


def ngram_codes(sequences: Ragged, n_max: int, n_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Every 1- to ``n_max``-gram of each sequence as one integer: ``(sequence index, code)`` arrays.

    A word id ``w`` (``0 <= w < n_words``) is the 1-gram code ``w``; a 2-gram ``(u, w)`` is
    ``n_words + u * n_words + w``; a 3-gram ``n_words + n_words**2 + (u * n_words + v) * n_words + w``.
    N-grams never span two sequences; an n-gram holding the unknown word (id 0) is dropped.

    >>> seqs = Ragged(np.array([3, 4, 5, 6]), np.array([0, 3, 4]))
    >>> rows, codes = ngram_codes(seqs, 2, 10)
    >>> rows.tolist(), codes.tolist()
    ([0, 0, 0, 1, 0, 0], [3, 4, 5, 6, 44, 55])
    """
    if n_words >= MAX_VOCABULARY:
        raise ValueError(f"a vocabulary of {n_words:,} words is too large for n-gram codes (limit {MAX_VOCABULARY:,})")
    values = sequences.values
    rows = sequences.rows()
    all_rows, all_codes = [], []
    base = 0
    for n in range(1, n_max + 1):
        if len(values) >= n:
            span = len(values) - n + 1
            code = np.zeros(span, dtype=np.int64)
            known = np.ones(span, dtype=bool)
            for t in range(n):
                part = values[t : t + span]
                code = code * n_words + part
                known &= part != 0
            valid = known & (rows[:span] == rows[n - 1 :])
            all_rows.append(rows[:span][valid])
            all_codes.append(code[valid] + base)
        base += n_words**n
    if not all_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(all_rows), np.concatenate(all_codes)


@dataclass(frozen=True)
class CodeBlock:
    """The learned columns of one block: sorted codes and, for tf-idf blocks, their idf weights.

    Codes below ``direct_below`` (the block's 1-grams) are looked up in a plain array, the others in
    a hash table.
    """

    codes: np.ndarray
    idf: np.ndarray | None = None
    direct_below: int = 0

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def fit_tfidf(
        cls, rows: np.ndarray, codes: np.ndarray, n_units: int, min_df: int, direct_below: int = 0
    ) -> CodeBlock:
        """Keep the codes found in at least ``min_df`` units; idf ``ln((1 + n) / (1 + df)) + 1``."""
        unique, df = _document_frequency(rows, codes)
        keep = df >= min_df
        return cls(unique[keep], np.log((1 + n_units) / (1 + df[keep])) + 1.0, direct_below)

    @classmethod
    def fit_categories(cls, codes: np.ndarray) -> CodeBlock:
        """Every code seen (a one-hot block)."""
        return cls(np.unique(codes))

    def columns(self, codes: np.ndarray) -> np.ndarray:
        """The column of each code, -1 for codes not learned (a hash-table lookup; see :class:`_HashIndex`)."""
        if len(self.codes) == 0:
            return np.full(len(codes), -1, dtype=np.int64)
        return self._index.lookup(codes)

    @functools.cached_property
    def _index(self) -> _HashIndex:
        return _HashIndex(self.codes, self.direct_below)

    def tfidf(self, rows: np.ndarray, codes: np.ndarray, n_rows: int) -> sparse.csr_matrix:
        """The l2-normalized tf-idf matrix (``n_rows`` x this block) of the given (row, code) occurrences."""
        columns = self.columns(codes)
        found = columns >= 0
        # counting by building the matrix: scipy sums the duplicates of each (row, column)
        counts = sparse.csr_matrix(
            (np.ones(int(found.sum())), (rows[found], columns[found])), shape=(n_rows, len(self.codes))
        )
        counts.sum_duplicates()
        values = (1.0 + np.log(counts.data)) * self.idf[counts.indices]  # type: ignore[index]
        row = np.repeat(np.arange(n_rows), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(row, weights=values * values, minlength=n_rows))
        counts.data = values / norms[row]
        return counts


class _HashIndex:
    """A read-only hash table from int64 codes to their positions, with vectorized lookups.

    Open addressing with linear probing in a table of at least four slots per code, so that a lookup
    is one or two random reads where a binary search over the sorted codes would take about 17.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, codes: np.ndarray, direct_below: int = 0) -> None:
        small = codes[codes < direct_below]  # a prefix: the codes are sorted
        self.direct_below = direct_below
        self.direct = np.full(direct_below, -1, dtype=np.int64)
        self.direct[small] = np.arange(len(small))
        self.bits = max(int(np.ceil(np.log2(4 * len(codes) + 1))), 4)
        self.mask = (1 << self.bits) - 1
        self.keys = np.full(1 << self.bits, -1, dtype=np.int64)
        self.values = np.full(1 << self.bits, -1, dtype=np.int64)
        home = self._hash(codes)
        pending = np.arange(len(codes))
        self.probes = 0
        while len(pending):  # each round, every code not yet placed tries the next slot
            slot = (home[pending] + self.probes) & self.mask
            free = self.keys[slot] == -1
            candidates, slots = pending[free], slot[free]
            _, first = np.unique(slots, return_index=True)  # one code per free slot
            self.keys[slots[first]] = codes[candidates[first]]
            self.values[slots[first]] = candidates[first]
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            pending = pending[~placed]
            self.probes += 1

    def _hash(self, codes: np.ndarray) -> np.ndarray:
        return ((codes.astype(np.uint64) * self._MULTIPLIER) >> np.uint64(64 - self.bits)).astype(np.int64)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """The position of each code, -1 when it is not in the table."""
        result = np.full(len(codes), -1, dtype=np.int64)
        small = codes < self.direct_below
        result[small] = self.direct[codes[small]]
        pending = np.flatnonzero(~small)
        slot = self._hash(codes[pending])
        for _ in range(self.probes):
            key = self.keys[slot]
            hit = key == codes[pending]
            result[pending[hit]] = self.values[slot[hit]]
            going = ~hit & (key != -1)  # a free slot ends the search
            pending, slot = pending[going], (slot[going] + 1) & self.mask
            if not len(pending):
                break
        return result


def _document_frequency(rows: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct codes and the number of distinct rows each occurs in."""
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = np.lexsort((rows, codes))
    r, c = rows[order], codes[order]
    first = np.ones(len(c), dtype=bool)
    first[1:] = (c[1:] != c[:-1]) | (r[1:] != r[:-1])
    return np.unique(c[first], return_counts=True)


def _csr(row: np.ndarray, column: np.ndarray, values: np.ndarray, n_rows: int, n_columns: int) -> sparse.csr_matrix:
    """A CSR matrix from entries sorted by row (duplicates not allowed)."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=indptr[1:])
    return sparse.csr_matrix((values, column.astype(np.int64), indptr), shape=(n_rows, n_columns))


def _normalize(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """The rows of ``matrix`` scaled to unit l2 norm (empty rows stay empty)."""
    lengths = np.diff(matrix.indptr)
    squares = np.add.reduceat(matrix.data * matrix.data, matrix.indptr[:-1][lengths > 0]) if matrix.nnz else np.zeros(0)
    norms = np.ones(matrix.shape[0])
    norms[lengths > 0] = np.sqrt(squares)
    matrix.data = matrix.data / np.repeat(norms, lengths)
    return matrix


def _links(links: tuple[np.ndarray, np.ndarray], n_pairs: int, n_units: int) -> sparse.csr_matrix:
    """A 0/1 matrix pairs x units with a 1 for each (pair, unit) link (links sorted by pair)."""
    pair, unit = links
    return _csr(pair, unit, np.ones(len(pair)), n_pairs, n_units)


def _typed(block: sparse.csr_matrix, type_pair: np.ndarray, n_types: int) -> sparse.csr_matrix:
    """Cross a block with the type pair: one copy of its columns per type pair."""
    width = block.shape[1]
    per_entry = np.repeat(type_pair, np.diff(block.indptr))
    return sparse.csr_matrix(
        (block.data, block.indices + per_entry * width, block.indptr), shape=(block.shape[0], width * n_types)
    )


def _one_hot(block: CodeBlock, codes: np.ndarray) -> sparse.csr_matrix:
    """Rows x learned categories, a 1 where a row's code (one column of ``codes`` per feature) is known."""
    codes = codes.reshape(len(codes), -1)
    columns = block.columns(codes.ravel()).reshape(codes.shape)
    found = columns >= 0
    indptr = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(found.sum(axis=1), out=indptr[1:])
    return sparse.csr_matrix((np.ones(int(indptr[-1])), columns[found], indptr), shape=(len(codes), len(block)))


class PairVectorizer:
    """Turn a :class:`~relclf.extract.features.FeatureBatch` into one sparse matrix (one row per pair).

    Parameters
    ----------
    groups : tuple of str, default all of FEATURE_GROUPS
        Which feature groups to use (for ablations).
    ngram_range : tuple of int, default (1, 3)
        Word n-grams of the between-mention text (only the upper bound is free: n-grams start at 1).
    min_df : int, default 2
        Ignore text features seen in fewer training units (pairs, sentences, entities or documents).

    Attributes (after :meth:`fit`)
    ------------------------------
    blocks_ : dict of str to CodeBlock
        The learned columns of each block.
    n_words_ : int
        The vocabulary size the codes were computed with.
    n_type_pairs_ : int
    """

    def __init__(
        self, *, groups: Sequence[str] = FEATURE_GROUPS, ngram_range: tuple[int, int] = (1, 3), min_df: int = 2
    ) -> None:
        self.groups = groups
        self.ngram_range = ngram_range
        self.min_df = min_df

    # the scikit-learn parameter protocol (clone, grid search), without importing scikit-learn
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters."""
        return {"groups": self.groups, "ngram_range": self.ngram_range, "min_df": self.min_df}

    def set_params(self, **params: Any) -> PairVectorizer:
        """Set constructor parameters; returns self."""
        for name, value in params.items():
            if name not in self.get_params():
                raise ValueError(f"invalid parameter {name!r} for PairVectorizer")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != PairVectorizer().get_params()[k]}
        return f"PairVectorizer({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _direct_below(self, name: str) -> int:
        """The codes of a block's 1-grams are below this (see :func:`ngram_codes`); 0 for one-hot blocks."""
        return {"window": 2 * self.n_words_, "cues": 0, "dense": 0}.get(name, self.n_words_)

    def _units(self, batch: FeatureBatch, n_words: int) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        """Each text block's (unit, code) occurrences and number of units."""
        groups = set(self.groups)
        units: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        if groups & {"between", "between_typed"}:
            units["between"] = (*ngram_codes(batch.between, self.ngram_range[1], n_words), len(batch.between))
        if groups & {"sentence", "far"}:
            units["sentence"] = (*ngram_codes(batch.sentences, 2, n_words), len(batch.sentences))
        if "window" in groups:
            units["window"] = (*ngram_codes(batch.windows, 1, 2 * n_words), len(batch.windows))
        if "entity" in groups:
            units["entity"] = (*ngram_codes(batch.names, 1, n_words), len(batch.names))
        if "document" in groups:
            units["document"] = (*ngram_codes(batch.documents, 1, n_words), len(batch.documents))
        return units

    def fit(self, batch: FeatureBatch, vocabulary: Vocabulary, n_type_pairs: int) -> PairVectorizer:
        """Learn each block's columns from a training batch; returns self."""
        unknown = set(self.groups) - set(FEATURE_GROUPS)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; choose from {FEATURE_GROUPS}")
        self.n_words_ = len(vocabulary)
        self.n_type_pairs_ = n_type_pairs
        self.blocks_ = {
            name: CodeBlock.fit_tfidf(rows, codes, n, self.min_df, self._direct_below(name))
            for name, (rows, codes, n) in self._units(batch, self.n_words_).items()
        }
        if "cues" in self.groups:
            self.blocks_["cues"] = CodeBlock.fit_categories(batch.cue_pattern)
        if "dense" in self.groups:
            self.blocks_["dense"] = CodeBlock.fit_categories(batch.categorical.ravel())
        return self

    def fit_transform(self, batch: FeatureBatch, vocabulary: Vocabulary, n_type_pairs: int) -> sparse.csr_matrix:
        """:meth:`fit`, then :meth:`transform`."""
        return self.fit(batch, vocabulary, n_type_pairs).transform(batch)

    def transform(self, batch: FeatureBatch) -> sparse.csr_matrix:
        """Return the sparse matrix (n_pairs, n_features) of ``batch``."""
        return (
            sparse.hstack([m for _, m in self._blocks(batch)], format="csr")
            if len(batch)
            else sparse.csr_matrix((0, self.n_features_))
        )

    @property
    def n_features_(self) -> int:
        """Number of columns of the matrix."""
        return sum(width for _, width in self._widths())

    def _widths(self) -> list[tuple[str, int]]:
        """(block name, width) of each block of the matrix, in order."""
        b, groups, t = self.blocks_, self.groups, self.n_type_pairs_
        widths = []
        for name in (g for g in FEATURE_GROUPS if g in groups):
            if name == "between":
                widths.append((name, len(b["between"])))
            elif name in ("between_typed", "document"):
                widths.append((name, len(b["between" if name == "between_typed" else name]) * t))
            elif name in ("sentence", "far"):
                widths.append((name, len(b["sentence"])))
            elif name in ("window", "entity"):
                widths += [(f"{name}_a", len(b[name])), (f"{name}_b", len(b[name]))]
            elif name == "cues":
                widths.append((name, len(b["cues"]) + len(CUE_KINDS)))
            else:
                widths.append((name, len(b["dense"]) + len(NUMERIC)))
        return widths

    def _parts(self, batch: FeatureBatch) -> _Parts:
        """The batch's tf-idf matrices of shared units, computed once for all blocks."""
        return _Parts(self, batch, self._units(batch, self.n_words_))

    def _blocks(self, batch: FeatureBatch) -> list[tuple[str, sparse.csr_matrix]]:
        parts, pairs, groups = self._parts(batch), batch.pairs, self.groups
        blocks = []
        for name, _ in self._widths():
            if name == "between":
                blocks.append((name, parts.between))
            elif name == "between_typed":
                blocks.append((name, _typed(parts.between, pairs.type_pair, self.n_type_pairs_)))
            elif name in ("sentence", "far"):
                blocks.append((name, parts.pair_sentences(name)))
            elif name[:-2] in ("window", "entity"):
                blocks.append((name, parts.entities(name[:-2])[pairs.a if name.endswith("_a") else pairs.b]))
            elif name == "document":
                blocks.append((name, _typed(parts.documents[pairs.doc], pairs.type_pair, self.n_type_pairs_)))
            else:
                blocks.append((name, parts.signals(name)))
        assert {name for name, _ in blocks} >= set(groups) - {"window", "entity"}
        return blocks

    def decisions(self, batch: FeatureBatch, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``transform(batch)[rows] @ weights`` (weights: n_features x k), without building the pair matrix.

        See :meth:`scorer`, which keeps the batch's blocks for several calls.
        """
        return self.scorer(batch).decisions(weights, rows)

    def scorer(self, batch: FeatureBatch) -> _Parts:
        """The batch's blocks, built on first use and kept, to multiply with weights (``.decisions(weights, rows=None)``).

        Blocks that repeat a shared unit for many pairs are multiplied once per unit: an entity's
        window or names once per entity, a document's words once per document and type pair. This
        is how a model predicts (the detector for every pair, the labelers for the pairs it keeps);
        :meth:`transform` (the same numbers, as a matrix) is for training and explanations.
        """
        return self._parts(batch)

    # -- naming columns (explanations) -------------------------------------------------------------
    def get_feature_names_out(self, vocabulary: Vocabulary, type_pairs: Sequence[str]) -> np.ndarray:
        """Names of the matrix columns, ``block__feature`` (built on demand, for explanations)."""
        words = vocabulary.words
        names: list[str] = []
        for name, _ in self._widths():
            if name == "between":
                names += [f"between__{_ngram(c, words)}" for c in self.blocks_["between"].codes]
            elif name == "between_typed":
                base = [_ngram(c, words) for c in self.blocks_["between"].codes]
                names += [f"between_typed__{tp}:{w}" for tp in type_pairs for w in base]
            elif name in ("sentence", "far"):
                names += [f"{name}__{_ngram(c, words)}" for c in self.blocks_["sentence"].codes]
            elif name.startswith("window"):
                names += [f"{name}__{'r' if c % 2 else 'l'}_{words[c // 2]}" for c in self.blocks_["window"].codes]
            elif name.startswith("entity"):
                names += [f"{name}__{words[c]}" for c in self.blocks_["entity"].codes]
            elif name == "document":
                names += [f"document__{tp}:{words[c]}" for tp in type_pairs for c in self.blocks_["document"].codes]
            elif name == "cues":
                names += [f"cues__pattern_{cue_name(c, type_pairs)}" for c in self.blocks_["cues"].codes]
                names += [f"cues__share_{kind}" for kind in CUE_KINDS]
            else:
                names += [f"dense__{signal_name(c, type_pairs)}" for c in self.blocks_["dense"].codes]
                names += [f"dense__{n}" for n in NUMERIC]
        return np.asarray(names, dtype=object)

    # -- persistence ---------------------------------------------------------------------------------
    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The fitted state as arrays and JSON-ready parameters (see :meth:`from_arrays`)."""
        arrays = {}
        for name, block in self.blocks_.items():
            arrays[f"{name}.codes"] = block.codes
            if block.idf is not None:
                arrays[f"{name}.idf"] = block.idf
        params = {
            "groups": list(self.groups),
            "ngram_range": list(self.ngram_range),
            "min_df": self.min_df,
            "n_words": self.n_words_,
            "n_type_pairs": self.n_type_pairs_,
            "blocks": list(self.blocks_),
        }
        return arrays, params

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> PairVectorizer:
        """Rebuild a fitted vectorizer from :meth:`to_arrays` output."""
        vectorizer = cls(
            groups=tuple(params["groups"]), ngram_range=tuple(params["ngram_range"]), min_df=params["min_df"]
        )
        vectorizer.n_words_ = int(params["n_words"])
        vectorizer.n_type_pairs_ = int(params["n_type_pairs"])
        vectorizer.blocks_ = {
            name: CodeBlock(arrays[f"{name}.codes"], arrays.get(f"{name}.idf"), vectorizer._direct_below(name))
            for name in params["blocks"]
        }
        return vectorizer


class _Parts:
    """The tf-idf matrices of one batch's units (computed on first use) and the pair-level blocks built on them."""

    def __init__(
        self, vectorizer: PairVectorizer, batch: FeatureBatch, units: dict[str, tuple[np.ndarray, np.ndarray, int]]
    ) -> None:
        self.vectorizer, self.batch, self.units = vectorizer, batch, units
        self._cache: dict[str, sparse.csr_matrix] = {}

    def _tfidf(self, name: str, n_rows: int) -> sparse.csr_matrix:
        if name not in self._cache:
            rows, codes, _ = self.units[name]
            self._cache[name] = self.vectorizer.blocks_[name].tfidf(rows, codes, n_rows)
        return self._cache[name]

    @property
    def between(self) -> sparse.csr_matrix:
        return self._tfidf("between", len(self.batch.pairs))

    @property
    def documents(self) -> sparse.csr_matrix:
        return self._tfidf("document", len(self.batch.documents))

    def entities(self, name: str) -> sparse.csr_matrix:
        return self._tfidf(name, len(self.batch.names))

    def pair_sentences(self, name: str) -> sparse.csr_matrix:
        """Each pair's shared (``sentence``) or nearest (``far``) sentences, summed and l2-normalized."""
        S = self._tfidf("sentence", len(self.batch.sentences))
        links = self.batch.shared if name == "sentence" else self.batch.far
        return _normalize(_links(links, len(self.batch.pairs), S.shape[0]) @ S)

    def signals(self, name: str) -> sparse.csr_matrix:
        """The one-hot pattern or signals, then the numbers, of the ``cues`` or ``dense`` block."""
        if name not in self._cache:
            batch, block = self.batch, self.vectorizer.blocks_[name]
            codes, numbers = (
                (batch.cue_pattern, batch.cue_shares) if name == "cues" else (batch.categorical, batch.numeric)
            )
            self._cache[name] = sparse.hstack([_one_hot(block, codes), sparse.csr_matrix(numbers)], format="csr")
        return self._cache[name]

    def _pair_block(self, name: str) -> sparse.csr_matrix:
        """A block with one row per pair (kept for later calls)."""
        key = f"pairs:{name}"
        if key not in self._cache:
            pairs, n_types = self.batch.pairs, self.vectorizer.n_type_pairs_
            if name == "between":
                self._cache[key] = self.between
            elif name == "between_typed":
                self._cache[key] = _typed(self.between, pairs.type_pair, n_types)
            elif name in ("sentence", "far"):
                self._cache[key] = self.pair_sentences(name)
            else:
                self._cache[key] = self.signals(name)
        return self._cache[key]

    def decisions(self, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The pairs' matrix (or its ``rows``) times ``weights`` (n_features x k), block by block."""
        vectorizer, pairs = self.vectorizer, self.batch.pairs
        take = slice(None) if rows is None else rows
        n, k = (len(pairs) if rows is None else len(rows)), weights.shape[1]
        out = np.zeros((n, k))
        offset = 0
        for name, width in vectorizer._widths():
            W = weights[offset : offset + width]
            offset += width
            if name[:-2] in ("window", "entity"):
                out += (self.entities(name[:-2]) @ W)[(pairs.a if name.endswith("_a") else pairs.b)[take]]
            elif name == "document":
                per_type = W.reshape(vectorizer.n_type_pairs_, -1, k)
                by_document = np.stack([self.documents @ per_type[t] for t in range(vectorizer.n_type_pairs_)], axis=1)
                out += by_document[pairs.doc[take], pairs.type_pair[take]]
            else:
                block = self._pair_block(name)
                out += (block if rows is None else block[rows]) @ W
        return out


def _ngram(code: int, words: list[str]) -> str:
    """The words of an n-gram code (see :func:`ngram_codes`)."""
    v = len(words)
    if code < v:
        return words[code]
    code -= v
    if code < v * v:
        return f"{words[code // v]} {words[code % v]}"
    code -= v * v
    return f"{words[code // (v * v)]} {words[code // v % v]} {words[code % v]}"


def _bucket_name(index: int, edges: Sequence[float]) -> str:
    return str(edges[index]) if index < len(edges) else f">{edges[-1]}"


def signal_name(code: int, type_pairs: Sequence[str]) -> str:
    """``signal_value`` for a categorical code (see :data:`relclf.extract.features.CATEGORICAL`)."""
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
    """``TypePair&kinds&neg=…&a=…&b=…`` for a cue pattern code."""
    width = 1 << len(CUE_KINDS)
    b, code = code % width, code // width
    a, code = code % width, code // width
    negated, code = code % 2, code // 2
    kinds, tp = code % width, code // width

    def spell(mask: int) -> str:
        return "+".join(kind for bit, kind in enumerate(CUE_KINDS) if mask >> bit & 1)

    return f"{type_pairs[tp]}&{spell(kinds) or 'none'}&neg={bool(negated)}&a={spell(a)}&b={spell(b)}"
