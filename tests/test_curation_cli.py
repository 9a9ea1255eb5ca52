"""`relclf select` and `relclf apply-decisions` from the command line, and training on reviewed documents."""

from __future__ import annotations

import io
import json

import pytest

from conftest import parse, run_cli
from relclf.curation.decisions import simulated_decisions, write_decisions
from relclf.io.formats import read_documents
from relclf.persistence import read_model_card
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    path = tmp_path_factory.mktemp("select") / "pool.pubtator"
    path.write_text(synthetic_corpus(30, seed=31, start=800))
    return path


def _table(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    assert lines[1] == "rank\tdocument\tvalue\twhy"
    return [line.split("\t") for line in lines[2:]]


def test_select_writes_the_chosen_documents_with_predictions_and_says_why(pool, synthetic_model_file, tmp_path):
    out = tmp_path / "next.pubtator"
    run = run_cli("select", str(pool), "-m", str(synthetic_model_file), "-n", "5", "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == (
        f"chose 5 of 30 documents by margin sampling with diversity; wrote them with the model's predictions to {out}"
    )
    table = _table(run.stdout)
    assert [row[0] for row in table] == ["1", "2", "3", "4", "5"]
    chosen = list(read_documents(out))
    assert [d.pmid for d in chosen] == [row[1] for row in table]
    assert all(row[3].startswith("margin ") for row in table)
    # the documents are the pool's, with the model's predictions instead of the pool's relations
    originals = {d.pmid: d for d in read_documents(pool)}
    assert all(d.with_relations(()) == originals[d.pmid].with_relations(()) for d in chosen)
    assert any(d.relations for d in chosen) and all(r.score is None for d in chosen for r in d.relations)
    predicted = run_cli("predict", str(out), "-m", str(synthetic_model_file)).stdout
    assert out.read_text() == predicted


def test_select_never_chooses_training_documents_nor_excluded_ones(synthetic_train, tmp_path):
    training = parse(synthetic_train.read_text())
    trained = tmp_path / "trained.npz"  # trained by the CLI: its card records the training documents
    assert run_cli("train", str(synthetic_train), "-o", str(trained), "--cv", "2").returncode == 0
    pool = tmp_path / "mixed.pubtator"
    pool.write_text(synthetic_train.read_text() + "\n" + synthetic_corpus(6, seed=32, start=900))
    annotated = tmp_path / "annotated.pubtator"
    annotated.write_text(synthetic_corpus(2, seed=32, start=900))
    out = tmp_path / "next.jsonl"
    run = run_cli("select", str(pool), "-m", str(trained), "-n", "50", "--exclude", str(annotated), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0].startswith(
        f"chose 4 of {len(training) + 6} documents by margin sampling with diversity (left out: {len(training)} the "
        "model was trained on, 2 excluded)"
    )
    assert {json.loads(line)["document"] for line in out.read_text().splitlines()} <= {"902", "903", "904", "905"}


def test_select_random_and_the_other_strategies_by_name(pool, synthetic_model_file, tmp_path):
    def chosen(*options: str) -> list[str]:
        run = run_cli(
            "select", str(pool), "-m", str(synthetic_model_file), "-n", "4", "-o", str(tmp_path / "x"), *options
        )
        assert run.returncode == 0, run.stderr
        return [row[1] for row in _table(run.stdout)]

    assert chosen("--strategy", "random", "--seed", "3") == chosen("--strategy", "random", "--seed", "3")
    assert chosen("--strategy", "random", "--seed", "3") != chosen("--strategy", "random", "--seed", "4")
    assert len(chosen("--strategy", "uncertainty", "--no-diversity")) == 4
    bad = run_cli("select", str(pool), "--strategy", "marginal", "-o", str(tmp_path / "y"))
    assert bad.returncode == 2 and "did you mean 'margin'?" in bad.stderr
    none = run_cli("select", str(pool), "-n", "0", "-o", str(tmp_path / "y"))
    assert none.returncode == 2 and "'0': give a whole number >= 1" in none.stderr


def test_select_to_standard_output_reports_on_standard_error(pool, synthetic_model_file):
    run = run_cli("select", str(pool), "-m", str(synthetic_model_file), "-n", "2", "-o", "-")
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("|t|") == 2
    assert run.stderr.startswith(
        "chose 2 of 30 documents by margin sampling with diversity; wrote them with the model's "
        "predictions to standard output\nrank\tdocument\tvalue\twhy\n"
    )


def test_select_with_every_document_excluded_says_so(pool, synthetic_model_file, tmp_path):
    run = run_cli(
        "select", str(pool), "-m", str(synthetic_model_file), "--exclude", str(pool), "-o", str(tmp_path / "z")
    )
    assert run.returncode == 2
    assert run.stderr.strip().endswith(
        "no document left to choose from (the model was trained on 0 of them, 30 are excluded)"
    )
    assert not (tmp_path / "z").exists()


# -- apply-decisions ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, synthetic_model_file):
    """Predictions for 8 gold documents, and the decisions a curator who knows the gold makes of 6 of them."""
    folder = tmp_path_factory.mktemp("apply")
    gold = folder / "gold.pubtator"
    gold.write_text(synthetic_corpus(8, seed=33, start=950))
    predictions = folder / "predictions.pubtator"
    assert run_cli("predict", str(gold), "-m", str(synthetic_model_file), "-o", str(predictions)).returncode == 0
    truth = {d.pmid: d for d in read_documents(gold)}
    predicted = list(read_documents(predictions))
    buffer = io.StringIO()
    write_decisions([(d, simulated_decisions(d, truth[d.pmid])) for d in predicted[:6]], buffer)
    decisions = folder / "decisions.tsv"
    decisions.write_text(buffer.getvalue())
    return gold, predictions, decisions


def test_apply_decisions_writes_the_complete_documents_with_the_curators_relations(reviewed, tmp_path):
    gold, predictions, decisions = reviewed
    out = tmp_path / "reviewed.pubtator"
    run = run_cli("apply-decisions", str(predictions), str(decisions), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"wrote 6 reviewed documents to {out}: ")
    assert run.stderr == (
        "relclf: warning: left out 2 document(s) with undecided relations (decide them on the page, or write them "
        "with --undecided-as-rejected)\n"
    )
    truth = {d.pmid: d for d in read_documents(gold)}
    written = list(read_documents(out))
    assert len(written) == 6
    for document in written:
        assert document == truth[document.pmid].with_relations(document.relations)
        assert {(r.pair, r.label, r.novelty) for r in document.relations} == {
            (r.pair, r.label, r.novelty) for r in truth[document.pmid].relations
        }
    # the reviewed file scores perfectly against the gold
    scored = run_cli("score", str(out), str(gold))
    assert "novelty (micro)           1.000  1.000  1.000" in scored.stdout


def test_apply_decisions_can_write_every_document_and_any_format(reviewed, tmp_path):
    _, predictions, decisions = reviewed
    out = tmp_path / "all.json"
    run = run_cli("apply-decisions", str(predictions), str(decisions), "-o", str(out), "--undecided-as-rejected")
    assert run.returncode == 0 and run.stderr == ""
    documents = list(read_documents(out))
    assert len(documents) == 8 and documents[-1].relations == () and documents[-2].relations == ()
    assert "undecided left out as rejected" in run.stdout


def test_apply_decisions_errors_and_warnings_name_the_file_and_line(reviewed, tmp_path):
    _, predictions, decisions = reviewed
    text = decisions.read_text()
    extra = tmp_path / "extra.tsv"
    extra.write_text(text + "999\tx\t\t\ty\t\t\tBind\t\t\t\trejected\t\t\n")
    run = run_cli("apply-decisions", str(predictions), str(extra), "-o", str(tmp_path / "a.pubtator"))
    assert run.returncode == 0
    lines = len(text.splitlines()) + 1
    assert f"{extra}: 1 decision row(s) matched no relation of {predictions} (line {lines})" in run.stderr
    broken = tmp_path / "broken.tsv"
    broken.write_text(text.replace("\taccepted\t", "\tmaybe\t", 1))
    out = tmp_path / "b.pubtator"
    run = run_cli("apply-decisions", str(predictions), str(broken), "-o", str(out))
    assert run.returncode == 2 and not out.exists()
    assert run.stderr.startswith(f"relclf: error: {broken}:") and "unknown decision 'maybe'" in run.stderr
    assert "Traceback" not in run.stderr


# -- training on reviewed documents --------------------------------------------------------------------


def test_the_reviewed_document_wins_over_the_same_document_in_an_earlier_training_file(synthetic_train, tmp_path):
    """`relclf train base.pubtator reviewed.pubtator`: a document in both is trained on as reviewed (the later file
    wins, with a warning naming both files: the rule of issue 20, item 3, for every training run)."""
    base = parse(synthetic_train.read_text())
    first = base[0]
    reviewed = tmp_path / "reviewed.pubtator"
    # the curator rejected every relation of the first document but one, and corrected that one's label
    kept = first.relations[0]
    label = "Negative_Correlation" if kept.label != "Negative_Correlation" else "Positive_Correlation"
    lines = [line for line in synthetic_train.read_text().split("\n\n")[0].splitlines() if line.count("\t") != 4]
    lines.append(f"{first.pmid}\t{label}\t{kept.id1}\t{kept.id2}\t{kept.novelty}")
    reviewed.write_text("\n".join(lines) + "\n\n")
    model = tmp_path / "next.npz"
    run = run_cli("train", str(synthetic_train), str(reviewed), "-o", str(model), "--cv", "2")
    assert run.returncode == 0, run.stderr
    relations = sum(len(d.relations) for d in base) - len(first.relations) + 1
    assert f"corpus: {len(base)} documents, " in run.stdout and f" {relations} relations (" in run.stdout
    assert synthetic_train.name in run.stderr and reviewed.name in run.stderr
    assert len(read_model_card(model)["training_documents"]) == len(base)
