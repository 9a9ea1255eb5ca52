"""The choices grouped cross-validation makes in training, on constructed data where the right answer is known,
the folds they are made on, and :func:`cross_validate`, which makes them all on a small synthetic training set."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.multiclass import OneVsRestClassifier

from relclf.extract.candidates import composites_are_split, related_type_pairs
from relclf.extract.features import Pairs
from relclf.extract.fitting import (
    CrossValidatedChoices,
    best_f1,
    calibrate,
    check_document_splits,
    choose_labelers,
    choose_rule,
    cross_validate,
    fit_calibration,
    fit_context,
    grouped_folds,
    out_of_fold_decisions,
    simplest_within_one_error,
    training_folds,
)
from relclf.extract.training import build_training_set
from relclf.extract.vectorizer import PairVectorizer
from relclf.text import Vocabulary


def _folds(groups: np.ndarray, k: int = 5) -> list:
    return grouped_folds(groups, k)


def test_best_f1_counts_gold_that_no_score_covers():
    scores, correct = np.array([0.9, 0.8, 0.4, 0.3]), np.array([True, False, True, False])
    assert best_f1(scores, correct, 2) == (0.4, pytest.approx(0.8))
    assert best_f1(scores, correct, 10)[1] == pytest.approx(2 * 2 / (3 + 10))
    assert best_f1(np.zeros(0), np.zeros(0, dtype=bool), 3) == (0.5, 0.0)


def test_one_standard_error_rule_prefers_the_simpler_option_unless_the_gain_is_clear():
    rng = np.random.default_rng(0)
    noise = rng.normal(size=400)
    assert (
        simplest_within_one_error({"simple": noise + 0.01, "complex": noise + rng.normal(scale=1.0, size=400)})
        == "simple"
    )
    assert simplest_within_one_error({"simple": noise + 0.5, "complex": noise}) == "complex"
    # the order given is the order of simplicity
    assert simplest_within_one_error({"complex": noise, "simple": noise}) == "complex"


def test_isotonic_calibration_is_monotone_and_keeps_the_order_between_its_steps():
    rng = np.random.default_rng(1)
    raw = rng.uniform(size=20000)
    correct = rng.uniform(size=20000) < raw**2  # raw scores that overstate the truth
    calibration = calibrate("isotonic", raw, correct)
    assert calibration.method == "isotonic"
    grid = np.linspace(0.05, 0.95, 19)
    mapped = calibration(grid)
    assert np.all(np.diff(mapped) > 0)  # strictly increasing between the first and last step
    assert mapped == pytest.approx(grid**2, abs=0.06)


def test_platt_calibration_recovers_a_logistic_distortion():
    rng = np.random.default_rng(2)
    raw = rng.uniform(0.01, 0.99, size=20000)
    logit = np.log(raw / (1 - raw))
    correct = rng.uniform(size=20000) < 1 / (1 + np.exp(-(2 * logit - 1)))
    calibration = calibrate("platt", raw, correct)
    assert calibration.y == pytest.approx([2.0, -1.0], abs=0.1)


def test_calibration_method_is_chosen_by_cross_validated_log_loss():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(400), 10)
    raw = rng.uniform(0.01, 0.99, size=4000)
    platt_shaped = rng.uniform(size=4000) < 1 / (1 + np.exp(-(1.5 * np.log(raw / (1 - raw)))))
    calibration, scores = fit_calibration(raw, platt_shaped, _folds(groups))
    assert calibration.method == "platt" and set(scores) == {"platt", "isotonic"}
    # a step no logistic curve can follow: the isotonic map wins by far more than noise
    step = rng.uniform(size=4000) < np.where(raw > 0.8, 0.95, np.where(raw > 0.4, 0.5, 0.05))
    calibration, scores = fit_calibration(raw, step, _folds(groups))
    assert calibration.method == "isotonic", scores
    assert fit_calibration(raw, step, _folds(groups), "platt")[0].method == "platt"


def _documents_with_one_related_pair(n_documents: int, seed: int) -> tuple[Pairs, np.ndarray, np.ndarray]:
    """Six pairs per document among four entities; the related pair is the one scoring highest in its document."""
    rng = np.random.default_rng(seed)
    a_local, b_local = np.array([0, 0, 0, 1, 1, 2]), np.array([1, 2, 3, 2, 3, 3])
    doc = np.repeat(np.arange(n_documents), 6)
    a, b = doc * 4 + np.tile(a_local, n_documents), doc * 4 + np.tile(b_local, n_documents)
    decision = rng.normal(size=6 * n_documents)
    positive = np.zeros(6 * n_documents, dtype=bool)
    positive[np.arange(n_documents) * 6 + np.argmax(decision.reshape(-1, 6), axis=1)] = True
    pairs = Pairs(doc, a, b, np.zeros(len(doc), dtype=np.int64), [str(i) for i in range(4 * n_documents)])
    return pairs, decision, positive


def test_the_context_stage_is_kept_where_the_abstract_decides():
    pairs, decision, positive = _documents_with_one_related_pair(300, 4)
    choice = fit_context(decision, pairs, positive, _folds(pairs.doc))
    assert choice.stage is not None and "document" in choice.stage.groups
    assert (
        choice.scores["kept"]
        and choice.scores["log_loss"][choice.scores["inputs"]] < choice.scores["log_loss"]["score"]
    )
    # its out-of-fold probabilities rank the related pair first in almost every document
    top = np.argmax(choice.related.reshape(-1, 6), axis=1)
    assert np.mean(positive.reshape(-1, 6)[np.arange(300), top]) > 0.95


def test_the_context_stage_is_dropped_where_the_abstract_says_nothing():
    pairs, decision, _ = _documents_with_one_related_pair(300, 5)
    rng = np.random.default_rng(6)
    positive = rng.uniform(size=len(decision)) < 1 / (1 + np.exp(-decision))  # each pair on its own
    choice = fit_context(decision, pairs, positive, _folds(pairs.doc))
    assert choice.stage is None and not choice.scores["kept"]
    assert choice.related == pytest.approx(1 / (1 + np.exp(-decision)))
    assert fit_context(decision, pairs, positive, _folds(pairs.doc), mode=True).stage is not None
    assert fit_context(decision, pairs, positive, _folds(pairs.doc), mode=False).stage is None


def test_out_of_fold_decisions_come_from_models_that_never_saw_the_document():
    # each document's pairs repeat one random feature pattern with one random answer: a model that saw the
    # document remembers it; out of fold it cannot
    rng = np.random.default_rng(7)
    groups = np.repeat(np.arange(60), 5)
    X = sparse.csr_matrix(np.eye(60)[groups])
    positive = rng.uniform(size=60)[groups] < 0.5
    decision = out_of_fold_decisions(LogisticRegression(C=100.0), X, positive, _folds(groups))
    seen = LogisticRegression(C=100.0).fit(X, positive).decision_function(X)
    assert np.mean((seen > 0) == positive) == 1.0
    assert abs(np.mean((decision > 0) == positive) - 0.5) < 0.2


def _labelled_pairs(seed: int) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Two type pairs: in type pair 0 feature 0 means label A, in type pair 1 it means label B (a pooled
    model cannot have both); feature 1 is noise. A quarter of the pairs are unrelated."""
    rng = np.random.default_rng(seed)
    n = 1200
    type_pair = rng.integers(0, 2, n)
    cue = rng.integers(0, 2, n)
    label = np.where(cue == 1, np.where(type_pair == 0, "A", "B"), np.where(type_pair == 0, "B", "A")).astype(object)
    positive = rng.uniform(size=n) < 0.75
    label[~positive] = "None"
    X = sparse.csr_matrix(np.column_stack([cue, rng.integers(0, 2, n), np.ones(n)]).astype(float))
    return X, label, positive, type_pair


def _make(class_weight):
    return OneVsRestClassifier(LogisticRegression(C=10.0, class_weight=class_weight))


def test_a_type_pair_whose_labels_read_differently_gets_its_own_labeler():
    X, labels, positive, type_pair = _labelled_pairs(8)
    groups = np.arange(len(labels)) // 4
    choice = choose_labelers(_make, X, labels, positive, type_pair, _folds(groups), min_relations=30)
    assert set(choice.own) == {0, 1}  # the pooled labeler is right half the time; their own always
    assert np.mean(choice.labels()[positive] == labels[positive]) > 0.95
    assert choice.scores["type_pairs"][0]["chosen"].startswith("own")
    assert choice.probabilities.shape == (len(labels), 2) and list(choice.classes) == ["A", "B"]
    # too few relations: no own labeler, the pooled one labels them
    assert choose_labelers(_make, X, labels, positive, type_pair, _folds(groups), min_relations=10_000).own == {}
    assert choose_labelers(_make, X, labels, positive, type_pair, _folds(groups), own_labelers=False).own == {}


def test_a_single_label_needs_no_labeler():
    X, labels, positive, type_pair = _labelled_pairs(9)
    labels = np.where(positive, "CID", "None").astype(object)
    choice = choose_labelers(_make, X, labels, positive, type_pair, _folds(np.arange(len(labels)) // 4))
    assert choice.own == {} and choice.probabilities.shape == (len(labels), 1) and set(choice.labels()) == {"CID"}


def test_the_rule_multiplies_by_the_label_probability_where_that_ranks_right_labels_higher():
    rng = np.random.default_rng(10)
    related = rng.uniform(size=2000)
    positive = rng.uniform(size=2000) < related
    label_probability = rng.uniform(0.3, 1.0, size=2000)
    label_right = rng.uniform(size=2000) < label_probability  # the label's probability is informative
    correct, total = positive & label_right, int(positive.sum())
    rule, f1 = choose_rule(related, label_probability, positive, correct, total, mode="auto")
    assert rule == "detector_x_label" and f1["detector_x_label"]["type_f1"] > f1["detector"]["type_f1"]
    # the pair rule has the best pair F1: its threshold is chosen for it, whatever the labels
    assert f1["pair"]["pair_f1"] == max(figures["pair_f1"] for figures in f1.values())
    rule, f1 = choose_rule(related, np.ones(2000), positive, positive, total, mode="auto")
    assert rule in ("pair", "detector") and "detector_x_label" not in f1  # a single label: the product is the same
    given, figures = choose_rule(related, label_probability, positive, correct, total, mode="detector")
    assert given == "detector" and set(figures) == {"pair", "detector", "detector_x_label"}


def test_grouped_folds_keep_groups_whole_and_match_group_k_fold_of_scikit_learn_1_9():
    import sklearn

    rng = np.random.RandomState(0)
    groups = np.repeat(rng.permutation(60), rng.randint(1, 30, 60))  # ties in size among the groups
    folds = grouped_folds(groups, 5)
    tests = [set(groups[test]) for _, test in folds]
    assert sum(len(t) for t in tests) == 60 and set().union(*tests) == set(groups)  # each group in one test fold
    for train, test in folds:
        assert len(train) + len(test) == len(groups) and not set(groups[train]) & set(groups[test])
    sizes = [len(test) for _, test in folds]
    assert max(sizes) - min(sizes) <= np.bincount(np.unique(groups, return_inverse=True)[1]).max()
    if tuple(int(p) for p in sklearn.__version__.split(".")[:2]) >= (1, 9):  # the assignment relclf keeps
        expected = list(GroupKFold(5).split(np.zeros(len(groups)), groups=groups))
        assert all((test == want).all() for (_, test), (_, want) in zip(folds, expected, strict=True))


def test_grouped_folds_refuse_more_folds_than_groups():
    with pytest.raises(ValueError, match="cannot make 3 folds of 2 groups"):
        grouped_folds(np.array([1, 1, 2]), 3)


def test_training_folds_of_an_int_are_relclf_grouped_folds_capped_by_the_documents():
    groups = np.repeat(np.arange(4), [3, 1, 2, 2])
    assert [t.tolist() for _, t in training_folds(3, groups)] == [t.tolist() for _, t in grouped_folds(groups, 3)]
    assert len(training_folds(10, groups)) == 4  # no more folds than documents with candidates
    assert training_folds(5, np.zeros(6, dtype=int)) == []  # a single document: nothing to cross-validate


def test_training_folds_of_document_splits_are_their_documents_rows():
    groups = np.array([0, 0, 1, 2, 2, 2])  # document 3 has no candidate
    splits = check_document_splits([([1, 2, 3], [0]), ([0], [1, 2, 3])], 4)
    folds = training_folds(splits, groups)
    assert [(train.tolist(), test.tolist()) for train, test in folds] == [
        ([2, 3, 4, 5], [0, 1]),
        ([0, 1], [2, 3, 4, 5]),
    ]


def test_document_splits_are_returned_as_integer_arrays_and_may_train_on_fewer_documents():
    (train, test), _ = check_document_splits([((2,), np.array([0], dtype=np.uint8)), ([], [1, 2])], 3)
    assert train.dtype == test.dtype == np.int64 and train.tolist() == [2] and test.tolist() == [0]


@pytest.fixture(scope="module")
def training():
    """A synthetic training set of 20 documents, its feature matrix, and everything cross_validate needs."""
    import io

    from relclf.io.pubtator import read_pubtator
    from synthetic import synthetic_corpus

    documents = list(read_pubtator(io.BytesIO(synthetic_corpus(20, seed=5).encode())))
    split = composites_are_split(documents)
    type_pairs = related_type_pairs(documents, split_composites=split)
    vocabulary = Vocabulary(growing=True)
    data = build_training_set(documents, vocabulary, type_pairs, split_composites=split, negative_label="None")
    X = PairVectorizer(min_df=1).fit_transform(data.batch, vocabulary, len(type_pairs))
    return data, X, data.labels != "None", type_pairs


def _cross_validate(training, folds, **given) -> CrossValidatedChoices:
    data, X, positive, type_pairs = training
    detector = LogisticRegression(solver="liblinear")
    decision = out_of_fold_decisions(detector, X, positive, folds) if folds else np.zeros(len(positive))
    make = lambda weight: OneVsRestClassifier(LogisticRegression(solver="liblinear", class_weight=weight))  # noqa: E731
    choices = cross_validate(decision, make, X, data.view(), positive, type_pairs, folds, **given)
    assert not hasattr(detector, "coef_")  # only clones are fitted
    return choices


@pytest.fixture(scope="module")
def chosen(training) -> CrossValidatedChoices:
    """Every choice made by cross-validation on ``training`` (4 folds)."""
    return _cross_validate(training, training_folds(4, training[0].groups))


def test_cross_validate_makes_every_choice_and_scores_the_threshold(chosen):
    choices = chosen
    assert choices.rule == "pair" and choices.calibration.method in ("platt", "isotonic")
    assert choices.cv_scores["folds"] == 4 and choices.cv_scores["rule"]["chosen"] == choices.rule
    assert choices.cv_scores["at_threshold"]["threshold"] == round(choices.threshold, 4)
    # the pair rule's threshold is the one of best pair F1, which the other rules do not beat
    at_threshold, figures = choices.cv_scores["at_threshold"], choices.cv_scores["rule"]["at_own_threshold"]
    assert at_threshold["pair_f1"] == figures["pair"]["pair_f1"] >= max(f["pair_f1"] for f in figures.values())
    assert at_threshold["type_f1"] <= at_threshold["best_type_f1"] and at_threshold["type_f1"] > 0.8
    assert len(choices.precision_curve) > 0 and choices.class_weight == "balanced"
    with pytest.raises(dataclasses.FrozenInstanceError):
        choices.threshold = 0.1  # type: ignore[misc]


def test_cross_validate_keeps_the_choices_it_is_given(training, chosen):
    folds = training_folds(4, training[0].groups)
    fixed = _cross_validate(training, folds, rule="detector", calibration="none", threshold=0.3)
    assert fixed.rule == "detector" and fixed.calibration.method == "none" and fixed.threshold == 0.3
    assert fixed.cv_scores["at_threshold"]["threshold"] == 0.3 and fixed.cv_scores["rule"]["chosen"] == "detector"
    # the same folds, the same out-of-fold fits: the choices made before these come out as before
    assert fixed.cv_scores["context"] == chosen.cv_scores["context"]
    assert fixed.cv_scores["labels"] == chosen.cv_scores["labels"]
    unweighted = _cross_validate(training, folds, context=False, class_weight=None, own_labelers=False)
    assert unweighted.context is None and unweighted.cv_scores["context"] == {"kept": False}
    assert unweighted.class_weight is None and unweighted.cv_scores["labels"]["pooled_class_weight"] is None
    assert unweighted.own_type_pairs == {} and unweighted.cv_scores["labels"]["type_pairs"] == {}


def test_cross_validate_with_no_folds_takes_the_simplest_or_given_choices(training):
    simplest = _cross_validate(training, [])
    assert (simplest.context, simplest.class_weight, simplest.own_type_pairs, simplest.rule) == (
        None,
        None,
        {},
        "pair",
    )
    assert simplest.calibration.method == "none" and simplest.threshold == 0.5 and simplest.cv_scores == {}
    given = _cross_validate(training, [], class_weight="balanced", rule="detector_x_label", threshold=0.7)
    assert (given.class_weight, given.rule, given.threshold) == ("balanced", "detector_x_label", 0.7)
