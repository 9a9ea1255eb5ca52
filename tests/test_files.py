"""Tests of relclf.files: atomic writing, write errors as OutputError, reading paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from relclf.errors import InputError, OutputError
from relclf.files import atomic_writer, open_binary


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
