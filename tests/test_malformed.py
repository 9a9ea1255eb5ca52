"""The malformed-input corpus: every kind of bad (or merely unusual) input a user brings, and what relclf does.

The corpus is built here, in memory. Each invalid case is one bad document placed between two valid
ones, so each test checks both behaviours:

* strict (default): an :class:`InputError` ``FILE:LINE: what`` naming the exact line; through the CLI,
  ``relclf: error: FILE:LINE: ...`` on one line, exit status 2, no traceback, no output file;
* skipping (``on_error`` / ``--skip-invalid``): one warning per bad unit naming file, line and
  reason; a bad mention or relation line is dropped alone and its document kept, a broken document
  is skipped; every valid document is kept, in order; a final count.

Hostile inputs (:data:`HOSTILE`: BioC values of the wrong type or that PubTator cannot hold, wild
offsets, over-long numbers, lone surrogates, NUL bytes, damaged gzip) are one-line FILE:LINE errors,
with memory bounded.

Unusual but valid inputs (no mentions, one entity, 1,000 entities, a 10 MB line, a 7th column) are
read, predicted on and written back unchanged. The README's table of malformed cases lists the same.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import run_cli
from relclf.errors import InputError
from relclf.io.formats import read_documents, write_documents

# Document 1: 7 lines, then a blank line; the bad document therefore starts at line 9.
GOOD_FIRST = (
    "1|t|Aspirin and cancer.\n1|a|Aspirin prevents cancer.\n"
    "1\t0\t7\tAspirin\tChemical\tD001241\n"
    "1\t12\t18\tcancer\tDisease\tD009369\n"
    "1\t20\t27\tAspirin\tChemical\tD001241\n"
    "1\t37\t43\tcancer\tDisease\tD009369\n"
    "1\tTreatment\tD001241\tD009369\n"
)
BAD_START = 9

# The template of the bad documents (text "Lithium and mania. Lithium treats mania.").
TEMPLATE = [
    "{p}|t|Lithium and mania.",  # relative line 1
    "{p}|a|Lithium treats mania.",  # 2
    "{p}\t0\t7\tLithium\tChemical\tD008094",  # 3
    "{p}\t12\t17\tmania\tDisease\tD001714",  # 4
]


def template(pmid: str, replace: dict[int, str | None] | None = None, add: list[str] | None = None) -> str:
    """The template document with some lines replaced (None removes the line) or added at the end."""
    lines = list(TEMPLATE)
    for number, line in (replace or {}).items():
        lines[number - 1] = line  # type: ignore[call-overload]
    lines = [line for line in lines if line is not None] + (add or [])
    return "\n".join(line.format(p=pmid) for line in lines) + "\n"


TEN_MB = 10 * 1024 * 1024

# name -> (bad document text (str or bytes), relative line of the error, words of the message, what skipping drops)
INVALID_DOCUMENTS: dict[str, tuple[str | bytes, int, str, str]] = {
    "abstract line before title line": (
        template("2", {1: TEMPLATE[1], 2: TEMPLATE[0]}),
        1,
        "abstract line before any title line",
        "document",
    ),
    "mention line before any title": (
        template("2", add=[]).replace("2|t|", "2\t0\t7\tLithium\tChemical\tD008094\n2|t|", 1),
        1,
        "mention or relation line before any title line",
        "document",
    ),
    "non-numeric offset": (
        template("2", {3: "{p}\tx\t7\tLithium\tChemical\tD008094"}),
        3,
        "start offset 'x' is not a non-negative integer",
        "mention",
    ),
    "negative offset": (
        template("2", {3: "{p}\t-1\t7\tLithium\tChemical\tD008094"}),
        3,
        "start offset '-1' is not a non-negative integer",
        "mention",
    ),
    "offset of 30 digits": (
        template("2", {3: "{p}\t" + "9" * 30 + "\t7\tLithium\tChemical\tD008094"}),
        3,
        "start offset '999999999999999999999999999999' is too large for an offset",
        "mention",
    ),
    "end before start": (
        template("2", {3: "{p}\t7\t0\tLithium\tChemical\tD008094"}),
        3,
        "end offset 0 is not after start offset 7",
        "mention",
    ),
    "offsets beyond the text": (
        template("2", {4: "{p}\t34\t99\tmania\tDisease\tD001714"}),
        4,
        "offsets 34-99 beyond the text (length 40)",
        "mention",
    ),
    "mention text not the text at its offsets": (
        template("2", {4: "{p}\t12\t17\tmanic\tDisease\tD001714"}),
        4,
        "mention text 'manic' differs from the text at 12-17: 'mania'",
        "mention",
    ),
    "unknown extra columns": (
        template("2", {4: "{p}\t12\t17\tmania\tDisease\tD001714\tx\ty"}),
        4,
        "unknown extra columns: 8 columns",
        "mention",
    ),
    "relation naming an ID no mention carries": (
        template("2", add=["{p}\tTreatment\tD008094\tD999999"]),
        5,
        "relation names ID 'D999999', which no mention of document '2' carries",
        "relation",
    ),
    "relation line with an empty ID": (
        template("2", add=["{p}\tTreatment\t\tD001714"]),
        5,
        "relation line with an empty label or ID",
        "relation",
    ),
    "duplicate document ID": (GOOD_FIRST, 1, "duplicate document ID '1'", "document"),
    "invalid UTF-8 in the abstract": (
        template("2").encode("utf-8").replace(b"treats", b"tr\xe9ats"),
        2,
        "invalid UTF-8",
        "document",
    ),
    "invalid UTF-8 in a mention line": (
        template("2").encode("utf-8").replace(b"\tmania\t", b"\tm\xe9nia\t"),
        4,
        "invalid UTF-8",
        "mention",
    ),
    "NUL byte in the abstract": (template("2").replace("treats", "tr\x00ats"), 2, "NUL byte in line", "document"),
    "NUL byte in the title line": (template("2").replace("and", "a\x00d", 1), 1, "NUL byte in line", "document"),
    "NUL byte in a mention line": (template("2").replace("D001714", "D00\x001714"), 4, "NUL byte in line", "mention"),
    "10 MB line of garbage": (template("2", add=["x" * TEN_MB]), 5, "not a PubTator line", "document"),
}
# These must end the file.
TRUNCATED: dict[str, tuple[str, int, str, str]] = {
    "truncated last document (cut in a mention line)": (
        template("2", {4: "{p}\t12\t1"}).rstrip("\n"),
        4,
        "mention line has 3 columns",
        "mention",
    ),
    "truncated last document (cut after the title)": ("2|t|Lithium and mania.", 1, "has no abstract line", "document"),
}
WHOLE_FILE: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "no documents found"),
    "only blank lines": (b"\n  \n\t\n\n", "no documents found"),
}


def as_bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


def corpus(bad: str | bytes, *, last: bool = False) -> bytes:
    """GOOD_FIRST, the bad document, and (unless it must be last) a valid document 3."""
    tail = b"" if last else b"\n" + as_bytes(template("3"))
    return as_bytes(GOOD_FIRST) + b"\n" + as_bytes(bad) + tail


def kept(scope: str, last: bool = False) -> list[str]:
    """The documents skipping keeps: document 2 too when only one of its lines is dropped."""
    return ["1"] + (["2"] if scope != "document" else []) + ([] if last else ["3"])


CASES = [
    pytest.param(corpus(text), line, message, scope, kept(scope), id=name)
    for name, (text, line, message, scope) in INVALID_DOCUMENTS.items()
]
CASES += [
    pytest.param(corpus(text, last=True), line, message, scope, kept(scope, last=True), id=name)
    for name, (text, line, message, scope) in TRUNCATED.items()
]


@pytest.mark.parametrize(("data", "line", "message", "scope", "valid"), CASES)
def test_strict_names_file_and_line(tmp_path, data, line, message, scope, valid):
    path = tmp_path / "input.pubtator"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        list(read_documents(path))
    assert (info.value.path, info.value.line) == (str(path), BAD_START + line - 1)
    assert message in info.value.message
    assert len(str(info.value)) < 300  # never the 10 MB line itself


@pytest.mark.parametrize(("data", "line", "message", "scope", "valid"), CASES)
def test_skipping_drops_the_smallest_bad_unit_and_keeps_the_rest(tmp_path, data, line, message, scope, valid):
    path = tmp_path / "input.pubtator"
    path.write_bytes(data)
    errors: list[InputError] = []
    documents = list(read_documents(path, on_error=errors.append))
    assert [d.pmid for d in documents] == valid
    assert [(e.line, message in e.message, e.scope) for e in errors][:1] == [(BAD_START + line - 1, True, scope)]
    if scope != "document":  # the document is kept without that line
        assert all(e.scope != "document" for e in errors)
        assert len(documents[1].mentions) + len(documents[1].relations) == data.count(b"\n2\t") - len(errors)


@pytest.mark.parametrize(("data", "message"), list(WHOLE_FILE.values()), ids=list(WHOLE_FILE))
def test_empty_inputs(tmp_path, data, message):
    path = tmp_path / "empty.pubtator"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        list(read_documents(path))
    assert (info.value.line, message in info.value.message) == (1, True)
    assert list(read_documents(path, on_error=lambda e: None)) == []  # skipping: nothing to do, no error


BIOC_NOT_WELL_FORMED = {
    "bioc-xml": (
        b"<?xml "
        b"version='1.0'?>\n<collection>\n<document><id>1</id>\n<passage><offset>0</offset>\n</document>\n</collection>\n",
        5,
        "not well-formed BioC XML",
    ),
    "bioc-json": (
        b'{"documents": [\n  {"id": "1", "passages": [\n    {"offset": 0, "text": "x"}\n  ]\n',
        5,
        "not valid BioC JSON",
    ),
}


@pytest.mark.parametrize("format", list(BIOC_NOT_WELL_FORMED))
def test_bioc_not_well_formed_names_the_parser_line(tmp_path, format):
    data, line, message = BIOC_NOT_WELL_FORMED[format]
    path = tmp_path / ("input.xml" if format == "bioc-xml" else "input.json")
    path.write_bytes(data)
    for on_error in (None, lambda e: None):  # the rest of the file cannot be found: an error even when skipping
        with pytest.raises(InputError) as info:
            list(read_documents(path, on_error=on_error))
        assert (info.value.line, message in info.value.message) == (line, True)


# --- unusual but valid ------------------------------------------------------------------------------


def entity_document(pmid: str, n: int) -> str:
    """A document with ``n`` chemicals and one disease: n candidate pairs for a Chemical|Disease model."""
    words = [f"chem{i}" for i in range(n)]
    abstract = " ".join(words) + " cause fibrosis."
    title = "Many chemicals."
    lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
    offset = len(title) + 1
    for i, word in enumerate(words):
        lines.append(f"{pmid}\t{offset}\t{offset + len(word)}\t{word}\tChemical\tC{i}")
        offset += len(word) + 1
    start = len(title) + 1 + abstract.index("fibrosis")
    lines.append(f"{pmid}\t{start}\t{start + 8}\tfibrosis\tDisease\tD1")
    return "\n".join(lines) + "\n"


VALID_UNUSUAL = {
    "no mentions": "4|t|Nothing annotated.\n4|a|Really nothing.\n",
    "one entity": "5|t|TP53 and TP53.\n5|a|Again "
    "TP53.\n5\t0\t4\tTP53\tGene\t7157\n5\t9\t13\tTP53\tGene\t7157\n5\t21\t25\tTP53\tGene\t7157\n",
    "seventh column (BC5CDR composite)": "6|t|Visual and auditory loss.\n6|a|x\n6\t0\t24\tVisual and auditory "
    "loss\tDisease\tD1|D2\tvisual loss|auditory loss\n",
    "empty title and abstract": "7|t|\n7|a|\n",
    "1,000 entities": entity_document("8", 1000),
    "10 MB abstract": "9|t|Long.\n9|a|" + "word " * (TEN_MB // 5) + "end\n9\t0\t4\tLong\tDisease\tD2\n",
}


@pytest.mark.parametrize("text", list(VALID_UNUSUAL.values()), ids=list(VALID_UNUSUAL))
@pytest.mark.parametrize("format", ["pubtator", "bioc-xml", "bioc-json"])
def test_unusual_valid_documents_are_kept_exactly(text, format):
    (document,) = read_documents(io.BytesIO(text.encode("utf-8")))
    converted = io.StringIO()
    write_documents([document], converted, format)
    (back,) = read_documents(io.BytesIO(converted.getvalue().encode("utf-8")))
    pubtator = io.StringIO()
    write_documents([back], pubtator, "pubtator")
    assert pubtator.getvalue() == text + "\n"


# --- through the command line ------------------------------------------------------------------------


relclf = run_cli  # the command, run in this process


@pytest.fixture
def model(synthetic_model_file) -> Path:
    """A small real model (type pair Chemical|Disease)."""
    return synthetic_model_file


CLI_STRICT = [
    "mention text not the text at its offsets",
    "invalid UTF-8 in the abstract",
    "NUL byte in the title line",
    "10 MB line of garbage",
    "duplicate document ID",
]


@pytest.mark.parametrize("name", CLI_STRICT)
def test_cli_strict_is_one_line_exit_2_and_no_output(tmp_path, name):
    text, line, message, _ = INVALID_DOCUMENTS[name]
    source, target = tmp_path / "in.pubtator", tmp_path / "out.xml"
    source.write_bytes(corpus(text))
    out = relclf("convert", str(source), "-o", str(target))
    assert out.returncode == 2
    assert out.stderr.startswith(f"relclf: error: {source}:{BAD_START + line - 1}: ")
    assert message in out.stderr and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == [source]  # no output, no temporary file


@pytest.mark.parametrize("format", list(BIOC_NOT_WELL_FORMED))
def test_cli_bioc_not_well_formed(tmp_path, format, model):
    data, line, message = BIOC_NOT_WELL_FORMED[format]
    source = tmp_path / ("in.xml" if format == "bioc-xml" else "in.json")
    source.write_bytes(data)
    out = relclf("predict", str(source), "-m", str(model), "-o", str(tmp_path / "out.pubtator"))
    assert out.returncode == 2
    assert out.stderr.startswith(f"relclf: error: {source}:{line}: {message}") and "Traceback" not in out.stderr
    assert not (tmp_path / "out.pubtator").exists()


def test_cli_empty_file(tmp_path, model):
    source = tmp_path / "empty.pubtator"
    source.write_bytes(b"")
    out = relclf("predict", str(source), "-m", str(model), "-o", str(tmp_path / "out.pubtator"))
    # an empty input gives an empty output, said in a warning (docs/cli.md, "Empty inputs")
    assert (out.returncode, out.stderr) == (0, f"relclf: warning: {source}: no documents (an empty input)\n")
    assert (tmp_path / "out.pubtator").read_bytes() == b""


def test_cli_skip_invalid_over_the_whole_corpus(tmp_path, model):
    """The corpus's invalid documents in one file, among valid and unusual ones: the valid ones predicted in order."""
    parts, expected_errors, valid = [as_bytes(GOOD_FIRST)], [], ["1"]
    line = GOOD_FIRST.count("\n") + 2
    for k, (_name, (text, relative, _message, scope)) in enumerate(INVALID_DOCUMENTS.items()):
        pmid = str(100 + k)
        bad = re.sub(rb"(?m)^2(?=[|\t])", pmid.encode(), as_bytes(text))  # document 2 becomes document PMID
        good = as_bytes(template(str(200 + k)))
        parts += [bad, good]
        expected_errors.append((line + relative - 1, scope))
        valid += ([pmid] if scope != "document" else []) + [str(200 + k)]
        line += bad.count(b"\n") + 1 + good.count(b"\n") + 1
    unusual = [v for k, v in VALID_UNUSUAL.items() if k != "10 MB abstract"]
    parts += [as_bytes(u) for u in unusual]
    valid += [u.split("|", 1)[0] for u in unusual]
    last_bad = re.sub(r"(?m)^2(?=[|\t])", "999", TRUNCATED["truncated last document (cut in a mention line)"][0])
    parts.append(as_bytes(last_bad))
    line += sum(as_bytes(u).count(b"\n") + 1 for u in unusual)
    expected_errors.append((line + 3, "mention"))
    valid.append("999")
    source, target = tmp_path / "corpus.pubtator", tmp_path / "out.pubtator"
    source.write_bytes(b"\n".join(parts))

    started = time.perf_counter()
    out = relclf("predict", str(source), "-m", str(model), "-o", str(target), "--skip-invalid")
    seconds = time.perf_counter() - started
    assert out.returncode == 0, out.stderr
    warnings = [w for w in out.stderr.splitlines() if w.startswith("relclf: warning: ")]
    assert [(int(w.split(":")[3]), w.rsplit("(", 1)[1]) for w in warnings] == [
        (n, f"{scope} skipped)") for n, scope in expected_errors
    ]
    assert all(w.startswith(f"relclf: warning: {source}:") for w in warnings)
    counts = {scope: sum(s == scope for _, s in expected_errors) for scope in ("document", "mention", "relation")}
    assert out.stderr.splitlines()[-1] == (
        f"relclf: skipped {counts['document']} invalid document(s), {counts['mention']} invalid mention(s), "
        f"{counts['relation']} invalid relation(s)"
    )
    written = list(read_documents(target))
    assert [d.pmid for d in written] == valid
    by_id = {d.pmid: d for d in written}
    assert by_id["4"].relations == by_id["5"].relations == ()
    assert seconds < 60  # the 1,000-entity document (1,000 candidate pairs) stays cheap


def test_cli_ten_megabyte_abstract_is_predicted(tmp_path, model):
    source, target = tmp_path / "long.pubtator", tmp_path / "out.json"
    source.write_text(VALID_UNUSUAL["10 MB abstract"], encoding="utf-8")
    out = relclf("predict", str(source), "-m", str(model), "-o", str(target))
    assert out.returncode == 0, out.stderr
    document = json.loads(target.read_text(encoding="utf-8"))["documents"][0]
    assert len(document["passages"][1]["text"]) > TEN_MB - 10


# --- hostile inputs: BioC values PubTator cannot hold, wild numbers, damaged compression -------------

LITHIUM = {
    "id": "2",
    "passages": [
        {
            "offset": 0,
            "text": "Lithium and mania.",
            "infons": {"type": "title"},
            "annotations": [
                {
                    "id": "0",
                    "infons": {"type": "Chemical", "identifier": "D008094"},
                    "locations": [{"offset": 0, "length": 7}],
                    "text": "Lithium",
                }
            ],
        },
        {"offset": 19, "text": "Lithium treats mania.", "infons": {"type": "abstract"}},
    ],
}


def bioc_lines(change=None, raw: bytes | None = None) -> bytes:
    """BioC JSON Lines: a valid document 1 on line 1, then document 2 (changed by ``change``, or ``raw``) on line 2."""
    good = json.loads(json.dumps(LITHIUM))
    good["id"] = "1"
    bad = json.loads(json.dumps(LITHIUM))
    if change:
        change(bad)
    return json.dumps(good).encode() + b"\n" + (raw if raw is not None else json.dumps(bad).encode()) + b"\n"


def bioc_xml(old: str, new: str) -> bytes:
    """The template document as BioC XML (document on line 5), with ``old`` replaced by ``new``."""
    buffer = io.BytesIO()
    from relclf.io.bioc_xml import write_bioc_xml

    write_bioc_xml(read_documents(io.BytesIO(template("2").encode())), buffer)
    data = buffer.getvalue().decode()
    assert old in data
    return data.replace(old, new, 1).encode()


def _set(path: str, value: object) -> Callable[[dict], None]:
    """A change for bioc_lines: set a nested key (``"passages.1.offset"``)."""

    def change(document: dict) -> None:
        *parents, key = path.split(".")
        target = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(key) if key.isdigit() else key] = value

    return change


def _gzip(damage: Callable[[bytes], bytes]) -> bytes:
    """A gzip file of many lines, damaged by ``damage``."""
    text = "".join(template(str(k)) + "\n" for k in range(1, 3000)).encode()
    return damage(gzip.compress(text, mtime=0))


# name -> (file name, data, line, message)
HOSTILE: dict[str, tuple[str, bytes, int, str]] = {
    "BioC JSON: document id an object": (
        "in.json",
        bioc_lines(_set("id", {"pmid": 2})),
        2,
        "the document id must be a string, not an object",
    ),
    "BioC JSON: infon a list": (
        "in.json",
        bioc_lines(_set("passages.0.annotations.0.infons.type", ["Chemical"])),
        2,
        "infon 'type' must be a string, not a list",
    ),
    "BioC JSON: annotation text an object": (
        "in.json",
        bioc_lines(_set("passages.0.annotations.0.text", {"t": 1})),
        2,
        "the text of annotation '0' must be a string, not an object",
    ),
    "BioC JSON: document ID a PubTator title cannot hold": (
        "in.json",
        bioc_lines(_set("id", "2|t|x")),
        2,
        "document ID '2|t|x' is empty or holds a '|', tab, line break or NUL",
    ),
    "BioC XML: document ID with a tab": (
        "in.xml",
        bioc_xml("<id>2</id>", "<id>2\t3</id>"),
        5,
        "document ID '2\\t3' is empty or holds a '|', tab, line break or NUL",
    ),
    "BioC JSON: identifier with a tab": (
        "in.json",
        bioc_lines(_set("passages.0.annotations.0.infons.identifier", "D00\t8094")),
        2,
        "infon 'identifier' contains a tab or line break",
    ),
    "BioC JSON: passage offset 10**9": (
        "in.json",
        bioc_lines(_set("passages.1.offset", 10**9)),
        2,
        "passage offset 1,000,000,000 lies far beyond the text the passages hold (39 characters)",
    ),
    "BioC XML: passage offset 10**9": (
        "in.xml",
        bioc_xml("<offset>19</offset>", "<offset>1000000000</offset>"),
        5,
        "passage offset 1,000,000,000 lies far beyond the text",
    ),
    "BioC XML: offset of 30 digits": (
        "in.xml",
        bioc_xml("<offset>19</offset>", "<offset>" + "9" * 30 + "</offset>"),
        5,
        "passage offset '999999999999999999999999999999' is too large for an offset",
    ),
    "BioC JSON: integer of 5,000 digits": (
        "in.json",
        bioc_lines(raw=json.dumps(LITHIUM).replace('"offset": 19', '"offset": ' + "9" * 5000).encode()),
        2,
        "a whole number with 5,000 digits (more than 100 are refused)",
    ),
    "BioC JSON: lone surrogate": (
        "in.json",
        bioc_lines(raw=json.dumps(LITHIUM).replace("treats", "tr\\ud800eats").encode()),
        2,
        "a string holds the lone surrogate",
    ),
    "BioC JSON: NUL in the title": (
        "in.json",
        bioc_lines(raw=json.dumps(LITHIUM).replace("and mania", "and\\u0000mania").encode()),
        2,
        "the title of document '2' holds a NUL character or a line break",
    ),
    "gzip: truncated": (
        "in.pubtator.gz",
        _gzip(lambda data: data[: len(data) // 2]),
        -1,
        "gzip data ends early: the compressed file is truncated",
    ),
    "gzip: damaged": (
        "in.pubtator.gz",
        _gzip(lambda data: data[:400] + bytes(40) + data[440:]),
        -1,
        "damaged gzip data",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_a_one_line_error_with_bounded_memory(tmp_path, capsys, name):
    import tracemalloc

    from relclf import cli

    file_name, data, line, message = HOSTILE[name]
    source, target = tmp_path / file_name, tmp_path / "out.pubtator"
    source.write_bytes(data)
    tracemalloc.start()
    try:
        status = cli.main(["convert", str(source), "-o", str(target)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    prefix = f"relclf: error: {source}:" + ("" if line < 0 else f"{line}: ")
    assert err.startswith(prefix) and message in err, err
    assert list(tmp_path.iterdir()) == [source]  # no output, no temporary file
    assert peak < 50 * 2**20  # no allocation from a wild number (10**9 spaces would be 1 GB)


# the hostile value sits in an annotation: skipping drops that annotation alone
IN_AN_ANNOTATION = {
    "BioC JSON: infon a list",
    "BioC JSON: annotation text an object",
    "BioC JSON: identifier with a tab",
}


@pytest.mark.parametrize("name", [n for n in HOSTILE if not n.startswith("gzip")])
def test_hostile_bioc_values_are_skipped_as_the_smallest_unit(name):
    file_name, data, line, message = HOSTILE[name]
    errors: list[InputError] = []
    format = "bioc-xml" if file_name.endswith(".xml") else "bioc-json"
    kept = list(read_documents(io.BytesIO(data), format, on_error=errors.append))
    assert [(e.line, e.scope) for e in errors] == [(line, "mention" if name in IN_AN_ANNOTATION else "document")]
    assert message in errors[0].message
    expected = ["1"] if format == "bioc-json" else []  # the XML holds document 2 only
    if name in IN_AN_ANNOTATION:
        expected.append("2")
        assert kept[-1].mentions == ()
    assert [d.pmid for d in kept] == expected


def test_a_tab_in_a_bioc_mention_text_is_refused_by_pubtator_output_only(tmp_path, capsys):
    from relclf import cli

    document = json.loads(json.dumps(LITHIUM))
    document["passages"][0]["text"] = "Li\tthium and mania."
    document["passages"][0]["annotations"][0]["locations"][0]["length"] = 8
    document["passages"][0]["annotations"][0]["text"] = "Li\tthium"
    document["passages"][1]["offset"] = 20
    source = tmp_path / "tab.json"
    source.write_text(json.dumps(document))
    assert cli.main(["convert", str(source), "-o", str(tmp_path / "out.xml")]) == 0  # BioC carries it
    assert cli.main(["convert", str(source), "-o", str(tmp_path / "out.pubtator")]) == 2
    err = capsys.readouterr().err
    assert err == (
        "relclf: error: document '2' (line 1 of its input): mention text 'Li\\tthium' at 0-8 holds a tab, "
        "which a PubTator mention line cannot hold; write BioC XML or JSON instead\n"
    )
    assert not (tmp_path / "out.pubtator").exists()
