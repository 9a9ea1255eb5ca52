"""Where each relation comes from: ``relclf`` for relclf's predictions, ``input`` for relations read from
the input, told apart in rows, BioC and on the review page (issue 20, item 6: ``--keep-relations`` mixed
PubTator3's scores with relclf's calibrated probabilities, with nothing to tell them apart)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import parse, run_cli
from relclf.document import PREDICTED_BY, Relation
from relclf.io.formats import read_documents
from relclf.io.html import document_payload
from relclf.io.rows import COLUMNS, INPUT_SOURCE, relation_rows
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def scored_input(tmp_path_factory):
    """Synthetic documents with one of their relation lines each, scored by another tool as PubTator3's are
    (0.9995): relclf finds the others."""
    lines, seen = [], set()
    for line in synthetic_corpus(6, seed=7, start=900).splitlines():
        fields = line.split("\t")
        if len(fields) == 5 and not fields[1].isdigit():  # a relation line with its novelty
            if fields[0] in seen:
                continue
            seen.add(fields[0])
            line += "\t0.9995"
        lines.append(line)
    path = tmp_path_factory.mktemp("source") / "input.pubtator"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_keep_relations_rows_say_which_relations_are_the_inputs_and_which_relclfs(
    scored_input, synthetic_model_file, tmp_path
):
    documents = list(read_documents(scored_input))
    existing = {(d.pmid, r.id1, r.id2) for d in documents for r in d.relations}
    assert existing and all(r.score == 0.9995 for d in documents for r in d.relations)
    out = tmp_path / "kept.jsonl"
    run = run_cli("predict", str(scored_input), "-m", str(synthetic_model_file), "--keep-relations", "-o", str(out))
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert list(rows[0]) == list(COLUMNS) and COLUMNS[-1] == "source"
    sources = {(r["document"], r["id1"], r["id2"]): r["source"] for r in rows}
    assert {key for key, source in sources.items() if source == "input"} == existing
    predicted = [r for r in rows if r["source"] == "relclf"]
    assert predicted and all((r["document"], r["id1"], r["id2"]) not in existing for r in predicted)
    # the same in TSV
    tsv = tmp_path / "kept.tsv"
    run = run_cli("predict", str(scored_input), "-m", str(synthetic_model_file), "--keep-relations", "-o", str(tsv))
    assert run.returncode == 0, run.stderr
    read = list(csv.DictReader(io.StringIO(tsv.read_text()), delimiter="\t"))
    assert [r["source"] for r in read] == [r["source"] for r in rows]


def test_parquet_rows_carry_the_source(scored_input, synthetic_model_file, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="needs pyarrow (pip install 'relclf[parquet]')")
    out = tmp_path / "kept.parquet"
    run = run_cli("predict", str(scored_input), "-m", str(synthetic_model_file), "--keep-relations", "-o", str(out))
    assert run.returncode == 0, run.stderr
    table = pq.read_table(out).to_pylist()
    assert {r["source"] for r in table} == {"input", "relclf"}
    assert all((r["score"] == 0.9995) == (r["source"] == "input") for r in table)


def test_bioc_carries_the_source_as_a_relation_infon_and_reads_it_back(scored_input, synthetic_model_file, tmp_path):
    out = tmp_path / "kept.json"
    run = run_cli("predict", str(scored_input), "-m", str(synthetic_model_file), "--keep-relations", "-o", str(out))
    assert run.returncode == 0, run.stderr
    collection = json.loads(out.read_text())
    infons = [r["infons"] for d in collection["documents"] for r in d["relations"]]
    # relclf's predictions say so; the input's relations carry no source infon (they had none)
    assert {i.get("source") for i in infons} == {PREDICTED_BY, None}
    assert all(("source" in i) == (i["score"] != "0.9995") for i in infons)
    # read back (and converted to rows), each relation keeps where it came from
    back = tmp_path / "back.jsonl"
    assert run_cli("convert", str(out), "-o", str(back)).returncode == 0
    rows = [json.loads(line) for line in back.read_text().splitlines()]
    assert [r["source"] for r in rows] == ["input" if "source" not in i else "relclf" for i in infons]


def test_pubtator_has_no_column_for_the_source_so_its_relations_read_back_as_input(synthetic_model):
    document = parse(synthetic_corpus(1, seed=3))[0]
    (predicted,) = synthetic_model.model_.predict([document.with_relations(())])
    assert predicted and all(r.source == PREDICTED_BY for r in predicted)
    rows = list(relation_rows(document.with_relations(predicted)))
    assert {r["source"] for r in rows} == {PREDICTED_BY}
    assert {r["source"] for r in relation_rows(document)} == {INPUT_SOURCE}


def test_the_source_takes_no_part_in_comparisons_and_survives_pickling():
    import pickle

    relation = Relation("Bind", "1", "2", "Novel", 0.5, PREDICTED_BY)
    assert relation == Relation("Bind", "1", "2", "Novel", 0.5)
    assert hash(relation) == hash(Relation("Bind", "1", "2", "Novel", 0.5))
    assert pickle.loads(pickle.dumps(relation)).source == PREDICTED_BY


def test_the_review_page_gets_each_relations_source():
    document = parse(synthetic_corpus(1, seed=3))[0]
    mixed = document.with_relations(
        [
            document.relations[0],
            Relation("Association", document.relations[1].id1, document.relations[1].id2, None, 0.4, PREDICTED_BY),
        ]
    )
    payload = document_payload(mixed, 0)
    # relclf's own predictions, the page's default, are left unsaid
    assert [r.get("source", "relclf") for r in payload["relations"]] == ["input", "relclf"]
    assert "source" not in payload["relations"][1]
