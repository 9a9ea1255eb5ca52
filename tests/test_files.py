"""Tests of relclf.io.files: atomic writing, write errors as OutputError, reading paths, expanding input arguments."""

from __future__ import annotations

import gzip
import io
import os
import sys
import threading
import zlib
from pathlib import Path

import pytest

from relclf.errors import InputError, OutputError
from relclf.io.files import (
    atomic_writer,
    check_outputs,
    check_writable,
    expand_inputs,
    inner_suffix,
    is_gzip_name,
    open_binary,
)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_atomic_writer_renames_into_place_only_on_success(tmp_path):
    target = tmp_path / "out.txt"
    with atomic_writer(target) as handle:
        handle.write("complete\n")
        assert names(tmp_path)[0].startswith(".out.txt.")  # only the temporary file so far
        assert not target.exists()
    assert target.read_text() == "complete\n" and names(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("interruption", [ValueError("bad input half-way"), KeyboardInterrupt()])
def test_atomic_writer_keeps_the_old_file_when_the_body_fails(tmp_path, interruption):
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(type(interruption)):
        with atomic_writer(target) as handle:
            handle.write("half")
            raise interruption
    assert target.read_text() == "old\n" and names(tmp_path) == ["out.txt"]


def test_unwritable_targets_raise_output_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="missing/out.txt: cannot write: No such file or directory"):
        with atomic_writer(tmp_path / "missing" / "out.txt") as handle:
            handle.write("x")
    with pytest.raises(OutputError, match="cannot write: Not a directory"):
        with atomic_writer(tmp_path / "file" / "out.txt") as handle:
            handle.write("x")
    assert names(tmp_path) == ["file"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_device_raises_output_error_and_is_not_replaced():
    with pytest.raises(OutputError, match="/dev/full: cannot write: No space left on device"):
        with atomic_writer("/dev/full") as handle:
            handle.write("x" * 100_000)
    assert Path("/dev/full").is_char_device()  # written in place, never replaced by a regular file


def test_binary_mode_and_open_binary_round_trip(tmp_path):
    target = tmp_path / "data.bin"
    with atomic_writer(target, mode="wb") as handle:
        handle.write(b"\x00\x01")
    with open_binary(target) as handle:
        assert handle.read() == b"\x00\x01"
    with pytest.raises(InputError, match="no such file"):
        with open_binary(tmp_path / "missing.bin"):
            pass


# -- expanding input arguments ---------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path) -> Path:
    (tmp_path / "dump").mkdir()
    for name in ("b.pubtator", "a.pubtator", ".hidden"):
        (tmp_path / "dump" / name).write_text("x")
    (tmp_path / "dump" / "sub").mkdir()  # directories inside are not inputs
    (tmp_path / "one.pubtator").write_text("x")
    return tmp_path


def test_directory_gives_its_visible_files_sorted(tree):
    assert expand_inputs([tree / "dump"]) == [tree / "dump" / "a.pubtator", tree / "dump" / "b.pubtator"]


def test_files_and_globs_keep_argument_order(tree):
    files = expand_inputs([tree / "one.pubtator", str(tree / "dump" / "*.pubtator")])
    assert [f.name for f in files] == ["one.pubtator", "a.pubtator", "b.pubtator"]


def test_missing_file_and_empty_glob_are_errors(tree):
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([tree / "nope.pubtator"])
    with pytest.raises(InputError, match="no file matches this pattern"):
        expand_inputs([str(tree / "*.txt")])


def test_a_file_named_twice_is_an_error(tree):
    with pytest.raises(InputError, match="named twice"):
        expand_inputs([tree / "dump", tree / "dump" / "a.pubtator"])


# -- gzip --------------------------------------------------------------------------------------------

PUBTATOR = b"1|t|Aspirin.\n1|a|Cancer.\n1\t0\t7\tAspirin\tChemical\tD001241\n\n"


def test_gzip_is_recognized_by_content_whatever_the_name(tmp_path):
    for name in ("in.pubtator.gz", "in.pubtator", "noext"):
        (tmp_path / name).write_bytes(gzip.compress(PUBTATOR))
        with open_binary(tmp_path / name) as handle:
            assert handle.read() == PUBTATOR
    (tmp_path / "plain.gz").write_bytes(PUBTATOR)  # a .gz name holding plain text is read as it is
    with open_binary(tmp_path / "plain.gz") as handle:
        assert handle.read() == PUBTATOR


def test_gzip_with_several_members_is_read_whole(tmp_path):
    # bgzip and `cat a.gz b.gz` write several gzip members in one file
    (tmp_path / "two.gz").write_bytes(gzip.compress(PUBTATOR) + gzip.compress(PUBTATOR.replace(b"1", b"2")))
    with open_binary(tmp_path / "two.gz") as handle:
        assert handle.read() == PUBTATOR + PUBTATOR.replace(b"1", b"2")


def test_a_compressed_stream_opened_twice_is_read_from_its_start(monkeypatch):
    # standard input is opened once to detect its format and once to read it: one reader decompresses it
    stream = io.BufferedReader(io.BytesIO(gzip.compress(PUBTATOR)))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stream))
    with open_binary("-") as handle:
        assert handle.peek(3)[:3] == b"1|t"
    with open_binary("-") as handle:
        assert handle.read() == PUBTATOR


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[: len(data) // 2], "gzip data ends early: the compressed file is truncated"),
        (lambda data: data[:-8] + bytes(8), "damaged gzip data (CRC check failed"),
    ],
)
def test_damaged_gzip_names_the_first_line_it_cannot_give(tmp_path, damage, message):
    text = b"".join(b"%d|t|Title number %d.\n%d|a|x\n\n" % (i, i, i) for i in range(20_000))
    data = damage(gzip.compress(text, mtime=0))
    path = tmp_path / "big.pubtator.gz"
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        with open_binary(path) as handle:
            for _ in handle:
                pass
    assert message in info.value.message and info.value.path == str(path)
    if "ends early" in message:  # zlib tells how much of the text the truncated data still holds
        complete_lines = zlib.decompressobj(31).decompress(data).count(b"\n")
    else:  # the checksum, at the end, fails after all the text was given
        complete_lines = text.count(b"\n")
    assert 1 < info.value.line == complete_lines + 1  # the first line it could not give in full


@pytest.mark.parametrize("mode", ["w", "wb"])
def test_atomic_writer_compresses_reproducibly(tmp_path, mode):
    content = "β-catenin\n" * 1000
    for name in ("a.txt.gz", "b.txt.gz"):
        with atomic_writer(tmp_path / name, mode=mode, compress=True) as handle:
            handle.write(content if mode == "w" else content.encode("utf-8"))
    data = (tmp_path / "a.txt.gz").read_bytes()
    assert gzip.decompress(data).decode("utf-8") == content
    assert data == (tmp_path / "b.txt.gz").read_bytes()  # no time or name in the header: same content, same bytes
    assert names(tmp_path) == ["a.txt.gz", "b.txt.gz"]


def test_a_failed_compressed_write_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with atomic_writer(tmp_path / "out.gz", compress=True) as handle:
            handle.write("half")
            raise ValueError("bad input half-way")
    assert names(tmp_path) == []


def test_compressed_output_to_a_fifo(tmp_path):
    fifo = tmp_path / "out.gz"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    with atomic_writer(fifo, compress=True) as handle:
        handle.write("through a pipe\n")
    reader.join(10)
    assert gzip.decompress(received[0]) == b"through a pipe\n"


def test_names_and_suffixes():
    assert [is_gzip_name(n) for n in ("a.gz", "a.GZ", "a.xml", "-", None)] == [True, True, False, False, False]
    assert [inner_suffix(n) for n in ("a.xml.gz", "a.tar.gz", "a.gz", "a.JSON")] == [".xml", ".tar", "", ".json"]


# -- outputs that must not replace inputs -------------------------------------------------------------


def test_check_outputs_finds_an_input_however_it_is_named(tmp_path):
    source = tmp_path / "in.pubtator"
    source.write_text("x")
    (tmp_path / "link").symlink_to(source)
    os.link(source, tmp_path / "hard")
    (tmp_path / "sub").mkdir()
    for target in (source, tmp_path / "sub" / ".." / "in.pubtator", tmp_path / "link", tmp_path / "hard"):
        with pytest.raises(InputError, match="is the input"):
            check_outputs([target], [source])
    check_outputs([tmp_path / "new.pubtator", "-", None], [source, "-"])  # new files and stdin/stdout pass
    with pytest.raises(InputError, match="is the input .*new.pubtator"):  # an input that does not exist yet, by path
        check_outputs([tmp_path / "sub" / ".." / "new.pubtator"], [tmp_path / "new.pubtator"])
    with pytest.raises(InputError, match="is named twice among the outputs"):
        check_outputs([tmp_path / "a.json", tmp_path / "sub" / ".." / "a.json"], [source])
    check_outputs(["/dev/null"], ["/dev/null"])  # written in place, not replaced


def test_check_writable_leaves_nothing(tmp_path):
    check_writable(tmp_path / "ok.joblib")
    assert names(tmp_path) == []
    with pytest.raises(OutputError, match="cannot write: No such file or directory"):
        check_writable(tmp_path / "missing" / "m.joblib")
    with pytest.raises(OutputError, match="cannot write: Is a directory"):
        check_writable(tmp_path)


def test_expand_inputs_asks_about_directory_files_only(tmp_path, caplog):
    (tmp_path / "d").mkdir()
    for name in ("a.pubtator", "b.md5"):
        (tmp_path / "d" / name).write_text("x")
    (tmp_path / "c.md5").write_text("x")

    def accept(path):
        return "a checksum" if path.suffix == ".md5" else None

    assert expand_inputs([tmp_path / "d", tmp_path / "c.md5"], accept=accept) == [
        tmp_path / "d" / "a.pubtator",
        tmp_path / "c.md5",
    ]
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'd'}: skipped 1 file(s) that hold no documents: b.md5 (a checksum)"
    ]


def test_a_directorys_subdirectories_are_named_and_a_double_star_pattern_reads_a_tree(tmp_path, caplog):
    # issue 20, item 9: mixed/sub/b.pubtator was left out without a word
    (tmp_path / "mixed" / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "mixed" / ".hidden").mkdir()
    (tmp_path / "mixed" / "a.pubtator").write_text("x")
    (tmp_path / "mixed" / "sub" / "b.pubtator").write_text("x")
    (tmp_path / "mixed" / "sub" / "deeper" / "c.pubtator").write_text("x")
    assert expand_inputs([tmp_path / "mixed"]) == [tmp_path / "mixed" / "a.pubtator"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'mixed'}: skipped 1 subdirectory, not read: sub/ (to read its files, name it or give a pattern "
        f"such as '{tmp_path / 'mixed' / '**' / '*.pubtator'}')"
    ]
    assert expand_inputs([str(tmp_path / "mixed" / "**" / "*.pubtator")]) == [
        tmp_path / "mixed" / "a.pubtator",
        tmp_path / "mixed" / "sub" / "b.pubtator",
        tmp_path / "mixed" / "sub" / "deeper" / "c.pubtator",
    ]
