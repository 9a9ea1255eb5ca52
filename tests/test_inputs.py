"""Inputs the same way in every command (issue 20): several files, directories and globs read as one
corpus (a document ID once, from the last input: item 3), and an empty input in a pipeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import run_cli
from synthetic import synthetic_corpus


def documents(text: str) -> list[str]:
    """The documents of PubTator text, each with its blank line."""
    return [part + "\n\n" for part in text.split("\n\n") if part.strip()]


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    """base: 20 documents; reviewed: 5 of them with a relation line taken out; more: 3 other documents."""
    base = documents(synthetic_corpus(20, seed=1))
    reviewed = []
    for document in base[:5]:
        lines = document.rstrip("\n").split("\n")
        relation = next(i for i, line in enumerate(lines) if re.match(r"\d+\t(Positive|Negative)_Correlation\t", line))
        reviewed.append("\n".join(lines[:relation] + lines[relation + 1 :]) + "\n\n")
    contents = {"base": "".join(base), "reviewed": "".join(reviewed), "more": synthetic_corpus(3, seed=5, start=600)}
    for name, text in contents.items():
        (tmp_path / f"{name}.pubtator").write_text(text)
    return {name: tmp_path / f"{name}.pubtator" for name in contents} | {"dir": tmp_path}


def test_train_on_a_base_and_its_reviewed_version_trains_on_the_reviewed_documents(files):
    model = files["dir"] / "m.npz"
    run = run_cli("train", str(files["base"]), str(files["reviewed"]), "-o", str(model), "--cv", "2")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("corpus: 20 documents, ")
    relations = files["base"].read_text().count("_Correlation\t") - 5
    assert f", {relations} relations (" in run.stdout.splitlines()[0]
    assert (
        f"relclf: warning: replaced 5 documents of {files['base']} by their version in {files['reviewed']}: a document "
        "in several inputs is kept from the last one\n"
    ) in run.stderr


def test_the_same_training_file_twice_is_read_once_with_a_warning(files):
    run = run_cli("train", str(files["more"]), str(files["more"]), "-o", str(files["dir"] / "m.npz"), "--cv", "2")
    assert run.returncode == 0 and run.stdout.startswith("corpus: 3 documents, ")
    assert f"relclf: warning: dropped 3 documents of {files['more']} repeated in {files['more']}: " in run.stderr


def test_convert_evaluate_score_and_predict_take_several_inputs_as_one_corpus(files, synthetic_model_file):
    model = str(synthetic_model_file)
    inputs = [str(files["base"]), str(files["reviewed"]), str(files["more"])]
    merged = files["dir"] / "merged.pubtator"
    assert run_cli("convert", *inputs, "-o", str(merged)).returncode == 0
    assert merged.read_text().count("|t|") == 23
    assert merged.read_text().endswith(files["more"].read_text())
    # a directory of those files, and a glob, are the same inputs in name order (base, more, reviewed)
    directory = files["dir"] / "gold"
    directory.mkdir()
    for name in ("base", "reviewed", "more"):
        (directory / f"{name}.pubtator").write_text(files[name].read_text())
    evaluated = run_cli("evaluate", str(directory), "-m", model, "--json", str(files["dir"] / "e.json"))
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads((files["dir"] / "e.json").read_text())["documents"] == 23
    assert run_cli("evaluate", *inputs, "-m", model).stdout == evaluated.stdout
    predicted = files["dir"] / "pred"
    predicted.mkdir()
    run = run_cli("predict", str(directory / "*.pubtator"), "-m", model, "-o", str(predicted / "all.pubtator"))
    assert run.returncode == 0 and (predicted / "all.pubtator").read_text().count("|t|") == 23
    scored = run_cli("score", str(directory), str(predicted), "--json", str(files["dir"] / "s.json"))
    assert scored.returncode == 0, scored.stderr
    assert (
        json.loads((files["dir"] / "s.json").read_text())["levels"]
        == json.loads((files["dir"] / "e.json").read_text())["levels"]
    )


def test_what_several_inputs_cannot_be_is_one_clear_line(files):
    run = run_cli("convert", "-", str(files["more"]), stdin=files["more"].read_text())
    assert run.returncode == 2
    assert run.stderr == (
        "relclf: error: <stdin> can be read only once, so it cannot be one of several inputs (whose document IDs are "
        "read first): give it alone, or save it to a file\n"
    )


@pytest.mark.parametrize("command", ["predict", "convert"])
def test_an_empty_input_in_a_pipeline_is_a_warning_and_an_empty_output(command, synthetic_model_file):
    model = ["-m", str(synthetic_model_file)] if command == "predict" else []
    for stdin in ("", "\n\n", "   \n"):
        run = run_cli(command, *model, stdin=stdin)
        assert (run.returncode, run.stdout) == (0, ""), run.stderr
        assert run.stderr == "relclf: warning: <stdin>: no documents (an empty input)\n"
    bad = run_cli(command, *model, stdin="not PubTator\n")  # not even an empty file: an error as before
    assert bad.returncode == 2 and re.match(r"relclf: error: <(stdin|stream)>:1: mention or relation line", bad.stderr)


def test_an_empty_file_named_is_said_and_converts_to_an_empty_collection(files, synthetic_model_file):
    empty = files["dir"] / "empty.pubtator"
    empty.write_text("")
    out = files["dir"] / "empty.xml"
    run = run_cli("convert", str(empty), "-o", str(out))
    assert run.returncode == 0 and run.stderr == f"relclf: warning: {empty}: no documents (an empty input)\n"
    assert out.read_text().rstrip().endswith("<key>relclf.key</key>\n</collection>")
    back = run_cli("predict", str(out), "-m", str(synthetic_model_file), "--n-jobs", "2")
    assert (back.returncode, back.stdout) == (0, "") and "no documents (an empty input)" in back.stderr
    parallel = run_cli("predict", str(empty), "-m", str(synthetic_model_file), "--n-jobs", "2")
    assert (parallel.returncode, parallel.stdout) == (0, ""), parallel.stderr
    training = run_cli("train", str(empty), "-o", str(files["dir"] / "m.npz"))
    assert training.returncode == 2 and training.stderr.endswith(
        f"relclf: error: {empty}:0: no valid training documents\n"
    )
