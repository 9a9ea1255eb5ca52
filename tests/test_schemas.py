"""Training on several corpora (relclf.extract.schemas): one schema per corpus on shared evidence, saved and
chosen with --schema; and the feature batches of several corpora put together."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from conftest import parse, run_cli
from relclf.document import Relation
from relclf.errors import ModelError, UsageError
from relclf.extract.estimator import RelationExtractor, _pmid_groups
from relclf.extract.features import concat_batches, featurize
from relclf.extract.fitting import training_folds
from relclf.extract.schemas import augment, rows_within, schema_detector
from relclf.persistence import load_model, save_model
from relclf.text import Vocabulary
from synthetic import synthetic_corpus


def _only_diseases(documents, label="CID"):
    """A second schema: the chemical-disease relations only, under one label of its own, no novelty."""
    return [
        d.with_relations(
            tuple(
                Relation(label, r.id1, r.id2, None)
                for r in d.relations
                if r.id2.startswith("D") or r.id1.startswith("D")
            )
        )
        for d in documents
    ]


def _with_genes(documents):
    """The synthetic documents with their chemical-gene pair (the last sentence's) related too, as Bind."""
    found = []
    for d in documents:
        chemical, gene = d.mentions[-2], d.mentions[-1]
        found.append(d.with_relations((*d.relations, Relation("Bind", chemical.identifier, gene.identifier, "No"))))
    return found


@pytest.fixture(scope="module")
def corpora():
    first = _with_genes(parse(synthetic_corpus(30, seed=1)))
    # the second corpus shares 10 abstracts (same PMIDs) with the first, annotated in its own schema
    second = _only_diseases(first[:10] + parse(synthetic_corpus(20, seed=2, start=500)))
    return first, second


@pytest.fixture(scope="module")
def joint(corpora):
    first, second = corpora
    names = ["biored-like"] * len(first) + ["cdr-like"] * len(second)
    return RelationExtractor(cv=3).fit(first + second, corpus=names)


def test_each_corpus_gets_its_own_schema_on_shared_evidence(joint, corpora):
    assert list(joint.models_) == ["biored-like", "cdr-like"] and joint.model_ is joint.models_["biored-like"]
    first, cdr = joint.models_["biored-like"], joint.models_["cdr-like"]
    assert first.labels == ["Bind", "Negative_Correlation", "Positive_Correlation"] and cdr.labels == ["CID"]
    assert first.novelty_labels == ["No", "Novel"] and cdr.novelty_labels == []
    assert cdr.allowed_type_pairs == ("Chemical|Disease",) and "Chemical|Gene" in first.allowed_type_pairs
    # one vocabulary and vectorizer, one detector on augmented features: the schemas' detectors differ
    assert first.vectorizer is cdr.vectorizer and not np.array_equal(first.detector.coef, cdr.detector.coef)
    test = parse(synthetic_corpus(6, seed=9, start=900))
    for relations in cdr.predict(test):
        assert all(r.label == "CID" and r.novelty is None for r in relations)
        assert all({r.id1[0], r.id2[0]} == {"C", "D"} for r in relations)  # its type pair only


def test_every_schema_predicts_the_same_once_saved_and_is_chosen_by_name(joint, tmp_path):
    path = tmp_path / "joint.npz"
    save_model(joint, path, {})
    test = parse(synthetic_corpus(6, seed=9, start=900))
    for name, model in joint.models_.items():
        loaded = load_model(path, schema=name)
        assert loaded.schemas == ("biored-like", "cdr-like") and loaded.model.schema == name
        assert loaded.model.predict(test) == model.predict(test)
    assert load_model(path).model.schema == "biored-like"
    with pytest.raises(ModelError, match="no schema 'cdr' in this model \\(its schemas: biored-like, cdr-like\\)"):
        load_model(path, schema="cdr")


def test_an_abstract_in_two_corpora_stays_in_one_fold():
    documents = parse(synthetic_corpus(4, seed=1)) * 2  # each PMID twice (two corpora)
    groups = _pmid_groups(documents)
    assert groups.tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    for train, test in training_folds(2, groups):
        assert not set(groups[train]) & set(groups[test])


def test_augmented_detector_weights_are_shared_plus_own():
    X = sparse.csr_matrix(np.random.default_rng(0).uniform(size=(60, 4)))
    corpus = np.repeat([0, 1], 30)
    y = np.random.default_rng(1).uniform(size=60) < 0.5
    detector = LogisticRegression().fit(augment(X, corpus, 2), y)
    for k in (0, 1):
        stage = schema_detector(detector, k, 4)
        rows = corpus == k
        expected = detector.decision_function(augment(X, corpus, 2)[rows])
        assert stage.decision(X[rows])[:, 0] == pytest.approx(expected, abs=1e-5)  # float32 weights
    plain = LogisticRegression().fit(X, y)
    assert np.array_equal(schema_detector(plain, 0, 4).coef, schema_detector(plain, 0, 4).coef)


def test_folds_restricted_to_a_corpus_keep_their_rows():
    folds = [(np.array([0, 1, 4, 5]), np.array([2, 3, 6])), (np.array([2, 3, 6]), np.array([0, 1, 4, 5]))]
    local = rows_within(folds, np.array([4, 5, 6]))
    assert [(a.tolist(), b.tolist()) for a, b in local] == [([0, 1], [2]), ([2], [0, 1])]


def test_batches_of_several_corpora_put_together_are_one_batch():
    documents = parse(synthetic_corpus(9, seed=3))
    type_pairs = ["Chemical|Disease", "Chemical|Gene"]
    vocabulary = Vocabulary(growing=True)
    featurize(documents, vocabulary, type_pairs)
    vocabulary.freeze()
    whole = featurize(documents, vocabulary, type_pairs)
    joined = concat_batches([featurize(part, vocabulary, type_pairs) for part in (documents[:4], documents[4:])])
    for field in dataclasses.fields(whole):
        mine, theirs = getattr(whole, field.name), getattr(joined, field.name)
        flat = (
            [mine.values, mine.offsets, theirs.values, theirs.offsets]
            if hasattr(mine, "offsets")
            else [*mine, *theirs]
            if isinstance(mine, tuple)
            else [mine, theirs]
        )
        if field.name == "pairs":
            for name in ("doc", "a", "b", "type_pair"):
                assert np.array_equal(getattr(mine, name), getattr(theirs, name))
            assert mine.identifiers == theirs.identifiers
        elif hasattr(mine, "offsets"):
            assert np.array_equal(mine.values, theirs.values) and np.array_equal(mine.offsets, theirs.offsets)
        else:
            half = len(flat) // 2
            assert all(np.array_equal(a, b) for a, b in zip(flat[:half], flat[half:], strict=True)), field.name
    # a corpus with its own candidate rule: only its type pairs make candidates
    restricted = featurize(documents, vocabulary, type_pairs, allowed_type_pairs=["Chemical|Disease"])
    assert set(restricted.pairs.type_pair.tolist()) == {0}
    with pytest.raises(ValueError, match="not among"):
        featurize(documents, vocabulary, type_pairs, allowed_type_pairs=["Disease|Gene"])


def test_corpus_names_must_be_one_per_document():
    documents = parse(synthetic_corpus(4, seed=1))
    with pytest.raises(UsageError, match="3 corpus names for 4 documents"):
        RelationExtractor(cv=2).fit(documents, corpus=["a", "a", "b"])


def test_cli_trains_on_corpora_and_answers_in_the_schema_asked(tmp_path, corpora):
    first, second = corpora
    from relclf.io.pubtator import write_pubtator

    for name, docs in (("a.pubtator", first), ("b.pubtator", second)):
        with open(tmp_path / name, "w", encoding="utf-8") as handle:
            write_pubtator(docs, handle)
    (tmp_path / "test.pubtator").write_text(synthetic_corpus(4, seed=9, start=900))
    model = tmp_path / "joint.npz"
    out = run_cli(
        "train", "--corpus", f"biored={tmp_path / 'a.pubtator'}", "--corpus", f"cdr={tmp_path / 'b.pubtator'}",
        "-o", str(model), "--cv", "2",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "schema cdr: labels CID; type pairs Chemical|Disease; threshold" in out.stdout
    card = json.loads(Path(f"{model}.json").read_text())
    assert list(card["schemas"]) == ["biored", "cdr"] and card["schemas"]["cdr"]["labels"] == ["CID"]
    assert "schemas (2, --schema NAME; the first is the default):" in run_cli("info", str(model)).stdout
    cdr = run_cli("predict", str(tmp_path / "test.pubtator"), "-m", str(model), "--schema", "cdr")
    assert cdr.returncode == 0 and "\tCID\t" in cdr.stdout and "Correlation" not in cdr.stdout
    default = run_cli("predict", str(tmp_path / "test.pubtator"), "-m", str(model))
    assert "Correlation" in default.stdout and "\tCID\t" not in default.stdout
    wrong = run_cli("predict", str(tmp_path / "test.pubtator"), "-m", str(model), "--schema", "bioredd")
    assert wrong.returncode != 0 and wrong.stderr.count("\n") == 1 and "no schema 'bioredd'" in wrong.stderr
    both = run_cli("train", str(tmp_path / "a.pubtator"), "--corpus", f"x={tmp_path / 'b.pubtator'}", "-o", "m.npz")
    assert both.returncode == 2 and "not both" in both.stderr
