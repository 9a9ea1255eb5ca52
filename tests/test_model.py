"""Tests of relclf.extract.estimator: the estimator contract and what it learns on a small synthetic corpus."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from relclf.document import Document, Mention, Relation
from relclf.evaluation.metrics import score_documents
from relclf.extract.estimator import RelationExtractor
from relclf.extract.vectorizer import PairVectorizer
from relclf.io.pubtator import read_pubtator
from synthetic import synthetic_corpus


def _docs(text: str) -> list[Document]:
    return list(read_pubtator(io.BytesIO(text.encode())))


@pytest.fixture(scope="module")
def train_docs() -> list[Document]:
    return _docs(synthetic_corpus(40, seed=1))


@pytest.fixture(scope="module")
def test_docs() -> list[Document]:
    return _docs(synthetic_corpus(15, seed=2, start=1000))


@pytest.fixture
def fitted(synthetic_model) -> RelationExtractor:
    """``RelationExtractor(vectorizer=PairVectorizer(min_df=1))`` fitted on ``train_docs`` (shared: never change it)."""
    return synthetic_model


def test_init_only_stores_parameters():
    vectorizer = PairVectorizer(groups=("dense",))
    model = RelationExtractor(vectorizer=vectorizer, detector=LogisticRegression(C=3.0), threshold=0.4)
    assert model.get_params()["vectorizer__groups"] == ("dense",)
    assert model.get_params()["detector__C"] == 3.0
    assert model.get_params()["threshold"] == 0.4
    assert not any(name.endswith("_") for name in vars(model))


def test_fit_clones_its_vectorizer_detector_and_labeler(train_docs):
    vectorizer, detector, labeler = (
        PairVectorizer(min_df=1),
        LogisticRegression(C=3.0, solver="liblinear"),
        LogisticRegression(C=5.0, solver="liblinear"),
    )
    model = RelationExtractor(vectorizer=vectorizer, detector=detector, labeler=labeler, cv=2).fit(train_docs)
    assert model.vectorizer_ is not vectorizer and not hasattr(vectorizer, "vectorizers_")
    assert model.detector_ is not detector and not hasattr(detector, "coef_")
    assert model.detector_.C == 3.0 and model.labeler_.C == 5.0
    assert model.novelty_model_.C == 5.0  # novelty is decided by the same kind of labeler


def test_single_label_gets_a_dummy_labeler(train_docs):
    from sklearn.dummy import DummyClassifier

    docs = [
        d.with_relations(tuple(r.__class__("Association", r.id1, r.id2, r.novelty) for r in d.relations))
        for d in train_docs
    ]
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), cv=2).fit(docs)
    assert isinstance(model.labeler_, DummyClassifier)
    assert {r.label for rels in model.predict(docs, threshold=0.0) for r in rels} == {"Association"}


@pytest.mark.parametrize("cv", [0, 1, -3])
def test_fewer_than_two_folds_is_an_error(train_docs, cv):
    with pytest.raises(ValueError, match="cv must be an integer of at least 2"):
        RelationExtractor(cv=cv).fit(train_docs)


def test_predict_documents_checks_the_fit_when_called_not_when_iterated():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RelationExtractor().predict_documents([])  # not iterated


def test_score_is_type_level_f1(fitted, test_docs):
    hidden = [d.with_relations(()) for d in test_docs]
    expected = score_documents(test_docs, fitted.predict_documents(hidden)).levels["type"].f1
    assert fitted.score(test_docs) == expected > 0.9


def test_sklearn_tags_say_documents_in_and_no_separate_target():
    from sklearn.utils import get_tags

    tags = get_tags(RelationExtractor())
    assert tags.input_tags.two_d_array is False
    assert tags.target_tags.required is False


def test_fit_returns_self_and_learns_from_data(train_docs):
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1))
    assert model.fit(train_docs) is model
    assert model.labels_ == ["Negative_Correlation", "Positive_Correlation"]
    assert model.type_pairs_ == ["Chemical|Disease"]
    assert model.novelty_labels_ == ["No", "Novel"]
    assert 0.0 < model.threshold_ < 1.0


def test_learns_the_cues(fitted, test_docs):
    hidden = [d.with_relations(()) for d in test_docs]
    scores = score_documents(test_docs, fitted.predict_documents(hidden))
    assert scores.levels["pair"].f1 >= 0.9
    assert scores.levels["type"].f1 >= 0.9
    assert scores.levels["novelty"].f1 >= 0.8


def test_predicted_relations_carry_scores_and_novelty(fitted, test_docs):
    relations = [r for rels in fitted.predict([d.with_relations(()) for d in test_docs]) for r in rels]
    assert relations
    assert all(r.score is not None and fitted.threshold_ <= r.score <= 1.0 for r in relations)
    assert {r.novelty for r in relations} <= {"Novel", "No"}


def test_threshold_override(fitted, test_docs):
    hidden = [d.with_relations(()) for d in test_docs]
    everything = sum(len(r) for r in fitted.predict(hidden, threshold=0.0))
    nothing = sum(len(r) for r in fitted.predict(hidden, threshold=1.01))
    default = sum(len(r) for r in fitted.predict(hidden))
    assert nothing == 0 < default < everything


def test_clone_and_params_round_trip(fitted):
    copy = clone(fitted)
    assert copy.get_params(deep=True).keys() == fitted.get_params(deep=True).keys()
    assert {k: v for k, v in copy.get_params().items() if k != "vectorizer"} == {
        k: v for k, v in fitted.get_params().items() if k != "vectorizer"
    }
    assert copy.vectorizer is not fitted.vectorizer and copy.vectorizer.get_params() == fitted.vectorizer.get_params()
    assert not hasattr(copy, "detector_")
    copy.set_params(cv=3, vectorizer__min_df=2)
    assert copy.cv == 3 and fitted.cv == 5
    assert copy.vectorizer.min_df == 2 and fitted.vectorizer.min_df == 1


def test_refit_gives_same_predictions(train_docs, test_docs, fitted):
    again = clone(fitted).fit(train_docs)
    hidden = [d.with_relations(()) for d in test_docs]
    assert again.predict(hidden) == fitted.predict(hidden)


def test_pickle_round_trip(fitted, test_docs):
    restored = pickle.loads(pickle.dumps(fitted))
    hidden = [d.with_relations(()) for d in test_docs]
    assert restored.predict(hidden) == fitted.predict(hidden)


def test_predict_before_fit_raises(test_docs):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RelationExtractor().predict(test_docs)


def test_training_without_relations_is_an_error(test_docs):
    with pytest.raises(ValueError, match="no relation lines"):
        RelationExtractor().fit([d.with_relations(()) for d in test_docs])


def test_negative_label_must_not_be_a_real_label():
    docs = _docs(synthetic_corpus(6, seed=3).replace("Positive_Correlation", "None"))
    with pytest.raises(ValueError, match="negative_label"):
        RelationExtractor(cv=2).fit(docs)


def test_one_label_schema_with_split_composites():
    """A BC5CDR-like corpus: one label, no novelty, composite IDs whose parts the relations name."""
    text = synthetic_corpus(30, seed=4, with_novelty=False)
    text = text.replace("Positive_Correlation", "CID").replace("Negative_Correlation", "CID")
    docs = _docs(text)
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1)).fit(docs)
    assert model.labels_ == ["CID"]
    assert model.novelty_labels_ == []
    relations = [r for rels in model.predict([d.with_relations(()) for d in docs]) for r in rels]
    assert relations and {r.label for r in relations} == {"CID"}
    assert all(r.novelty is None for r in relations)


def test_pair_order_is_type_sorted_not_input_order(fitted):
    """The relation's id1 is the entity of the alphabetically first type, whatever the text order."""
    text = "chemazol1 induces fibrosis type 1."
    disease_first = "fibrosis type 1 is induced by chemazol1."
    for abstract, chem_at, dis_at in ((text, 0, 18), (disease_first, 30, 0)):
        doc = Document(
            "9",
            "T.",
            abstract,
            (
                Mention(3 + chem_at, 3 + chem_at + 9, "chemazol1", "Chemical", "C1001"),
                Mention(3 + dis_at, 3 + dis_at + 15, "fibrosis type 1", "Disease", "D2001"),
            ),
        )
        candidates = fitted.candidates(doc)
        assert [(c.a.identifier, c.b.identifier) for c in candidates] == [("C1001", "D2001")]
        (decided,) = fitted.predict([doc], threshold=0.0)
        assert [(r.id1, r.id2) for r in decided] == [("C1001", "D2001")]


def test_no_candidates_gives_no_relations(fitted):
    doc = Document("5", "Nothing here.", "No entities at all.")
    assert fitted.predict([doc]) == [()]
    single = Document("6", "chemazol1.", "", (Mention(0, 9, "chemazol1", "Chemical", "C1001"),))
    assert fitted.predict([single]) == [()]


def test_relation_type_is_frozen():
    rel = Relation("Bind", "a", "b")
    with pytest.raises(AttributeError):
        rel.label = "x"  # type: ignore[misc]


def test_parallel_prediction_equals_serial(fitted, test_docs):
    hidden = [d.with_relations(()) for d in test_docs]
    serial = list(fitted.predict_documents(hidden, batch_size=4))
    parallel = list(fitted.predict_documents(hidden, batch_size=4, n_jobs=2))
    assert [d.pmid for d in parallel] == [d.pmid for d in hidden]
    assert parallel == serial
    assert any(d.relations for d in parallel)


def test_batches_are_cut_by_candidate_pairs_and_predictions_do_not_change(fitted, test_docs, monkeypatch):
    import relclf.extract.model as estimator_module

    # synthetic documents have 6 distinct IDs: 15 pairs each by the estimate
    assert estimator_module._pair_estimate(test_docs[0], None) == 15
    assert estimator_module._pair_estimate(test_docs[0], 5) == 5
    expected = list(fitted.predict_documents(test_docs))
    monkeypatch.setattr(estimator_module, "MAX_PAIRS_PER_BATCH", 20)  # one document per batch
    assert list(fitted.predict_documents(test_docs)) == expected


def test_training_with_two_jobs_gives_the_same_model_predictions(train_docs, test_docs, fitted):
    hidden = [d.with_relations(()) for d in test_docs]
    parallel_model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), n_jobs=2).fit(train_docs)
    assert parallel_model.threshold_ == fitted.threshold_
    assert list(parallel_model.predict_documents(hidden, n_jobs=1)) == list(fitted.predict_documents(hidden, n_jobs=1))


def test_parallel_prediction_keeps_order_with_many_batches_in_flight(fitted, test_docs):
    hidden = [d.with_relations(()) for d in test_docs] * 3  # more batches than 2 * n_jobs
    serial = list(fitted.predict_documents(hidden, batch_size=2))
    parallel = list(fitted.predict_documents(hidden, batch_size=2, n_jobs=2))
    assert parallel == serial


# -- the stages issue #13 added: context, labelers per type pair, decision rule, calibration ------------


def test_cross_validated_choices_are_fitted_attributes(fitted):
    assert fitted.rule_ in ("detector", "detector_x_label")
    assert fitted.calibration_.method in ("platt", "isotonic")
    assert set(fitted.cv_scores_) >= {"context", "labels", "rule", "calibration", "at_threshold"}
    assert fitted.cv_scores_["at_threshold"]["threshold"] == pytest.approx(fitted.threshold_, abs=1e-4)
    assert set(fitted.own_type_pairs_) == set(fitted.own_labelers_) <= set(fitted.type_pairs_)
    assert len(fitted.precision_curve_) > 0
    assert fitted.model_.context is fitted.context_ and fitted.model_.rule == fitted.rule_


def test_scores_are_the_calibrated_raw_scores_and_the_threshold_only_cuts(fitted, test_docs):
    model = fitted.model_
    batch = model.featurize([d.with_relations(()) for d in test_docs])
    every = model.score_batch(batch, threshold=-np.inf)
    assert every.rows.tolist() == list(range(len(batch)))
    raw = every.related * (every.label_probability if model.rule == "detector_x_label" else 1.0)
    assert every.scores == pytest.approx(model.calibration(raw))
    for threshold in (model.threshold, 0.5, 0.9):
        kept = model.score_batch(batch, threshold=threshold)
        expected = np.flatnonzero(every.scores >= threshold)
        assert kept.rows.tolist() == expected.tolist()
        assert kept.labels == [every.labels[k] for k in expected] and kept.scores == pytest.approx(
            every.scores[expected]
        )


@pytest.mark.parametrize(
    "params",
    [
        {
            "context": True,
            "own_labelers": True,
            "min_type_pair_relations": 2,
            "class_weight": "balanced",
            "rule": "detector_x_label",
            "calibration": "isotonic",
        },
        {"context": False, "own_labelers": False, "class_weight": None, "rule": "detector", "calibration": "none"},
    ],
)
def test_every_stage_can_be_forced_on_or_off(train_docs, test_docs, params):
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), **params).fit(train_docs)
    assert (model.context_ is not None) == params["context"]
    assert bool(model.own_labelers_) == params["own_labelers"]
    assert model.rule_ == params["rule"] and model.calibration_.method == params["calibration"]
    assert model.class_weight_ == params["class_weight"]
    scores = score_documents(test_docs, model.predict_documents(d.with_relations(()) for d in test_docs))
    assert scores.levels["type"].f1 > 0.8


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("context", "yes"),
        ("class_weight", "inverse"),
        ("rule", "max"),
        ("calibration", "beta"),
        ("own_labelers", 1),
        ("min_type_pair_relations", 1),
    ],
)
def test_choices_outside_the_allowed_values_are_refused(train_docs, name, value):
    with pytest.raises(ValueError, match=name):
        RelationExtractor(**{name: value}).fit(train_docs)


def test_threshold_for_a_precision_comes_from_the_cross_validated_curve(fitted):
    point = fitted.model_.threshold_for_precision(0.5)
    assert point.precision >= 0.5 and 0 <= point.recall <= 1
    curve = fitted.precision_curve_
    assert point.threshold == curve.thresholds[np.flatnonzero(curve.precision >= 0.5).max()]
    with pytest.raises(ValueError, match="no threshold reached a precision of 1.01"):
        fitted.model_.threshold_for_precision(1.01)


def test_a_single_document_fits_without_cross_validation(train_docs):
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1)).fit(train_docs[:1])
    assert model.cv_scores_ == {} and model.context_ is None and model.calibration_.method == "none"
    assert model.threshold_ == 0.5 and len(model.precision_curve_) == 0
    with pytest.raises(ValueError, match="no cross-validated precision curve"):
        model.model_.threshold_for_precision(0.8)
