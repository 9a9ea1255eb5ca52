"""Choosing what to annotate next (relclf.curation.selection): pair values, the documents' values, diversity,
the random baseline, and the reasons given."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from conftest import parse
from relclf.curation.selection import DIVERSITY_POOL, document_values, pair_values, select_documents
from relclf.errors import UsageError
from synthetic import synthetic_corpus


def test_margin_is_one_minus_the_gap_between_the_two_likeliest_outcomes():
    related = np.array([0.9, 0.5, 0.1, 0.6])
    label = np.array([1.0, 1.0, 0.5, 0.5])
    # outcomes (none, label, other label): (0.1, 0.9, 0), (0.5, 0.5, 0), (0.9, 0.05, 0.05), (0.4, 0.3, 0.3)
    expected = [1 - (0.9 - 0.1), 1 - 0.0, 1 - (0.9 - 0.05), 1 - (0.4 - 0.3)]
    assert pair_values("margin", related, label, np.zeros(4)) == pytest.approx(expected)


def test_uncertainty_is_the_entropy_of_the_calibrated_score_in_bits():
    scores = np.array([0.5, 0.25, 0.0, 1.0])
    entropy = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert pair_values("uncertainty", np.zeros(4), np.zeros(4), scores) == pytest.approx([1.0, entropy, 0, 0], abs=1e-9)


def test_a_documents_value_is_the_sum_of_its_pairs_values_the_same_in_worker_processes(synthetic_model):
    model = synthetic_model.model_
    documents = parse(synthetic_corpus(12, seed=21, start=300))
    values = document_values(model, documents, "margin")
    assert [v.pmid for v in values] == [d.pmid for d in documents]
    batch = model.featurize(documents[:1])
    scored = model.score_batch(batch, threshold=-np.inf)
    worth = pair_values("margin", scored.related, scored.label_probability, scored.scores)
    assert values[0].value == pytest.approx(float(worth.sum())) and values[0].pairs == len(worth)
    assert [p.value for p in values[0].doubtful] == sorted(worth, reverse=True)[:3]
    assert document_values(model, documents, "margin", n_jobs=2, batch_size=5) == values


def test_the_most_valuable_documents_are_chosen_with_their_reasons(synthetic_model):
    model = synthetic_model.model_
    documents = parse(synthetic_corpus(20, seed=22, start=400))
    values = sorted(document_values(model, documents, "uncertainty"), key=lambda v: -v.value)
    chosen = select_documents(model, documents, 3, strategy="uncertainty", diversity=False)
    assert [s.document.pmid for s in chosen] == [v.pmid for v in values[:3]]
    assert [s.rank for s in chosen] == [1, 2, 3]
    first = chosen[0].reason
    assert first.startswith(
        f"uncertainty {values[0].value:.2f} over {values[0].pairs} candidate pairs; most doubtful: "
    )
    assert "fibrosis type" in first or "GENE" in first  # the entities named by their text


def test_diversity_keeps_near_duplicates_apart(synthetic_model):
    model = synthetic_model.model_
    documents = parse(synthetic_corpus(20, seed=23, start=500))
    best = max(document_values(model, documents, "margin"), key=lambda v: v.value)
    copies = [dataclasses.replace(documents[best.index], pmid=f"copy{k}") for k in range(3)]
    pool = documents + copies
    plain = select_documents(model, pool, 4, diversity=False)
    assert sum(s.document.text == copies[0].text for s in plain) == 4  # the original and its three copies
    diverse = select_documents(model, pool, 4)
    assert sum(s.document.text == copies[0].text for s in diverse) == 1
    assert diverse[0].similarity is None and all(s.similarity is not None and s.similarity < 0.99 for s in diverse[1:])
    assert "closest document chosen before" in diverse[1].reason


def test_random_draws_by_seed_and_needs_no_model():
    documents = parse(synthetic_corpus(10, seed=24, start=600))
    first = [s.document.pmid for s in select_documents(None, documents, 4, strategy="random", seed=1)]
    assert first == [s.document.pmid for s in select_documents(None, documents, 4, strategy="random", seed=1)]
    assert first != [s.document.pmid for s in select_documents(None, documents, 4, strategy="random", seed=2)]
    assert len(set(first)) == 4
    assert select_documents(None, documents, 40, strategy="random")[0].reason == "drawn at random (seed 0)"


def test_a_pool_smaller_than_n_gives_every_document(synthetic_model):
    documents = parse(synthetic_corpus(3, seed=25, start=700))
    assert len(select_documents(synthetic_model.model_, documents, 50)) == 3
    assert DIVERSITY_POOL >= 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategy": "entropy"}, "unknown selection strategy 'entropy'"),
        ({"n": 0}, "at least 1, not 0"),
    ],
)
def test_bad_requests_are_usage_errors(kwargs, message):
    options = {"n": 2, **kwargs}
    with pytest.raises(UsageError, match=message):
        select_documents(None, [], **options)


def test_sampling_by_value_needs_a_model():
    with pytest.raises(UsageError, match="margin strategy needs a model"):
        select_documents(None, parse(synthetic_corpus(2, seed=1)), 1)
