"""The Python API the CLI calls: one-call functions on paths and documents."""

from __future__ import annotations

import re
from pathlib import Path

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


def _readme_python_blocks() -> list[str]:
    """The ```python blocks of README.md's "Python API" section."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_readme_python_api_example_runs(tmp_path, monkeypatch, capsys):
    """Run the README's API examples as written, on synthetic files named like BioRED's."""
    blocks = _readme_python_blocks()
    assert len(blocks) >= 1 and "api.train" in blocks[0]
    (tmp_path / "Train.PubTator").write_text(synthetic_corpus(30, seed=3), encoding="utf-8")
    (tmp_path / "Dev.PubTator").write_text(synthetic_corpus(8, seed=4, start=900), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.count("type (micro)") == len(blocks)
    assert "labeler - toward Positive_Correlation:" in out
    assert (tmp_path / "my.joblib").is_file() and (tmp_path / "my.joblib.json").is_file()
    assert (tmp_path / "dev.pred.pubtator").read_text().count("|t|") == 8
