"""Opening inputs (paths or standard input) and writing outputs atomically, gzip-compressed or not.

Compression is handled here, once for every format: :func:`open_binary` recognizes gzip data by its
magic bytes (``1f 8b``), whatever the input's name (files, standard input, named pipes, streams),
and decompresses it as it is read; :func:`atomic_writer` compresses when asked, and
:func:`is_gzip_name` tells which outputs should be (those whose name ends in ``.gz``).
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import io
import logging
import os
import stat
import sys
import tempfile
import weakref
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from ..errors import InputError, OutputError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "CheckedWriter",
    "atomic_writer",
    "check_outputs",
    "check_writable",
    "display_name",
    "expand_inputs",
    "inner_suffix",
    "is_gzip_name",
    "open_binary",
]

PathLike = str | os.PathLike[str]

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
GZIP_SUFFIX = ".gz"
_READ_BUFFER = 1 << 16


def is_gzip_name(target: PathLike | None) -> bool:
    """True when ``target`` names a file that is written gzip-compressed: its name ends in ``.gz``.

    >>> is_gzip_name("out.xml.gz"), is_gzip_name("out.xml"), is_gzip_name("-")
    (True, False, False)
    """
    return target is not None and str(target) != "-" and str(target).lower().endswith(GZIP_SUFFIX)


def inner_suffix(path: PathLike) -> str:
    """The extension that names a file's format, lower case: the last one, or the one before ``.gz``.

    >>> inner_suffix("a/Train.PubTator"), inner_suffix("out.XML.gz"), inner_suffix("dump.gz")
    ('.pubtator', '.xml', '')
    """
    name = Path(path).name
    if name.lower().endswith(GZIP_SUFFIX):
        name = name[: -len(GZIP_SUFFIX)]
    return Path(name).suffix.lower()


def display_name(source: PathLike | IO[bytes]) -> str:
    """Return the name to show in messages for a path, ``-`` or an open file."""
    if isinstance(source, (str, os.PathLike)):
        return "<stdin>" if str(source) == "-" else str(source)
    return str(getattr(source, "name", "<stream>"))


@contextlib.contextmanager
def open_binary(source: PathLike | IO[bytes]) -> Iterator[IO[bytes]]:
    """Open ``source`` for binary reading: a path, ``-`` for standard input, or an open binary file.

    gzip data (recognized by its first two bytes, not by the name) is decompressed as it is read;
    damaged or truncated gzip data raises :class:`InputError` naming the first line it could not
    give. Standard input and open files are decompressed by one reader however often they are
    opened, so that peeking at their head (format detection) loses nothing. Raises
    :class:`InputError` naming the file when it does not exist or cannot be read. Files passed in
    open are not closed.
    """
    if not isinstance(source, (str, os.PathLike)):
        yield _decompressed(source, display_name(source), shared=True)
        return
    if str(source) == "-":
        yield _decompressed(sys.stdin.buffer, "<stdin>", shared=True)
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
        yield _decompressed(handle, str(source), shared=False)


# The decompressing reader of each open stream, so that a stream opened twice (standard input: once
# to detect its format, once to read it) is decompressed by one reader, from its start.
_READERS: weakref.WeakKeyDictionary[IO[bytes], IO[bytes]] = weakref.WeakKeyDictionary()


def _decompressed(handle: IO[bytes], name: str, *, shared: bool) -> IO[bytes]:
    """``handle`` itself, or a reader of its decompressed bytes when it starts with the gzip magic bytes.

    A ``shared`` stream (standard input, a stream passed in) may be opened again: its reader is kept
    for the next time. (The reader refers to its stream, so an entry lasts as long as the process;
    files opened by path, once per call, are not kept.)
    """
    if shared:
        with contextlib.suppress(TypeError):  # a stream that cannot be weakly referenced is not kept
            if handle in _READERS:
                return _READERS[handle]
    if _head(handle, len(GZIP_MAGIC)) != GZIP_MAGIC:
        return handle
    reader = io.BufferedReader(_GzipReader(handle, name), buffer_size=_READ_BUFFER)
    if shared:
        with contextlib.suppress(TypeError):
            _READERS[handle] = reader
    return reader


def _head(handle: IO[bytes], size: int) -> bytes:
    """The first ``size`` bytes still to be read from ``handle``, without consuming them (b"" if it cannot tell)."""
    if hasattr(handle, "peek"):
        return handle.peek(size)[:size]
    if getattr(handle, "seekable", lambda: False)():  # anything iterable yielding lines is read as it is
        position = handle.tell()
        head = handle.read(size)
        handle.seek(position)
        return head
    return b""


class _GzipReader(io.RawIOBase):
    """The decompressed bytes of a gzip stream (any number of members, as ``gzip`` and ``bgzip`` write).

    Damaged data becomes an :class:`InputError` at the first line not decompressed in full, since the
    readers above count lines of decompressed text.
    """

    def __init__(self, handle: IO[bytes], name: str) -> None:
        super().__init__()
        self._gzip = gzip.GzipFile(fileobj=handle, mode="rb")
        self.name = name
        self._lines = 0  # complete lines given so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        try:
            count = self._gzip.readinto1(buffer)
        except EOFError:
            raise InputError(
                self.name, self._lines + 1, "gzip data ends early: the compressed file is truncated"
            ) from None
        except (OSError, zlib.error) as exc:
            raise InputError(self.name, self._lines + 1, f"damaged gzip data ({exc})") from None
        self._lines += memoryview(buffer)[:count].tobytes().count(b"\n")
        return count

    def close(self) -> None:
        self._gzip.close()  # not the file under it, which its opener closes
        super().close()


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

    def __init__(self, handle: IO[Any], name: str) -> None:
        self._handle = handle
        self._name = name

    def write(self, data: Any) -> int:  # str or bytes, as the wrapped file takes
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

    def __getattr__(self, name: str) -> Any:  # delegation
        return getattr(self._handle, name)


def _output_error(name: str, exc: OSError) -> OutputError | BrokenPipeError:
    """The error to raise for a failed write: a closed pipe stays a :class:`BrokenPipeError` (the reader
    went away, as with ``| head``: not a failure of the run), anything else is an :class:`OutputError`."""
    if isinstance(exc, BrokenPipeError):
        return exc
    return OutputError(name, exc.strerror or str(exc))


@contextlib.contextmanager
def atomic_writer(target: PathLike | None, *, mode: str = "w", compress: bool = False) -> Iterator[IO[Any]]:
    """Write to ``target`` through a temporary file renamed into place only on success.

    ``target`` of None or ``-`` writes to standard output; an existing target that is not a regular
    file (``/dev/null``, a FIFO) is written directly, since it cannot be replaced. If the body raises
    (bad input found half-way, Ctrl-C, SIGTERM, disk full), the temporary file is removed and
    ``target`` is left untouched, so a failed run never leaves a half-written output. A killed
    process (SIGKILL) can leave its temporary file ``.NAME.XXXX.tmp`` behind, never a partial
    ``target``. Errors writing (no such directory, read-only, disk full) are raised as
    :class:`~relclf.errors.OutputError`; a closed pipe (the reader went away) as
    :class:`BrokenPipeError`.

    ``compress`` writes the file gzip-compressed (text mode: the UTF-8 text compressed), with no
    name or time in its header (as ``gzip -n``), so that the same content gives the same bytes.
    Standard output is never compressed.
    """
    if target is None or str(target) == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        writer = CheckedWriter(stream, "<stdout>")
        yield cast(IO[Any], writer)  # it delegates everything else to the file
        writer.flush()
        return
    path = Path(target)
    if path.exists() and not path.is_file() and not path.is_dir():
        yield from _write_in_place(path, mode, compress)
        return
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _output_error(str(target), exc) from None
    raw = os.fdopen(fd, "wb")
    layers = _Layers(raw, mode, compress)
    try:
        writer = CheckedWriter(layers.top, str(target))
        yield cast(IO[Any], writer)  # it delegates everything else to the file
        try:
            layers.finish(sync=True)
        except OSError as exc:
            raise _output_error(str(target), exc) from None
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs follow the umask
        try:
            os.replace(tmp_name, path)
        except OSError as exc:
            raise _output_error(str(target), exc) from None
    except BaseException:
        layers.abandon()
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


class _Layers:
    """The streams an output is written through: a binary file, gzip when compressing, text on top."""

    def __init__(self, raw: IO[bytes], mode: str, compress: bool) -> None:
        self.raw = raw
        self.gzip = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") if compress else None
        # typeshed's GzipFile is a BufferedIOBase, not an IO[bytes], although it is a binary file
        binary: IO[bytes] = self.gzip if self.gzip is not None else raw  # type: ignore[assignment]
        self.top: IO[Any] = binary if "b" in mode else io.TextIOWrapper(binary, encoding="utf-8", newline="")

    def finish(self, *, sync: bool) -> None:
        """Flush every layer (the gzip trailer included), sync the file to disk if ``sync``, and close it."""
        self.top.flush()
        if self.gzip is not None:
            self.gzip.close()  # writes the trailer; the file under it stays open
        self.raw.flush()
        if sync:
            os.fsync(self.raw.fileno())
        self.raw.close()

    def abandon(self) -> None:
        """Close everything without reporting errors (closing flushes, which fails again on a full disk)."""
        for stream in (self.top, self.gzip, self.raw):
            with contextlib.suppress(OSError, ValueError, EOFError):
                if stream is not None:
                    stream.close()


def _write_in_place(path: Path, mode: str, compress: bool) -> Iterator[IO[Any]]:
    """Write directly to a device or FIFO (no temporary file can replace it)."""
    try:
        raw = open(path, "wb")
    except OSError as exc:
        raise _output_error(str(path), exc) from None
    layers = _Layers(raw, mode, compress)
    try:
        writer = CheckedWriter(layers.top, str(path))
        yield cast(IO[Any], writer)  # it delegates everything else to the file
        try:
            layers.finish(sync=False)
        except OSError as exc:
            raise _output_error(str(path), exc) from None
    finally:
        layers.abandon()


def expand_inputs(inputs: Sequence[PathLike], *, accept: Callable[[Path], str | None] | None = None) -> list[Path]:
    """Turn input arguments into the list of files they name, in a stable order.

    Each argument is a file, a directory (its visible regular files, sorted by name; not the files of
    its subdirectories) or a glob pattern (its matching files, sorted; ``**`` matches any number of
    subdirectories, so ``'dump/**/*.pubtator'`` reads a tree). ``accept``, when given, is asked about
    each file of a directory: it returns None to take the file, or why the file is left out; the files
    and the subdirectories a directory leaves out are named in one warning per directory. Files named
    directly or by a pattern are always taken (reading them reports what is wrong). Raises
    :class:`InputError` for an argument that names nothing and for a file named twice.
    """
    files: list[Path] = []
    for item in inputs:
        text = str(item)
        path = Path(item)
        if path.is_dir():
            files.extend(_directory_files(path, accept))
        elif path.exists():  # a file, or a named pipe or device read as one
            files.append(path)
        elif glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
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


_NAMED = 10  # skipped files named in a warning; the rest are counted


def _directory_files(directory: Path, accept: Callable[[Path], str | None] | None) -> list[Path]:
    """The visible regular files of ``directory`` that ``accept`` takes, sorted; one warning names the
    others and the visible subdirectories, which are not read (a tree is read with a ``**`` pattern)."""
    taken, skipped, subdirectories = [], [], []
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith(".")):
        if path.is_dir():
            subdirectories.append(f"{path.name}/")
            continue
        if not path.is_file():
            continue
        reason = accept(path) if accept is not None else None
        if reason is None:
            taken.append(path)
        else:
            skipped.append(f"{path.name} ({reason})")
    if skipped:
        more = f" and {len(skipped) - _NAMED} more" if len(skipped) > _NAMED else ""
        log.warning(
            "%s: skipped %d file(s) that hold no documents: %s%s",
            directory,
            len(skipped),
            ", ".join(skipped[:_NAMED]),
            more,
        )
    if subdirectories:
        more = f" and {len(subdirectories) - _NAMED} more" if len(subdirectories) > _NAMED else ""
        one = len(subdirectories) == 1
        log.warning(
            "%s: skipped %d subdirector%s, not read: %s%s (to read %s files, name %s or give a pattern such as '%s')",
            directory,
            len(subdirectories),
            "y" if one else "ies",
            ", ".join(subdirectories[:_NAMED]),
            more,
            "its" if one else "their",
            "it" if one else "them",
            Path(directory, "**", "*.pubtator"),
        )
    return taken


# -- outputs that must not replace inputs ------------------------------------------------------------


def check_outputs(outputs: Iterable[PathLike | None], inputs: Iterable[PathLike | None]) -> None:
    """Refuse, before anything is read or written, outputs that would replace an input or each other.

    A file is recognized however it is named: the same path, a path through ``..`` or a symbolic link
    (compared resolved), or a hard link (same device and inode). Standard input and output (``-``,
    None) are left out, and so are existing outputs that are not regular files (``/dev/null``, a
    FIFO), which are written in place, not replaced.

    Raises
    ------
    InputError
        ``OUTPUT:0: is the input INPUT; ...`` or ``OUTPUT:0: is named twice among the outputs``.
    """
    known: dict[object, str] = {}
    for source in inputs:
        if isinstance(source, (str, os.PathLike)) and str(source) != "-":  # open streams are no files to compare
            for key in _identities(Path(source)):
                known.setdefault(key, str(source))
    written: dict[object, str] = {}
    for target in outputs:
        if not isinstance(target, (str, os.PathLike)) or str(target) == "-":
            continue
        path = Path(target)
        with contextlib.suppress(OSError):
            if not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
                continue
        keys = _identities(path)
        clash = next((known[k] for k in keys if k in known), None)
        if clash is not None:
            how = "" if clash == str(target) else " (the same file by another name)"
            raise InputError(
                str(target), 0, f"is the input {clash}{how}; writing it would destroy that input: choose another output"
            )
        if any(k in written for k in keys):
            raise InputError(str(target), 0, "is named twice among the outputs")
        written.update(dict.fromkeys(keys, str(target)))


def _identities(path: Path) -> list[object]:
    """What identifies the file ``path`` names: its resolved path and, if it exists, its device and inode."""
    keys: list[object] = [os.path.realpath(path)]
    with contextlib.suppress(OSError):
        info = path.stat()
        keys.append((info.st_dev, info.st_ino))
    return keys


def check_writable(target: PathLike | None) -> None:
    """Check, before a long run, that ``target`` can be written: raise :class:`OutputError` if not.

    A temporary file is created (and removed) beside it, which is what writing will do; that is the
    only reliable test (permissions do not stop root, a read-only mount does). Standard output and
    existing devices or FIFOs pass.
    """
    if target is None or str(target) == "-":
        return
    path = Path(target)
    if path.is_dir():
        raise OutputError(str(target), "Is a directory")
    if path.exists() and not path.is_file():
        return
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else "."
        )
    except OSError as exc:
        raise OutputError(str(target), exc.strerror or str(exc)) from None
    os.close(fd)
    os.unlink(name)
