"""Explanations: the strongest features per label, and one pair's decision split feature by feature."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from conftest import parse
from relclf import cli
from relclf.document import Document, Mention, document_entities
from relclf.evaluation.explain import (
    describe_feature,
    explain_model,
    explain_pair,
    mark_mentions,
    sigmoid,
)
from relclf.extract.candidates import Candidate
from relclf.extract.estimator import RelationExtractor
from relclf.extract.priors import PRIOR_INPUTS
from synthetic import synthetic_corpus


@pytest.fixture
def model(synthetic_model) -> RelationExtractor:
    return synthetic_model


@pytest.fixture(scope="module")
def document():
    return parse(synthetic_corpus(3, seed=5, start=700))[0]


def test_strongest_features_per_label_are_the_cue_words(model):
    explanation = explain_model(model.model_, k=10)
    assert sorted(explanation.labels) == ["Negative_Correlation", "Positive_Correlation"]
    assert any("inhibits" in w.feature for w in explanation.labels["Negative_Correlation"])
    assert any("induces" in w.feature for w in explanation.labels["Positive_Correlation"])
    assert all(w.weight > 0 for w in explanation.related) and all(w.weight < 0 for w in explanation.unrelated)
    assert [abs(w.weight) for w in explanation.related] == sorted(
        (abs(w.weight) for w in explanation.related), reverse=True
    )
    assert "toward Positive_Correlation:" in explanation.text()


def test_pair_contributions_add_up_to_the_model_decision(model, document):
    gold = document.relations[0]
    explanation = explain_pair(model.model_, document, gold.id1, gold.id2)
    candidates = model.candidates(document)
    X = model.model_.transform(model.model_.featurize([document]))
    row = next(i for i, c in enumerate(candidates) if c.key == gold.pair)
    assert explanation.detector.total == pytest.approx(model.detector_.decision_function(X[row])[0], abs=1e-4)
    labeler = model.own_labelers_.get(candidates[row].type_pair, model.labeler_)
    labeler_value = labeler.decision_function(X[row])[0]  # binary: positive toward classes_[1]
    sign = 1 if explanation.label == labeler.classes_[1] else -1
    assert explanation.labeler is not None and explanation.labeler.total == pytest.approx(
        sign * labeler_value, abs=1e-4
    )
    assert explanation.labeler.total > 0  # the chosen label is the side the decision falls on
    # the same score as prediction gives
    (predicted,) = model.predict_documents([document.with_relations(())], threshold=0.0)
    assert explanation.score == pytest.approx(next(r.score for r in predicted.relations if r.pair == gold.pair))


def _numbers_add_up(fitted, explanation) -> None:
    """Every number of an explanation is the model's, and the arithmetic the text shows holds."""
    e = explanation
    context = e.context
    logit = e.detector.total if context is None else context.logit
    assert sigmoid(logit) == pytest.approx(e.related, abs=1e-9)
    if context is not None and context.kind == "logistic":
        assert context.intercept + sum(i.amount for i in context.inputs) == pytest.approx(context.logit, abs=1e-9)
        assert context.inputs[0].value == pytest.approx(e.detector.total, abs=1e-9)  # it reads the detector's decision
    assert e.raw == pytest.approx(e.related * (1.0 if fitted.rule == "detector" else e.label_probability), abs=1e-12)
    assert fitted.calibration(np.array([e.raw]))[0] == pytest.approx(e.score, abs=1e-12)
    if e.labeler is not None:
        own = sigmoid(e.labeler.total)
        assert (own if e.label_sum is None else own / e.label_sum) == pytest.approx(e.label_probability, abs=1e-9)
    decided = e.related if fitted.rule == "pair" else e.score
    assert (e.predicted == e.label) == (decided >= fitted.threshold)
    # the text: its score line multiplies and calibrates what it says, to the digits it prints
    text = e.text()
    line = next(line for line in text.splitlines() if line.startswith("score "))
    numbers = [float(n) for n in re.findall(r"\d\.\d{3}", line)]
    score, raw, related = numbers[:3]
    assert score == pytest.approx(e.score, abs=5e-4) and raw == pytest.approx(e.raw, abs=5e-4)
    if fitted.rule != "detector":
        label = numbers[3]
        assert related * label == pytest.approx(raw, abs=2e-3)
    assert f"sigmoid({logit:+.3f})" in text


@pytest.mark.parametrize("rule", ["pair", "detector", "detector_x_label"])
def test_every_number_of_an_explanation_is_the_models_and_adds_up_on_every_pair(model, rule):
    fitted = dataclasses.replace(model.model_, rule=rule)
    documents = parse(synthetic_corpus(6, seed=8, start=900))
    explained = 0
    for document in documents:
        for candidate in fitted.candidates(document):
            _numbers_add_up(fitted, explain_pair(fitted, document, candidate.a.identifier, candidate.b.identifier))
            explained += 1
    assert explained > 30


def test_a_context_stage_of_trees_and_the_corpus_priors_are_explained(tmp_path):
    train = parse(synthetic_corpus(40, seed=1))
    fitted = RelationExtractor(cv=2, context=True, nonlinear=True).fit(train).model_
    assert fitted.context is not None and fitted.context.kind == "trees" and fitted.priors is not None
    document = parse(synthetic_corpus(2, seed=5, start=700))[0]
    candidate = fitted.candidates(document)[0]
    explanation = explain_pair(fitted, document, candidate.a.identifier, candidate.b.identifier)
    _numbers_add_up(fitted, explanation)
    assert {i.name for i in explanation.priors} == {f"prior_{name}" for name in PRIOR_INPUTS}
    text = explanation.text()
    assert "the context stage's trees, reading:" in text and "corpus priors (training documents): the pair a" in text


def test_pair_top_features_are_present_in_the_pair(model, document):
    gold = document.relations[0]
    explanation = explain_pair(model.model_, document, gold.id1, gold.id2)
    assert explanation.predicted == gold.label == explanation.gold
    names = list(model.model_.vectorizer.get_feature_names_out(model.model_.vocabulary, model.model_.type_pairs))
    candidates = model.candidates(document)
    X = model.model_.transform(model.model_.featurize([document])).toarray()
    row = X[next(i for i, c in enumerate(candidates) if c.key == gold.pair)]
    top = explanation.labeler.strongest(5)
    assert top and all(row[names.index(c.feature)] == pytest.approx(c.value) != 0 for c in top)
    cue = "induces" if gold.label == "Positive_Correlation" else "inhibits"
    assert any(cue in c.feature for c in top), [c.feature for c in top]
    pair = next(c for c in candidates if c.key == gold.pair)
    assert any(
        f"[A: {pair.a.mentions[0].text}]" in line and f"[B: {pair.b.mentions[0].text}]" in line
        for line in explanation.contexts
    )


def test_pair_errors_name_the_problem(model, document):
    with pytest.raises(ValueError, match="has no mention of NOPE"):
        explain_pair(model.model_, document, document.relations[0].id1, "NOPE")
    chemicals = [m.identifier for m in document.mentions if m.entity_type == "Chemical"]
    with pytest.raises(ValueError, match="not a candidate pair.*type pair"):
        explain_pair(model.model_, document, chemicals[0], chemicals[1])


def test_describe_feature_blocks():
    assert describe_feature("sentence__induces") == 'in a sentence with both: "induces"'
    assert describe_feature("entity_a__name=chemazol0") == 'A is named "chemazol0"'


def test_cli_explain(tmp_path, capsys):
    (tmp_path / "train.pubtator").write_text(synthetic_corpus(40, seed=1))
    test_text = synthetic_corpus(3, seed=5, start=700)
    (tmp_path / "test.pubtator").write_text(test_text)
    assert cli.main(["train", str(tmp_path / "train.pubtator"), "-o", str(tmp_path / "m.npz"), "--cv", "2"]) == 0
    capsys.readouterr()
    assert cli.main(["explain", "-m", str(tmp_path / "m.npz"), "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("detector (related vs no relation") and "labeler - toward Positive_Correlation:" in out
    relation = parse(test_text)[0].relations[0]
    status = cli.main(
        [
            "explain",
            "-m",
            str(tmp_path / "m.npz"),
            str(tmp_path / "test.pubtator"),
            "--doc",
            "700",
            "--pair",
            relation.id1,
            relation.id2,
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert f"predicted {relation.label}: " in out and f"; gold: {relation.label}" in out
    assert "[A: " in out and "[B: " in out
    assert (
        cli.main(
            [
                "explain",
                "-m",
                str(tmp_path / "m.npz"),
                str(tmp_path / "test.pubtator"),
                "--doc",
                "9",
                "--pair",
                "a",
                "b",
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == f"relclf: error: {tmp_path / 'test.pubtator'}:0: no document with ID 9\n"


def test_three_labels_one_vs_rest_contributions_add_up(document):
    from dataclasses import replace

    docs = parse(synthetic_corpus(40, seed=1))
    # a third label (on every third document's induced pairs) makes the labeler one-vs-rest
    docs = [
        d.with_relations(
            [replace(r, label="Bind") if i % 3 == 0 and r.label == "Positive_Correlation" else r for r in d.relations]
        )
        for i, d in enumerate(docs)
    ]
    model = RelationExtractor(cv=2, own_labelers=False).fit(docs)  # the pooled labeler explains every pair
    assert len(model.labels_) == 3
    gold = document.relations[0]
    explanation = explain_pair(model.model_, document, gold.id1, gold.id2)
    candidates = model.candidates(document)
    X = model.model_.transform(model.model_.featurize([document]))
    row = X[next(i for i, c in enumerate(candidates) if c.key == gold.pair)]
    values = {
        str(label): est.decision_function(row)[0]
        for label, est in zip(model.labeler_.classes_, model.labeler_.estimators_, strict=True)
    }
    assert explanation.label == max(values, key=values.get)
    assert explanation.labeler.total == pytest.approx(values[explanation.label], abs=1e-4)
    assert sorted(explain_model(model.model_).labels) == ["Bind", "Negative_Correlation", "Positive_Correlation"]


def test_document_without_pair_names_the_top_pairs(model, document, tmp_path):
    from relclf import api
    from relclf.evaluation.explain import scored_pairs

    ranked = scored_pairs(model.model_, document)
    assert [s for _, _, s in ranked] == sorted((s for _, _, s in ranked), reverse=True)
    assert {frozenset((a, b)) for a, b, _ in ranked} == {c.key for c in model.candidates(document)}
    path = tmp_path / "d.pubtator"
    path.write_text(synthetic_corpus(3, seed=5, start=700))
    a, b, score = ranked[0]
    assert api.top_pairs(model, path, doc="700")[0] == (a, b, score)
    with pytest.raises(ValueError, match="the pair of entity IDs"):
        api.explain(model, path, doc="700")


def test_explanation_names_the_sentence_the_features_used():
    """The sentences of an explanation are the features' sentences ("Ösophagus" opens one, like "Then")."""
    from relclf.extract.features import featurize
    from relclf.text import Vocabulary

    title = "Cisplatin study."
    abstract = "Levels rose. Ösophagus cancer grew after cisplatin. Then it fell."
    text = f"{title} {abstract}"
    mentions = tuple(
        Mention(text.index(word), text.index(word) + len(word), word, kind, identifier)
        for word, kind, identifier in (
            ("Cisplatin", "Chemical", "D002945"),
            ("cancer", "Disease", "D009369"),
            ("cisplatin", "Chemical", "D002945"),
        )
    )
    document = Document("9", title, abstract, mentions)
    candidate = Candidate("9", *document_entities(document))
    batch = featurize([document], Vocabulary(growing=True), ["Chemical|Disease"])
    assert batch.shared[1].tolist() == [
        2
    ]  # the features: title = 0, "Levels rose." = 1, "Ösophagus ... cisplatin." = 2
    lines = mark_mentions(document, candidate)
    assert lines == ["title: [A: Cisplatin] study.", "sentence 2: Ösophagus [B: cancer] grew after [A: cisplatin]."]
