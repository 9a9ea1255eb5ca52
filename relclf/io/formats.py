"""Choosing the file format: detection from extension and content, and one reader/writer entry point.

Input formats: ``pubtator``, ``bioc-xml``, ``bioc-json``. Output formats: these three plus
``jsonl`` and ``tsv`` (one relation per row, see :mod:`relclf.io.rows`; they cannot be read back as
documents since they do not hold the text) and ``html`` (a review page, see :mod:`relclf.io.html`).

Detection (used when no format is given): an input whose extension names a BioC format (``.xml``,
``.bioc``, ``.json``, ``.jsonl``) is read as that format; any other input (``.pubtator``, ``.txt``,
no extension, standard input) is recognized by its first non-blank byte: ``<`` is BioC XML, ``{`` or
``[`` is BioC JSON, anything else PubTator. Outputs follow their extension (``.xml``, ``.json``,
``.jsonl``, ``.tsv``, ``.html``/``.htm``; anything else and standard output are PubTator).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from ..document import Document
from ..errors import ErrorHandler, RelclfError
from .bioc_json import read_bioc_json, write_bioc_json
from .bioc_xml import read_bioc_xml, write_bioc_xml
from .files import PathLike, atomic_writer, display_name, open_binary
from .html import write_html
from .pubtator import read_pubtator, write_pubtator
from .rows import write_jsonl, write_tsv

__all__ = ["INPUT_FORMATS", "OUTPUT_FORMATS", "detect_format", "detect_output_format", "read_documents", "write_documents"]

INPUT_FORMATS = ("pubtator", "bioc-xml", "bioc-json")
OUTPUT_FORMATS = (*INPUT_FORMATS, "jsonl", "tsv", "html")

_INPUT_EXTENSIONS = {".xml": "bioc-xml", ".bioc": "bioc-xml", ".json": "bioc-json", ".jsonl": "bioc-json"}
_OUTPUT_EXTENSIONS = {".xml": "bioc-xml", ".bioc": "bioc-xml", ".json": "bioc-json", ".jsonl": "jsonl", ".tsv": "tsv", ".html": "html", ".htm": "html"}
_SNIFF_BYTES = 64 * 1024
#: the extension an output of each format gets when relclf names it (``predict --output-dir``)
OUTPUT_EXTENSIONS = {"pubtator": ".pubtator", "bioc-xml": ".xml", "bioc-json": ".json", "jsonl": ".jsonl", "tsv": ".tsv", "html": ".html"}


def detect_format(source: PathLike | IO[bytes]) -> str:
    """Return the input format of ``source`` (a path, ``-`` or a binary stream), per the module rules.

    A stream is left at the position it had (it must be seekable or peekable, as files and standard
    input are). Raises :class:`InputError` when a path cannot be opened.

    Examples
    --------
    >>> import io
    >>> detect_format(io.BytesIO(b"  <?xml version='1.0'?><collection/>")), detect_format(io.BytesIO(b"1|t|Title"))
    ('bioc-xml', 'pubtator')
    """
    if isinstance(source, (str, os.PathLike)) and str(source) != "-":
        by_extension = _INPUT_EXTENSIONS.get(Path(source).suffix.lower())
        if by_extension:
            return by_extension
        with open_binary(source) as handle:
            return _sniff(handle.read(_SNIFF_BYTES))
    with open_binary(source) as handle:
        return _sniff(_peek(handle))


def _peek(handle: IO[bytes]) -> bytes:
    if hasattr(handle, "peek"):
        return handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if handle.seekable():
        position = handle.tell()
        head = handle.read(_SNIFF_BYTES)
        handle.seek(position)
        return head
    raise RelclfError(f"{display_name(handle)}: cannot detect the format of this stream; give it explicitly")


def _sniff(head: bytes) -> str:
    stripped = head.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if stripped.startswith(b"<"):
        return "bioc-xml"
    if stripped.startswith((b"{", b"[")):
        return "bioc-json"
    return "pubtator"


def detect_output_format(target: PathLike | None) -> str:
    """Return the output format for ``target`` from its extension; ``pubtator`` for stdout and others."""
    if target is None or str(target) == "-":
        return "pubtator"
    return _OUTPUT_EXTENSIONS.get(Path(target).suffix.lower(), "pubtator")


def _check(format: str, allowed: tuple[str, ...], what: str) -> str:
    if format not in allowed:
        raise RelclfError(f"unknown {what} format {format!r}; choose from {', '.join(allowed)}")
    return format


def read_documents(
    source: PathLike | IO[bytes],
    format: str | None = None,
    *,
    on_error: ErrorHandler | None = None,
    allow_empty: bool = False,
) -> Iterator[Document]:
    """Stream the documents of ``source`` in any input format.

    Parameters
    ----------
    source : path, ``"-"`` or binary stream
    format : str, optional
        One of :data:`INPUT_FORMATS`; detected (see :func:`detect_format`) when None.
    on_error : callable, optional
        Skip invalid documents, reporting each :class:`InputError` to this callback (default: raise).
    allow_empty : bool, default False
        Accept an input without documents.

    Yields
    ------
    Document
        In input order.
    """
    if format is None and _is_pipe(source):
        return _read_pipe(source, on_error=on_error, allow_empty=allow_empty)
    format = _check(format or detect_format(source), INPUT_FORMATS, "input")
    return _READERS[format](source, on_error=on_error, allow_empty=allow_empty)


def _is_pipe(source: PathLike | IO[bytes]) -> bool:
    """True for a path naming a FIFO or device without a format extension: its head can be read once only."""
    if not isinstance(source, (str, os.PathLike)) or str(source) == "-" or Path(source).suffix.lower() in _INPUT_EXTENSIONS:
        return False
    path = Path(source)
    return path.exists() and not path.is_file() and not path.is_dir()


def _read_pipe(source: PathLike, **kwargs) -> Iterator[Document]:
    # open once, detect the format from the buffered head, and read on from the same handle
    with open_binary(source) as handle:
        yield from _READERS[_sniff(_peek(handle))](handle, **kwargs)


_READERS = {"pubtator": read_pubtator, "bioc-xml": read_bioc_xml, "bioc-json": read_bioc_json}


def write_documents(
    documents: Iterable[Document],
    target: PathLike | IO[str] | None,
    format: str | None = None,
    *,
    with_scores: bool = False,
) -> int:
    """Write ``documents`` to ``target`` in an output format; return the number of documents written.

    Parameters
    ----------
    documents : iterable of Document
        Consumed lazily: reading errors raised while iterating abort the write.
    target : path, ``"-"``/None (standard output) or an open text stream
        A path is written through a temporary file renamed into place only when every document
        succeeded, so a failed run leaves no output.
    format : str, optional
        One of :data:`OUTPUT_FORMATS`; from the target's extension when None.
    with_scores : bool, default False
        PubTator only: add each relation's score as a sixth column (the other formats always carry
        scores).
    """
    is_stream = target is not None and not isinstance(target, (str, os.PathLike))
    format = _check(format or ("pubtator" if is_stream else detect_output_format(target)), OUTPUT_FORMATS, "output")  # type: ignore[arg-type]
    if is_stream:
        return _write(documents, target, format, with_scores)  # type: ignore[arg-type]
    with atomic_writer(target, mode="wb" if format == "bioc-xml" else "w") as handle:  # type: ignore[arg-type]
        return _write(documents, handle, format, with_scores)


def _write(documents: Iterable[Document], handle: IO, format: str, with_scores: bool) -> int:
    if format == "pubtator":
        return write_pubtator(documents, handle, with_scores=with_scores)
    if format == "bioc-xml":
        return write_bioc_xml(documents, handle)
    writer = {"bioc-json": write_bioc_json, "jsonl": write_jsonl, "tsv": write_tsv, "html": write_html}[format]
    return writer(documents, handle)


def documents_from_bytes(data: bytes, format: str | None = None, **kwargs) -> list[Document]:
    """Read all documents from bytes in memory (handy in tests and notebooks)."""
    return list(read_documents(io.BytesIO(data), format, **kwargs))
