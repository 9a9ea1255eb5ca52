"""BioC read in chunks: the cut between documents finds every document whatever hides a tag or where the
blocks end, a collection streams with flat memory, and chunks parsed in order (in workers or here) give
what the reader gives, errors included."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tracemalloc

import pytest

from bioc_helpers import ALL_DOCS, to_json, to_xml
from conftest import parse
from relclf.errors import InputError
from relclf.io import bioc_json, bioc_xml
from relclf.io.bioc_json import read_bioc_json, read_json_chunks
from relclf.io.bioc_xml import read_bioc_xml, read_xml_chunks
from relclf.io.chunks import Fatal, read_chunks
from relclf.io.pubtator import format_document
from relclf.pipeline import PredictOptions, predicted_documents
from synthetic import synthetic_corpus

DOCUMENTS = parse(ALL_DOCS)


def items_of(chunks, lenient=False):
    return [item for chunk in chunks for item in chunk.parse(lenient=lenient)]


@pytest.fixture(params=[7, 64, 1 << 20], ids=["block-7", "block-64", "block-1M"])
def block(request, monkeypatch):
    """Small read blocks put block boundaries inside tags, strings and documents."""
    monkeypatch.setattr(bioc_xml, "_BLOCK", request.param)
    monkeypatch.setattr(bioc_json, "_BLOCK", request.param)
    return request.param


@pytest.mark.parametrize("size", [1, 3, 256])
def test_xml_chunks_give_every_document_whatever_the_block_and_chunk_size(block, size):
    data = to_xml(DOCUMENTS)
    chunks = list(read_xml_chunks(io.BytesIO(data), size))
    assert [len(c.parse()) for c in chunks] == [min(size, 4 - k * size) for k in range(len(chunks))]
    assert items_of(chunks) == DOCUMENTS
    assert [d.line for d in items_of(chunks)] == [d.line for d in DOCUMENTS_XML_LINES(data)]


def DOCUMENTS_XML_LINES(data: bytes) -> list:
    return list(read_bioc_xml(io.BytesIO(data)))


def test_tags_hidden_in_comments_cdata_and_instructions_do_not_cut(block):
    data = to_xml(DOCUMENTS)
    first = data.index(b"<document>")
    hidden = b"<!-- </document> <document> --><?pi </document> ?>\n"
    documents = list(read_bioc_xml(io.BytesIO(data[:first] + hidden + data[first:])))
    assert documents == DOCUMENTS
    passage = data.index(b"<text>", first)
    inside = data[:passage] + b"<!-- </document> --><?x </document>?>" + data[passage:]
    assert list(read_bioc_xml(io.BytesIO(inside))) == DOCUMENTS


def test_a_doctype_with_an_internal_subset_and_another_encoding(block):
    text = to_xml(DOCUMENTS).decode("utf-8")
    body = text[text.index("<collection>") :]
    prolog = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<!DOCTYPE collection SYSTEM "BioC.dtd" [\n<!ENTITY e "<document>">\n<!-- ] > -->\n]>\n'
    )
    data = (prolog + body.replace("Aspirin", "Asp\u00efrin")).encode("latin-1", "xmlcharrefreplace")
    expected = parse(ALL_DOCS.replace("Aspirin", "Asp\u00efrin"))
    assert list(read_bioc_xml(io.BytesIO(data))) == expected


@pytest.mark.parametrize(
    ("mutate", "line", "message"),
    [
        (lambda d: d.replace(b"</collection>", b""), None, "not well-formed"),  # the collection never closes
        (lambda d: d.replace(b"<key>", b"<key x>"), None, "not well-formed"),  # in the header
        (lambda d: d.replace(b"</document>", b"</document></passage>", 1), None, "not well-formed"),
        (lambda d: d[: d.rindex(b"</document>")], None, "not well-formed"),  # truncated in the last document
    ],
    ids=["unclosed-collection", "bad-header", "stray-end-tag", "truncated"],
)
def test_xml_that_is_not_well_formed_outside_or_inside_documents_is_an_error_even_when_skipping(
    block, mutate, line, message
):
    data = mutate(to_xml(DOCUMENTS).replace(b"<document>", b"\n<document>"))
    errors: list[InputError] = []
    with pytest.raises(InputError) as info:
        list(read_bioc_xml(io.BytesIO(data), on_error=errors.append))
    assert message in info.value.message and info.value.line >= 1
    if line is not None:
        assert info.value.line == line
    # the whole-file parse of lxml finds it at the same line
    from lxml import etree

    with pytest.raises(etree.XMLSyntaxError) as whole:
        etree.fromstring(data)
    assert info.value.line == whole.value.lineno


def test_a_fault_comes_after_the_errors_of_the_documents_before_it():
    data = to_xml(DOCUMENTS).replace(b"<text>Lithium</text>", b"<text>Lithiun</text>").replace(b"</collection>", b"")
    errors: list[InputError] = []
    with pytest.raises(InputError, match="not well-formed"):
        list(read_bioc_xml(io.BytesIO(data), on_error=errors.append))
    assert [e.scope for e in errors] == ["mention", "relation"]
    assert isinstance(items_of(read_xml_chunks(io.BytesIO(data), 1))[-1], Fatal)


# The cutter in a fresh process, fed a BioC XML collection of N generated documents without holding the file;
# prints the growth of the peak resident memory (lxml's memory is C memory, which tracemalloc does not see)
_CUT_A_GENERATED_COLLECTION = r"""
import io, sys
from relclf.io.bioc_xml import read_xml_chunks

def peak():  # kilobytes (ru_maxrss would carry the parent's peak across fork and exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

HEAD = b'<?xml version="1.0"?>\n<collection><source>s</source><date>d</date><key>k</key>\n'
DOCUMENT = (
    b'<document><id>%d</id><passage><infon key="type">title</infon><offset>0</offset>\n'
    b'<text>Lithium causes nephrogenic diabetes.</text><annotation id="1"><infon key="type">Chemical</infon>'
    b'<location offset="0" length="7"/><text>Lithium</text></annotation></passage></document>\n'
)

class Collection(io.RawIOBase):
    def __init__(self, n):
        self.n, self.made, self.pending = n, 0, HEAD
    def readable(self):
        return True
    def readinto(self, buffer):
        while len(self.pending) < len(buffer) and self.made < self.n:
            more = min(1000, self.n - self.made)
            self.pending += b"".join(DOCUMENT % k for k in range(self.made, self.made + more))
            self.made += more
            if self.made == self.n:
                self.pending += b"</collection>\n"
        size = min(len(buffer), len(self.pending))
        buffer[:size], self.pending = self.pending[:size], self.pending[size:]
        return size

n = int(sys.argv[1])
before = peak()
cut = sum(chunk.data.count(b"<document>") for chunk in read_xml_chunks(io.BufferedReader(Collection(n)), 1000))
assert cut == n, cut
print(peak() - before)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="the peak memory is read from /proc (Linux)")
def test_cutting_a_huge_xml_collection_takes_flat_memory():
    """10,000 and 100,000 documents: the parent parses the collection around the documents without
    building a tree of it, so its peak memory does not grow with the file (a tree of placeholders grew
    it by about 280 bytes a document, 25 MB here)."""

    def growth(documents: int) -> int:
        script = [sys.executable, "-c", _CUT_A_GENERATED_COLLECTION, str(documents)]
        done = subprocess.run(script, capture_output=True, text=True, check=True)
        return int(done.stdout) * 1024

    small, large = growth(10_000), growth(100_000)
    assert large < small + 6_000_000, (small, large)


# --- JSON ----------------------------------------------------------------------------------------------


def collection(documents, **members) -> bytes:
    whole = json.loads(to_json(documents))
    return json.dumps({**members, "documents": whole["documents"]}, indent=members.pop("indent", None)).encode()


@pytest.mark.parametrize(
    "layout",
    ["relclf", "pretty", "one-line", "list", "pubtator3", "jsonl", "documents-last"],
)
def test_json_layouts_stream_in_chunks_with_the_lines_of_their_documents(block, layout):
    whole = json.loads(to_json(DOCUMENTS))
    data = {
        "relclf": to_json(DOCUMENTS),
        "pretty": json.dumps(whole, indent=2).encode(),
        "one-line": json.dumps(whole).encode(),
        "list": json.dumps(whole["documents"]).encode(),
        "pubtator3": json.dumps({"PubTator3": whole["documents"]}).encode(),
        "jsonl": b"\n".join(json.dumps(d).encode() for d in whole["documents"]) + b"\n",
        "documents-last": json.dumps({"source": "x", "infons": {"a": [1, {"b": "]"}]}, **whole}).encode(),
    }[layout]
    chunks = list(read_json_chunks(io.BytesIO(data), 3))
    assert [len(c.entries) for c in chunks] == [3, 1]
    assert items_of(chunks) == DOCUMENTS
    bad = data.replace(b'"text": "Lithium"', b'"text": "Lithiun"')
    with pytest.raises(InputError) as info:
        list(read_bioc_json(io.BytesIO(bad)))
    lines = bad.decode().splitlines()
    if layout in ("relclf", "jsonl"):  # one document per line: the line of the document
        assert "Lithiun" in lines[info.value.line - 1]
    elif layout == "pretty":  # the line of the document's "id"
        assert lines[info.value.line - 1].strip() == '"id": "100",'


def test_a_huge_collection_streams_with_flat_memory(tmp_path):
    """200 and 2,000 documents in one collection on one line (the worst layout): the reader holds one
    chunk at a time, so its peak allocation does not grow with the file."""

    def peak(copies: int) -> int:
        path = tmp_path / f"c{copies}.json.gz"
        whole = json.loads(to_json(DOCUMENTS))
        documents = [dict(d, id=f"{k}-{d['id']}") for k in range(copies) for d in whole["documents"]]
        with gzip.open(path, "wt") as handle:
            json.dump({"documents": documents}, handle)
        tracemalloc.start()
        count = sum(1 for _ in read_bioc_json(path))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert count == 4 * copies
        return top

    small, large = peak(50), peak(500)
    assert large < 1.5 * small + 1_000_000


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b'{"documents": [\n{"id": "1"}\n}', 3, "Expecting ',' delimiter"),
        (b'{"documents": []}\n{"x": 1}', 2, "Extra data"),
        (b'{"documents": [], "x": 1} 3', 1, "Extra data"),
        (b'[{"id": "1", "passages": [{"offset": 0, "text": "a"}]}', 1, "Expecting ',' delimiter"),
        (b'{"id": 7 "x"}', 1, "Expecting ',' delimiter"),
        (b"[" * 100_000, 1, "nested too deeply"),
    ],
    ids=["bad-separator", "second-collection", "extra-on-line-1", "unclosed-list", "bad-object", "deep"],
)
def test_json_that_is_not_valid_is_an_error_at_its_line(block, data, line, message):
    with pytest.raises(InputError) as info:
        list(read_bioc_json(io.BytesIO(data), on_error=lambda e: None))
    assert (info.value.line, message in info.value.message) == (line, True), info.value


def test_json_that_is_not_utf8_is_an_error_at_its_line(block):
    data = to_json(DOCUMENTS).replace(b"Lithium", b"Lith\xffum")
    with pytest.raises(InputError, match="invalid UTF-8") as info:
        list(read_bioc_json(io.BytesIO(data)))
    assert info.value.line == data[: data.index(b"\xff")].count(b"\n") + 1


# --- prediction in chunks ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bioc_sources(tmp_path_factory):
    """600 synthetic documents (three chunks of 256 and a rest) as gzipped BioC XML and JSON, one document
    with a bad mention."""
    directory = tmp_path_factory.mktemp("bioc")
    documents = parse(synthetic_corpus(600, seed=8, start=100))
    xml, js = directory / "in.xml.gz", directory / "in.json.gz"
    xml.write_bytes(gzip.compress(to_xml(documents)))
    js.write_bytes(gzip.compress(to_json(documents)))
    bad = to_xml(documents)
    at = bad.index(b"<text>", bad.index(b"<annotation", len(bad) // 2))
    bad_xml = directory / "bad.xml"
    bad_xml.write_bytes(bad[:at] + b"<text>X" + bad[at + 7 :])
    return {"xml": xml, "json": js, "bad-xml": bad_xml}


@pytest.mark.parametrize("kind", ["xml", "json", "bad-xml"])
def test_prediction_in_worker_chunks_equals_a_serial_run(synthetic_model, bioc_sources, kind):
    model = synthetic_model.model_
    options = PredictOptions(render=True, with_scores=True)
    runs = []
    for n_jobs in (1, 2):
        errors: list[InputError] = []
        got = predicted_documents(bioc_sources[kind], model, options=options, on_error=errors.append, n_jobs=n_jobs)
        texts = [g.text if hasattr(g, "text") and isinstance(g.text, str) and "|t|" in g.text else g for g in got]
        runs.append(
            (
                [t if isinstance(t, str) else format_document(t, with_scores=True) for t in texts],
                [str(e) for e in errors],
            )
        )
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == 600 and bool(runs[0][1]) == (kind == "bad-xml")


def test_every_format_cuts_through_one_entry_point(bioc_sources):
    assert sum(len(c.parse()) for c in read_chunks(bioc_sources["json"], "bioc-json", 256)) == 600
    assert sum(len(c.parse()) for c in read_chunks(bioc_sources["xml"], "bioc-xml", 100)) == 600


@pytest.mark.parametrize("kind", ["xml", "json", "bad-xml"])
@pytest.mark.parametrize("output", ["out.pubtator", "out.json"])
def test_convert_in_worker_chunks_writes_what_a_serial_run_writes(bioc_sources, tmp_path, kind, output):
    from relclf import api

    outputs, warnings = [], []
    for n_jobs in (1, 2):
        errors: list[InputError] = []
        target = tmp_path / f"{n_jobs}-{output}"
        count = api.convert(bioc_sources[kind], target, on_error=errors.append, n_jobs=n_jobs)
        lines = target.read_bytes().splitlines()
        outputs.append((count, lines[1:] if output.endswith(".json") else lines))  # the JSON header has the date
        warnings.append([str(e) for e in errors])
    assert outputs[0] == outputs[1] and warnings[0] == warnings[1]
    assert outputs[0][0] == 600 and bool(warnings[0]) == (kind == "bad-xml")


def test_a_fault_ends_a_parallel_convert_as_a_serial_one(tmp_path):
    from relclf import api

    data = to_xml(parse(synthetic_corpus(600, seed=3, start=1))).replace(b"</collection>", b"")
    source = tmp_path / "cut.xml"
    source.write_bytes(data)
    messages = []
    for n_jobs in (1, 2):
        with pytest.raises(InputError) as info:
            api.convert(source, tmp_path / "out.pubtator", n_jobs=n_jobs)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "not well-formed" in messages[0]
    assert not (tmp_path / "out.pubtator").exists()
