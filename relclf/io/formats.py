"""Choosing the file format: detection from extension and content, and one reader/writer entry point.

Input formats: ``pubtator``, ``bioc-xml``, ``bioc-json``. Output formats: these three plus
``jsonl``, ``tsv`` and ``parquet`` (one relation per row, see :mod:`relclf.io.rows`; they cannot be
read back as documents since they do not hold the text; Parquet needs pyarrow), and ``html`` (a review
page, see :mod:`relclf.io.html`).

Detection (used when no format is given): an input whose extension names a BioC format (``.xml``,
``.bioc``, ``.json``, ``.jsonl``) is read as that format; any other input (``.pubtator``, ``.txt``,
no extension, standard input) is recognized by its first non-blank byte: ``<`` is BioC XML, ``{`` or
``[`` is BioC JSON, anything else PubTator. Outputs follow their extension (``.pubtator``/``.txt``,
``.xml``/``.bioc``, ``.json``, ``.jsonl``/``.ndjson``, ``.tsv``/``.tab``, ``.parquet``, ``.html``/``.htm``);
standard output and a name without extension are PubTator, and any other extension is refused unless the
format is given.

gzip: any input may be gzip-compressed (recognized by its content, see
:func:`relclf.io.files.open_binary`); the extension before ``.gz`` names the format (``x.xml.gz`` is
BioC XML). An output whose name ends in ``.gz`` is written gzip-compressed, in the format its inner
extension names (``out.xml.gz``: BioC XML; ``out.gz``: PubTator).

Arguments that name many inputs: :func:`input_files` gives the document files that files, directories
and glob patterns name, and :func:`output_paths` pairs each with its output in a directory.
"""

from __future__ import annotations

import importlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..document import Document
from ..errors import ErrorHandler, InputError, RelclfError, UsageError
from .files import (
    PathLike,
    atomic_writer,
    check_outputs,
    display_name,
    expand_inputs,
    inner_suffix,
    is_gzip_name,
    open_binary,
)
from .rows import require_pyarrow

if TYPE_CHECKING:
    from .pubtator import Formatted

__all__ = [
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "detect_format",
    "detect_output_format",
    "document_file_problem",
    "input_files",
    "is_single_pass",
    "known_format",
    "output_format_of",
    "output_name",
    "output_paths",
    "probe_input",
    "read_documents",
    "write_documents",
]

INPUT_FORMATS = ("pubtator", "bioc-xml", "bioc-json")
OUTPUT_FORMATS = (*INPUT_FORMATS, "jsonl", "tsv", "parquet", "html")

_INPUT_EXTENSIONS = {".xml": "bioc-xml", ".bioc": "bioc-xml", ".json": "bioc-json", ".jsonl": "bioc-json"}
# an output's format from its extension (the inner one under .gz); no extension is PubTator too, and any
# other extension is refused (``out.csv`` must not silently become PubTator)
_OUTPUT_EXTENSIONS = {
    ".pubtator": "pubtator",
    ".txt": "pubtator",  # BC5CDR's CDR_*.PubTator.txt, PubTator3's exports
    ".xml": "bioc-xml",
    ".bioc": "bioc-xml",
    ".json": "bioc-json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".html": "html",
    ".htm": "html",
}
_SNIFF_BYTES = 64 * 1024
#: the extension an output of each format gets when relclf names it (``predict --output-dir``)
OUTPUT_EXTENSIONS = {
    "pubtator": ".pubtator",
    "bioc-xml": ".xml",
    "bioc-json": ".json",
    "jsonl": ".jsonl",
    "tsv": ".tsv",
    "parquet": ".parquet",
    "html": ".html",
}
_BINARY_OUTPUTS = ("bioc-xml", "parquet")


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
        by_extension = _INPUT_EXTENSIONS.get(inner_suffix(source))
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


# What the head of a file of each format looks like (after blanks and a byte-order mark): a PubTator
# title or abstract line; an XML declaration, comment, doctype or element naming a BioC collection or
# document; JSON holding BioC documents or passages.
_LOOKS_LIKE = {
    "pubtator": re.compile(rb"[^\t|\r\n]+\|[ta]\|"),
    "bioc-xml": re.compile(rb"<[?!a-zA-Z][^\x00]*?<(collection|document)[\s>]"),
    "bioc-json": re.compile(rb"[{\[][^\x00]*?\"(documents|passages)\"\s*:"),
}


def probe_input(path: PathLike, format: str | None = None) -> tuple[str, bytes]:
    """Open the file at ``path``, read its head (decompressed) and return ``(format, head)``.

    ``format`` is the one given or the one :func:`detect_format` finds. This checks an input before a
    run writes anything: a missing, unreadable or damaged (gzip) file raises :class:`InputError`.
    """
    format = _check(format or detect_format(path), INPUT_FORMATS, "input")
    with open_binary(path) as handle:
        head = handle.read(_SNIFF_BYTES)
    return format, head


def document_file_problem(path: PathLike) -> str | None:
    """Why the file at ``path`` holds no documents, or None when its head looks like its format's.

    Used to pick the document files of a directory (bulk dumps also hold checksums, READMEs, logs):
    the file's head (decompressed) must look like the format :func:`detect_format` finds for it.
    Returns ``"empty"`` or ``"not PubTator or BioC"``; a file that cannot be read, or whose gzip
    data is damaged, raises :class:`InputError` (it may be a document file).
    """
    format, head = probe_input(path)
    stripped = head.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not stripped:
        return "empty"
    if not _LOOKS_LIKE[format].match(stripped):
        return "not PubTator or BioC"
    return None


def detect_output_format(target: PathLike | None) -> str:
    """Return the output format for ``target`` from its extension (the one before ``.gz``): ``pubtator``
    for standard output (None, ``-``) and a name without extension.

    Raises :class:`~relclf.errors.UsageError` naming the known extensions for any other extension
    (``out.csv``): a format relclf does not write must be asked for by its name, not guessed.

    >>> detect_output_format("out.ndjson"), detect_output_format("out.XML.gz"), detect_output_format("out")
    ('jsonl', 'bioc-xml', 'pubtator')
    """
    if target is None or str(target) == "-":
        return "pubtator"
    suffix = inner_suffix(target)
    if not suffix:
        return "pubtator"
    if suffix not in _OUTPUT_EXTENSIONS:
        known = ", ".join(
            f"{'/'.join(s for s, f in _OUTPUT_EXTENSIONS.items() if f == format)} ({format})"
            for format in dict.fromkeys(_OUTPUT_EXTENSIONS.values())
        )
        raise UsageError(
            f"{target}: unknown output extension {suffix!r}; relclf writes {known}, and PubTator without extension "
            "(or give the output format explicitly)"
        )
    return _OUTPUT_EXTENSIONS[suffix]


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
    if format is None and _read_once(source):
        return _read_pipe(source, on_error=on_error, allow_empty=allow_empty)
    format = _check(format or detect_format(source), INPUT_FORMATS, "input")
    return _function(_READERS, format)(source, on_error=on_error, allow_empty=allow_empty)


def known_format(source: PathLike | IO[bytes], format: str | None = None) -> str | None:
    """The input format of ``source`` when it can be known before the source is read: ``format`` when
    given, else the one :func:`detect_format` finds (by name, or by peeking at the head of a file,
    standard input or an open stream). None for a FIFO or device named without a format extension,
    whose head can be read only once (:func:`read_documents` finds its format while reading it)."""
    if format is not None:
        return _check(format, INPUT_FORMATS, "input")
    if isinstance(source, (str, os.PathLike)) and str(source) != "-" and _read_once(source):
        return None
    return detect_format(source)


def _read_once(source: PathLike | IO[bytes]) -> bool:
    """True for a source whose format must be found from its content while it is read: standard input,
    an open stream, or a FIFO or device without a format extension (their head can be read once only)."""
    if not isinstance(source, (str, os.PathLike)) or str(source) == "-":
        return True
    if inner_suffix(source) in _INPUT_EXTENSIONS:
        return False
    path = Path(source)
    return path.exists() and not path.is_file() and not path.is_dir()


def is_single_pass(source: PathLike | IO[bytes]) -> bool:
    """True for an input that can be read only once: standard input (``-``), an open stream, a named pipe
    or a device.

    >>> is_single_pass("-"), is_single_pass("examples/36727001.pubtator")
    (True, False)
    """
    if not isinstance(source, (str, os.PathLike)) or str(source) == "-":
        return True
    path = Path(source)
    return path.exists() and not path.is_file() and not path.is_dir()


def _read_pipe(source: PathLike | IO[bytes], **kwargs: Any) -> Iterator[Document]:
    # open once, detect the format from the buffered head, and read on from the same handle
    with open_binary(source) as handle:
        yield from _function(_READERS, _sniff(_peek(handle)))(handle, **kwargs)


# format -> (module of relclf.io, function): imported on first use, so that reading and writing
# PubTator never loads the BioC libraries (lxml), which would slow every start-up
_READERS = {
    "pubtator": ("pubtator", "read_pubtator"),
    "bioc-xml": ("bioc_xml", "read_bioc_xml"),
    "bioc-json": ("bioc_json", "read_bioc_json"),
}
_WRITERS = {
    "pubtator": ("pubtator", "write_pubtator"),
    "bioc-xml": ("bioc_xml", "write_bioc_xml"),
    "bioc-json": ("bioc_json", "write_bioc_json"),
    "jsonl": ("rows", "write_jsonl"),
    "tsv": ("rows", "write_tsv"),
    "parquet": ("rows", "write_parquet"),
    "html": ("html", "write_html"),
}


def _function(table: dict[str, tuple[str, str]], format: str) -> Callable[..., Any]:
    module, name = table[format]
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def output_format_of(target: PathLike | IO[Any] | None, format: str | None = None) -> str:
    """The output format for ``target``: ``format`` if given, else from the target's name (see
    :func:`detect_output_format`; PubTator for an open stream).

    Raises :class:`RelclfError` when that format cannot be written there (unknown, or Parquet without
    pyarrow or under a ``.gz`` name), so that a run can fail before it does any work.
    """
    path = target if target is None or isinstance(target, (str, os.PathLike)) else None  # None for a stream
    is_stream = target is not None and path is None
    format = _check(format or ("pubtator" if is_stream else detect_output_format(path)), OUTPUT_FORMATS, "output")
    if format == "parquet":
        if not is_stream and is_gzip_name(path):
            raise RelclfError(f"{target}: Parquet compresses its columns itself; name the output without .gz")
        require_pyarrow()
    return format


def write_documents(
    documents: Iterable[Document | Formatted],
    target: PathLike | IO[Any] | None,
    format: str | None = None,
    *,
    with_scores: bool = False,
) -> int:
    """Write ``documents`` to ``target`` in an output format; return the number of documents written.

    Parameters
    ----------
    documents : iterable of Document
        Consumed lazily: reading errors raised while iterating abort the write. For PubTator output,
        an item may also be a :class:`~relclf.io.pubtator.Formatted` document (already rendered).
    target : path, ``"-"``/None (standard output) or an open stream
        A path is written through a temporary file renamed into place only when every document
        succeeded, so a failed run leaves no output; a name ending in ``.gz`` is written
        gzip-compressed. An open stream is text, or binary for BioC XML and Parquet.
    format : str, optional
        One of :data:`OUTPUT_FORMATS`; from the target's extension when None (see :func:`output_format_of`).
    with_scores : bool, default False
        PubTator only: add each relation's score as a sixth column (the other formats always carry
        scores).
    """
    format = output_format_of(target, format)
    if target is not None and not isinstance(target, (str, os.PathLike)):
        return _write(documents, target, format, with_scores)
    mode = "wb" if format in _BINARY_OUTPUTS else "w"
    with atomic_writer(target, mode=mode, compress=is_gzip_name(target)) as handle:
        return _write(documents, handle, format, with_scores)


def _write(documents: Iterable[Document | Formatted], handle: IO[Any], format: str, with_scores: bool) -> int:
    writer = _function(_WRITERS, format)
    return writer(documents, handle, with_scores=with_scores) if format == "pubtator" else writer(documents, handle)


# -- the files that arguments name ---------------------------------------------------------------
def input_files(inputs: Sequence[PathLike]) -> list[Path | str]:
    """The files that input arguments name: files, ``-``, and the document files of directories and
    glob patterns (see :func:`relclf.io.files.expand_inputs` and :func:`document_file_problem`), in
    order. Raises :class:`~relclf.errors.InputError` when they name none."""
    files: list[Path | str] = []
    for item in inputs:
        files.extend(["-"] if str(item) == "-" else expand_inputs([item], accept=document_file_problem))
    if not files:
        raise InputError(str(inputs[0]) if inputs else "-", 0, "no input files (no file here holds documents)")
    return files


def output_paths(
    inputs: Sequence[PathLike], output_dir: PathLike, output_format: str | None = None
) -> list[tuple[Path, Path]]:
    """Pair each input file (see :func:`relclf.io.files.expand_inputs`) with its output in ``output_dir``.

    The output keeps the input's file name, or its stem with the extension of ``output_format`` when
    one is given (a compressed input, ``a.xml.gz``, gives a compressed output, ``a.tsv.gz``). A
    directory gives the files that hold documents (:func:`document_file_problem`) and names the
    others in a warning. Raises :class:`~relclf.errors.InputError` when two outputs would have the
    same name or an output would replace an input.
    """
    files = expand_inputs(inputs, accept=document_file_problem)
    if not files:
        raise InputError(str(inputs[0]) if inputs else "-", 0, "no input files (no file here holds documents)")
    directory = Path(output_dir)
    by_name: dict[str, Path] = {}
    pairs = []
    for source in files:
        name = source.name if output_format is None else output_name(source, output_format)
        if name in by_name:
            raise InputError(
                str(source), 0, f"has the same output name as {by_name[name]}; their outputs in {directory} would clash"
            )
        by_name[name] = source
        pairs.append((source, directory / name))
    check_outputs([t for _, t in pairs], files)
    return pairs


def output_name(source: Path, output_format: str) -> str:
    """``source``'s name with the extension of ``output_format``, compressed as it is.

    >>> output_name(Path("in/a.xml.gz"), "tsv"), output_name(Path("b.pubtator"), "bioc-json")
    ('a.tsv.gz', 'b.json')
    """
    compressed = is_gzip_name(source)
    base = Path(source.name[: -len(".gz")] if compressed else source.name)
    return base.stem + OUTPUT_EXTENSIONS[output_format] + (".gz" if compressed else "")


def documents_from_bytes(data: bytes, format: str | None = None, **kwargs: Any) -> list[Document]:
    """Read all documents from bytes in memory (handy in tests and notebooks)."""
    return list(read_documents(io.BytesIO(data), format, **kwargs))
