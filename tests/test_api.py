"""The Python API the CLI calls: one-call functions on paths and documents; many-file prediction and streaming evaluation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import parse
from relclf import api
from relclf.errors import InputError
from relclf.evaluation.metrics import score_documents
from relclf.extract.estimator import RelationExtractor
from relclf.io.pubtator import read_pubtator
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


def _api_page_python_blocks() -> list[str]:
    """The ```python blocks of docs/python-api.md."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "python-api.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)


def test_python_api_page_examples_run(tmp_path, monkeypatch, capsys):
    """Run the examples of docs/python-api.md as written, on synthetic files named like BioRED's."""
    blocks = _api_page_python_blocks()
    assert len(blocks) >= 1 and "api.train" in blocks[0]
    (tmp_path / "Train.PubTator").write_text(synthetic_corpus(30, seed=3), encoding="utf-8")
    (tmp_path / "Dev.PubTator").write_text(synthetic_corpus(8, seed=4, start=900), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "docs/python-api.md", "exec"), {})
    out = capsys.readouterr().out
    assert out.count("type (micro)") == len(blocks)
    assert "labeler - toward Positive_Correlation:" in out
    assert (tmp_path / "my.joblib").is_file() and (tmp_path / "my.joblib.json").is_file()
    assert (tmp_path / "dev.pred.pubtator").read_text().count("|t|") == 8


@pytest.fixture
def model(synthetic_model) -> RelationExtractor:
    return synthetic_model


@pytest.fixture
def inputs(tmp_path) -> Path:
    directory = tmp_path / "in"
    directory.mkdir()
    (directory / "part1.pubtator").write_text(synthetic_corpus(6, seed=2, start=100))
    (directory / "part2.pubtator").write_text(synthetic_corpus(5, seed=3, start=200))
    return directory


def test_predict_files_writes_one_output_per_input_equal_to_single_file_runs(model, inputs, tmp_path):
    results = api.predict_files([inputs], tmp_path / "out", model, with_scores=True)
    assert [(r.source.name, r.output, r.documents) for r in results] == [
        ("part1.pubtator", tmp_path / "out" / "part1.pubtator", 6),
        ("part2.pubtator", tmp_path / "out" / "part2.pubtator", 5),
    ]
    for result in results:
        single = tmp_path / f"single-{result.source.name}"
        api.predict_file(result.source, single, model, with_scores=True)
        assert result.output.read_bytes() == single.read_bytes()
        assert b"Correlation" in result.output.read_bytes()


def test_predict_files_reports_name_clashes_before_writing(model, inputs, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "part1.pubtator").write_text(synthetic_corpus(2, seed=4, start=300))
    with pytest.raises(InputError, match="same output name as .*part1.pubtator"):
        api.predict_files([inputs, other / "part1.pubtator"], tmp_path / "out", model)
    assert not (tmp_path / "out").exists()


def test_predict_files_names_outputs_after_the_output_format(model, inputs, tmp_path):
    results = api.predict_files([inputs], tmp_path / "out", model, output_format="tsv")
    assert [r.output.name for r in results] == ["part1.tsv", "part2.tsv"]
    assert (tmp_path / "out" / "part1.tsv").read_text().startswith("document\tid1\t")
    same = api.predict_files([inputs], tmp_path / "same", model)  # without it, each output keeps its input's format
    assert (tmp_path / "same" / "part1.pubtator").read_text().count("|t|") == 6 and same[0].documents == 6


def test_predict_files_refuses_to_overwrite_an_input(model, inputs):
    with pytest.raises(InputError, match="would overwrite this input"):
        api.predict_files([inputs / "part1.pubtator"], inputs, model)


def test_a_bad_input_leaves_no_output_for_it(model, inputs, tmp_path):
    (inputs / "part3.pubtator").write_text("123|t|Title\n123|a|Abstract\n123\tbad mention line\n")
    with pytest.raises(InputError, match="part3.pubtator:3:"):
        api.predict_files([inputs], tmp_path / "out", model)
    assert not (tmp_path / "out" / "part3.pubtator").exists()


def test_streaming_evaluate_equals_scoring_the_whole_corpus(model, inputs):
    gold = list(read_pubtator(inputs / "part1.pubtator"))
    hidden = [d.with_relations(()) for d in gold]
    expected = score_documents(gold, model.predict_documents(hidden))
    assert api.evaluate(inputs / "part1.pubtator", model) == expected
    assert api.evaluate(iter(gold), model, n_jobs=2) == expected
    assert expected.documents == 6


def test_a_missing_default_model_says_where_it_should_come_from(tmp_path, monkeypatch):
    from relclf.errors import ModelError

    monkeypatch.delenv("RELCLF_MODEL", raising=False)
    monkeypatch.setattr(api, "DEFAULT_MODEL", tmp_path / "absent.joblib")
    with pytest.raises(ModelError, match=r"absent.joblib: the default model is missing; reinstall relclf .*models/MODEL_CARD.md"):
        api.resolve_model(None)
    monkeypatch.setenv("RELCLF_MODEL", str(tmp_path / "named.joblib"))
    with pytest.raises(ModelError, match=r"named.joblib: the model named by RELCLF_MODEL is missing$"):
        api.resolve_model(None)


def test_the_default_model_is_found_as_a_package_resource():
    from importlib import resources

    bundled = resources.files("relclf.models")
    assert api.DEFAULT_MODEL == Path(str(bundled / api.DEFAULT_MODEL_NAME))
    for name in (api.DEFAULT_MODEL_NAME, f"{api.DEFAULT_MODEL_NAME}.json", f"{api.DEFAULT_MODEL_NAME}.sha256", "MODEL_CARD.md"):
        assert (bundled / name).is_file(), name
