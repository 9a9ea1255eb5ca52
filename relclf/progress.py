"""Progress bars (tqdm, on standard error) around document streams and the stages of a run.

Bars are drawn only when asked for; the CLI asks when standard error is a terminal and ``-q`` was not
given, so piped or redirected runs stay clean. Standard output is never touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar

from .errors import InputError
from .io.files import PathLike, open_binary

__all__ = ["byte_bar", "count_documents", "stage", "should_show", "track"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def _Bar(**options: Any) -> Any:  # capitalized: used like the class it makes
    """A tqdm bar; tqdm is imported here, when a bar is drawn, so runs without bars never load it."""
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # tqdm's documented switch: no monitor thread (our bars update often)
    return tqdm(**options)


def should_show(quiet: bool = False, stream: IO[str] | None = None) -> bool:
    """Return True when progress bars belong on ``stream`` (default stderr): a terminal, not quiet."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return not quiet and callable(isatty) and bool(isatty())


def count_documents(source: PathLike | None) -> int | None:
    """Count the title lines (``|t|``) of a PubTator file (gzip-compressed or not) cheaply, for a bar's total.

    Returns None for standard input (``-``), for non-files and for unreadable or damaged files (the
    reader reports those properly later).
    """
    if source is None or str(source) == "-" or not os.path.isfile(source):
        return None
    count = 0
    try:
        with open_binary(source) as handle:
            for line in handle:
                head = line[:40]
                count += b"|t|" in head
    except (OSError, InputError):
        return None
    return count or None  # no title lines: not PubTator (e.g. BioC), so no total


def track(
    items: Iterable[T],
    *,
    enabled: bool,
    desc: str,
    total: int | None = None,
    unit: str = "doc",
) -> Iterator[T]:
    """Yield ``items`` unchanged, drawing a bar on stderr while they are consumed when ``enabled``."""
    start = time.perf_counter()
    count = 0
    if not enabled:
        for count, item in enumerate(items, start=1):  # noqa: B007 - count is logged below
            yield item
        _log_done(desc, count, unit, start)
        return
    bar = _Bar(desc=desc, total=total, unit=unit, file=sys.stderr, **_width())
    try:
        for item in items:
            bar.update(1)
            yield item
        if bar.total is not None and bar.n != bar.total:  # the count included skipped documents
            bar.total = bar.n
            bar.refresh()
    finally:
        bar.close()
    _log_done(desc, bar.n, unit, start)


def _log_done(desc: str, count: int, unit: str, start: float) -> None:
    """At -v: how many items a stream gave and how long it took."""
    log.info("%s: %s %s%s in %.1f s", desc, f"{count:,}", unit, "" if count == 1 else "s", time.perf_counter() - start)


def byte_bar(*, enabled: bool, desc: str, total: int | None) -> Any:
    """A bar counting bytes (``bar.update(n)``); a no-op object when not ``enabled``."""
    return _Bar(
        desc=desc,
        total=total,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        disable=not enabled,
        **_width(),
    )


def _width() -> dict[str, Any]:
    """Follow the terminal's width; a terminal reporting 0 columns (a bare pty) gets 80."""
    try:
        columns = os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        columns = 0
    return {"dynamic_ncols": True} if columns > 0 else {"ncols": 80, "nrows": 24}


@contextlib.contextmanager
def stage(name: str, *, enabled: bool) -> Iterator[None]:
    """Mark a step with no natural unit (e.g. fitting): a ticking clock on stderr, and its time at ``-v``."""
    start = time.perf_counter()
    bar = _Bar(total=1, desc=name, file=sys.stderr, bar_format="{desc}: {elapsed}", **_width()) if enabled else None
    done = threading.Event()
    if bar is not None:
        # nothing iterates during the step, so a thread redraws the elapsed time once a second
        ticker = threading.Thread(target=_tick, args=(bar, done), daemon=True)
        ticker.start()
    try:
        yield
    finally:
        done.set()
        if bar is not None:
            ticker.join()
            bar.update(1)
            bar.close()
    log.info("%s: %.1f s", name, time.perf_counter() - start)


def _tick(bar: Any, done: threading.Event) -> None:
    while not done.wait(1.0):
        bar.refresh()
