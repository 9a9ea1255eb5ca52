"""Feature batches to one sparse matrix: tf-idf text blocks, one-hot signals, type-pair crossings.

:class:`PairVectorizer` turns a :class:`~relclf.extract.features.FeatureBatch` into one sparse matrix,
one row per candidate pair, with scikit-learn's text vectorizers. Shared texts (sentences, entity
windows and names, documents) are vectorized once per batch and each pair gets its rows of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import OneHotEncoder, normalize

from .features import (
    CATEGORICAL,
    CUES,
    FEATURE_GROUPS,
    NUMERIC,
    FeatureBatch,
    PairFeatures,
)

__all__ = ["PairVectorizer"]


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
                names.extend(f"cues__share_{kind}" for kind in CUES)
            elif name == "dense":
                names.extend(f"dense__{f}" for f in self.vectorizers_["dense"].get_feature_names_out(CATEGORICAL))
                names.extend(f"dense__{f}" for f in NUMERIC)
            else:
                vec = self.vectorizers_["sentence" if name == "far" else name]
                features = vec.get_feature_names_out()
                roles = ("_a", "_b") if name in ("window", "entity") else ("",)
                names.extend(f"{name}{role}__{f}" for role in roles for f in features)
        return np.asarray(names, dtype=object)
