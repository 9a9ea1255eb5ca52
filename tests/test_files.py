"""Tests of relclf.files: expanding input arguments into files."""

from __future__ import annotations

from pathlib import Path

import pytest

from relclf.errors import InputError
from relclf.files import expand_inputs


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
