"""End-to-end tests: drive the ``relclf`` command as a user would (in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synthetic import synthetic_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NEEDS_CORPUS = pytest.mark.skipif(
    not (SHARED / "biored" / "Train.PubTator").exists(),
    reason="needs the BioRED corpus in ../shared/data (not part of the repository)",
)


def relclf(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m relclf ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "relclf", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    (path / "train.pubtator").write_text(synthetic_corpus(40, seed=1))
    (path / "test.pubtator").write_text(synthetic_corpus(12, seed=2, start=500))
    return path


@pytest.fixture(scope="module")
def model(workdir) -> Path:
    out = relclf("train", str(workdir / "train.pubtator"), "-o", str(workdir / "model.joblib"), "--dev", str(workdir / "test.pubtator"))
    assert out.returncode == 0, out.stderr
    assert "candidate recall 1.0000" in out.stdout
    assert "training time:" in out.stdout
    assert "type (micro)" in out.stdout
    return workdir / "model.joblib"


def test_train_writes_model_and_metadata(model):
    assert model.is_file()
    card = json.loads(Path(f"{model}.json").read_text())
    assert card["labels"] == ["Negative_Correlation", "Positive_Correlation"]
    assert card["training_files"][0]["name"] == "train.pubtator"
    assert len(card["training_files"][0]["sha256"]) == 64
    assert {"relclf_version", "sklearn_version", "python_version", "created", "type_pairs", "parameters"} <= set(card)


def test_predict_evaluate_and_score(workdir, model):
    pred = workdir / "pred.pubtator"
    out = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "-o", str(pred))
    assert out.returncode == 0, out.stderr
    text = pred.read_text()
    assert text.count("|t|") == 12
    relation_lines = [line.split("\t") for line in text.splitlines() if line.count("\t") in (3, 4) and "|" not in line.split("\t")[1]]
    assert relation_lines and all(cols[4] in ("Novel", "No") for cols in relation_lines)

    scored = relclf("score", str(workdir / "test.pubtator"), str(pred), "--json", str(workdir / "s.json"))
    assert scored.returncode == 0, scored.stderr
    evaluated = relclf("evaluate", str(workdir / "test.pubtator"), "-m", str(model), "--json", str(workdir / "e.json"))
    assert evaluated.returncode == 0, evaluated.stderr
    s, e = json.loads((workdir / "s.json").read_text()), json.loads((workdir / "e.json").read_text())
    assert s["levels"] == e["levels"]
    assert e["levels"]["type"]["f1"] >= 0.9


def test_predict_stdin_to_stdout_with_scores(workdir, model):
    out = relclf("predict", "-", "-m", str(model), "--with-scores", stdin=(workdir / "test.pubtator").read_text())
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines() if line.count("\t") == 5 and not line.split("\t")[1].isdigit()]
    assert rows and all(0.0 <= float(cols[5]) <= 1.0 for cols in rows)


def test_predict_keeps_documents_and_mentions(workdir, model):
    out = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model))
    source = (workdir / "test.pubtator").read_text().splitlines()
    kept = [line for line in source if line and ("|" in line.split("\t")[0] or line.split("\t")[1].isdigit())]
    assert len(kept) > 24
    predicted = out.stdout.splitlines()
    assert [line for line in predicted if line in kept] == kept


def test_bad_input_is_one_line_error_and_no_output(workdir, model):
    bad = workdir / "bad.pubtator"
    bad.write_text("1|t|Title.\n1|a|Text.\n1\t0\t99\tTitle\tGene\t5\n")
    target = workdir / "never.pubtator"
    out = relclf("predict", str(bad), "-m", str(model), "-o", str(target))
    assert out.returncode == 2
    assert out.stderr.strip() == f"relclf: error: {bad}:3: offsets 0-99 beyond the text (length 12)"
    assert "Traceback" not in out.stderr
    assert not target.exists()
    assert not [p for p in workdir.iterdir() if p.name.startswith(".never")]


def test_skip_invalid_keeps_the_rest(workdir, model):
    mixed = workdir / "mixed.pubtator"
    good = (workdir / "test.pubtator").read_text()
    mixed.write_text("77|t|Bad.\n77|a|Doc.\n77\t0\t3\tXXX\tGene\t5\n\n" + good)
    out = relclf("predict", str(mixed), "-m", str(model), "--skip-invalid")
    assert out.returncode == 0, out.stderr
    assert f"relclf: warning: {mixed}:3:" in out.stderr
    assert "skipped 1 invalid document(s)" in out.stderr
    assert out.stdout.count("|t|") == 12


def test_missing_file_and_model_errors(workdir, model):
    out = relclf("predict", str(workdir / "nope.pubtator"), "-m", str(model))
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr
    not_a_model = workdir / "fake.joblib"
    not_a_model.write_bytes(b"not a pickle at all")
    out = relclf("predict", str(workdir / "test.pubtator"), "-m", str(not_a_model))
    assert out.returncode == 2 and "not a readable relclf model" in out.stderr and "Traceback" not in out.stderr


def test_no_arguments_prints_usage_with_demo():
    out = relclf()
    assert out.returncode == 2
    assert "relclf predict examples/36727001.pubtator" in out.stderr


@NEEDS_CORPUS
def test_bundled_model_on_example():
    """The README's first command: the default model on the bundled PubTator3 example."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "models" / "relclf-biored.joblib").exists():
        pytest.skip("bundled model not built")
    out = relclf("predict", "examples/36727001.pubtator", cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("36727001|t|")
    assert "MESH:C510808" in out.stdout.split("36727001\t2266")[-1]


@NEEDS_CORPUS
def test_biored_train_dev_floor(tmp_path):
    """Integration: train on BioRED Train, evaluate on Dev, assert the foundation floor."""
    model = tmp_path / "biored.joblib"
    out = relclf("train", str(SHARED / "biored" / "Train.PubTator"), "-o", str(model))
    assert out.returncode == 0, out.stderr
    result = relclf("evaluate", str(SHARED / "biored" / "Dev.PubTator"), "-m", str(model), "--json", str(tmp_path / "dev.json"))
    assert result.returncode == 0, result.stderr
    levels = json.loads((tmp_path / "dev.json").read_text())["levels"]
    assert levels["pair"]["f1"] >= 0.65
    assert levels["type"]["f1"] >= 0.45


@NEEDS_CORPUS
def test_real_export_with_malformed_line(tmp_path):
    """bc8_new_900.pubtator has one malformed mention line: strict names it, skipping keeps the rest."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "models" / "relclf-biored.joblib").exists():
        pytest.skip("bundled model not built")
    source = SHARED / "unlabeled" / "bc8_new_900.pubtator"
    strict = relclf("predict", str(source), "-o", str(tmp_path / "out.pubtator"))
    assert strict.returncode == 2
    assert strict.stderr.startswith(f"relclf: error: {source}:14937: mention text 'DiseaseOrPhenotypicFeature'")
    assert not (tmp_path / "out.pubtator").exists()
    skipping = relclf("predict", str(source), "-o", str(tmp_path / "out.pubtator"), "--skip-invalid")
    assert skipping.returncode == 0, skipping.stderr
    assert (tmp_path / "out.pubtator").read_text().count("|t|") == 899


# --- scale: many inputs, parallel training, a dask cluster --------------------------------------


def test_predict_directory_and_glob_into_output_dir(workdir, model, tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.pubtator").write_text(synthetic_corpus(4, seed=7, start=800))
    (dump / "b.pubtator").write_text(synthetic_corpus(3, seed=8, start=900))
    (tmp_path / "c.pubtator").write_text(synthetic_corpus(2, seed=9, start=950))
    out = relclf("predict", str(dump), str(tmp_path / "c*.pubtator"), "-m", str(model), "--output-dir", str(tmp_path / "out"), "--n-jobs", "2")
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.pubtator", "b.pubtator", "c.pubtator"]
    single = relclf("predict", str(dump / "b.pubtator"), "-m", str(model))
    assert (tmp_path / "out" / "b.pubtator").read_text() == single.stdout
    assert (tmp_path / "out" / "a.pubtator").read_text().count("|t|") == 4


def test_several_inputs_need_output_dir_and_clashes_are_errors(workdir, model, tmp_path):
    test_file = str(workdir / "test.pubtator")
    out = relclf("predict", test_file, test_file, "-m", str(model))
    assert out.returncode == 2
    assert out.stderr.strip().endswith("several inputs need --output-dir DIR (one output file per input)")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "test.pubtator").write_text(synthetic_corpus(2, seed=3))
    out = relclf("predict", test_file, str(tmp_path / "x"), "-m", str(model), "--output-dir", str(tmp_path / "out"))
    assert out.returncode == 2
    assert "would clash" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_train_with_two_jobs_predicts_like_serial(workdir, model, tmp_path):
    parallel_model = tmp_path / "parallel.joblib"
    out = relclf("train", str(workdir / "train.pubtator"), "-o", str(parallel_model), "--n-jobs", "2")
    assert out.returncode == 0, out.stderr
    serial = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "--with-scores")
    parallel = relclf("predict", str(workdir / "test.pubtator"), "-m", str(parallel_model), "--with-scores", "--n-jobs", "2")
    assert parallel.returncode == 0, parallel.stderr
    assert parallel.stdout == serial.stdout


def test_predict_on_a_dask_scheduler_equals_local(workdir, model):
    distributed = pytest.importorskip("dask.distributed", reason="needs the dask extra: pip install 'relclf[dask]'")
    # an in-process worker in this test process; the CLI connects to it over TCP like to a real cluster
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None) as cluster:
        remote = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "--with-scores", "--scheduler", cluster.scheduler_address)
    local = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "--with-scores")
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and "|t|" in remote.stdout

