"""A model used on gold of another schema (issue 20, item 5): evaluate and score say so once, when the
gold labels are none of the model's (or of the predictions'), and when only some are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli
from synthetic import synthetic_corpus


def relabelled(text: str, mapping: dict[str, str]) -> str:
    """``text`` with the labels of its relation lines (PMID<TAB>Label<TAB>...) renamed by ``mapping``."""
    return re.sub(
        r"^(\d+\t)(\w+)(\t[^\t\n]+\t[^\t\n]+(?:\t\w+)?)$",
        lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)) + m.group(3),
        text,
        flags=re.MULTILINE,
    )


@pytest.fixture
def gold(tmp_path) -> dict[str, Path]:
    """The same documents with the model's labels, with another schema's (CID), and with one label renamed."""
    text = synthetic_corpus(6, seed=4, start=700)
    files = {
        "same": text,
        "other": relabelled(text, {"Positive_Correlation": "CID", "Negative_Correlation": "CID"}),
        "some": relabelled(text, {"Negative_Correlation": "Inhibition"}),
    }
    for name, content in files.items():
        (tmp_path / f"{name}.pubtator").write_text(content)
    return {name: tmp_path / f"{name}.pubtator" for name in files} | {"dir": tmp_path}


def test_evaluate_warns_once_when_no_gold_label_is_the_models(gold, synthetic_model_file):
    run = run_cli("evaluate", str(gold["other"]), "-m", str(synthetic_model_file))
    assert run.returncode == 0
    cid = gold["other"].read_text().count("\tCID\t")
    assert run.stderr.count("relclf: warning: ") == 1
    assert (
        f"relclf: warning: {gold['other']}: none of its relation labels (CID {cid}) is one the model predicts "
        "(Negative_Correlation, Positive_Correlation): another schema, so every relation counts as wrong at the type "
        "level\n"
    ) in run.stderr


def test_evaluate_warns_when_only_some_gold_labels_are_the_models(gold, synthetic_model_file):
    run = run_cli("evaluate", str(gold["some"]), "-m", str(synthetic_model_file))
    renamed = gold["some"].read_text().count("\tInhibition\t")
    assert run.returncode == 0 and renamed > 0
    assert (
        f"relclf: warning: {gold['some']}: 1 of its 2 relation labels (Inhibition {renamed}) are none the model "
        "predicts (Negative_Correlation, Positive_Correlation): those relations count as missed at the type level\n"
    ) in run.stderr
    assert "warning" not in run_cli("evaluate", str(gold["same"]), "-m", str(synthetic_model_file)).stderr


def test_score_warns_from_the_predictions_labels_or_from_the_models_card(gold, synthetic_model_file):
    predicted = gold["dir"] / "pred.pubtator"
    assert run_cli("predict", str(gold["same"]), "-m", str(synthetic_model_file), "-o", str(predicted)).returncode == 0
    run = run_cli("score", str(gold["other"]), str(predicted))
    assert run.returncode == 0
    assert re.search(
        rf"relclf: warning: {re.escape(str(gold['other']))}: none of its relation labels \(CID \d+\) is one "
        rf"{re.escape(str(predicted))} predicts \(\w+(, \w+)?\): another schema",
        run.stderr,
    ), run.stderr
    # without the model, only a disjoint schema is said (a label never predicted may just be rare)
    assert "relation labels" not in run_cli("score", str(gold["some"]), str(predicted)).stderr
    with_model = run_cli("score", str(gold["some"]), str(predicted), "-m", str(synthetic_model_file))
    assert "1 of its 2 relation labels (Inhibition" in with_model.stderr
