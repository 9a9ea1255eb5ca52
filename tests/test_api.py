"""Tests of relclf.api: many-file prediction and streaming evaluation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from relclf import api
from relclf.errors import InputError
from relclf.metrics import score_documents
from relclf.model import RelationExtractor
from relclf.pubtator import read_pubtator
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def model() -> RelationExtractor:
    return RelationExtractor(min_df=1).fit(read_pubtator(io.BytesIO(synthetic_corpus(40, seed=1).encode())))


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
    with pytest.raises(InputError, match="same file name as .*part1.pubtator"):
        api.predict_files([inputs, other / "part1.pubtator"], tmp_path / "out", model)
    assert not (tmp_path / "out").exists()


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
