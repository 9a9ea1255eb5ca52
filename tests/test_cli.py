"""Tests of the command line (relclf/cli.py).

They run ``relclf`` in this process, through :func:`relclf.cli.main` (:func:`conftest.run_cli`), except
where a real process is the point: the end-to-end test that drives the installed ``relclf`` command as a
user would, progress bars on a real terminal, and trainings under different hash seeds.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli
from relclf.persistence import FORMAT_VERSION
from synthetic import synthetic_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NEEDS_CORPUS = pytest.mark.skipif(
    not (SHARED / "biored" / "Train.PubTator").exists(),
    reason="needs the BioRED corpus in ../shared/data (not part of the repository)",
)


def relclf(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``relclf ARGS`` in this process and capture its output."""
    return run_cli(*args, stdin=stdin, cwd=cwd)


def installed_relclf(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ``relclf`` command (the console script beside this Python) in a new process."""
    command = Path(sys.executable).with_name("relclf")
    if not command.is_file():
        pytest.fail(f"no relclf command at {command}: install the package (pip install -e .) to run this test")
    return subprocess.run(
        [str(command), *args], capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"}
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli")
    (path / "train.pubtator").write_text(synthetic_corpus(40, seed=1))
    (path / "test.pubtator").write_text(synthetic_corpus(12, seed=2, start=500))
    return path


@pytest.fixture(scope="module")
def model(workdir) -> Path:
    out = relclf(
        "train",
        str(workdir / "train.pubtator"),
        "-o",
        str(workdir / "model.npz"),
        "--dev",
        str(workdir / "test.pubtator"),
    )
    assert out.returncode == 0, out.stderr
    assert "candidate recall 1.0000" in out.stdout
    assert "training time:" in out.stdout
    assert "type (micro)" in out.stdout
    return workdir / "model.npz"


def test_train_writes_model_and_metadata(model):
    assert model.is_file()
    card = json.loads(Path(f"{model}.json").read_text())
    assert card["labels"] == ["Negative_Correlation", "Positive_Correlation"]
    assert card["training_files"][0]["name"] == "train.pubtator"
    assert len(card["training_files"][0]["sha256"]) == 64
    assert {"relclf_version", "sklearn_version", "python_version", "created", "type_pairs", "parameters"} <= set(card)


def test_predict_evaluate_and_score(workdir, model):
    """End to end: the installed ``relclf`` command, each run a new process, as a user would."""
    pred = workdir / "pred.pubtator"
    out = installed_relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "-o", str(pred))
    assert out.returncode == 0, out.stderr
    text = pred.read_text()
    assert text.count("|t|") == 12
    relation_lines = [
        line.split("\t") for line in text.splitlines() if line.count("\t") in (3, 4) and "|" not in line.split("\t")[1]
    ]
    assert relation_lines and all(cols[4] in ("Novel", "No") for cols in relation_lines)

    scored = installed_relclf("score", str(workdir / "test.pubtator"), str(pred), "--json", str(workdir / "s.json"))
    assert scored.returncode == 0, scored.stderr
    evaluated = installed_relclf(
        "evaluate", str(workdir / "test.pubtator"), "-m", str(model), "--json", str(workdir / "e.json")
    )
    assert evaluated.returncode == 0, evaluated.stderr
    s, e = json.loads((workdir / "s.json").read_text()), json.loads((workdir / "e.json").read_text())
    assert s["levels"] == e["levels"]
    assert e["levels"]["type"]["f1"] >= 0.9


def test_predict_stdin_to_stdout_with_scores(workdir, model):
    out = relclf("predict", "-", "-m", str(model), "--with-scores", stdin=(workdir / "test.pubtator").read_text())
    assert out.returncode == 0, out.stderr
    rows = [
        line.split("\t")
        for line in out.stdout.splitlines()
        if line.count("\t") == 5 and not line.split("\t")[1].isdigit()
    ]
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
    assert f"relclf: warning: {mixed}:3:" in out.stderr and "(mention skipped)" in out.stderr
    assert "skipped 0 invalid document(s), 1 invalid mention(s)" in out.stderr
    assert out.stdout.count("|t|") == 13  # the bad mention line dropped, its document kept


def test_missing_file_and_model_errors(workdir, model):
    out = relclf("predict", str(workdir / "nope.pubtator"), "-m", str(model))
    assert out.returncode == 2 and "no such file" in out.stderr and "Traceback" not in out.stderr
    not_a_model = workdir / "fake.npz"
    not_a_model.write_bytes(b"not a pickle at all")
    out = relclf("predict", str(workdir / "test.pubtator"), "-m", str(not_a_model))
    assert out.returncode == 2 and "not a relclf model file" in out.stderr and "Traceback" not in out.stderr


def test_no_arguments_prints_usage_with_demo():
    out = relclf()
    assert out.returncode == 2
    assert "relclf predict examples/36727001.pubtator" in out.stderr


@NEEDS_CORPUS
def test_bundled_model_on_example():
    """The README's first command: the default model on the bundled PubTator3 example."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "models" / "relclf-biored.npz").exists():
        pytest.skip("bundled model not built")
    out = relclf("predict", "examples/36727001.pubtator", cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("36727001|t|")
    assert "MESH:C510808" in out.stdout.split("36727001\t2266")[-1]


@NEEDS_CORPUS
def test_biored_train_dev_floor(tmp_path):
    """Integration: train on BioRED Train, evaluate on Dev, assert the foundation floor."""
    model = tmp_path / "biored.npz"
    out = relclf("train", str(SHARED / "biored" / "Train.PubTator"), "-o", str(model))
    assert out.returncode == 0, out.stderr
    result = relclf(
        "evaluate", str(SHARED / "biored" / "Dev.PubTator"), "-m", str(model), "--json", str(tmp_path / "dev.json")
    )
    assert result.returncode == 0, result.stderr
    levels = json.loads((tmp_path / "dev.json").read_text())["levels"]
    assert levels["pair"]["f1"] >= 0.65
    assert levels["type"]["f1"] >= 0.45


@NEEDS_CORPUS
def test_real_export_with_malformed_line(tmp_path):
    """bc8_new_900.pubtator has one malformed mention line: strict names it, skipping keeps the rest."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "models" / "relclf-biored.npz").exists():
        pytest.skip("bundled model not built")
    source = SHARED / "unlabeled" / "bc8_new_900.pubtator"
    strict = relclf("predict", str(source), "-o", str(tmp_path / "out.pubtator"))
    assert strict.returncode == 2
    assert strict.stderr.startswith(f"relclf: error: {source}:14937: mention text 'DiseaseOrPhenotypicFeature'")
    assert not (tmp_path / "out.pubtator").exists()
    skipping = relclf("predict", str(source), "-o", str(tmp_path / "out.pubtator"), "--skip-invalid")
    assert skipping.returncode == 0, skipping.stderr
    assert (tmp_path / "out.pubtator").read_text().count(
        "|t|"
    ) == 900  # the bad mention line dropped, its document kept


def relclf_in_terminal(*args: str) -> tuple[str, str, int]:
    """Run ``python -m relclf ARGS`` with stderr on a pseudo-terminal (as in an interactive shell) and
    stdout on a pipe; return (stdout, what the terminal showed, exit status)."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    process = subprocess.Popen(
        [sys.executable, "-m", "relclf", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    os.close(slave)
    shown: list[bytes] = []

    def drain() -> None:  # read while the process runs so that it never blocks on a full terminal
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO once the process has exited and closed its end
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout, _ = process.communicate()
    reader.join()
    os.close(master)
    return stdout.decode("utf-8"), b"".join(shown).decode("utf-8", "replace"), process.returncode


def test_progress_bar_on_terminal_only(workdir, model):
    test = str(workdir / "test.pubtator")
    out, terminal, status = relclf_in_terminal("predict", test, "-m", str(model))
    assert status == 0
    assert "predicting: 100%" in terminal and "12/12" in terminal
    piped = relclf("predict", test, "-m", str(model))
    assert piped.returncode == 0 and piped.stderr == ""
    assert out == piped.stdout  # the bar never reaches stdout
    quiet_out, quiet_terminal, status = relclf_in_terminal("predict", test, "-m", str(model), "-q")
    assert status == 0 and quiet_terminal == "" and quiet_out == piped.stdout


def test_parallel_run_with_a_bar_gives_the_serial_output(workdir, model):
    test = str(workdir / "test.pubtator")
    out, terminal, status = relclf_in_terminal("-v", "predict", test, "-m", str(model), "--n-jobs", "2")
    assert status == 0, terminal
    assert "relclf: this process and 1 worker process" in terminal and "predicting:" in terminal
    assert out == relclf("predict", test, "-m", str(model)).stdout


def test_progress_bars_of_training_and_evaluation(workdir, tmp_path):
    out, terminal, status = relclf_in_terminal(
        "-v",
        "train",
        str(workdir / "train.pubtator"),
        "-o",
        str(tmp_path / "m.npz"),
        "--dev",
        str(workdir / "test.pubtator"),
    )
    assert status == 0, terminal
    assert "reading train.pubtator: 100%" in terminal and "40/40" in terminal
    assert "fitting on 40 documents" in terminal
    assert "evaluating: 100%" in terminal
    assert "relclf: fitting on 40 documents:" in terminal  # -v logs the stage's time
    assert "%|" not in out and "type (micro)" in out
    piped = relclf("evaluate", str(workdir / "test.pubtator"), "-m", str(tmp_path / "m.npz"))
    assert piped.stderr == "" and "type (micro)" in piped.stdout


def test_mistyped_command_and_option_suggest_the_right_one(workdir):
    out = relclf("trian", str(workdir / "train.pubtator"))
    assert out.returncode == 2
    assert "invalid choice: 'trian'" in out.stderr and "did you mean 'train'?" in out.stderr
    out = relclf("predict", str(workdir / "test.pubtator"), "--with-socres")
    assert out.returncode == 2 and "did you mean '--with-scores'" in out.stderr
    out = relclf("evaluate", str(workdir / "test.pubtator"), "--thresold", "0.3")
    assert out.returncode == 2 and "did you mean '--threshold'" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_training_file_is_named(tmp_path):
    out = relclf("train", str(tmp_path / "absent.pubtator"), "-o", str(tmp_path / "m.npz"))
    assert out.returncode == 2
    assert out.stderr.strip() == f"relclf: error: {tmp_path / 'absent.pubtator'}:0: no such file"


# --- formats (issue 4) -----------------------------------------------------------------------------


def test_convert_round_trips_through_every_bioc_format(workdir):
    """PubTator (stdin) -> BioC XML (stdout) -> BioC JSON (file) -> PubTator (stdout): identical."""
    source = workdir / "test.pubtator"
    xml = relclf("convert", "-", "--format", "pubtator", "--output-format", "bioc-xml", stdin=source.read_text())
    assert xml.returncode == 0, xml.stderr
    assert xml.stdout.startswith("<?xml") and xml.stdout.count("<document>") == 12
    (workdir / "c.xml").write_text(xml.stdout)
    out = relclf("convert", str(workdir / "c.xml"), "-o", str(workdir / "c.json"))
    assert out.returncode == 0, out.stderr
    back = relclf("convert", str(workdir / "c.json"))
    assert back.returncode == 0, back.stderr
    assert back.stdout == source.read_text()


def test_predict_to_every_output_format(workdir, model):
    source = workdir / "test.pubtator"
    outputs = {}
    for name in ("p.pubtator", "p.xml", "p.json", "p.jsonl", "p.tsv"):
        out = relclf("predict", str(source), "-m", str(model), "-o", str(workdir / name))
        assert out.returncode == 0, out.stderr
        outputs[name] = (workdir / name).read_text()
    rows = [json.loads(line) for line in outputs["p.jsonl"].splitlines()]
    tsv = [line.split("\t") for line in outputs["p.tsv"].splitlines()]
    assert tsv[0] == "document id1 type1 text1 id2 type2 text2 label score novelty source".split()
    assert len(rows) == len(tsv) - 1 > 0
    assert all(0.0 <= r["score"] <= 1.0 and r["type1"] and r["text1"] for r in rows)
    assert [float(t[8]) for t in tsv[1:]] == [r["score"] for r in rows]
    # BioC outputs hold the same relations as PubTator output, with their scores
    from relclf.io.formats import read_documents

    reference = list(read_documents(workdir / "p.pubtator"))
    for name in ("p.xml", "p.json"):
        documents = list(read_documents(workdir / name))
        assert [d.with_relations(()) for d in documents] == [d.with_relations(()) for d in reference]
        assert [[(r.label, r.id1, r.id2, r.novelty) for r in d.relations] for d in documents] == [
            [(r.label, r.id1, r.id2, r.novelty) for r in d.relations] for d in reference
        ]
        assert all(r.score is not None for d in documents for r in d.relations)


def test_predict_min_score_and_default_pubtator_columns(workdir, model):
    source = str(workdir / "test.pubtator")
    rows = [
        json.loads(line)
        for line in relclf("predict", source, "-m", str(model), "--output-format", "jsonl").stdout.splitlines()
    ]
    scores = sorted(r["score"] for r in rows)
    cut = scores[len(scores) // 2]
    kept = [
        json.loads(line)
        for line in relclf(
            "predict", source, "-m", str(model), "--output-format", "jsonl", "--min-score", str(cut)
        ).stdout.splitlines()
    ]
    assert kept == [r for r in rows if r["score"] >= cut] and 0 < len(kept) < len(rows)
    plain = relclf("predict", source, "-m", str(model), "--min-score", str(cut)).stdout
    relation_lines = [
        line.split("\t")
        for line in plain.splitlines()
        if line.count("\t") in (3, 4, 5) and not line.split("\t")[1].isdigit()
    ]
    assert len(relation_lines) == len(kept) and all(len(cols) in (4, 5) for cols in relation_lines)


def test_predict_keep_relations(workdir, model):
    source = workdir / "test.pubtator"
    replaced = relclf("predict", str(source), "-m", str(model), "--output-format", "jsonl").stdout
    kept = relclf("predict", str(source), "-m", str(model), "--keep-relations", "--output-format", "jsonl").stdout
    gold_lines = [
        line
        for line in source.read_text().splitlines()
        if line.count("\t") in (3, 4) and not line.split("\t")[1].isdigit()
    ]
    kept_rows = [json.loads(line) for line in kept.splitlines()]
    gold_rows = [r for r in kept_rows if r["score"] is None]
    assert len(gold_rows) == len(gold_lines) > 0
    pairs = [(r["document"], frozenset((r["id1"], r["id2"]))) for r in kept_rows]
    assert len(pairs) == len(set(pairs))  # a pair never twice
    predicted = [json.loads(line) for line in replaced.splitlines()]
    gold_pairs = {(r["document"], frozenset((r["id1"], r["id2"]))) for r in gold_rows}
    assert [r for r in kept_rows if r["score"] is not None] == [
        r for r in predicted if (r["document"], frozenset((r["id1"], r["id2"]))) not in gold_pairs
    ]


def test_train_evaluate_score_read_bioc(workdir, model):
    from relclf.api import convert

    for name in ("train.xml", "test.json", "pred.xml"):
        stem = name.split(".")[0].replace("pred", "test")
        assert convert(workdir / f"{stem}.pubtator", workdir / name) > 0
    trained = relclf("train", str(workdir / "train.xml"), "-o", str(workdir / "bioc-model.npz"), "--cv", "2")
    assert trained.returncode == 0, trained.stderr
    from_bioc = relclf("evaluate", str(workdir / "test.json"), "-m", str(workdir / "bioc-model.npz"))
    from_pubtator = relclf("evaluate", str(workdir / "test.pubtator"), "-m", str(workdir / "bioc-model.npz"))
    assert from_bioc.returncode == 0, from_bioc.stderr
    assert from_bioc.stdout == from_pubtator.stdout
    predicted = relclf("predict", str(workdir / "test.json"), "-m", str(model), "--output-format", "pubtator")
    assert predicted.returncode == 0, predicted.stderr
    assert predicted.stdout == relclf("predict", str(workdir / "test.pubtator"), "-m", str(model)).stdout
    scored = relclf(
        "score", str(workdir / "test.json"), str(workdir / "pred.xml"), "--json", str(workdir / "self.json")
    )
    assert scored.returncode == 0, scored.stderr
    levels = json.loads((workdir / "self.json").read_text())["levels"]
    assert levels["type"]["f1"] == levels["pair"]["f1"] == 1.0  # gold scored against itself


# --- issue 7: reproducible training, model safety, bounded cost ------------------------------------


def test_same_files_options_and_seed_give_byte_identical_predictions(workdir, tmp_path):
    """Two trainings in separate processes (different hash seeds), then byte-for-byte predictions."""
    outputs = []
    for run in (1, 2):
        model = tmp_path / f"m{run}.npz"
        env_seed = {**os.environ, "PYTHONHASHSEED": str(run)}
        trained = subprocess.run(
            [sys.executable, "-m", "relclf", "train", str(workdir / "train.pubtator"), "-o", str(model), "--seed", "7"],
            capture_output=True,
            text=True,
            env=env_seed,
        )
        assert trained.returncode == 0, trained.stderr
        assert json.loads(Path(f"{model}.json").read_text())["seed"] == 7
        predicted = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "--with-scores")
        assert predicted.returncode == 0, predicted.stderr
        outputs.append(predicted.stdout.encode())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"Correlation") > 10  # real predictions, not two empty outputs


def test_info_prints_the_card_without_loading(workdir, model):
    out = relclf("info", str(model))
    assert out.returncode == 0, out.stderr
    assert f"model: {model} (" in out.stdout
    assert "(matches the recorded sha256)" in out.stdout
    assert "labels (2): Negative_Correlation, Positive_Correlation" in out.stdout
    assert "seed: 0" in out.stdout and "train.pubtator  sha256 " in out.stdout
    assert "loadable here: yes" in out.stdout
    as_json = json.loads(relclf("info", str(model), "--json").stdout)
    assert as_json["verified"] is True and as_json["type_pairs"] == ["Chemical|Disease"]


def test_info_checks_the_file_against_its_card(workdir, model, tmp_path):
    copy = tmp_path / "copy.npz"
    copy.write_bytes(model.read_bytes())
    Path(f"{copy}.json").write_text(Path(f"{model}.json").read_text())
    info = relclf("info", str(copy))
    assert (
        info.returncode == 0
        and f", format {FORMAT_VERSION})" in info.stdout
        and "(matches the recorded sha256)" in info.stdout
    )
    copy.write_bytes(copy.read_bytes()[:-1])
    damaged = relclf("info", str(copy))
    assert damaged.returncode == 2 and "DOES NOT MATCH" in damaged.stdout
    assert (
        damaged.stderr.strip()
        == f"relclf: error: {copy}: does not match the sha256 recorded beside it; it would be refused"
    )


def test_an_old_pickled_model_is_refused_with_how_to_retrain(workdir, tmp_path):
    old = tmp_path / "old.joblib"
    old.write_bytes(b"\x80\x04 a relclf 0.2 pickle")  # never unpickled
    out = relclf("predict", str(workdir / "test.pubtator"), "-m", str(old))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "a .joblib or .skops model of relclf 0.2 or earlier must be retrained" in out.stderr


def test_train_from_bioc_input_any_model_name(workdir, tmp_path):
    xml = tmp_path / "train.xml"
    assert relclf("convert", str(workdir / "train.pubtator"), "-o", str(xml)).returncode == 0
    model = tmp_path / "named-anyhow.model"  # the file is an .npz archive whatever its name; --format is the input's
    out = relclf("train", str(xml), "-o", str(model), "--cv", "2", "--format", "bioc-xml")
    assert out.returncode == 0, out.stderr
    assert json.loads(Path(f"{model}.json").read_text())["format_version"] == FORMAT_VERSION
    assert relclf("info", str(model)).returncode == 0
    assert relclf("predict", str(workdir / "test.pubtator"), "-m", str(model)).returncode == 0


def test_tampered_default_model_is_refused(workdir, model, tmp_path, monkeypatch):
    copy = tmp_path / "default.npz"
    copy.write_bytes(model.read_bytes())
    monkeypatch.setenv("RELCLF_MODEL", str(copy))
    run = ["predict", str(workdir / "test.pubtator")]
    unverified = relclf(*run)
    assert unverified.returncode == 2
    assert unverified.stderr.strip().endswith("refusing to load the default model unverified")
    Path(f"{copy}.sha256").write_text(Path(f"{model}.sha256").read_text())
    assert relclf(*run).returncode == 0
    copy.write_bytes(model.read_bytes() + b"\0")
    tampered = relclf(*run)
    assert tampered.returncode == 2 and "the file is corrupted or was replaced; refusing to load" in tampered.stderr
    assert len(tampered.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_max_pairs_per_doc_caps_with_one_warning_per_document(workdir, model, jobs):
    # with 2 jobs the warnings are logged in the workers and passed back to the parent, in order
    test = str(workdir / "test.pubtator")
    capped = relclf("predict", test, "-m", str(model), "--max-pairs-per-doc", "1", "--n-jobs", jobs)
    assert capped.returncode == 0, capped.stderr
    warnings = capped.stderr.strip().splitlines()
    assert len(warnings) == 12  # every synthetic document has more than one candidate pair
    assert (
        warnings[0].startswith("relclf: warning: document 500 has ")
        and "kept the 1 whose mentions are closest" in warnings[0]
    )
    relations = [line for line in capped.stdout.splitlines() if "Correlation" in line]
    per_doc = [line.split("\t")[0] for line in relations]
    assert len(per_doc) == len(set(per_doc)) > 0  # at most one relation per document
    uncapped = relclf("predict", test, "-m", str(model), "--max-pairs-per-doc", "none")
    assert uncapped.returncode == 0 and uncapped.stderr == ""
    assert uncapped.stdout == relclf("predict", test, "-m", str(model)).stdout  # the default cap is not reached


# --- scale: many inputs, parallel training, a dask cluster --------------------------------------


def test_predict_directory_and_glob_into_output_dir(workdir, model, tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.pubtator").write_text(synthetic_corpus(4, seed=7, start=800))
    (dump / "b.pubtator").write_text(synthetic_corpus(3, seed=8, start=900))
    (tmp_path / "c.pubtator").write_text(synthetic_corpus(2, seed=9, start=950))
    out = relclf(
        "predict",
        str(dump),
        str(tmp_path / "c*.pubtator"),
        "-m",
        str(model),
        "--output-dir",
        str(tmp_path / "out"),
        "--n-jobs",
        "2",
    )
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.pubtator", "b.pubtator", "c.pubtator"]
    single = relclf("predict", str(dump / "b.pubtator"), "-m", str(model))
    assert (tmp_path / "out" / "b.pubtator").read_text() == single.stdout
    assert (tmp_path / "out" / "a.pubtator").read_text().count("|t|") == 4


def test_several_inputs_go_to_one_output_and_clashes_in_an_output_dir_are_errors(workdir, model, tmp_path):
    test_file = str(workdir / "test.pubtator")
    out = relclf("predict", test_file, test_file, "-m", str(model))  # one output; the file twice is read once
    assert out.returncode == 0 and out.stdout == relclf("predict", test_file, "-m", str(model)).stdout
    assert f"repeated in {test_file}: a document in several inputs is read once" in out.stderr
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "test.pubtator").write_text(synthetic_corpus(2, seed=3))
    out = relclf("predict", test_file, str(tmp_path / "x"), "-m", str(model), "--output-dir", str(tmp_path / "out"))
    assert out.returncode == 2
    assert "would clash" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_train_with_two_jobs_predicts_like_serial(workdir, model, tmp_path):
    parallel_model = tmp_path / "parallel.npz"
    out = relclf("train", str(workdir / "train.pubtator"), "-o", str(parallel_model), "--n-jobs", "2")
    assert out.returncode == 0, out.stderr
    serial = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "--with-scores")
    parallel = relclf(
        "predict", str(workdir / "test.pubtator"), "-m", str(parallel_model), "--with-scores", "--n-jobs", "2"
    )
    assert parallel.returncode == 0, parallel.stderr
    assert parallel.stdout == serial.stdout


def test_predict_on_a_dask_scheduler_equals_local(workdir, model):
    distributed = pytest.importorskip("dask.distributed", reason="needs the dask extra: pip install 'relclf[dask]'")
    # an in-process worker in this test process; the CLI connects to it over TCP like to a real cluster
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        remote = relclf(
            "predict",
            str(workdir / "test.pubtator"),
            "-m",
            str(model),
            "--with-scores",
            "--scheduler",
            cluster.scheduler_address,
        )
    local = relclf("predict", str(workdir / "test.pubtator"), "-m", str(model), "--with-scores")
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == local.stdout and "|t|" in remote.stdout


# -- issue 14: the parser's checks, standard input by default, exit statuses (in-process) ----------------


@pytest.fixture
def tiny(tmp_path) -> dict[str, Path]:
    """A tiny model (saved with its card) and input, for in-process runs."""
    from relclf import api
    from relclf.extract.vectorizer import PairVectorizer

    (tmp_path / "train.pubtator").write_text(synthetic_corpus(20, seed=1))
    (tmp_path / "in.pubtator").write_text(synthetic_corpus(3, seed=2, start=500))
    api.train(
        [tmp_path / "train.pubtator"], tmp_path / "m.npz", params={"cv": 2, "vectorizer": PairVectorizer(min_df=1)}
    )
    return {
        "dir": tmp_path,
        "model": tmp_path / "m.npz",
        "input": tmp_path / "in.pubtator",
        "train": tmp_path / "train.pubtator",
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["predict", "x", "--threshold", "1.5"],
            "relclf predict: error: argument --threshold: '1.5' is not a probability between 0 and 1",
        ),
        (["predict", "x", "--threshold", "nan"], "argument --threshold: 'nan' is not a probability between 0 and 1"),
        (["predict", "x", "--min-score", "-5"], "argument --min-score: '-5' is not a probability between 0 and 1"),
        (["predict", "x", "--min-score", "abc"], "argument --min-score: 'abc' is not a number"),
        (
            ["predict", "x", "--max-pairs-per-doc", "-1"],
            "argument --max-pairs-per-doc: '-1': give a whole number >= 1, or 'none' for no cap",
        ),
        (
            ["predict", "x", "--max-pairs-per-doc", "0"],
            "argument --max-pairs-per-doc: '0': give a whole number >= 1, or 'none' for no cap",
        ),
        (
            ["predict", "x", "--n-jobs", "0"],
            "argument --n-jobs: '0': give a number of worker processes >= 1, or -1 for all CPUs",
        ),
        (
            ["evaluate", "x", "--n-jobs", "-2"],
            "argument --n-jobs: '-2': give a number of worker processes >= 1, or -1 for all CPUs",
        ),
        (["train", "x", "-o", "m", "--cv", "1"], "relclf train: error: argument --cv: '1': give a whole number >= 2"),
        (["train", "x", "-o", "m", "--seed", "-1"], "argument --seed: '-1': give a whole number from 0 to 4294967295"),
        (
            ["train", "x", "-o", "m", "--threshold", "2"],
            "argument --threshold: '2' is not a probability between 0 and 1",
        ),
        (["explain", "-k", "0"], "relclf explain: error: argument -k/--top: '0': give a whole number >= 1"),
    ],
)
def test_numbers_are_checked_by_the_parser(capsys, argv, message):
    from relclf import cli

    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.startswith("usage: relclf ") and err.rstrip("\n").endswith(message), err


def test_max_pairs_per_doc_none_is_no_cap(tiny, capsys):
    from relclf import cli

    assert cli.main(["predict", str(tiny["input"]), "-m", str(tiny["model"]), "--max-pairs-per-doc", "none"]) == 0
    capped = capsys.readouterr().out
    assert cli.main(["predict", str(tiny["input"]), "-m", str(tiny["model"])]) == 0
    assert capsys.readouterr().out == capped  # 10,000 pairs never bind on these documents


def test_input_is_standard_input_unless_it_is_a_terminal(tiny, capsys, monkeypatch):
    import io

    from relclf import cli

    data = tiny["input"].read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert cli.main(["predict", "-m", str(tiny["model"])]) == 0
    predicted = capsys.readouterr().out
    assert predicted.count("|t|") == 3
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert cli.main(["convert", "-o", str(tiny["dir"] / "out.xml")]) == 0

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    with pytest.raises(SystemExit) as info:
        cli.main(["predict", "-m", str(tiny["model"])])
    assert info.value.code == 2
    assert (
        "relclf predict: error: the following arguments are required: INPUT (or pipe documents into standard input)"
        in capsys.readouterr().err
    )


def test_exit_statuses_are_documented_and_kept(tiny, capsys):
    from relclf import cli

    with pytest.raises(SystemExit):
        cli.main(["-h"])
    help_text = capsys.readouterr().out
    for line in (
        "0    done",
        "1    runtime failure",
        "2    usage error, or invalid input or model",
        "130  interrupted",
        "141  the reader of the output went away",
    ):
        assert line in help_text
    args = ["predict", str(tiny["input"]), "-m", str(tiny["model"])]
    assert (
        cli.main([*args, "-o", str(tiny["dir"] / "missing" / "out.pubtator")]) == 1
    )  # cannot write: a runtime failure
    assert cli.main([*args, "-o", str(tiny["input"])]) == 2  # would replace its input: a usage error
    assert cli.main(["predict", str(tiny["dir"] / "nope.pubtator"), "-m", str(tiny["model"])]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("out.pubtator: cannot write: No such file or directory")
    assert err[1] == (
        f"relclf: error: {tiny['input']}:0: is the input {tiny['input']}; writing it would destroy that input: choose "
        "another output"
    )


def test_evaluate_and_score_warn_and_refuse_to_replace_inputs(tiny, capsys):
    from relclf import cli

    assert cli.main(["evaluate", str(tiny["train"]), "-m", str(tiny["model"])]) == 0
    assert (
        "relclf: warning: " + str(tiny["train"]) + ": 20 of its 20 documents were in the model's training data"
        in capsys.readouterr().err
    )
    assert cli.main(["score", str(tiny["train"]), str(tiny["train"]), "-m", str(tiny["model"])]) == 0
    assert "20 of its 20 documents were in the model's training data" in capsys.readouterr().err
    assert cli.main(["score", str(tiny["input"]), str(tiny["train"])]) == 0
    assert "share no document (by ID)" in capsys.readouterr().err
    assert cli.main(["evaluate", str(tiny["input"]), "-m", str(tiny["model"]), "--json", str(tiny["input"])]) == 2
    assert cli.main(["score", str(tiny["input"]), str(tiny["train"]), "--json", str(tiny["train"])]) == 2
    assert capsys.readouterr().err.count("writing it would destroy that input") == 2
    assert tiny["input"].read_text().count("|t|") == 3


def test_gzip_and_parquet_through_the_command_line(tiny, capsys):
    import gzip

    from relclf import cli

    compressed = tiny["dir"] / "in.pubtator.gz"
    compressed.write_bytes(gzip.compress(tiny["input"].read_bytes()))
    out = tiny["dir"] / "out.xml.gz"
    assert cli.main(["predict", str(compressed), "-m", str(tiny["model"]), "-o", str(out)]) == 0
    assert gzip.decompress(out.read_bytes()).startswith(b"<?xml")
    assert cli.main(["convert", str(out), "-o", str(tiny["dir"] / "back.pubtator")]) == 0
    assert cli.main(["predict", str(tiny["input"]), "-m", str(tiny["model"])]) == 0
    assert (tiny["dir"] / "back.pubtator").read_text() == capsys.readouterr().out  # byte-identical through XML.gz
    pq = pytest.importorskip("pyarrow.parquet")
    assert cli.main(["predict", str(compressed), "-m", str(tiny["model"]), "-o", str(tiny["dir"] / "rel.parquet")]) == 0
    assert cli.main(["predict", str(compressed), "-m", str(tiny["model"]), "-o", str(tiny["dir"] / "rel.jsonl")]) == 0
    rows = [json.loads(line) for line in (tiny["dir"] / "rel.jsonl").read_text().splitlines()]
    assert pq.read_table(tiny["dir"] / "rel.parquet").to_pylist() == rows


def test_parquet_without_pyarrow_fails_before_the_work(tiny, capsys, monkeypatch):
    from relclf import cli

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    assert (
        cli.main(["predict", str(tiny["input"]), "-m", str(tiny["model"]), "-o", str(tiny["dir"] / "rel.parquet")]) == 2
    )
    assert capsys.readouterr().err == "relclf: error: writing Parquet needs pyarrow: pip install 'relclf[parquet]'\n"
    assert not (tiny["dir"] / "rel.parquet").exists()


# -- calibrated scores: the report of evaluate, --min-precision -----------------------------------------------


def test_evaluate_reports_the_calibration_error_and_cut_offs(synthetic_model_file, tmp_path):
    (tmp_path / "test.pubtator").write_text(synthetic_corpus(8, seed=3, start=800))
    out = run_cli(
        "evaluate", str(tmp_path / "test.pubtator"), "-m", str(synthetic_model_file), "--json", str(tmp_path / "s.json")
    )
    assert out.returncode == 0, out.stderr
    assert re.search(
        r"^calibration error \(ECE, 10 bins, relations scoring >= 0.1\): 0\.\d{3} over [\d,]+ relations$",
        out.stdout,
        re.M,
    )
    rows = [line.split() for line in out.stdout.splitlines() if re.match(r"^\s+0\.[13579]0\s", line)]
    assert [r[0] for r in rows] == ["0.10", "0.30", "0.50", "0.70", "0.90"]
    predicted = [int(r[1]) for r in rows]
    assert predicted == sorted(predicted, reverse=True)  # a higher cut-off keeps fewer relations
    report = json.loads((tmp_path / "s.json").read_text())["calibration"]
    assert [c["predicted"] for c in report["cutoffs"]] == predicted and 0 <= report["ece"] <= 1


def test_min_precision_says_which_threshold_and_predicts_with_it(synthetic_model_file, tmp_path):
    from relclf.persistence import load_model

    (tmp_path / "test.pubtator").write_text(synthetic_corpus(8, seed=3, start=800))
    point = load_model(synthetic_model_file).model.threshold_for_precision(0.7)
    out = run_cli(
        "predict",
        str(tmp_path / "test.pubtator"),
        "-m",
        str(synthetic_model_file),
        "--min-precision",
        "0.7",
        "--with-scores",
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == (
        f"relclf: threshold {point.threshold:.3f}: in cross-validation on the training documents it reached "
        f"precision {point.precision:.3f} (at least 0.7) with recall {point.recall:.3f}; chosen this way, it kept "
        f"precision {point.held_out:.3f} on documents left out of the choice\n"
    )
    fixed = run_cli(
        "predict",
        str(tmp_path / "test.pubtator"),
        "-m",
        str(synthetic_model_file),
        "--threshold",
        str(point.threshold),
        "--with-scores",
    )
    assert out.stdout == fixed.stdout
    both = run_cli(
        "predict",
        str(tmp_path / "test.pubtator"),
        "-m",
        str(synthetic_model_file),
        "--min-precision",
        "0.7",
        "--threshold",
        "0.3",
    )
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_min_precision_over_several_inputs_chooses_and_says_the_threshold_once(synthetic_model_file, tmp_path):
    from relclf.persistence import load_model

    point = load_model(synthetic_model_file).model.threshold_for_precision(0.7)
    for k in range(2):
        (tmp_path / f"in{k}.pubtator").write_text(synthetic_corpus(3, seed=3 + k, start=800 + 10 * k))
    inputs = [str(tmp_path / f"in{k}.pubtator") for k in range(2)]
    model = ["-m", str(synthetic_model_file), "--with-scores"]
    chosen = run_cli("predict", *inputs, *model, "--min-precision", "0.7", "--output-dir", str(tmp_path / "a"))
    assert chosen.returncode == 0, chosen.stderr
    assert (
        chosen.stderr
        == f"relclf: threshold {point.threshold:.3f}: in cross-validation on the training documents it reached "
        f"precision {point.precision:.3f} (at least 0.7) with recall {point.recall:.3f}; chosen this way, it kept "
        f"precision {point.held_out:.3f} on documents left out of the choice\n"
    )
    fixed = run_cli(
        "predict", *inputs, *model, "--threshold", str(point.threshold), "--output-dir", str(tmp_path / "b")
    )
    assert fixed.returncode == 0 and fixed.stderr == ""
    for k in range(2):
        assert (tmp_path / "a" / f"in{k}.pubtator").read_bytes() == (tmp_path / "b" / f"in{k}.pubtator").read_bytes()


def test_a_precision_no_threshold_reached_is_one_clear_error(synthetic_model, tmp_path):
    import dataclasses

    import numpy as np

    from relclf.persistence import build_metadata, save_model

    model = synthetic_model.model_
    capped = dataclasses.replace(
        model, curve=dataclasses.replace(model.curve, precision=np.minimum(model.curve.precision, 0.75))
    )
    save_model(capped, tmp_path / "m.npz", build_metadata(synthetic_model, []))
    (tmp_path / "test.pubtator").write_text(synthetic_corpus(3, seed=3, start=800))
    out = run_cli(
        "predict",
        str(tmp_path / "test.pubtator"),
        "-m",
        str(tmp_path / "m.npz"),
        "--min-precision",
        "0.9",
        "-o",
        str(tmp_path / "out.pubtator"),
    )
    assert out.returncode == 2
    assert (
        out.stderr
        == "relclf: error: no threshold reached a precision of 0.9 in cross-validation on documents left out of "
        "choosing it (the highest seen was 0.750)\n"
    )
    assert not (tmp_path / "out.pubtator").exists()


@pytest.mark.parametrize(
    ("raise_signal", "status", "message"),
    [("_raise_interrupted", 130, "interrupted"), ("_raise_terminated", 143, "terminated")],
)
@pytest.mark.parametrize(
    "failure",
    [
        ImportError("initialization failed"),  # the signal inside a compiled extension's initialization
        RuntimeError("Error calling __set_name__ on '_Implementation' instance 'x' in 'BaseFrame'"),  # a class body
    ],
    ids=["extension", "class-body"],
)
def test_an_import_that_failed_because_of_a_stop_signal_is_that_stop(
    monkeypatch, tmp_path, raise_signal, status, message, failure
):
    """Ctrl-C or SIGTERM while an import runs surfaces as another exception (ImportError("initialization
    failed") from a compiled extension, RuntimeError from a class body being created); once the signal has
    reached the command that is the stop it asked for, otherwise a real failure."""
    from relclf import api, cli

    def interrupted_import(*args, **kwargs):
        raise failure

    source = tmp_path / "in.pubtator"
    source.write_text(synthetic_corpus(1, seed=1), encoding="utf-8")
    monkeypatch.setattr(api, "convert", interrupted_import)  # where scipy's import would fail
    monkeypatch.setattr(cli, "_STOPPED_BY", [])
    failed = run_cli("convert", str(source), "-o", str(tmp_path / "out.pubtator"))
    assert failed.returncode == 70
    assert failed.stderr.startswith(f"relclf: internal error: {type(failure).__name__}: {str(failure)[:20]}")
    with pytest.raises(BaseException) as raised:  # the command's signal handler (entry_point installs it)
        getattr(cli, raise_signal)(0, None)
    assert isinstance(raised.value, KeyboardInterrupt) == (status == 130)
    cli._STOPPED_BY[:] = [2 if status == 130 else 15]
    result = run_cli("convert", str(source), "-o", str(tmp_path / "out.pubtator"))
    assert (result.returncode, result.stderr) == (status, f"relclf: {message}\n")
    assert not (tmp_path / "out.pubtator").exists()


# -- errors: the user's in one line, relclf's own bugs said as such, with their traceback on request ------------


def _broken_numpy(*args, **kwargs):
    raise ValueError("operands could not be\nbroadcast together")  # as a numpy error deep inside would


@pytest.fixture
def numpy_bug(monkeypatch, synthetic_model_file, tmp_path) -> list[str]:
    """A prediction run whose numpy fails inside the model (a bug of relclf, not of the input): its argv."""
    import numpy

    monkeypatch.setattr(numpy, "argmax", _broken_numpy)
    monkeypatch.delenv("RELCLF_TRACEBACK", raising=False)
    (tmp_path / "in.pubtator").write_text(synthetic_corpus(2, seed=3, start=800))
    return ["predict", str(tmp_path / "in.pubtator"), "-m", str(synthetic_model_file), "-o", str(tmp_path / "out.tsv")]


HINT = "(this is a bug in relclf; please report it with the output of the same command run with --traceback)"


def test_an_exception_relclf_did_not_raise_for_the_user_is_an_internal_error(numpy_bug, tmp_path):
    out = run_cli(*numpy_bug)
    assert out.returncode == 70
    assert out.stderr == f"relclf: internal error: ValueError: operands could not be broadcast together {HINT}\n"
    assert not (tmp_path / "out.tsv").exists()


@pytest.mark.parametrize("ask", [["--traceback"], ["PREFIX", "--traceback"], ["RELCLF_TRACEBACK=1"]])
def test_traceback_or_its_variable_prints_the_bugs_traceback(numpy_bug, monkeypatch, ask):
    if ask == ["RELCLF_TRACEBACK=1"]:
        monkeypatch.setenv("RELCLF_TRACEBACK", "1")
        argv = numpy_bug
    else:
        argv = ["--traceback", *numpy_bug] if ask[0] == "PREFIX" else [*numpy_bug, "--traceback"]
    out = run_cli(*argv)
    assert out.returncode == 70
    assert out.stderr.startswith("Traceback (most recent call last):\n")
    assert "in _broken_numpy" in out.stderr and "relclf/extract/model.py" in out.stderr  # where it happened
    assert out.stderr.endswith(
        "relclf: internal error: ValueError: operands could not be broadcast together "
        "(this is a bug in relclf; please report it with this traceback)\n"
    )


def test_a_user_error_stays_one_line_and_shows_its_traceback_only_on_request(
    synthetic_model_file, tmp_path, monkeypatch
):
    from relclf.errors import UsageError

    monkeypatch.setenv("RELCLF_TRACEBACK", "0")
    (tmp_path / "in.pubtator").write_text(synthetic_corpus(2, seed=3, start=800))
    argv = ["explain", str(tmp_path / "in.pubtator"), "-m", str(synthetic_model_file), "--doc", "800"]
    argv += ["--pair", "G1", "G1"]
    out = run_cli(*argv)
    assert out.returncode == 2
    assert re.fullmatch(r"relclf: error: document 800 has no mention of G1\n", out.stderr), out.stderr
    shown = run_cli(*argv, "--traceback")
    assert shown.returncode == 2 and shown.stderr.startswith("Traceback (most recent call last):\n")
    assert shown.stderr.endswith(out.stderr) and f"{UsageError.__module__}.UsageError" in shown.stderr


def test_the_messages_relclf_raises_for_users_are_usage_errors_and_still_value_errors(synthetic_model, tmp_path):
    import dataclasses

    import numpy as np

    from relclf import api
    from relclf.errors import RelclfError, UsageError

    assert issubclass(UsageError, RelclfError) and issubclass(UsageError, ValueError)
    model = synthetic_model.model_
    capped = dataclasses.replace(
        model, curve=dataclasses.replace(model.curve, precision=np.minimum(model.curve.precision, 0.5))
    )
    with pytest.raises(UsageError, match="no threshold reached a precision of 0.9"):
        api.threshold_for_precision(capped, 0.9)
    with pytest.raises(UsageError, match="not both"):
        api.evaluate([], model, threshold=0.5, min_precision=0.5)
    no_relations = tmp_path / "plain.pubtator"
    no_relations.write_text(
        "1|t|Aspirin and pain.\n1|a|\n1\t0\t7\tAspirin\tChemical\tD1\n1\t12\t16\tpain\tDisease\tD2\n"
    )
    with pytest.raises(UsageError, match="carry no relation lines"):
        api.train([no_relations])


def test_a_subdirectory_of_an_input_directory_is_named_among_the_skipped(workdir, model, tmp_path):
    # issue 20, item 9
    (tmp_path / "mixed" / "sub").mkdir(parents=True)
    (tmp_path / "mixed" / "a.pubtator").write_text(synthetic_corpus(2, seed=7, start=800))
    (tmp_path / "mixed" / "sub" / "b.pubtator").write_text(synthetic_corpus(2, seed=8, start=900))
    out = run_cli("predict", str(tmp_path / "mixed"), "-m", str(model), "--output-dir", str(tmp_path / "o"))
    assert out.returncode == 0 and sorted(p.name for p in (tmp_path / "o").iterdir()) == ["a.pubtator"]
    assert f"relclf: warning: {tmp_path / 'mixed'}: skipped 1 subdirectory, not read: sub/ (" in out.stderr
    tree = run_cli("convert", str(tmp_path / "mixed" / "**" / "*.pubtator"))
    assert tree.returncode == 0 and tree.stdout.count("|t|") == 4
