"""Tests of relclf.extract.model: RelationModel, the fitted model as data, and how it scores, labels and streams.

Every test reads the session's ``synthetic_model`` (conftest.py): its ``model_`` is the RelationModel, and
variants are made with ``dataclasses.replace``, never by fitting again.
"""

from __future__ import annotations

import dataclasses
import io
import pickle

import numpy as np
import pytest

from relclf.document import Document
from relclf.extract.linear import LinearStage
from relclf.extract.model import RelationModel, _pair_estimate
from relclf.io.pubtator import read_pubtator
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def test_docs() -> list[Document]:
    return list(read_pubtator(io.BytesIO(synthetic_corpus(15, seed=2, start=1000).encode())))


@pytest.fixture
def model(synthetic_model) -> RelationModel:
    """The session's fitted RelationModel (shared: replace fields to make variants, never change it)."""
    return synthetic_model.model_


def _hidden(documents: list[Document]) -> list[Document]:
    return [d.with_relations(()) for d in documents]


# -- scoring a batch ------------------------------------------------------------------------------------------


def test_scores_are_the_calibrated_raw_scores_and_the_threshold_only_cuts(model, test_docs):
    batch = model.featurize(_hidden(test_docs))
    every = model.score_batch(batch, threshold=-np.inf)
    assert every.rows.tolist() == list(range(len(batch)))
    # the score is that of the relation as written: the probability of being related times the label's
    raw = every.related * (every.label_probability if model.rule != "detector" else 1.0)
    assert every.scores == pytest.approx(model.calibration(raw))
    for threshold in (model.threshold, 0.5, 0.9):
        kept = model.score_batch(batch, threshold=threshold)
        expected = np.flatnonzero(every.scores >= threshold)
        assert kept.rows.tolist() == expected.tolist()
        assert kept.labels == [every.labels[k] for k in expected] and kept.scores == pytest.approx(
            every.scores[expected]
        )


def test_under_the_pair_rule_a_pair_is_predicted_when_its_probability_of_being_related_reaches_the_threshold(
    model, test_docs
):
    batch = model.featurize(_hidden(test_docs))
    every = model.score_batch(batch, threshold=-np.inf)
    for threshold in (0.2, 0.5, 0.8):
        by_pair = dataclasses.replace(model, rule="pair", threshold=threshold)
        kept = by_pair.score_batch(batch)
        expected = np.flatnonzero(every.related >= threshold)
        assert kept.rows.tolist() == expected.tolist()  # whatever the label's probability and the score
        assert kept.labels == [every.labels[k] for k in expected]
        assert kept.scores == pytest.approx(every.scores[expected])
    # a threshold given at prediction is one on the score, under any rule
    by_pair = dataclasses.replace(model, rule="pair", threshold=0.01)
    assert by_pair.score_batch(batch, threshold=0.5).rows.tolist() == np.flatnonzero(every.scores >= 0.5).tolist()


class _RecordingScorer:
    """The batch's real scorer, noting the rows each call asks decisions for (None: every row)."""

    def __init__(self, scorer) -> None:
        self.scorer, self.asked = scorer, []

    def decisions(self, weights, rows=None):
        self.asked.append(None if rows is None else np.asarray(rows).tolist())
        return self.scorer.decisions(weights, rows)


@pytest.mark.parametrize("rule", ["detector", "detector_x_label"])
def test_only_the_pairs_that_can_reach_the_threshold_are_labelled(model, test_docs, rule):
    variant = dataclasses.replace(model, rule=rule)
    batch = variant.featurize(_hidden(test_docs))
    related = variant.related_probability(batch)
    for threshold in (0.3, 0.7):
        scorer = _RecordingScorer(variant.vectorizer.scorer(batch))
        scored = variant.score_batch(batch, threshold=threshold, scorer=scorer)
        detector, labeler = scorer.asked  # the detector scores every pair, the labeler only some
        reachable = np.flatnonzero(variant.calibration(related) >= threshold)
        assert detector is None and labeler == reachable.tolist() and len(reachable) < len(batch)
        assert set(scored.rows.tolist()) <= set(labeler)


def test_an_empty_batch_scores_nothing(model):
    batch = model.featurize([Document("1", "No entities.", "")])
    scored = model.score_batch(batch)
    assert len(batch) == 0 and scored.rows.tolist() == [] and scored.labels == []
    assert model.classify(batch) == []


def test_scores_of_every_pair(model, test_docs):
    batch, scores, labels = model.scores(_hidden(test_docs))
    assert len(scores) == len(labels) == len(batch) > 0
    assert set(labels) <= set(model.labels) and np.all((0 <= scores) & (scores <= 1))


# -- classify: relations and their novelty --------------------------------------------------------------------


def test_classify_gives_scored_relations_of_each_document_in_pair_order(model, test_docs):
    batch = model.featurize(_hidden(test_docs))
    found = model.classify(batch)
    scored = model.score_batch(batch)
    pairs, ids = batch.pairs, batch.pairs.identifiers
    assert [doc for doc, _ in found] == pairs.doc[scored.rows].tolist()
    assert [(r.id1, r.id2) for _, r in found] == [(ids[pairs.a[k]], ids[pairs.b[k]]) for k in scored.rows]
    assert [r.label for _, r in found] == scored.labels
    assert [r.score for _, r in found] == pytest.approx(scored.scores)


def test_classify_decides_novelty_with_the_novelty_stage_on_the_kept_pairs(model, test_docs):
    batch = model.featurize(_hidden(test_docs))
    found = model.classify(batch)
    rows = model.score_batch(batch).rows
    expected = model.novelty.predict(model.transform(batch)[rows])  # the stage on the feature matrix
    assert [r.novelty for _, r in found] == expected and set(expected) == {"Novel", "No"}


def test_classify_novelty_is_none_without_a_novelty_stage_and_constant_with_one_value(model, test_docs):
    batch = model.featurize(_hidden(test_docs))
    without = dataclasses.replace(model, novelty=None)
    assert without.novelty_labels == [] and {r.novelty for _, r in without.classify(batch)} == {None}
    constant = LinearStage(("Novel",), np.zeros((0, model.novelty.coef.shape[1])), np.zeros(0))
    one_value = dataclasses.replace(model, novelty=constant)
    assert one_value.novelty_labels == ["Novel"] and {r.novelty for _, r in one_value.classify(batch)} == {"Novel"}
    # the relations themselves do not change
    assert [(r.label, r.id1, r.id2, r.score) for _, r in without.classify(batch)] == [
        (r.label, r.id1, r.id2, r.score) for _, r in model.classify(batch)
    ]


def test_the_novelty_of_the_synthetic_cues(model, test_docs):
    """``We found that`` states a novel finding, ``It is known that`` a known one (tests/synthetic.py)."""
    right = 0
    for gold, predicted in zip(test_docs, model.predict(_hidden(test_docs)), strict=True):
        truth = {r.pair: r.novelty for r in gold.relations}
        found = [r for r in predicted if r.pair in truth]
        assert [r.novelty for r in found] == [truth[r.pair] for r in found]
        right += len(found)
    assert right >= len(test_docs)


# -- the model as a value ------------------------------------------------------------------------------------


def test_labels_stages_and_pair_cap(model, test_docs):
    assert model.labels == ["Negative_Correlation", "Positive_Correlation"]
    assert model.novelty_labels == ["No", "Novel"]
    assert set(model.stages()) == {"detector", "labeler", "novelty"} | {f"labeler.{t}" for t in model.labeler.own}
    assert model.with_pair_cap(model.max_pairs_per_doc) is model
    capped = model.with_pair_cap(2)
    assert capped.max_pairs_per_doc == 2 and model.max_pairs_per_doc != 2
    assert [len(capped.candidates(d)) for d in test_docs] == [2] * len(test_docs)
    assert len(capped.featurize(test_docs[:3])) == 6


def test_pickling_leaves_out_the_derived_weights(model, test_docs):
    model.predict(_hidden(test_docs[:2]))  # builds the cached weights
    assert "_weights" in vars(model) and "_weights" not in model.__getstate__()
    restored = pickle.loads(pickle.dumps(model))
    assert "_weights" not in vars(restored)
    assert restored.predict(_hidden(test_docs)) == model.predict(_hidden(test_docs))


def test_threshold_for_a_precision_comes_from_the_cross_validated_curve(model):
    point = model.threshold_for_precision(0.5)
    assert point.precision >= 0.5 and 0 <= point.recall <= 1
    curve = model.curve
    assert point.threshold == curve.thresholds[np.flatnonzero(curve.precision >= 0.5).max()]
    with pytest.raises(ValueError, match="no threshold reached a precision of 1.01"):
        model.threshold_for_precision(1.01)


# -- streams: batches and worker processes --------------------------------------------------------------------


def test_predict_batch_equals_the_stream(model, test_docs):
    hidden = _hidden(test_docs)
    assert (
        model.predict_batch(hidden) == model.predict(hidden) == [d.relations for d in model.predict_documents(hidden)]
    )


def test_batches_are_cut_by_candidate_pairs_and_predictions_do_not_change(model, test_docs, monkeypatch):
    import relclf.extract.model as model_module

    # synthetic documents have 6 distinct IDs: 15 pairs each by the estimate
    assert _pair_estimate(test_docs[0], None) == 15
    assert _pair_estimate(test_docs[0], 5) == 5
    expected = list(model.predict_documents(test_docs))
    monkeypatch.setattr(model_module, "MAX_PAIRS_PER_BATCH", 20)  # one document per batch
    assert list(model.predict_documents(test_docs)) == expected


def test_parallel_prediction_equals_serial(model, test_docs):
    hidden = _hidden(test_docs)
    serial = list(model.predict_documents(hidden, batch_size=4))
    parallel = list(model.predict_documents(hidden, batch_size=4, n_jobs=2))
    assert [d.pmid for d in parallel] == [d.pmid for d in hidden]
    assert parallel == serial
    assert any(d.relations for d in parallel)


def test_parallel_prediction_keeps_order_with_many_batches_in_flight(model, test_docs):
    hidden = _hidden(test_docs) * 3  # more batches than 2 * n_jobs
    serial = list(model.predict_documents(hidden, batch_size=2))
    parallel = list(model.predict_documents(hidden, batch_size=2, n_jobs=2))
    assert parallel == serial
