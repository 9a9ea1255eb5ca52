"""Tests of relclf.extract.vectorizer: n-gram codes, tf-idf blocks, the pair matrix and its block-wise decisions."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from relclf.extract.blocks import FEATURE_GROUPS, ngram_codes
from relclf.extract.features import NUMERIC, FeatureBatch, Ragged, featurize
from relclf.extract.vectorizer import CodeBlock, PairVectorizer
from relclf.text import Vocabulary
from test_features import ALL_TYPE_PAIRS


@pytest.fixture
def training(doc_100, doc_200, doc_300, doc_400) -> tuple[FeatureBatch, Vocabulary]:
    vocabulary = Vocabulary(growing=True)
    batch = featurize([doc_100, doc_200, doc_300, doc_400], vocabulary, ALL_TYPE_PAIRS)
    return batch, vocabulary.freeze()


def same_matrix(x, y) -> bool:
    return x.shape == y.shape and abs(x - y).max() < 1e-12 if x.nnz or y.nnz else x.shape == y.shape


def test_ngram_codes_stay_inside_each_sequence_and_skip_unknown_words():
    sequences = Ragged(np.array([1, 2, 3, 0, 4, 5]), np.array([0, 3, 6]))
    rows, codes = ngram_codes(sequences, 3, 10)
    grams = sorted(zip(rows.tolist(), codes.tolist(), strict=True))
    assert (0, 10 + 1 * 10 + 2) in grams and (0, 110 + (1 * 10 + 2) * 10 + 3) in grams  # "1 2" and "1 2 3"
    assert (1, 10 + 4 * 10 + 5) in grams  # "4 5"
    assert not any(
        code == 10 + 3 * 10 + 0 or code == 10 + 0 * 10 + 4 for _, code in grams
    )  # nothing with the unknown 0
    assert not any(row == 0 and code == 10 + 3 * 10 + 4 for row, code in grams)  # "3 | 4" spans two sequences
    assert len(grams) == 3 + 2 + 1 + 2 + 1  # 1-, 2-, 3-grams of [1 2 3], then of [4 5]


def test_tfidf_equals_scikit_learn_on_the_same_units():
    """The block reproduces TfidfVectorizer(sublinear_tf=True, min_df=2) on the same n-grams."""
    texts = ["a b c a", "b c d", "a d d d", "c c b"]
    vocabulary = Vocabulary(growing=True)
    ids = [[vocabulary.id(w) for w in t.split()] for t in texts]
    sequences = Ragged(np.array([i for s in ids for i in s]), np.cumsum([0, *map(len, ids)]))
    rows, codes = ngram_codes(sequences, 2, len(vocabulary))
    block = CodeBlock.fit_tfidf(rows, codes, len(texts), min_df=2)
    ours = block.tfidf(rows, codes, len(texts)).toarray()
    reference = TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit(texts)
    theirs = reference.transform(texts).toarray()
    # the same columns in another order: compare each unit's sorted weights
    assert len(block) == len(reference.vocabulary_)
    assert np.allclose(np.sort(ours, axis=1), np.sort(theirs, axis=1))


def test_fit_transform_shapes_and_names(training):
    batch, vocabulary = training
    vectorizer = PairVectorizer(min_df=1)
    matrix = vectorizer.fit_transform(batch, vocabulary, len(ALL_TYPE_PAIRS))
    assert sparse.issparse(matrix) and matrix.shape == (len(batch), vectorizer.n_features_)
    names = vectorizer.get_feature_names_out(vocabulary, ALL_TYPE_PAIRS)
    assert len(names) == matrix.shape[1] and len(set(names)) == len(names)
    assert np.isfinite(matrix.data).all()
    assert "between__@A@ inhibits @B@" in set(names)
    assert f"dense__{NUMERIC[0]}" in set(names)


@pytest.mark.parametrize("group", FEATURE_GROUPS)
def test_each_group_alone(training, group):
    batch, vocabulary = training
    vectorizer = PairVectorizer(groups=(group,), min_df=1).fit(batch, vocabulary, len(ALL_TYPE_PAIRS))
    matrix = vectorizer.transform(batch)
    names = vectorizer.get_feature_names_out(vocabulary, ALL_TYPE_PAIRS)
    assert matrix.shape == (len(batch), len(names))
    assert matrix.nnz > 0
    assert all(n.split("__")[0].removesuffix("_a").removesuffix("_b") == group for n in names)


def test_decisions_equal_the_matrix_times_the_weights(training):
    batch, vocabulary = training
    vectorizer = PairVectorizer(min_df=1)
    matrix = vectorizer.fit_transform(batch, vocabulary, len(ALL_TYPE_PAIRS))
    weights = np.random.default_rng(0).normal(size=(matrix.shape[1], 3))
    assert np.allclose(vectorizer.decisions(batch, weights), matrix @ weights)


def test_unknown_group_raises_value_error(training):
    batch, vocabulary = training
    with pytest.raises(ValueError, match="unknown feature groups"):
        PairVectorizer(groups=("dense", "nonsense")).fit(batch, vocabulary, 1)


def test_new_documents_and_an_empty_batch(training, doc_400):
    batch, vocabulary = training
    vectorizer = PairVectorizer(min_df=1).fit(batch, vocabulary, len(ALL_TYPE_PAIRS))
    one = featurize([doc_400], vocabulary, ALL_TYPE_PAIRS)
    assert vectorizer.transform(one).shape == (10, vectorizer.n_features_)
    assert vectorizer.transform(featurize([], vocabulary, ALL_TYPE_PAIRS)).shape == (0, vectorizer.n_features_)


def test_clone_pickle_and_arrays_round_trip(training):
    batch, vocabulary = training
    fitted = PairVectorizer(groups=("between", "dense"), ngram_range=(1, 2), min_df=1).fit(
        batch, vocabulary, len(ALL_TYPE_PAIRS)
    )
    copy = clone(fitted)
    assert copy.get_params() == {"groups": ("between", "dense"), "ngram_range": (1, 2), "min_df": 1}
    assert not hasattr(copy, "blocks_")  # clone is unfitted
    reference = fitted.transform(batch)
    assert same_matrix(copy.fit(batch, vocabulary, len(ALL_TYPE_PAIRS)).transform(batch), reference)
    assert same_matrix(pickle.loads(pickle.dumps(fitted)).transform(batch), reference)
    arrays, params = fitted.to_arrays()
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    assert same_matrix(PairVectorizer.from_arrays(arrays, params).transform(batch), reference)
    assert repr(fitted) == "PairVectorizer(groups=('between', 'dense'), ngram_range=(1, 2), min_df=1)"
