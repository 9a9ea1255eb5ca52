"""Opening inputs (paths or standard input) and writing outputs atomically."""

from __future__ import annotations

import contextlib
import glob
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, BinaryIO

from .errors import InputError

__all__ = ["atomic_writer", "display_name", "expand_inputs", "open_binary"]

PathLike = str | os.PathLike[str]


def display_name(source: PathLike | IO[bytes]) -> str:
    """Return the name to show in messages for a path, ``-`` or an open file."""
    if isinstance(source, (str, os.PathLike)):
        return "<stdin>" if str(source) == "-" else str(source)
    return str(getattr(source, "name", "<stream>"))


@contextlib.contextmanager
def open_binary(source: PathLike | IO[bytes]) -> Iterator[BinaryIO]:
    """Open ``source`` for binary reading: a path, ``-`` for standard input, or an open binary file.

    Raises :class:`InputError` naming the file when it does not exist or cannot be read.
    Files passed in open are not closed.
    """
    if not isinstance(source, (str, os.PathLike)):
        yield source  # type: ignore[misc]
        return
    if str(source) == "-":
        yield sys.stdin.buffer
        return
    path = Path(source)
    if path.is_dir():
        raise InputError(str(source), 0, "is a directory, not a file")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputError(str(source), 0, "no such file") from None
    except OSError as exc:
        raise InputError(str(source), 0, f"cannot read: {exc.strerror or exc}") from None
    with handle:
        yield handle


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_writer(target: PathLike | None, *, mode: str = "w") -> Iterator[IO]:
    """Write to ``target`` through a temporary file renamed into place only on success.

    ``target`` of None or ``-`` writes to standard output. If the body raises (bad input found
    half-way, Ctrl-C, disk full), the temporary file is removed and ``target`` is left untouched, so a
    failed run never leaves a half-written output.
    """
    if target is None or str(target) == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        yield stream
        stream.flush()
        return
    path = Path(target)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        encoding = None if "b" in mode else "utf-8"
        newline = None if "b" in mode else ""
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs follow the umask
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def expand_inputs(inputs: Sequence[PathLike]) -> list[Path]:
    """Turn input arguments into the list of files they name, in a stable order.

    Each argument is a file, a directory (its visible regular files, sorted by name) or a glob pattern
    (its matching files, sorted). Raises :class:`InputError` for an argument that names nothing and
    for a file named twice.
    """
    files: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text) if Path(m).is_file())
            if not matches:
                raise InputError(text, 0, "no file matches this pattern")
            files.extend(matches)
        else:
            raise InputError(text, 0, "no such file")
    seen: dict[Path, Path] = {}
    for path in files:
        key = path.resolve()
        if key in seen:
            raise InputError(str(path), 0, "is named twice among the inputs")
        seen[key] = path
    return files
