"""What training says about its data, and what the model card then records (issue 20): scores on a dev
file that is not held out (item 2), the same document in several training files (item 3), no novelty
line for data without novelty (item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from synthetic import synthetic_corpus

# small and quick: two folds, every word a feature
PARAMS = ["--cv", "2"]


@pytest.fixture
def no_novelty(tmp_path) -> dict[str, Path]:
    """Training and dev files whose relation lines have no novelty column (as BC5CDR's)."""
    (tmp_path / "train.pubtator").write_text(synthetic_corpus(30, seed=1, with_novelty=False))
    (tmp_path / "dev.pubtator").write_text(synthetic_corpus(8, seed=2, start=500, with_novelty=False))
    return {"train": tmp_path / "train.pubtator", "dev": tmp_path / "dev.pubtator", "model": tmp_path / "m.npz"}


def test_a_model_trained_without_novelty_records_and_shows_no_novelty_score(no_novelty):
    run = run_cli(
        "train", str(no_novelty["train"]), "--dev", str(no_novelty["dev"]), "-o", str(no_novelty["model"]), *PARAMS
    )
    assert run.returncode == 0, run.stderr
    assert "novelty (micro)" not in run.stdout and "type (micro)" in run.stdout
    card = json.loads(Path(f"{no_novelty['model']}.json").read_text())
    assert card["novelty_labels"] == [] and set(card["scores"]["dev"]) == {"pair", "type"}
    info = run_cli("info", str(no_novelty["model"]))
    assert "novelty labels: none" in info.stdout
    dev_lines = [line for line in info.stdout.splitlines() if line.startswith("  dev ")]
    assert len(dev_lines) == 2 and not any("novelty" in line for line in dev_lines), info.stdout


@pytest.fixture
def corpus(tmp_path) -> dict[str, Path]:
    """A training file, a dev file made of 4 of its documents and 4 new ones, and a held-out dev file."""
    train = synthetic_corpus(30, seed=1)
    (tmp_path / "train.pubtator").write_text(train)
    documents = train.split("\n\n")
    overlap = "\n\n".join(documents[:4]) + "\n\n" + synthetic_corpus(4, seed=2, start=500)
    (tmp_path / "overlap.pubtator").write_text(overlap)
    (tmp_path / "heldout.pubtator").write_text(synthetic_corpus(8, seed=3, start=900))
    return {name: tmp_path / f"{name}.pubtator" for name in ("train", "overlap", "heldout")} | {"dir": tmp_path}


def test_train_warns_when_the_dev_file_holds_training_documents_and_the_card_says_so(corpus):
    model = corpus["dir"] / "m.npz"
    run = run_cli("train", str(corpus["train"]), "--dev", str(corpus["overlap"]), "-o", str(model), *PARAMS)
    assert run.returncode == 0, run.stderr
    warning = (
        f"relclf: warning: {corpus['overlap']}: 4 of its 8 documents were in the model's training data: these scores "
        "overstate how it does on new text\n"
    )
    assert warning in run.stderr
    card = json.loads(Path(f"{model}.json").read_text())
    assert card["scores"]["dev_in_training"] == {"documents": 4, "of": 8}
    info = run_cli("info", str(model)).stdout.splitlines()
    shown = info.index("scores:") + 1
    assert info[shown] == (
        "  NOT HELD OUT: 4 of the 8 documents of overlap.pubtator were training documents: the dev scores overstate "
        "how the model does on new text"
    )


def test_a_held_out_dev_file_gets_no_warning_and_no_such_line(corpus):
    model = corpus["dir"] / "m.npz"
    run = run_cli("train", str(corpus["train"]), "--dev", str(corpus["heldout"]), "-o", str(model), *PARAMS)
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr
    assert "dev_in_training" not in json.loads(Path(f"{model}.json").read_text())["scores"]
    assert "NOT HELD OUT" not in run_cli("info", str(model)).stdout
