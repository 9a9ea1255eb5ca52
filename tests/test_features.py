"""Tests of relclf.extract.features: masked pair text, document-level signals, and the PairVectorizer."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone

from conftest import parse_one
from relclf.extract.candidates import generate_candidates
from relclf.extract.features import (
    CATEGORICAL,
    FEATURE_GROUPS,
    NUMERIC,
    DocumentView,
    FeatureBatch,
    concat_batches,
    featurize,
    featurize_parallel,
)
from relclf.extract.vectorizer import PairVectorizer


def signals(pair) -> dict:
    """A pair's document-level signals by name."""
    return dict(zip(CATEGORICAL, pair.categorical)) | dict(zip(NUMERIC, pair.numeric))


@pytest.fixture
def batch_400(doc_400):
    candidates = generate_candidates(doc_400)
    return candidates, featurize([doc_400], [candidates])


def pair_of(candidates, batch, id_a, id_b):
    """The PairFeatures of the candidate whose roles are (id_a, id_b)."""
    (index,) = [i for i, c in enumerate(candidates) if (c.a.identifier, c.b.identifier) == (id_a, id_b)]
    return batch.pairs[index]


@pytest.fixture
def training_batch(doc_100, doc_200, doc_300, doc_400) -> FeatureBatch:
    documents = [doc_100, doc_200, doc_300, doc_400]
    return featurize(documents, [generate_candidates(d) for d in documents])


def same_matrix(x, y) -> bool:
    return x.shape == y.shape and (x != y).nnz == 0


# --- featurize ----------------------------------------------------------------------------------


def test_one_pair_features_per_candidate(doc_400, batch_400):
    candidates, batch = batch_400
    assert len(candidates) == 10  # 5 entities, all type pairs allowed
    assert len(batch) == len(batch.pairs) == len(candidates)
    assert [p.type_pair for p in batch.pairs] == [c.type_pair for c in candidates]
    assert len(batch.sentences) == 3  # title + two abstract sentences
    assert len(batch.entity_names) == len(batch.entity_windows) == 5


def test_several_documents_in_one_batch(doc_100, doc_200, doc_300, doc_400):
    documents = [doc_100, doc_200, doc_300, doc_400]
    candidates = [generate_candidates(d) for d in documents]
    batch = featurize(documents, candidates)
    assert len(batch) == sum(len(c) for c in candidates)
    assert [p.type_pair for p in batch.pairs] == [c.type_pair for cs in candidates for c in cs]
    # a document without candidates adds nothing
    assert featurize([doc_400, doc_100], [[], generate_candidates(doc_100)]).pairs == featurize(
        [doc_100], [generate_candidates(doc_100)]
    ).pairs
    assert len(featurize([], [])) == 0


def test_between_text_masks_the_pair_and_other_entities(batch_400):
    candidates, batch = batch_400
    # "Aspirin inhibits TP53 via EGFR": TP53 is another entity and reads as its type
    assert pair_of(candidates, batch, "D001241", "1956").between == "@A@ inhibits @Gene@ via @B@ |"
    # title "Aspirin and TP53 in cancer."
    assert pair_of(candidates, batch, "D001241", "D009369").between == "@A@ and @Gene@ in @B@ |"
    # B before A in the text: cancer (Disease) is A, TP53 (Gene) is B
    assert pair_of(candidates, batch, "D009369", "7157").between == "@B@ in @A@ |"
    # two shared sentences (title and sentence 1): one segment each
    assert pair_of(candidates, batch, "D001241", "7157").between == "@A@ and @B@ | @A@ inhibits @B@ |"


def test_digits_read_zero_and_words_are_lower_cased(batch_400):
    candidates, batch = batch_400
    between = pair_of(candidates, batch, "D001241", "10090").between  # "... via EGFR in 2 mice"
    assert between == "@A@ inhibits @Gene@ via @Gene@ in 0 @B@ |"
    assert batch.sentences[1] == "@Chemical@ inhibits @Gene@ via @Gene@ in 0 @Species@ ."
    assert batch.sentences[2] == "later , @Disease@ was seen ."
    assert any("name=tp00" in names for names in batch.entity_names)  # TP53
    assert all(not any(ch.isdigit() and ch != "0" for ch in s) for s in batch.sentences)


def test_pair_that_never_shares_a_sentence(batch_400):
    candidates, batch = batch_400
    pair = pair_of(candidates, batch, "D009369", "1956")  # cancer (title, sentence 2), EGFR (sentence 1)
    assert pair.between == ""
    assert pair.shared == ()
    assert pair.far != ()
    assert set(pair.far) == {0, 1}  # the sentences of the closest mentions: cancer in the title, EGFR
    assert signals(pair)["n_shared"] == 0.0
    co_occurring = pair_of(candidates, batch, "D001241", "1956")
    assert co_occurring.far == ()
    assert co_occurring.shared == (1,)


def test_mentions_inside_one_hyphenated_token_each_get_a_slot():
    document = parse_one(
        "2|t|Ras-Raf-Erk signaling.\n"
        "2|a|None.\n"
        "2\t0\t3\tRas\tGene\t3265\n"
        "2\t4\t7\tRaf\tGene\t109880\n"
        "2\t8\t11\tErk\tGene\t26413\n"
    )
    candidates = generate_candidates(document)
    batch = featurize([document], [candidates])
    assert len(batch) == 3
    assert all(pair.shared == (0,) and pair.between for pair in batch.pairs)


def test_pair_indices_point_at_their_entities(batch_400):
    candidates, batch = batch_400
    for candidate, pair in zip(candidates, batch.pairs):
        assert batch.entity_names[pair.a].split()[0] == f"id={candidate.a.identifier}"
        assert batch.entity_names[pair.b].split()[0] == f"id={candidate.b.identifier}"


def test_dense_signals_type_pair_and_title_flags(batch_400):
    candidates, batch = batch_400
    both_in_title = signals(pair_of(candidates, batch, "D001241", "D009369"))  # Aspirin, cancer
    assert both_in_title["tp"] == "Chemical|Disease"
    assert (both_in_title["title_a"], both_in_title["title_b"], both_in_title["title_both"]) == (1.0, 1.0, 1.0)
    assert both_in_title["tp&title"] == "Chemical|Disease&True&True"

    a_only = signals(pair_of(candidates, batch, "D001241", "1956"))  # Aspirin in the title, EGFR not
    assert a_only["tp"] == "Chemical|Gene"
    assert (a_only["title_a"], a_only["title_b"], a_only["title_both"]) == (1.0, 0.0, 0.0)

    separate = signals(pair_of(candidates, batch, "D009369", "1956"))  # cancer in the title, EGFR not
    assert separate["tp"] == "Disease|Gene"
    assert (separate["title_a"], separate["title_b"], separate["title_both"]) == (1.0, 0.0, 0.0)

    neither = signals(pair_of(candidates, batch, "1956", "10090"))  # EGFR, mice
    assert neither["tp"] == "Gene|Species"
    assert (neither["title_a"], neither["title_b"], neither["title_both"]) == (0.0, 0.0, 0.0)

    for candidate, pair in zip(candidates, batch.pairs):
        assert signals(pair)["tp"] == candidate.type_pair
        assert len(pair.categorical) == len(CATEGORICAL)
        assert len(pair.numeric) == len(NUMERIC)


def test_document_view_slots_and_sentences(doc_400):
    view = DocumentView(doc_400, {0: ("D001241",), 3: ("D001241",)})
    assert view.n_sentences == 3
    assert view.words(*view.sentence_range(0)) == ["@Chemical@", "and", "@Gene@", "in", "@Disease@", "."]
    assert view.positions == {"D001241": [0, 6]}
    lo, hi = view.sentence_range(1)
    assert view.masked(lo, hi, "D001241", "nothing")[:2] == ["@A@", "inhibits"]


# --- PairVectorizer -----------------------------------------------------------------------------


def test_vectorizer_fit_transform_shapes(training_batch):
    vectorizer = PairVectorizer(min_df=1)
    assert vectorizer.fit(training_batch) is vectorizer
    matrix = vectorizer.transform(training_batch)
    assert sparse.issparse(matrix)
    assert matrix.shape[0] == len(training_batch)
    names = vectorizer.get_feature_names_out()
    assert len(names) == matrix.shape[1]
    assert len(set(names)) == len(names)
    assert same_matrix(PairVectorizer(min_df=1).fit_transform(training_batch), matrix)
    assert np.isfinite(matrix.data).all()


@pytest.mark.parametrize("group", FEATURE_GROUPS)
def test_each_group_alone(training_batch, group):
    vectorizer = PairVectorizer(groups=(group,), min_df=1).fit(training_batch)
    matrix = vectorizer.transform(training_batch)
    names = vectorizer.get_feature_names_out()
    assert matrix.shape == (len(training_batch), len(names))
    assert len(names) > 0
    assert all(name.startswith(group) for name in names)


def test_dense_group_alone(training_batch):
    vectorizer = PairVectorizer(groups=("dense",)).fit(training_batch)
    matrix = vectorizer.transform(training_batch)
    names = list(vectorizer.get_feature_names_out())
    assert matrix.shape == (len(training_batch), len(names))
    assert all(name.startswith("dense__") for name in names)
    assert "dense__title_a" in names


@pytest.mark.parametrize("groups", [FEATURE_GROUPS, ("dense", "between"), ("far", "dense", "entity")])
def test_feature_names_match_columns(training_batch, groups):
    vectorizer = PairVectorizer(groups=groups, min_df=1).fit(training_batch)
    matrix = vectorizer.transform(training_batch).toarray()
    names = list(vectorizer.get_feature_names_out())
    expected = np.array([signals(p)["title_a"] for p in training_batch.pairs])
    assert np.array_equal(matrix[:, names.index("dense__title_a")], expected)
    tp_column = names.index("dense__tp_Chemical|Gene")
    assert np.array_equal(matrix[:, tp_column], [float(signals(p)["tp"] == "Chemical|Gene") for p in training_batch.pairs])


def test_unknown_group_raises_value_error(training_batch):
    with pytest.raises(ValueError, match="nonsense"):
        PairVectorizer(groups=("dense", "nonsense")).fit(training_batch)


def test_transform_of_new_documents_and_of_an_empty_batch(training_batch, doc_400):
    vectorizer = PairVectorizer(min_df=1).fit(training_batch)
    width = len(vectorizer.get_feature_names_out())
    other = featurize([doc_400], [generate_candidates(doc_400, ["Gene|Species", "Chemical|Gene"])])
    assert vectorizer.transform(other).shape == (len(other), width)
    empty = vectorizer.transform(featurize([], []))
    assert empty.shape == (0, width)


def test_vectorizer_survives_clone(training_batch):
    vectorizer = PairVectorizer(groups=("between", "dense"), ngram_range=(1, 2), min_df=1)
    fitted = vectorizer.fit(training_batch)
    copy = clone(fitted)
    assert copy.get_params() == {"groups": ("between", "dense"), "ngram_range": (1, 2), "min_df": 1}
    assert not hasattr(copy, "vectorizers_")  # clone is unfitted
    assert same_matrix(copy.fit(training_batch).transform(training_batch), fitted.transform(training_batch))


def test_vectorizer_survives_pickle(training_batch):
    vectorizer = PairVectorizer(min_df=1).fit(training_batch)
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert same_matrix(restored.transform(training_batch), vectorizer.transform(training_batch))
    assert list(restored.get_feature_names_out()) == list(vectorizer.get_feature_names_out())


def _one_pair(text: str, a: tuple[int, int, str, str, str], b: tuple[int, int, str, str, str]):
    body = f"1|t|T.\n1|a|{text}\n" + "".join(f"1\t{s + 3}\t{e + 3}\t{t}\t{ty}\t{i}\n" for s, e, t, ty, i in (a, b))
    document = parse_one(body)
    candidates = generate_candidates(document)
    return featurize([document], [candidates]).pairs[0]


def test_direction_cues_and_negation_are_found_near_the_pair():
    up = _one_pair("Lithium induces fibrosis.", (0, 7, "Lithium", "Chemical", "C1"), (16, 24, "fibrosis", "Disease", "D1"))
    assert up.cue_pattern == "Chemical|Disease&up&neg=False&a=up&b=up"
    assert up.cue_shares[0] == 1.0
    down = _one_pair(
        "Lithium did not reduce fibrosis.", (0, 7, "Lithium", "Chemical", "C1"), (23, 31, "fibrosis", "Disease", "D1")
    )
    assert down.cue_pattern == "Chemical|Disease&down&neg=True&a=down&b=down"
    none = _one_pair("Lithium and fibrosis.", (0, 7, "Lithium", "Chemical", "C1"), (12, 20, "fibrosis", "Disease", "D1"))
    assert none.cue_pattern == "Chemical|Disease&none&neg=False&a=&b="
    assert sum(none.cue_shares) == 0.0


# --- joining batches and parallel featurization -------------------------------------------------


def test_concat_batches_equals_featurizing_together(doc_100, doc_200, doc_300, doc_400, training_batch):
    documents = [doc_100, doc_200, doc_300, doc_400]
    candidates = [generate_candidates(d) for d in documents]
    parts = [featurize(documents[:1], candidates[:1]), featurize(documents[1:3], candidates[1:3]), featurize(documents[3:], candidates[3:])]
    joined = concat_batches(parts)
    assert joined == training_batch
    assert len({p.doc for p in joined.pairs}) > 1  # the indices really were shifted


def test_featurize_parallel_equals_serial(doc_100, doc_200, doc_300, doc_400, training_batch):
    documents = [doc_100, doc_200, doc_300, doc_400]
    candidates = [generate_candidates(d) for d in documents]
    assert featurize_parallel(documents, candidates, n_jobs=2, chunk_size=1) == training_batch
