"""One relation per row: JSON Lines and TSV, read back with the standard library only (as pandas would)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import DOC_100, DOC_200, MULTI_DOC, parse
from relclf.document import Document, Mention, Relation
from relclf.io.rows import COLUMNS, relation_rows, write_jsonl, write_tsv


def test_rows_carry_types_and_most_frequent_texts(doc_300):
    rows = list(relation_rows(doc_300))
    assert [r["label"] for r in rows] == ["Association"] * 3
    assert rows[1] == {
        "document": "300",
        "id1": "c|INS|5382|C",
        "type1": "Variant",
        "text1": "c.5382insC",
        "id2": "672",
        "type2": "Gene",
        "text2": "BRCA1",
        "label": "Association",
        "score": None,
        "novelty": "No",
        "source": "input",
    }
    # a composite named whole (BioRED) and a composite part (BC5CDR) both resolve
    assert (rows[2]["id2"], rows[2]["type2"], rows[2]["text2"]) == (
        "D034381|D014786",
        "Disease",
        "hearing loss or visual loss",
    )
    bc5cdr = list(relation_rows(parse(DOC_200)[0]))
    assert (bc5cdr[1]["id2"], bc5cdr[1]["type2"]) == ("D006311", "Disease")


def test_most_frequent_text_wins():
    text = "EGFR and ErbB1 and EGFR."
    mentions = (
        Mention(0, 4, "EGFR", "Gene", "1956"),
        Mention(9, 14, "ErbB1", "Gene", "1956"),
        Mention(19, 23, "EGFR", "Gene", "1956"),
    )
    document = Document("1", text, "", mentions, (Relation("Bind", "1956", "1956"),))
    assert next(relation_rows(document))["text1"] == "EGFR"


def test_jsonl_parses_line_by_line():
    buffer = io.StringIO()
    documents = parse(MULTI_DOC) + [Document("9", "No relations.", "")]
    assert write_jsonl(documents, buffer) == 3
    rows = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [r["document"] for r in rows] == ["100", "100", "200", "200"]
    assert all(tuple(r) == COLUMNS for r in rows)


def test_tsv_reads_back_with_csv_including_awkward_text():
    text = 'A "quoted"\ttabbed name.'
    mention = Mention(0, 10, 'A "quoted"', "Gene", "5")
    scored = Document(
        "7", text, "", (mention, Mention(11, 17, "tabbed", "Gene", "6")), (Relation("Bind", "5", "6", "Novel", 0.8125),)
    )
    buffer = io.StringIO()
    assert write_tsv(parse(DOC_100) + [scored], buffer) == 2
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue()), delimiter="\t"))
    assert tuple(rows[0]) == COLUMNS
    assert [r["document"] for r in rows] == ["100", "100", "7"]
    assert rows[2]["text1"] == 'A "quoted"' and float(rows[2]["score"]) == 0.8125
    assert rows[0]["score"] == "" and rows[1]["novelty"] == ""


def test_tsv_header_even_without_relations():
    buffer = io.StringIO()
    write_tsv([], buffer)
    assert buffer.getvalue() == "\t".join(COLUMNS) + "\n"


def test_parquet_holds_the_rows_of_json_lines_in_row_groups():
    pq = pytest.importorskip("pyarrow.parquet")
    from relclf.io.rows import write_parquet

    documents = parse(MULTI_DOC)
    many = [
        d
        for k in range(40)
        for d in (Document(f"{k}-{d.pmid}", d.title, d.abstract, d.mentions, d.relations) for d in documents)
    ]
    buffer, lines = io.BytesIO(), io.StringIO()
    assert write_parquet(many, buffer, rows_per_group=7) == len(many) == write_jsonl(many, lines)
    table = pq.ParquetFile(io.BytesIO(buffer.getvalue()))
    rows = [json.loads(line) for line in lines.getvalue().splitlines()]
    assert table.read().to_pylist() == rows and table.schema_arrow.names == list(COLUMNS)
    assert table.num_row_groups == -(-len(rows) // 7)  # written as they came, 7 rows at a time
    assert str(table.schema_arrow.field("score").type) == "double"
    empty = io.BytesIO()
    assert write_parquet([Document("1", "t", "a")], empty) == 1  # no relation: a valid file without rows
    assert pq.read_table(io.BytesIO(empty.getvalue())).num_rows == 0
