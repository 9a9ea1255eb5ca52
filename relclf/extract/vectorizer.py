"""Feature batches to one sparse matrix: tf-idf n-gram blocks on word ids, one-hot signals, type-pair crossings.

:class:`PairVectorizer` learns, per code block, which n-grams occur in at least ``min_df`` training
units and their idf weights, and turns a :class:`~relclf.extract.features.FeatureBatch` into one sparse
matrix, one row per candidate pair. Which blocks there are, what each reads and how its columns are
named is the table :data:`relclf.extract.blocks.BLOCKS`; this module only reads it. An n-gram of word
ids is one integer (:func:`relclf.extract.blocks.ngram_codes`), looked up in the block's sorted codes
with a hash table; tf-idf weighting (sublinear tf, smooth idf, l2 rows, as scikit-learn's
``TfidfVectorizer``) is array arithmetic. Shared units (sentences, entities, documents) are vectorized
once per batch and each pair takes its rows. Needs numpy and scipy only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..text import Vocabulary
from .blocks import BLOCKS, FEATURE_GROUPS, BlockSpec, Codes, ngram_codes
from .features import FeatureBatch

__all__ = ["CodeBlock", "PairVectorizer"]


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
        assert self.idf is not None, "a text block has idf weights once fitted"
        values = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
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
        Which feature groups to use (for ablations); each switches on its blocks of
        :data:`~relclf.extract.blocks.BLOCKS`.
    ngram_range : tuple of int, default (1, 3)
        Word n-grams of the between-mention text (only the upper bound is free: n-grams start at 1).
    min_df : int, default 2
        Ignore text features seen in fewer training units (pairs, sentences, entities or documents).

    Attributes (after :meth:`fit`)
    ------------------------------
    blocks_ : dict of str to CodeBlock
        The learned columns of each code block (:class:`~relclf.extract.blocks.Codes`), by its name.
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

    def _active(self) -> list[BlockSpec]:
        """The blocks of the chosen groups, in the order of their columns."""
        return [block for block in BLOCKS if block.group in self.groups]

    def _codes(self) -> list[Codes]:
        """The code blocks the chosen blocks read, each once, in the order of first use."""
        return list({block.codes.name: block.codes for block in self._active()}.values())

    def _units(self, batch: FeatureBatch, n_words: int) -> dict[str, tuple[np.ndarray, np.ndarray, int]]:
        """Each text code block's (unit, code) occurrences and number of units."""
        units: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}
        for codes in self._codes():
            if not codes.one_hot:
                sequences = getattr(batch, codes.field)
                n_max = self.ngram_range[1] if codes.ngram is None else codes.ngram
                units[codes.name] = (*ngram_codes(sequences, n_max, codes.word_factor * n_words), len(sequences))
        return units

    def fit(self, batch: FeatureBatch, vocabulary: Vocabulary, n_type_pairs: int) -> PairVectorizer:
        """Learn each block's columns from a training batch; returns self."""
        known = tuple(dict.fromkeys(block.group for block in BLOCKS))  # FEATURE_GROUPS
        unknown = set(self.groups) - set(known)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; choose from {known}")
        self.n_words_ = len(vocabulary)
        self.n_type_pairs_ = n_type_pairs
        units = self._units(batch, self.n_words_)
        self.blocks_ = {
            codes.name: CodeBlock.fit_categories(getattr(batch, codes.field).ravel())
            if codes.one_hot
            else CodeBlock.fit_tfidf(*units[codes.name], self.min_df, codes.direct_below(self.n_words_))
            for codes in self._codes()
        }
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

    def _widths(self) -> list[tuple[BlockSpec, int]]:
        """Each block of the matrix with its width, in order."""
        widths = []
        for block in self._active():
            learned = len(self.blocks_[block.codes.name]) * (self.n_type_pairs_ if block.typed else 1)
            widths.append((block, learned + len(block.codes.number_names)))
        return widths

    def _parts(self, batch: FeatureBatch) -> _Parts:
        """The batch's tf-idf matrices of shared units, computed once for all blocks."""
        return _Parts(self, batch, self._units(batch, self.n_words_))

    def _blocks(self, batch: FeatureBatch) -> list[tuple[str, sparse.csr_matrix]]:
        """(name, pairs x block matrix) of each block, in order."""
        parts = self._parts(batch)
        return [(block.name, parts.pair_block(block)) for block, _ in self._widths()]

    def decisions(self, batch: FeatureBatch, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``transform(batch)[rows] @ weights`` (weights: n_features x k), without building the pair matrix.

        See :meth:`scorer`, which keeps the batch's blocks for several calls.
        """
        return self.scorer(batch).decisions(weights, rows)

    def scorer(self, batch: FeatureBatch) -> _Parts:
        """The batch's blocks, built on first use and kept, to multiply with weights (``.decisions(weights, rows)``).

        Blocks that repeat a shared unit for many pairs are multiplied once per unit: an entity's
        window or names once per entity, a document's words once per document and type pair. This
        is how a model predicts (the detector for every pair, the labelers for the pairs it keeps);
        :meth:`transform` (the same numbers, as a matrix) is for training and explanations.
        """
        return self._parts(batch)

    # -- naming columns (explanations) -------------------------------------------------------------
    def get_feature_names_out(self, vocabulary: Vocabulary, type_pairs: Sequence[str]) -> np.ndarray:
        """Names of the matrix columns, ``block__feature`` (built on demand, for explanations)."""
        names: list[str] = []
        for block, _ in self._widths():
            names += block.feature_names(self.blocks_[block.codes.name].codes, vocabulary.words, type_pairs)
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
        codes = {block.codes.name: block.codes for block in BLOCKS}
        unknown = set(params["blocks"]) - set(codes)
        if unknown:
            raise ValueError(f"unknown feature blocks {sorted(unknown)}; this version knows {sorted(codes)}")
        vectorizer.blocks_ = {
            name: CodeBlock(
                arrays[f"{name}.codes"], arrays.get(f"{name}.idf"), codes[name].direct_below(vectorizer.n_words_)
            )
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

    def units_matrix(self, codes: Codes) -> sparse.csr_matrix:
        """A code block's matrix: units x columns (tf-idf), or pairs x (one-hot columns, then numbers)."""
        if codes.name not in self._cache:
            learned, batch = self.vectorizer.blocks_[codes.name], self.batch
            if codes.one_hot:
                parts = [_one_hot(learned, getattr(batch, codes.field))]
                if codes.numbers is not None:  # the block's numbers follow its one-hot columns
                    parts.append(sparse.csr_matrix(getattr(batch, codes.numbers)))
                matrix = sparse.hstack(parts, format="csr")
            else:
                rows, found, n_units = self.units[codes.name]
                matrix = learned.tfidf(rows, found, n_units)
            self._cache[codes.name] = matrix
        return self._cache[codes.name]

    def pair_block(self, block: BlockSpec) -> sparse.csr_matrix:
        """A block with one row per pair: the pair's own row, its linked sentences (summed, l2-normalized) or the
        row of its entity or document; crossed with the type pair when the block is typed. Kept for later calls."""
        key = f"pairs:{block.name}"
        if key not in self._cache:
            units, pairs = self.units_matrix(block.codes), self.batch.pairs
            if block.linked:
                matrix = _normalize(_links(getattr(self.batch, block.take), len(pairs), units.shape[0]) @ units)
            elif block.gathered:
                matrix = units[getattr(pairs, block.take)]
            else:
                matrix = units
            self._cache[key] = _typed(matrix, pairs.type_pair, self.vectorizer.n_type_pairs_) if block.typed else matrix
        return self._cache[key]

    def decisions(self, weights: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The pairs' matrix (or its ``rows``) times ``weights`` (n_features x k), block by block.

        A block of shared units (an entity's, a document's) is multiplied once per unit (and type pair),
        and each pair takes its row of the product.
        """
        vectorizer, pairs = self.vectorizer, self.batch.pairs
        take = slice(None) if rows is None else rows
        n, k = (len(pairs) if rows is None else len(rows)), weights.shape[1]
        out = np.zeros((n, k))
        offset = 0
        for block, width in vectorizer._widths():
            W = weights[offset : offset + width]
            offset += width
            if block.gathered:
                units, unit = self.units_matrix(block.codes), getattr(pairs, block.take)[take]
                if block.typed:
                    n_types = vectorizer.n_type_pairs_
                    per_type = W.reshape(n_types, -1, k)
                    by_unit = np.stack([units @ per_type[t] for t in range(n_types)], axis=1)
                    out += by_unit[unit, pairs.type_pair[take]]
                else:
                    out += (units @ W)[unit]
            else:
                matrix = self.pair_block(block)
                out += (matrix if rows is None else matrix[rows]) @ W
        return out
