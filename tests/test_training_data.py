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
