"""Tests of relclf.io.files: atomic writing, write errors as OutputError, reading paths, expanding input arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from relclf.errors import InputError, OutputError
from relclf.io.files import atomic_writer, expand_inputs, open_binary


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
