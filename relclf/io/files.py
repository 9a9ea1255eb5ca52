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

from ..errors import InputError, OutputError

__all__ = ["CheckedWriter", "atomic_writer", "display_name", "expand_inputs", "open_binary"]

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


class CheckedWriter:
    """A writable file whose write errors become :class:`OutputError` naming the output.

    Writing fails for reasons outside the program (disk full, file size limit, a device that
    refuses data); this turns them into one-line errors instead of tracebacks. Everything but
    ``write``/``flush`` is delegated to the wrapped file.
    """

    def __init__(self, handle: IO, name: str) -> None:
        self._handle = handle
        self._name = name

    def write(self, data):  # noqa: ANN001 - str or bytes, as the wrapped file takes
        """Write ``data``; an OS error is raised as :class:`OutputError`."""
        try:
            return self._handle.write(data)
        except OSError as exc:
            raise _output_error(self._name, exc) from None

    def flush(self) -> None:
        """Flush the wrapped file; an OS error is raised as :class:`OutputError`."""
        try:
            self._handle.flush()
        except OSError as exc:
            raise _output_error(self._name, exc) from None

    def __getattr__(self, name: str):  # noqa: ANN204 - delegation
        return getattr(self._handle, name)


def _output_error(name: str, exc: OSError) -> OutputError:
    return OutputError(name, exc.strerror or str(exc))


@contextlib.contextmanager
def atomic_writer(target: PathLike | None, *, mode: str = "w") -> Iterator[IO]:
    """Write to ``target`` through a temporary file renamed into place only on success.

    ``target`` of None or ``-`` writes to standard output; an existing target that is not a regular
    file (``/dev/null``, a FIFO) is written directly, since it cannot be replaced. If the body raises
    (bad input found half-way, Ctrl-C, SIGTERM, disk full), the temporary file is removed and
    ``target`` is left untouched, so a failed run never leaves a half-written output. A killed
    process (SIGKILL) can leave its temporary file ``.NAME.XXXX.tmp`` behind, never a partial
    ``target``. Errors writing (no such directory, read-only, disk full) are raised as
    :class:`~relclf.errors.OutputError`.
    """
    if target is None or str(target) == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        writer = CheckedWriter(stream, "<stdout>")
        yield writer
        writer.flush()
        return
    path = Path(target)
    encoding = None if "b" in mode else "utf-8"
    newline = None if "b" in mode else ""
    if path.exists() and not path.is_file() and not path.is_dir():
        yield from _write_in_place(path, mode, encoding, newline)
        return
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _output_error(str(target), exc) from None
    handle = os.fdopen(fd, mode, encoding=encoding, newline=newline)
    try:
        writer = CheckedWriter(handle, str(target))
        yield writer
        writer.flush()
        try:
            os.fsync(handle.fileno())
            handle.close()
        except OSError as exc:
            raise _output_error(str(target), exc) from None
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs follow the umask
        try:
            os.replace(tmp_name, path)
        except OSError as exc:
            raise _output_error(str(target), exc) from None
    except BaseException:
        # closing flushes what is buffered, which fails again on a full disk: that error adds nothing
        with contextlib.suppress(OSError, ValueError):
            handle.close()
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _write_in_place(path: Path, mode: str, encoding: str | None, newline: str | None) -> Iterator[IO]:
    """Write directly to a device or FIFO (no temporary file can replace it)."""
    try:
        handle = open(path, mode, encoding=encoding, newline=newline)
    except OSError as exc:
        raise _output_error(str(path), exc) from None
    try:
        writer = CheckedWriter(handle, str(path))
        yield writer
        writer.flush()
    finally:
        with contextlib.suppress(OSError):
            handle.close()


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
