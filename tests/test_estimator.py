"""Tests of relclf.extract.estimator: the scikit-learn contract, the parameter constraints, precomputed
splits, the protocol of the pluggable parts, and what the estimator learns on a small synthetic corpus.

The estimator fitted once per session (``synthetic_model``, conftest.py) serves every test that does not
need a variant; the few variants are fitted on small corpora.
"""

from __future__ import annotations

import io
import pickle
import re

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GroupKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from relclf.document import Document, Mention, Relation
from relclf.evaluation.metrics import score_documents
from relclf.extract.candidates import DEFAULT_MAX_PAIRS_PER_DOC
from relclf.extract.estimator import (
    HasMethods,
    InstanceOf,
    Interval,
    RelationExtractor,
    _check_linear_classifier,
    check_parameters,
)
from relclf.extract.fitting import grouped_folds
from relclf.extract.vectorizer import PairVectorizer
from relclf.io.pubtator import read_pubtator
from synthetic import synthetic_corpus


def _docs(text: str) -> list[Document]:
    return list(read_pubtator(io.BytesIO(text.encode())))


@pytest.fixture(scope="module")
def train_docs() -> list[Document]:
    """The documents ``synthetic_model`` was fitted on."""
    return _docs(synthetic_corpus(40, seed=1))


@pytest.fixture(scope="module")
def test_docs() -> list[Document]:
    return _docs(synthetic_corpus(15, seed=2, start=1000))


@pytest.fixture
def fitted(synthetic_model) -> RelationExtractor:
    """``RelationExtractor(vectorizer=PairVectorizer(min_df=1))`` fitted on ``train_docs`` (shared: never change it)."""
    return synthetic_model


def _hidden(documents: list[Document]) -> list[Document]:
    return [d.with_relations(()) for d in documents]


# -- the scikit-learn contract ----------------------------------------------------------------------------


def test_init_only_stores_parameters():
    vectorizer = PairVectorizer(groups=("dense",))
    model = RelationExtractor(vectorizer=vectorizer, detector=LogisticRegression(C=3.0), threshold=0.4)
    assert model.get_params()["vectorizer__groups"] == ("dense",)
    assert model.get_params()["detector__C"] == 3.0
    assert model.get_params()["threshold"] == 0.4
    assert not any(name.endswith("_") for name in vars(model))


def test_init_and_set_params_check_nothing_fit_does():
    model = RelationExtractor(rule="max")  # no error: grid search sets parameters without __init__
    model.set_params(calibration="beta")
    with pytest.raises(ValueError, match="rule must be"):
        model.fit([])


def test_fit_clones_its_vectorizer_detector_and_labeler(train_docs):
    vectorizer, detector, labeler = (
        PairVectorizer(min_df=1),
        LogisticRegression(C=3.0, solver="liblinear"),
        LogisticRegression(C=5.0, solver="liblinear"),
    )
    model = RelationExtractor(vectorizer=vectorizer, detector=detector, labeler=labeler, cv=2).fit(train_docs)
    assert model.vectorizer_ is not vectorizer and not hasattr(vectorizer, "blocks_")
    assert model.detector_ is not detector and not hasattr(detector, "coef_")
    assert model.detector_.C == 3.0 and model.labeler_.C == 5.0
    assert model.novelty_model_.C == 5.0  # novelty is decided by the same kind of labeler


def test_sklearn_tags_say_documents_in_and_no_separate_target():
    from sklearn.utils import get_tags

    tags = get_tags(RelationExtractor())
    assert tags.input_tags.two_d_array is False
    assert tags.target_tags.required is False


def test_fit_returns_self_and_learns_from_data(fitted, train_docs):
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1))
    assert model.fit(train_docs[:1]) is model
    assert fitted.labels_ == ["Negative_Correlation", "Positive_Correlation"]
    assert fitted.type_pairs_ == ["Chemical|Disease"]
    assert fitted.novelty_labels_ == ["No", "Novel"]
    assert 0.0 < fitted.threshold_ < 1.0


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
    assert again.predict(_hidden(test_docs)) == fitted.predict(_hidden(test_docs))


def test_pickle_round_trip(fitted, test_docs):
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.predict(_hidden(test_docs)) == fitted.predict(_hidden(test_docs))


def test_predict_before_fit_raises(test_docs):
    with pytest.raises(NotFittedError):
        RelationExtractor().predict(test_docs)


def test_predict_documents_checks_the_fit_when_called_not_when_iterated():
    with pytest.raises(NotFittedError):
        RelationExtractor().predict_documents([])  # not iterated


def test_score_is_type_level_f1(fitted, test_docs):
    expected = score_documents(test_docs, fitted.predict_documents(_hidden(test_docs))).levels["type"].f1
    assert fitted.score(test_docs) == expected > 0.9


# -- the parameter constraints -------------------------------------------------------------------------------


def test_every_parameter_has_constraints_and_the_defaults_meet_them():
    assert set(RelationExtractor._parameter_constraints) == set(RelationExtractor().get_params(deep=False))
    check_parameters(RelationExtractor())


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("context", "yes", "context must be 'auto', True or False, not 'yes'"),
        ("own_labelers", 1, "own_labelers must be 'auto', True or False, not 1"),  # 1 is not True
        ("class_weight", "inverse", "class_weight must be 'auto', None or 'balanced', not 'inverse'"),
        ("rule", "max", "rule must be 'pair', 'detector', 'detector_x_label' or 'auto', not 'max'"),
        ("calibration", "beta", "calibration must be 'auto', 'isotonic', 'platt' or 'none', not 'beta'"),
        ("threshold", 1.5, "threshold must be 'auto' or a number in [0, 1], not 1.5"),
        ("threshold", "0.5", "threshold must be 'auto' or a number in [0, 1], not '0.5'"),
        ("threshold", True, "threshold must be 'auto' or a number in [0, 1], not True"),
        ("tol", 0, "tol must be a number above 0, not 0"),
        ("min_type_pair_relations", 1, "min_type_pair_relations must be an integer of at least 2, not 1"),
        ("min_type_pair_relations", 2.0, "min_type_pair_relations must be an integer of at least 2, not 2.0"),
        ("max_pairs_per_doc", 0, "max_pairs_per_doc must be an integer of at least 1 or None, not 0"),
        (
            "cv",
            1,
            "cv must be an integer of at least 2 or an iterable of (train, test) arrays of document indices, not 1",
        ),
        ("cv", "5", "cv must be an integer of at least 2 or an iterable"),
        ("negative_label", None, "negative_label must be a string, not None"),
        ("random_state", -1, "random_state must be None, an integer of at least 0 or a numpy RandomState, not -1"),
        ("n_jobs", 1.5, "n_jobs must be None or an integer, not 1.5"),
        ("vectorizer", "tfidf", "vectorizer must be None or a PairVectorizer, not 'tfidf'"),
        (
            "detector",
            LinearSVC(),
            "detector must be None or a classifier (with fit and predict_proba), not LinearSVC()",
        ),
    ],
)
def test_a_value_outside_the_constraints_is_refused_with_its_name_the_allowed_values_and_the_value(
    name, value, message
):
    with pytest.raises(ValueError) as error:
        check_parameters(RelationExtractor(**{name: value}))
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": 0, "cv": np.int64(3), "tol": 1e-4, "max_pairs_per_doc": None, "random_state": None},
        {"threshold": np.float32(0.5), "context": True, "own_labelers": False, "class_weight": None},
        {"cv": [([1], [0]), ([0], [1])], "random_state": np.random.RandomState(0), "n_jobs": -1},
        {"detector": SGDClassifier(loss="log_loss"), "labeler": OneVsRestClassifier(LogisticRegression())},
    ],
)
def test_values_inside_the_constraints_pass(params):
    check_parameters(RelationExtractor(**params))


def test_the_constraint_kinds():
    assert 3 in Interval(int, 2) and np.int32(3) in Interval(int, 2) and 3.0 not in Interval(int, 2)
    assert False not in Interval(int) and True not in Interval(float, 0, 1)
    assert 0 not in Interval(float, 0, low_open=True) and 1e-9 in Interval(float, 0, low_open=True)
    assert str(Interval(int, None, 3)) == "an integer of at most 3" and str(Interval(float, 0, 1, True)) == (
        "a number in (0, 1]"
    )
    assert "abc" not in InstanceOf(object, "x") and "abc" in InstanceOf(str, "a string")
    assert LogisticRegression() in HasMethods(("fit", "predict_proba"), "a classifier")
    assert LinearSVC() not in HasMethods(("fit", "predict_proba"), "a classifier")


def test_fewer_than_two_folds_is_refused_when_fit_starts(train_docs):
    with pytest.raises(ValueError, match="cv must be an integer of at least 2"):
        RelationExtractor(cv=1).fit(train_docs)


def test_training_without_relations_is_an_error(test_docs):
    with pytest.raises(ValueError, match="no relation lines"):
        RelationExtractor().fit(_hidden(test_docs))


def test_negative_label_must_not_be_a_real_label():
    docs = _docs(synthetic_corpus(6, seed=3).replace("Positive_Correlation", "None"))
    with pytest.raises(ValueError, match="negative_label 'None' is also a relation label"):
        RelationExtractor(cv=2).fit(docs)


# -- precomputed splits -----------------------------------------------------------------------------------------


def test_splits_of_documents_equal_to_relclf_folds_give_the_same_model(fitted, train_docs, test_docs):
    groups = np.repeat(np.arange(len(train_docs)), [len(fitted.candidates(d)) for d in train_docs])
    splits = [(np.unique(groups[train]), np.unique(groups[test])) for train, test in grouped_folds(groups, 5)]
    model = clone(fitted).set_params(cv=splits).fit(train_docs)
    assert model.cv_scores_ == fitted.cv_scores_
    assert model.threshold_ == fitted.threshold_
    assert model.predict(_hidden(test_docs)) == fitted.predict(_hidden(test_docs))
    assert model.model_.detector.coef.tolist() == fitted.model_.detector.coef.tolist()


def test_splits_from_a_scikit_learn_splitter_over_documents(train_docs):
    docs = train_docs[:12]
    splits = list(GroupKFold(3).split(docs, groups=np.arange(len(docs)) // 2))
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), cv=splits).fit(docs)
    assert model.cv_scores_["folds"] == 3
    assert clone(model).get_params()["cv"] is not splits  # a list of arrays clones like any parameter


@pytest.mark.parametrize(
    ("splits", "message"),
    [
        ([([1, 2], [0]), ([0, 2], [1]), ([1], [2, 0])], "document 0 is tested in split 0 and again in split 2"),
        ([([1], [0]), ([0], [1])], "document 2 (1 of 3 in all) is in no test part"),
        ([([1, 2], [0, 1]), ([0], [2])], "split 0 trains and tests on document 1"),
        ([([1, 2], [0]), ([0, 2], [1]), ([0, 1], [3])], "the test part of split 2 names document 3, out of range"),
        ([([-1], [0]), ([0], [1, 2])], "the train part of split 0 names document -1, out of range"),
        ([([], [0, 1, 2])], "1 split given; at least 2 are needed"),
        ([([1, 2], [0]), [0, 1, 2]], "split 1 is not a (train, test) pair"),
        ([([1, 2], [0.0]), ([0], [1, 2])], "the test part of split 0 is not a 1-D array of document indices"),
        ([([1, 2], [True, False, False]), ([0], [1, 2])], "is not a 1-D array of document indices"),
    ],
)
def test_splits_are_checked_before_any_work(splits, message, train_docs):
    with pytest.raises(ValueError, match=r"^cv: .*" + re.escape(message)):
        RelationExtractor(cv=splits).fit(train_docs[:3])


# -- the pluggable parts ------------------------------------------------------------------------------------


def test_a_non_linear_detector_is_refused_when_fit_starts(train_docs):
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), detector=RandomForestClassifier(n_estimators=3))
    with pytest.raises(ValueError, match="detector must be a linear classifier .* RandomForestClassifier is not one"):
        model.fit(train_docs)
    assert not hasattr(model, "cv_scores_") and not hasattr(model, "detector_")  # refused before cross-validation


def _three_classes(seed: int = 0) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = sparse.csr_matrix(rng.uniform(size=(90, 6)) * (rng.uniform(size=(90, 6)) < 0.5))
    y = np.array(["a", "b", "c"] * 30, dtype=object)
    return X, np.arange(90), y


@pytest.mark.parametrize(
    "labeler", [OneVsRestClassifier(LogisticRegression()), SGDClassifier(loss="log_loss"), LogisticRegression()]
)
def test_linear_classifiers_with_logistic_probabilities_are_accepted(labeler):
    X, rows, y = _three_classes()
    if isinstance(labeler, LogisticRegression):  # binary: the logistic function of one decision
        rows, y = rows[y != "c"], y[y != "c"]
    _check_linear_classifier("labeler", labeler, X, rows, y)


@pytest.mark.parametrize(
    ("labeler", "message"),
    [
        (LogisticRegression(), "labeler's predict_proba must be the logistic function .* LogisticRegression's is not"),
        (SGDClassifier(loss="modified_huber"), "labeler's predict_proba must be the logistic function"),
        (RandomForestClassifier(n_estimators=2), "labeler must be a linear classifier"),
        (OneVsRestClassifier(RandomForestClassifier(n_estimators=2)), "labeler must be a linear classifier"),
    ],
)
def test_classifiers_a_model_cannot_hold_are_refused(labeler, message):
    X, rows, y = _three_classes()  # three classes: a multinomial model's softmax is no one-vs-rest
    with pytest.raises(ValueError, match=message):
        _check_linear_classifier("labeler", labeler, X, rows, y)


def test_a_multinomial_labeler_is_refused_when_fit_starts(train_docs):
    docs = [  # a third label, so that LogisticRegression is multinomial
        d.with_relations(tuple(Relation("Association", r.id1, r.id2, r.novelty) for r in d.relations))
        if i % 3 == 0
        else d
        for i, d in enumerate(train_docs[:15])
    ]
    with pytest.raises(ValueError, match="labeler's predict_proba must be the logistic function"):
        RelationExtractor(labeler=LogisticRegression(), cv=2).fit(docs)


def test_single_label_gets_a_dummy_labeler(train_docs):
    docs = [
        d.with_relations(tuple(Relation("Association", r.id1, r.id2, r.novelty) for r in d.relations))
        for d in train_docs
    ]
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), cv=2).fit(docs)
    assert isinstance(model.labeler_, DummyClassifier)
    assert {r.label for rels in model.predict(docs, threshold=0.0) for r in rels} == {"Association"}


# -- the pair cap ---------------------------------------------------------------------------------------------


def test_the_pair_cap_defaults_to_the_one_the_command_line_uses_and_reaches_training_and_the_model(fitted, train_docs):
    assert RelationExtractor().max_pairs_per_doc == DEFAULT_MAX_PAIRS_PER_DOC == fitted.model_.max_pairs_per_doc
    docs = train_docs[:8]  # 6 candidate pairs each (3 chemicals, 2 diseases), 2 of them related
    capped = RelationExtractor(vectorizer=PairVectorizer(min_df=1), max_pairs_per_doc=3, cv=2).fit(docs)
    kept = [capped.candidates(d) for d in docs]
    assert [len(pairs) for pairs in kept] == [3] * len(docs) and capped.model_.max_pairs_per_doc == 3
    assert capped.n_training_candidates_ == 3 * len(docs)
    covered = sum(c.key in {r.pair for r in d.relations} for d, pairs in zip(docs, kept, strict=True) for c in pairs)
    assert capped.n_unreachable_ == sum(len(d.relations) for d in docs) - covered


def test_training_documents_whose_pairs_are_all_related_are_refused(train_docs):
    with pytest.raises(ValueError, match="every candidate pair of the training documents is related"):
        RelationExtractor(max_pairs_per_doc=1, cv=2).fit(train_docs[:8])  # the closest pair: the related one


# -- what it learns ------------------------------------------------------------------------------------------


def test_learns_the_cues(fitted, test_docs):
    scores = score_documents(test_docs, fitted.predict_documents(_hidden(test_docs)))
    assert scores.levels["pair"].f1 >= 0.9
    assert scores.levels["type"].f1 >= 0.9
    assert scores.levels["novelty"].f1 >= 0.8


def test_predicted_relations_carry_scores_and_novelty(fitted, test_docs):
    relations = [r for rels in fitted.predict(_hidden(test_docs)) for r in rels]
    assert relations
    assert all(r.score is not None and fitted.threshold_ <= r.score <= 1.0 for r in relations)
    assert {r.novelty for r in relations} <= {"Novel", "No"}


def test_threshold_override(fitted, test_docs):
    hidden = _hidden(test_docs)
    everything = sum(len(r) for r in fitted.predict(hidden, threshold=0.0))
    nothing = sum(len(r) for r in fitted.predict(hidden, threshold=1.01))
    default = sum(len(r) for r in fitted.predict(hidden))
    assert nothing == 0 < default < everything


def test_one_label_schema_with_split_composites():
    """A BC5CDR-like corpus: one label, no novelty, composite IDs whose parts the relations name."""
    text = synthetic_corpus(30, seed=4, with_novelty=False)
    text = text.replace("Positive_Correlation", "CID").replace("Negative_Correlation", "CID")
    docs = _docs(text)
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1)).fit(docs)
    assert model.labels_ == ["CID"]
    assert model.novelty_labels_ == []
    relations = [r for rels in model.predict(_hidden(docs)) for r in rels]
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


def test_training_with_two_jobs_gives_the_same_model_predictions(train_docs, test_docs, fitted):
    parallel_model = clone(fitted).set_params(n_jobs=2).fit(train_docs)
    assert parallel_model.threshold_ == fitted.threshold_
    hidden = _hidden(test_docs)
    assert list(parallel_model.predict_documents(hidden, n_jobs=1)) == list(fitted.predict_documents(hidden, n_jobs=1))


# -- the cross-validated stages -----------------------------------------------------------------------------


def test_cross_validated_choices_are_fitted_attributes(fitted):
    assert fitted.rule_ == "pair"  # the default: which pairs are related is decided on its own
    assert fitted.priors_ is not None and len(fitted.priors_.identifiers) > 0
    assert fitted.calibration_.method in ("platt", "isotonic")
    assert set(fitted.cv_scores_) >= {"context", "labels", "rule", "calibration", "at_threshold"}
    assert fitted.cv_scores_["folds"] == 5
    assert fitted.cv_scores_["at_threshold"]["threshold"] == pytest.approx(fitted.threshold_, abs=1e-4)
    assert set(fitted.own_type_pairs_) == set(fitted.own_labelers_) <= set(fitted.type_pairs_)
    assert len(fitted.precision_curve_) > 0
    assert fitted.model_.context is fitted.context_ and fitted.model_.rule == fitted.rule_
    assert fitted.model_.calibration is fitted.calibration_ and fitted.model_.curve is fitted.precision_curve_


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
    scores = score_documents(test_docs, model.predict_documents(_hidden(test_docs)))
    assert scores.levels["type"].f1 > 0.8


def test_a_single_document_fits_without_cross_validation(train_docs):
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1)).fit(train_docs[:1])
    assert model.cv_scores_ == {} and model.context_ is None and model.calibration_.method == "none"
    assert model.threshold_ == 0.5 and len(model.precision_curve_) == 0
    with pytest.raises(ValueError, match="no cross-validated precision curve"):
        model.model_.threshold_for_precision(0.8)
