"""Format detection and the format-independent reader/writer entry points."""

from __future__ import annotations

import gzip
import io
import json
import os
import threading

import pytest

from conftest import DOC_100, MULTI_DOC, parse
from relclf.errors import InputError, RelclfError
from relclf.io.formats import (
    detect_format,
    detect_output_format,
    documents_from_bytes,
    read_documents,
    write_documents,
)

FORMATS = ["pubtator", "bioc-xml", "bioc-json"]


def written(documents, format: str) -> bytes:
    buffer = io.StringIO()
    write_documents(documents, buffer, format)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.xml", b"1|t|x", "bioc-xml"),  # a BioC extension wins over the content
        ("a.BioC", b"", "bioc-xml"),
        ("a.json", b"", "bioc-json"),
        ("a.jsonl", b"", "bioc-json"),
        ("a.pubtator", b"\n\n  <?xml version='1.0'?><collection/>", "bioc-xml"),  # other names: the content decides
        ("a.txt", b'\xef\xbb\xbf{"documents": []}', "bioc-json"),
        ("noext", b"[{}]", "bioc-json"),
        ("noext", b"1|t|Title", "pubtator"),
        ("empty.pubtator", b"", "pubtator"),
    ],
)
def test_detect_format_from_extension_then_content(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == expected


def test_detect_format_of_a_stream_does_not_consume_it():
    stream = io.BytesIO(b"<collection/>")
    assert detect_format(stream) == "bioc-xml"
    assert stream.read() == b"<collection/>"


def test_detect_format_of_standard_input_peeks(monkeypatch):
    data = written(parse(MULTI_DOC), "bioc-json")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    assert [d.pmid for d in read_documents("-")] == ["100", "200"]


@pytest.mark.parametrize("format", FORMATS)
def test_a_named_pipe_is_detected_and_read_from_one_pass(tmp_path, format):
    import os
    import threading

    data = written(parse(MULTI_DOC), format)
    fifo = tmp_path / "in"  # no extension: the content decides, and a pipe can be read only once
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    documents = list(read_documents(fifo))
    writer.join(10)
    assert documents == parse(MULTI_DOC)


def test_detect_format_of_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        detect_format(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "pubtator"),
        ("-", "pubtator"),
        ("o.pubtator", "pubtator"),
        ("o.XML", "bioc-xml"),
        ("o.json", "bioc-json"),
        ("o.jsonl", "jsonl"),
        ("o.tsv", "tsv"),
        ("o", "pubtator"),
    ],
)
def test_detect_output_format(target, expected):
    assert detect_output_format(target) == expected


@pytest.mark.parametrize("format", FORMATS)
def test_every_input_format_reads_the_same_documents(tmp_path, format):
    documents = parse(MULTI_DOC)
    path = tmp_path / "docs"  # no extension: detected from the content
    assert write_documents(documents, path, format) == 2
    assert list(read_documents(path)) == documents
    assert list(read_documents(path, format)) == documents


@pytest.mark.parametrize("format", FORMATS)
def test_round_trip_to_pubtator_is_identical(format):
    back = documents_from_bytes(written(parse(MULTI_DOC), format))
    assert written(back, "pubtator").decode("utf-8") == MULTI_DOC


def test_output_format_follows_the_extension(tmp_path):
    documents = parse(MULTI_DOC)
    for name, check in [
        ("o.xml", lambda b: b.startswith(b"<?xml")),
        ("o.json", lambda b: json.loads(b)["documents"][0]["id"] == "100"),
        ("o.jsonl", lambda b: json.loads(b.splitlines()[0])["document"] == "100"),
        ("o.tsv", lambda b: b.startswith(b"document\tid1\t")),
        ("o.pubtator", lambda b: b.decode() == MULTI_DOC),
    ]:
        write_documents(documents, tmp_path / name)
        assert check((tmp_path / name).read_bytes()), name


def test_a_failing_write_leaves_no_file(tmp_path):
    def documents():
        yield from parse(DOC_100)
        raise InputError("in.pubtator", 9, "broken")

    for name in ("o.pubtator", "o.xml", "o.json", "o.tsv"):
        with pytest.raises(InputError):
            write_documents(documents(), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_unknown_formats_are_errors(tmp_path):
    with pytest.raises(RelclfError, match="unknown input format 'tsv'"):
        list(read_documents(tmp_path / "x", "tsv"))
    with pytest.raises(RelclfError, match="unknown output format 'csv'"):
        write_documents([], tmp_path / "x", "csv")


def test_relation_rows_cannot_be_read_back_as_documents(tmp_path):
    path = tmp_path / "rows.jsonl"
    write_documents(parse(MULTI_DOC), path)
    with pytest.raises(InputError, match="a relation row .* not a BioC document") as info:
        list(read_documents(path))
    assert info.value.line == 1


def test_format_option_overrides_a_misleading_extension(tmp_path):
    path = tmp_path / "really-pubtator.xml"
    path.write_text(MULTI_DOC, encoding="utf-8")
    with pytest.raises(InputError, match="not well-formed BioC XML"):
        list(read_documents(path))
    assert list(read_documents(path, "pubtator")) == parse(MULTI_DOC)
    write_documents(parse(MULTI_DOC), tmp_path / "out.txt", "bioc-json")
    assert list(read_documents(tmp_path / "out.txt")) == parse(MULTI_DOC)


def test_package_exports_the_format_functions():
    import relclf

    assert relclf.read_documents is read_documents and relclf.write_documents is write_documents


# -- gzip ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("name", ["docs.{ext}.gz", "docs.gz", "docs"])
def test_gzip_inputs_read_whatever_the_name(tmp_path, format, name):
    ext = {"pubtator": "pubtator", "bioc-xml": "xml", "bioc-json": "json"}[format]
    path = tmp_path / name.format(ext=ext)
    path.write_bytes(gzip.compress(written(parse(MULTI_DOC), format)))
    assert detect_format(path) == format
    assert list(read_documents(path)) == parse(MULTI_DOC)


@pytest.mark.parametrize("format", FORMATS)
def test_gzip_on_standard_input_and_through_a_pipe(tmp_path, monkeypatch, format):
    data = gzip.compress(written(parse(MULTI_DOC), format))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    assert list(read_documents("-")) == parse(MULTI_DOC)
    fifo = tmp_path / "in"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    assert list(read_documents(fifo)) == parse(MULTI_DOC)
    writer.join(10)


@pytest.mark.parametrize(
    ("name", "format", "check"),
    [
        ("o.pubtator.gz", "pubtator", lambda b: b.decode() == MULTI_DOC),
        ("o.gz", "pubtator", lambda b: b.decode() == MULTI_DOC),
        ("o.xml.gz", "bioc-xml", lambda b: b.startswith(b"<?xml")),
        ("o.json.gz", "bioc-json", lambda b: json.loads(b)["documents"][0]["id"] == "100"),
        ("o.jsonl.gz", "jsonl", lambda b: json.loads(b.splitlines()[0])["document"] == "100"),
        ("o.tsv.GZ", "tsv", lambda b: b.startswith(b"document\tid1\t")),
    ],
)
def test_a_gz_output_is_compressed_in_the_format_of_its_inner_extension(tmp_path, name, format, check):
    assert detect_output_format(name) == format
    write_documents(parse(MULTI_DOC), tmp_path / name)
    data = (tmp_path / name).read_bytes()
    assert data[:2] == b"\x1f\x8b" and check(gzip.decompress(data))
    if format in FORMATS:  # documents: they read back, byte-identical in PubTator
        assert written(read_documents(tmp_path / name), "pubtator").decode() == MULTI_DOC


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("a.pubtator", MULTI_DOC.encode(), None),
        ("noext", gzip.compress(MULTI_DOC.encode()), None),
        ("a.xml.gz", gzip.compress(written(parse(MULTI_DOC), "bioc-xml")), None),
        ("a.json", written(parse(MULTI_DOC), "bioc-json"), None),
        ("a.pubtator.md5", b"d41d8cd98f00b204e9800998ecf8427e  a.pubtator\n", "not PubTator or BioC"),
        ("manifest.json", b'{"files": 3}', "not PubTator or BioC"),
        ("rows.jsonl", b'{"document": "1", "id1": "a"}\n', "not PubTator or BioC"),
        ("notes.txt", b"  \n", "empty"),
    ],
)
def test_document_file_problem(tmp_path, name, content, problem):
    from relclf.io.formats import document_file_problem

    (tmp_path / name).write_bytes(content)
    assert document_file_problem(tmp_path / name) == problem


def test_a_gz_parquet_output_is_refused(tmp_path):
    pytest.importorskip("pyarrow")
    with pytest.raises(RelclfError, match="Parquet compresses its columns itself"):
        write_documents(parse(MULTI_DOC), tmp_path / "rows.parquet.gz")
    assert list(tmp_path.iterdir()) == []
