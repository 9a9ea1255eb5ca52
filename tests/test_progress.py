"""Progress helpers: bars only when asked, items passed through unchanged, cheap document counts."""

from __future__ import annotations

import io
import threading

import pytest

from conftest import MULTI_DOC
from relclf.progress import count_documents, should_show, stage, track


def test_track_passes_items_through_and_draws_only_when_enabled(capsys):
    assert list(track(iter(range(5)), enabled=False, desc="x")) == [0, 1, 2, 3, 4]
    assert capsys.readouterr().err == ""
    assert list(track(iter(range(5)), enabled=True, desc="counting", total=5)) == [0, 1, 2, 3, 4]
    err = capsys.readouterr().err
    assert "counting: 100%" in err and "5/5" in err


def test_track_total_follows_what_was_actually_seen(capsys):
    # a count made before reading includes documents that --skip-invalid later drops
    list(track(iter(range(3)), enabled=True, desc="reading", total=4))
    err = capsys.readouterr().err
    assert "3/3" in err.splitlines()[-1] or "3/3" in err.split("\r")[-1]


def test_should_show_needs_a_terminal_and_not_quiet():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert should_show(False, Terminal())
    assert not should_show(True, Terminal())
    assert not should_show(False, io.StringIO())


def test_count_documents(tmp_path):
    path = tmp_path / "two.pubtator"
    path.write_text(MULTI_DOC, encoding="utf-8")
    assert count_documents(path) == 2
    assert count_documents("-") is None
    assert count_documents(tmp_path / "absent") is None


def test_stage_reraises_and_draws_when_enabled(capsys):
    with pytest.raises(KeyError):
        with stage("fitting", enabled=False):
            raise KeyError("x")
    with stage("fitting", enabled=True):
        pass
    assert "fitting: 00:00" in capsys.readouterr().err


def test_a_drawn_bar_starts_no_thread(capsys):
    # a second thread would make parallel prediction start its workers by a slower fork server
    before = threading.active_count()
    counts = [threading.active_count() for _ in track(iter(range(3)), enabled=True, desc="docs")]
    assert counts == [before] * 3
    assert "docs" in capsys.readouterr().err
