"""Combining predicted relations with a document's existing ones, and the score filter."""

from __future__ import annotations

import pytest

from conftest import parse
from relclf.document import Document, Relation
from relclf.extract.estimator import RelationExtractor
from relclf.extract.predictions import combine_relations, predict_with_existing
from synthetic import synthetic_corpus

OLD = (Relation("Bind", "A", "B", "Novel"), Relation("Cause", "C", "D"))
NEW = (
    Relation("Association", "B", "A", "No", 0.95),
    Relation("Association", "A", "C", "No", 0.40),
    Relation("Drug", "C", "E", None, 0.70),
)


def test_predictions_replace_existing_by_default():
    assert combine_relations(OLD, NEW) == NEW


def test_keep_existing_first_and_do_not_duplicate_a_pair():
    combined = combine_relations(OLD, NEW, keep_existing=True)
    assert combined == OLD + NEW[1:]


def test_min_score_filters_predictions_only():
    assert combine_relations(OLD, NEW, min_score=0.5, keep_existing=True) == OLD + (NEW[2],)
    assert combine_relations((), NEW, min_score=0.95) == (NEW[0],)
    assert (
        combine_relations((), (Relation("X", "A", "B"),), min_score=0.1) == ()
    )  # unscored: cannot pass a score filter


@pytest.fixture
def model(synthetic_model) -> RelationExtractor:
    return synthetic_model


def test_predict_with_existing_keeps_order_documents_and_existing_relations(model):
    gold = parse(synthetic_corpus(6, seed=2, start=500))
    empty = Document("9", "Nothing here.", "")
    documents = [gold[0], empty, *gold[1:]]
    plain = list(model.predict_documents([d.with_relations(()) for d in documents]))
    kept = list(predict_with_existing(model.predict_documents, documents, keep_existing=True))
    assert [d.pmid for d in kept] == [d.pmid for d in documents]
    assert kept[1] == empty
    for original, predicted, combined in zip(documents, plain, kept, strict=True):
        assert combined.mentions == original.mentions
        assert combined.relations[: len(original.relations)] == original.relations
        assert combined.relations[len(original.relations) :] == tuple(
            r for r in predicted.relations if r.pair not in {o.pair for o in original.relations}
        )
    assert sum(len(d.relations) for d in plain) > 0


def test_predict_with_existing_does_not_let_the_model_see_existing_relations(model):
    documents = parse(synthetic_corpus(6, seed=2, start=500))
    replaced = list(predict_with_existing(model.predict_documents, documents))
    hidden = list(model.predict_documents([d.with_relations(()) for d in documents]))
    assert replaced == hidden
    scores = sorted(r.score for d in hidden for r in d.relations)
    cut = scores[len(scores) // 2]
    high = list(predict_with_existing(model.predict_documents, documents, min_score=cut))
    assert [r for d in high for r in d.relations] == [r for d in hidden for r in d.relations if r.score >= cut]
    assert 0 < sum(len(d.relations) for d in high) < len(scores)
