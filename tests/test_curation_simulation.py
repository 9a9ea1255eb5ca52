"""experiments/curation_simulation.py on a tiny synthetic corpus: rounds, the cache that resumes a run, the
summary, the target's interpolation and the plot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from synthetic import synthetic_corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def simulation(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "experiments"))
    spec = importlib.util.spec_from_file_location(
        "curation_simulation", ROOT / "experiments" / "curation_simulation.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def task(tmp_path):
    corpus = tmp_path / "data" / "tiny"
    corpus.mkdir(parents=True)
    (corpus / "Train.PubTator").write_text(synthetic_corpus(30, seed=41))
    (corpus / "Dev.PubTator").write_text(synthetic_corpus(10, seed=42, start=600))
    return {
        "corpus": "tiny",
        "strategy": "margin",
        "seed": 0,
        "data": str(tmp_path / "data"),
        "cache": str(tmp_path / "cache"),
        "start": 10,
        "step": 10,
        "rounds": None,
    }


def test_rounds_add_the_chosen_documents_until_all_of_train_and_resume_from_the_cache(simulation, task, monkeypatch):
    rounds = simulation.run_sequence(task)
    assert [r["documents"] for r in rounds] == [10, 20, 30]
    assert [len(r["next"]) for r in rounds] == [10, 10, 0]
    train = {d.pmid for d in simulation.load(Path(task["data"]), "tiny")[0]}
    chosen = (
        simulation.start_set(simulation.load(Path(task["data"]), "tiny")[0], 10, 0)
        + rounds[0]["next"]
        + rounds[1]["next"]
    )
    assert sorted(chosen) == sorted(train)  # every document once
    # the chosen documents come back reviewed: the gold's relations, one per pair
    gold = {d.pmid: d for d in simulation.load(Path(task["data"]), "tiny")[0]}
    for pmid, relations in rounds[0]["reviewed"].items():
        assert sorted(map(tuple, relations)) == sorted((r.label, r.id1, r.id2, r.novelty) for r in gold[pmid].relations)
    cached = sorted((Path(task["cache"]) / "tiny" / "margin" / "seed0").iterdir())
    assert [p.name for p in cached] == ["round000.json", "round001.json", "round002.json"]
    assert json.loads(cached[1].read_text())["f1"] == rounds[1]["f1"]

    def no_training(*args, **kwargs):
        raise AssertionError("a cached round was computed again")

    monkeypatch.setattr(simulation, "one_round", no_training)
    again = simulation.run_sequence(task)
    assert [r.pop("cached") for r in again] == [True] * 3 and [r.pop("cached") for r in rounds] == [False] * 3
    assert again == rounds


def test_a_run_stops_after_the_rounds_asked_for(simulation, task):
    assert [r["documents"] for r in simulation.run_sequence({**task, "rounds": 2, "strategy": "random"})] == [10, 20]


def test_the_summary_the_target_and_the_plot(simulation, tmp_path):
    def sequence(values):
        return [{"documents": 25 * (k + 1), "f1": {"type": v}} for k, v in enumerate(values)]

    results = {
        "biored": {
            "random": {"0": sequence([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])},
            "margin": {"0": sequence([0.1, 0.3, 0.5, 0.6, 0.65, 0.75, 0.8, 0.85, 0.9, 1.0])},
        }
    }
    summary = simulation.curves(results)
    assert summary["biored"]["margin"][150] == (0.75, 0.0, 1)
    # margin reaches 0.75 at 150 documents; random reaches 0.7 at 175 and 0.8 at 200: 0.75 at 187.5
    assert simulation.target(summary["biored"]) == {
        "best": "margin",
        "f1": 0.75,
        "random_f1": 0.6,
        "random_needs": 187.5,
    }
    assert simulation.documents_needed(summary["biored"]["random"], 2.0) is None
    text = simulation.to_markdown(results, (1.0, 2.0), 60.0, (3, 20))
    assert "This run computed 3 of the 20 rounds" in text
    assert "| 150 | 0.6000 ± 0.0000 | 0.7500 ± 0.0000 |" in text
    assert "random selection reaches it at about 188 documents (the target: at least 250)" in text
    pytest.importorskip("matplotlib", reason="needs matplotlib (pip install 'relclf[plots]')")
    path = tmp_path / "curation_biored.png"
    simulation.plot(summary, "biored", path)
    assert path.read_bytes().startswith(b"\x89PNG")
