"""Small things the command line says (issue 20, item 11): counts in the singular or the plural, a
format named by its last part suggested in full, the BioC XML declaration, the extras hints quoted
for every shell."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from synthetic import synthetic_corpus

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "36727001.pubtator"


def test_written_documents_are_counted_in_the_singular_or_the_plural(tmp_path):
    one = run_cli("-v", "convert", str(EXAMPLE), "-o", str(tmp_path / "one.xml"))
    assert one.returncode == 0 and "relclf: wrote 1 document\n" in one.stderr
    (tmp_path / "three.pubtator").write_text(synthetic_corpus(3, seed=2))
    three = run_cli("-v", "convert", str(tmp_path / "three.pubtator"), "-o", str(tmp_path / "three.xml"))
    assert three.returncode == 0 and "relclf: wrote 3 documents\n" in three.stderr


def test_a_format_named_by_its_last_part_is_suggested_in_full(tmp_path):
    out = run_cli("convert", str(EXAMPLE), "--output-format", "xml")
    assert out.returncode == 2
    assert out.stderr.rstrip("\n").endswith(
        "argument --output-format: invalid choice: 'xml' (choose from pubtator, bioc-xml, bioc-json, jsonl, tsv, "
        "parquet, html); did you mean 'bioc-xml'?"
    ), out.stderr
    out = run_cli("convert", str(EXAMPLE), "--format", "json")
    assert out.returncode == 2 and out.stderr.rstrip("\n").endswith("did you mean 'bioc-json'?"), out.stderr


def test_bioc_xml_is_declared_utf_8_by_the_name_the_xml_specification_uses(tmp_path):
    assert run_cli("convert", str(EXAMPLE), "-o", str(tmp_path / "a.xml")).returncode == 0
    assert (tmp_path / "a.xml").read_bytes().startswith(b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n")


def test_the_extras_hints_are_quoted_for_shells_that_expand_brackets():
    from relclf import cli

    _, commands = cli.build_parser()
    helps = {a.dest: a.help for name in ("evaluate", "predict") for a in commands[name]._actions}
    assert 'pip install "relclf[plots]"' in helps["plots"] and 'pip install "relclf[dask]"' in helps["scheduler"]


def test_an_output_extension_relclf_does_not_know_is_refused_unless_the_format_is_given(tmp_path):
    for name in ("out.csv", "out.csv.gz", "out.2"):
        out = run_cli("convert", str(EXAMPLE), "-o", str(tmp_path / name))
        assert out.returncode == 2 and not (tmp_path / name).exists()
        suffix = ".csv" if "csv" in name else ".2"
        assert out.stderr.startswith(f"relclf: error: {tmp_path / name}: unknown output extension '{suffix}'; relclf ")
        assert ".jsonl/.ndjson (jsonl)" in out.stderr and out.stderr.count("\n") == 1
    model = Path(__file__).resolve().parents[1] / "models" / "relclf-biored.npz"
    refused = run_cli("predict", str(EXAMPLE), "-m", str(model), "-o", str(tmp_path / "p.csv"))
    assert refused.returncode == 2 and "unknown output extension '.csv'" in refused.stderr
    assert run_cli("convert", str(EXAMPLE), "-o", str(tmp_path / "r.csv"), "--output-format", "tsv").returncode == 0
    assert (tmp_path / "r.csv").read_text().startswith("document\tid1\t")


def test_the_obvious_synonyms_of_output_extensions_are_understood(tmp_path):
    import json

    assert run_cli("convert", str(EXAMPLE), "-o", str(tmp_path / "r.ndjson")).returncode == 0
    rows = [json.loads(line) for line in (tmp_path / "r.ndjson").read_text().splitlines()]
    assert len(rows) == 3 and rows[0]["document"] == "36727001"
    assert run_cli("convert", str(EXAMPLE), "-o", str(tmp_path / "r.txt")).returncode == 0
    assert (tmp_path / "r.txt").read_bytes() == EXAMPLE.read_bytes()
    assert run_cli("convert", str(EXAMPLE), "-o", str(tmp_path / "r.tab")).returncode == 0
    assert (tmp_path / "r.tab").read_text().startswith("document\tid1\t")
