"""Tests of relclf.extract.blocks: the table of feature blocks, and how the vectorizer and the names read it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import relclf.extract.vectorizer as vectorizer_module
from relclf.evaluation.explain import describe_feature
from relclf.extract.blocks import BLOCKS, FEATURE_GROUPS, SIGNALS, BlockSpec, Codes, block_of, ngram_codes, ngram_text
from relclf.extract.features import CATEGORICAL, NUMERIC, FeatureBatch, Pairs, Ragged, featurize
from relclf.extract.vectorizer import PairVectorizer
from relclf.text import Vocabulary
from test_features import ALL_TYPE_PAIRS


@pytest.fixture
def training(doc_100, doc_200, doc_300, doc_400) -> tuple[FeatureBatch, Vocabulary]:
    vocabulary = Vocabulary(growing=True)
    batch = featurize([doc_100, doc_200, doc_300, doc_400], vocabulary, ALL_TYPE_PAIRS)
    return batch, vocabulary.freeze()


def test_the_table_is_consistent():
    assert len({block.name for block in BLOCKS}) == len(BLOCKS)
    assert FEATURE_GROUPS == (
        "between",
        "between_typed",
        "sentence",
        "far",
        "window",
        "entity",
        "document",
        "cues",
        "dense",
    )
    # the blocks of a group are next to each other (the matrix keeps a group's columns together)
    groups = [block.group for block in BLOCKS]
    assert groups == sorted(groups, key=groups.index)
    fields = {f.name for f in dataclasses.fields(FeatureBatch)}
    by_name: dict[str, Codes] = {}
    for block in BLOCKS:
        assert by_name.setdefault(block.codes.name, block.codes) == block.codes  # one spec per code block
        assert block.codes.field in fields and block.codes.numbers in fields | {None}
        assert block.take in fields | {f.name for f in dataclasses.fields(Pairs)} | {"pair"}
        assert block.where and block_of(block.name) is block
    assert block_of("nonsense") is None


def test_every_signal_has_a_phrase():
    assert set(SIGNALS) == set(CATEGORICAL) | set(NUMERIC)


def test_rows_that_cannot_work_are_refused():
    text = Codes("words", "documents")
    with pytest.raises(ValueError, match="take must be one of"):
        BlockSpec("x", "x", text, "sentence")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one row per pair"):
        BlockSpec("x", "x", Codes("c", "cue_pattern", ngram=0), "a")
    with pytest.raises(ValueError, match="1-grams only"):
        Codes("w", "windows", ngram=2, word_factor=2)
    with pytest.raises(ValueError, match="each named"):
        Codes("c", "cue_pattern", ngram=0, numbers="cue_shares")


def test_ngram_text_reads_back_every_code():
    words = ["", "a", "b", "c", "d"]
    sequences = Ragged(np.array([1, 2, 3, 4, 2, 1]), np.array([0, 4, 6]))
    rows, codes = ngram_codes(sequences, 3, len(words))
    spelled = sorted(zip(rows.tolist(), (ngram_text(int(c), words) for c in codes), strict=True))
    assert spelled == sorted(
        [(0, g) for g in ("a", "b", "c", "d", "a b", "b c", "c d", "a b c", "b c d")]
        + [(1, g) for g in ("b", "a", "b a")]
    )


def test_every_column_name_belongs_to_a_block_and_reads_as_its_phrase(training):
    batch, vocabulary = training
    vectorizer = PairVectorizer(min_df=1).fit(batch, vocabulary, len(ALL_TYPE_PAIRS))
    names = vectorizer.get_feature_names_out(vocabulary, ALL_TYPE_PAIRS)
    seen = set()
    for name in names:
        block = block_of(name.partition("__")[0])
        assert block is not None, name
        assert describe_feature(name).startswith(block.where), name
        seen.add(block.name)
    assert seen == {block.name for block in BLOCKS}
    assert describe_feature("other__x y") == 'other: "x y"'


def test_saved_arrays_keep_their_names(training):
    """Models saved before the table (and the bundled one) name their arrays so; loading reads them by these names."""
    batch, vocabulary = training
    arrays, params = PairVectorizer(min_df=1).fit(batch, vocabulary, len(ALL_TYPE_PAIRS)).to_arrays()
    assert params["blocks"] == ["between", "sentence", "window", "entity", "document", "cues", "dense"]
    text = ("between", "sentence", "window", "entity", "document")
    assert set(arrays) == {f"{n}.codes" for n in params["blocks"]} | {f"{n}.idf" for n in text}
    with pytest.raises(ValueError, match="unknown feature blocks"):
        PairVectorizer.from_arrays(arrays, params | {"blocks": [*params["blocks"], "novel"]})


def test_a_new_row_is_all_the_vectorizer_needs(training, monkeypatch):
    """Rows combining what no block of today combines (an untyped document block, a typed entity block of
    2-grams, typed far sentences) fit, transform, name, score and round-trip with no other change."""
    batch, vocabulary = training
    extra = (
        BlockSpec("doc_plain", "extra", Codes("doc_words", "documents"), "doc", where="in the abstract"),
        BlockSpec("names_typed_b", "extra", Codes("name_pairs", "names", ngram=2), "b", typed=True, where="B"),
        BlockSpec("far_typed", "extra", Codes("far_words", "sentences"), "far", typed=True, where="far"),
    )
    monkeypatch.setattr(vectorizer_module, "BLOCKS", BLOCKS + extra)
    vectorizer = PairVectorizer(groups=("extra", "window"), min_df=1).fit(batch, vocabulary, len(ALL_TYPE_PAIRS))
    assert list(vectorizer.blocks_) == ["window", "doc_words", "name_pairs", "far_words"]
    matrix = vectorizer.transform(batch)
    names = vectorizer.get_feature_names_out(vocabulary, ALL_TYPE_PAIRS)
    assert matrix.shape == (len(batch), len(names)) == (len(batch), vectorizer.n_features_)
    blocks = dict(vectorizer._blocks(batch))
    assert blocks["doc_plain"].nnz and blocks["names_typed_b"].nnz and blocks["far_typed"].nnz
    # the typed entity block: each pair's row sits in its own type pair's copy of the columns
    width = len(vectorizer.blocks_["name_pairs"])
    rows, columns = blocks["names_typed_b"].nonzero()
    assert (columns // width == batch.pairs.type_pair[rows]).all()
    assert any(n.startswith("names_typed_b__Chemical|Disease:name=") for n in names)
    weights = np.random.default_rng(1).normal(size=(matrix.shape[1], 2))
    assert np.allclose(vectorizer.decisions(batch, weights), matrix @ weights)
    some = np.array([3, 0, 5])
    assert np.allclose(vectorizer.scorer(batch).decisions(weights, some), matrix[some] @ weights)
    copy = PairVectorizer.from_arrays(*vectorizer.to_arrays())
    assert abs(copy.transform(batch) - matrix).max() == 0
