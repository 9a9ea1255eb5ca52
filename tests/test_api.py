"""The Python API the CLI calls: one-call functions on paths and documents."""

from __future__ import annotations

from conftest import parse
from relclf import api
from relclf.model import RelationExtractor
from synthetic import synthetic_corpus


def test_evaluate_details_agrees_with_evaluate():
    model = RelationExtractor(cv=2).fit(parse(synthetic_corpus(30, seed=3)))
    gold = parse(synthetic_corpus(10, seed=4, start=900))
    details = api.evaluate_details(gold, model)
    assert details.scores == api.evaluate(gold, model)
    assert details.threshold == model.threshold_
    assert details.scores == api.evaluate_details(gold, model, threshold=details.threshold).scores
    lower = api.evaluate_details(gold, model, threshold=0.0)
    assert lower.scores.levels["pair"].fp >= details.scores.levels["pair"].fp
    assert lower.scores == api.evaluate(gold, model, threshold=0.0)
