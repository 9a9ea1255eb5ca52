"""Reading and writing PubTator files, streaming, with strict validation.

The reader yields one :class:`~relclf.document.Document` at a time and holds only the current
document's lines (plus the set of document IDs seen, to reject duplicates). Every violation raises
:class:`~relclf.errors.InputError` naming the file and line; with ``on_error`` the smallest invalid
unit is skipped instead and the callback gets the error: an invalid mention or relation line alone
(the document is kept without it), or the whole document when its title or abstract line, or its
structure, is broken.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from ..document import Document, Mention, Relation
from ..errors import ErrorHandler, InputError, RelclfError
from .files import PathLike, display_name, open_binary
from .pubtator3 import normalize_variants
from .validation import Repaired, checked_document, parse_offset, shown, valid_documents

__all__ = ["Chunk", "Formatted", "format_document", "parse_chunk", "read_chunks", "read_pubtator", "write_pubtator"]

_INT = re.compile(r"-?\d+")
_SCORE = re.compile(r"[01]?\.\d+|[01]")
_MAX_MENTION_COLUMNS = 7


def read_pubtator(
    source: PathLike | IO[bytes],
    *,
    on_error: ErrorHandler | None = None,
    allow_empty: bool = False,
) -> Iterator[Document]:
    """Stream the documents of a PubTator file.

    Parameters
    ----------
    source : path, ``"-"`` or binary file
        The file to read; ``"-"`` reads standard input.
    on_error : callable, optional
        Called with the :class:`InputError` of each invalid mention or relation line, which is then
        dropped (its document kept), and of each invalid document, which is then skipped. When None
        (strict), the first error raises.
    allow_empty : bool, default False
        Accept a file with no document at all (otherwise that is an error).

    Yields
    ------
    Document
        In file order.

    Raises
    ------
    InputError
        ``FILE:LINE: what is wrong`` for the first violation (strict mode), for a file that cannot be
        opened, or for a file without documents.
    """
    name = display_name(source)
    with open_binary(source) as handle:
        parsed = (_parsed(block, name, lenient=on_error is not None) for block in _blocks(handle))
        yield from valid_documents(
            parsed, name, on_error=on_error, allow_empty=allow_empty, empty_reason="empty file or only blank lines"
        )


_Line = tuple[int, "str | bytes"]
_UNDECODABLE_TITLE = re.compile(rb"[^\t|]+\|t\|")


class _UndecodableTitle(bytes):
    """A title line that is not valid UTF-8: it still starts a new document."""


def _mark_undecodable(raw: bytes) -> bytes:
    return _UndecodableTitle(raw) if _UNDECODABLE_TITLE.match(raw) else raw


def _blocks(handle: IO[bytes], start: int = 1) -> Iterator[list[_Line]]:
    """Group decoded lines into one list per document: blank lines or a new title line separate them.

    Lines are numbered from ``start``. Lines that are not valid UTF-8 are kept as bytes, so that the
    document they belong to can be reported (and skipped) as a whole.
    """
    block: list[_Line] = []
    has_title = False
    for number, raw in enumerate(handle, start=start):
        line: str | bytes
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            line = raw
        if number == 1 and isinstance(line, str):
            line = line.removeprefix("\ufeff")
        if isinstance(line, bytes):
            line = _mark_undecodable(line)
        if isinstance(line, str) and not line.strip():
            if block:
                yield block
            block, has_title = [], False
            continue
        header = _title_match(line) if isinstance(line, str) else None
        is_title = (header is not None and header[1] == "t") or isinstance(line, _UndecodableTitle)
        if is_title and has_title:
            yield block
            block, has_title = [], False
        has_title = has_title or is_title
        block.append((number, line))
    if block:
        yield block


@dataclass(frozen=True)
class Chunk:
    """Consecutive whole documents of a PubTator file, as read: its name, the number of the first
    line, the raw (decompressed) bytes, and how many title lines they hold."""

    name: str
    first_line: int
    data: bytes
    titles: int

    def parse(self, *, lenient: bool = False) -> list[Document | Repaired[Document] | InputError]:
        """What the reader makes of each document of this chunk (:func:`parse_chunk`)."""
        return parse_chunk(self, lenient=lenient)


def read_chunks(source: PathLike | IO[bytes], size: int = 256) -> Iterator[Chunk]:
    """Split a PubTator file into chunks of about ``size`` documents, without parsing them.

    A chunk ends only where a document ends for :func:`read_pubtator` (at a blank line, or before a
    second title line), so :func:`parse_chunk` of each chunk, in order, gives what
    :func:`read_pubtator` gives, with the same line numbers. Parallel prediction sends chunks to
    its workers, which parse them: sending raw bytes costs almost nothing, sending parsed documents
    (pickled objects) about a third of what parsing them does.
    """
    name = display_name(source)
    with open_binary(source) as handle:
        lines: list[bytes] = []
        first = number = 1
        titles = 0
        has_title = False  # the current document has its title line
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():  # a blank line ends a document (ASCII blanks: a subset of what _blocks counts)
                has_title = False
                if titles >= size:
                    lines.append(raw)
                    yield Chunk(name, first, b"".join(lines), titles)
                    lines, first, titles = [], number + 1, 0
                    continue
            elif _UNDECODABLE_TITLE.match(raw):
                if has_title and titles >= size:  # a second title line starts a new document
                    yield Chunk(name, first, b"".join(lines), titles)
                    lines, first, titles = [], number, 0
                has_title = True
                titles += 1
            lines.append(raw)
        if lines:
            yield Chunk(name, first, b"".join(lines), titles)


def parse_chunk(chunk: Chunk, *, lenient: bool = False) -> list[Document | Repaired[Document] | InputError]:
    """What :func:`read_pubtator` makes of each document of ``chunk``, in order: the document, the
    document without its invalid mention and relation lines (only when ``lenient``), or why it is
    invalid. :func:`~relclf.io.validation.valid_documents` turns these into the documents read."""
    return [_parsed(block, chunk.name, lenient=lenient) for block in _blocks(io.BytesIO(chunk.data), chunk.first_line)]


def _title_match(line: str) -> tuple[str, str, str] | None:
    """Split ``PMID|t|text`` or ``PMID|a|text`` into (pmid, tag, text) if it is a title/abstract line."""
    head, sep, rest = line.partition("|")
    if not sep or "\t" in head or len(rest) < 2 or rest[1] != "|" or rest[0] not in "ta":
        return None
    return head, rest[0], rest[2:]


def _parsed(block: list[_Line], name: str, *, lenient: bool) -> Document | Repaired[Document] | InputError:
    """The document of one block, or why it is invalid; when ``lenient``, the document without its
    invalid mention and relation lines, and why each was dropped."""
    dropped: list[InputError] | None = [] if lenient else None
    try:
        document = _parse_block(block, name, dropped)
    except InputError as error:
        return InputError(error.path, error.line, error.message)  # the whole document goes: its scope
    return Repaired(document, tuple(dropped)) if dropped else document


def _parse_block(block: list[_Line], name: str, dropped: list[InputError] | None) -> Document:
    """Turn one document's lines into a validated Document, or raise InputError.

    With ``dropped`` (a list), an invalid mention or relation line is left out and its error
    appended instead; errors of the title and abstract lines and of the document's structure raise.
    """
    first_number, first = block[0]
    header = _title_match(first) if isinstance(first, str) else None
    _check_text_line(name, first_number, first)
    if header is None or header[1] != "t":
        what = "abstract line" if header else "mention or relation line"
        raise InputError(name, first_number, f"{what} before any title line (expected 'PMID|t|title')")
    pmid, _, title = header
    if not pmid.strip():
        raise InputError(name, first_number, "empty document ID in title line")
    abstract: str | None = None
    mentions: list[tuple[int, Mention]] = []
    relations: list[tuple[int, Relation]] = []
    for number, line in block[1:]:
        try:
            parsed = _parse_line(name, number, line, pmid)
        except InputError as error:
            if dropped is None or error.scope == "document":
                raise
            dropped.append(error)
            continue
        if isinstance(parsed, tuple):
            abstract = _abstract_text(name, number, parsed, pmid, abstract)
        elif isinstance(parsed, Relation):
            relations.append((number, parsed))
        else:
            mentions.append((number, parsed))
    if abstract is None:
        raise InputError(name, first_number, f"document {pmid!r} has no abstract line 'PMID|a|...' (truncated?)")
    document = normalize_variants(
        Document(
            pmid=pmid,
            title=title,
            abstract=abstract,
            mentions=tuple(m for _, m in mentions),
            relations=tuple(r for _, r in relations),
            line=first_number,
        )
    )
    return checked_document(
        document, name, [number for number, _ in mentions], [number for number, _ in relations], dropped=dropped
    )


def _parse_line(name: str, number: int, line: str | bytes, pmid: str) -> tuple[str, str, str] | Mention | Relation:
    """One line after the title: an abstract line (as ``_title_match`` splits it), a mention or a relation.

    Raises InputError; its scope is ``mention`` or ``relation`` for a line of this document that
    holds a bad mention or relation (to be dropped alone when skipping), ``document`` otherwise.
    """
    scope = _line_scope(line, pmid)
    try:
        _check_text_line(name, number, line)
    except InputError as error:
        raise InputError(name, number, error.message, scope) from None
    assert isinstance(line, str)
    parsed = _title_match(line)
    if parsed is not None:
        return parsed
    fields = line.split("\t")
    if fields[0] != pmid:
        raise InputError(name, number, _foreign_line_message(fields, pmid))
    if scope == "relation":
        return _parse_relation(name, number, fields)
    return _parse_mention(name, number, fields)


def _line_scope(line: str | bytes, pmid: str) -> str:
    """What a line after the title holds: ``mention`` or ``relation`` (columns after this document's
    ID), or ``document`` (anything else: an abstract line, a foreign or unreadable line)."""
    text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
    fields = text.split("\t")
    if len(fields) < 2 or fields[0] != pmid or _title_match(text) is not None:
        return "document"
    return "relation" if _is_relation_line(fields) else "mention"


def _check_text_line(name: str, number: int, line: str | bytes) -> None:
    if isinstance(line, bytes):
        raise InputError(name, number, "invalid UTF-8")
    if "\x00" in line:
        raise InputError(name, number, "NUL byte in line")


def _abstract_text(name: str, number: int, parsed: tuple[str, str, str], pmid: str, previous: str | None) -> str:
    line_pmid, tag, text = parsed
    if line_pmid != pmid:
        raise InputError(name, number, f"line belongs to document {line_pmid!r} but follows document {pmid!r}")
    if tag == "t" or previous is not None:
        raise InputError(name, number, f"second {'title' if tag == 't' else 'abstract'} line for document {pmid!r}")
    return text


def _foreign_line_message(fields: list[str], pmid: str) -> str:
    if len(fields) == 1:
        return "not a PubTator line (expected 'PMID|t|', 'PMID|a|' or tab-separated columns)"
    return f"line names document {shown(fields[0])} inside document {pmid!r} (missing blank line or title?)"


def _is_relation_line(fields: list[str]) -> bool:
    """Relation lines have 4 to 6 columns (novelty, score) and a label, not an offset, in the second."""
    if len(fields) == 6:  # a scored relation (as --with-scores writes it) or a mention
        return _SCORE.fullmatch(fields[5]) is not None and not _INT.fullmatch(fields[1])
    return len(fields) in (4, 5) and not (_INT.fullmatch(fields[1]) and _INT.fullmatch(fields[2]))


def _parse_relation(name: str, number: int, fields: list[str]) -> Relation:
    label, id1, id2 = fields[1].strip(), fields[2].strip(), fields[3].strip()
    if not label or not id1 or not id2:
        raise InputError(name, number, "relation line with an empty label or ID", "relation")
    novelty = fields[4].strip() if len(fields) >= 5 and fields[4].strip() else None
    score = None
    if len(fields) == 6:
        try:
            score = float(fields[5])
        except ValueError:
            raise InputError(name, number, f"relation score {shown(fields[5])} is not a number", "relation") from None
    return Relation(label=label, id1=id1, id2=id2, novelty=novelty, score=score)


def _parse_mention(name: str, number: int, fields: list[str]) -> Mention:
    if len(fields) < 5:
        raise InputError(name, number, f"mention line has {len(fields)} columns; expected 6 (or 7)", "mention")
    if len(fields) > _MAX_MENTION_COLUMNS:
        raise InputError(
            name, number, f"unknown extra columns: {len(fields)} columns; a mention line has 6 or 7", "mention"
        )
    try:
        start, end = (
            parse_offset(fields[1], "start offset", name, number),
            parse_offset(fields[2], "end offset", name, number),
        )
    except InputError as error:
        raise InputError(name, number, error.message, "mention") from None
    return Mention(
        start=start,
        end=end,
        text=fields[3],
        entity_type=fields[4],
        identifier=fields[5] if len(fields) > 5 else None,
        extra=tuple(fields[6:]),
    )


def format_document(document: Document, *, with_scores: bool = False) -> str:
    r"""Render one document as PubTator text, ending with a blank line.

    Title, abstract and mention lines are reproduced exactly as read; relation lines carry the
    novelty as 5th column when known and, with ``with_scores``, the score as a further column. A
    mention whose text holds a tab (possible in BioC) raises :class:`RelclfError`.

    Examples
    --------
    >>> from relclf.document import Document, Mention, Relation
    >>> doc = Document("1", "A b.", "C.", (Mention(0, 1, "A", "Gene", "7"),), (Relation("Bind", "7", "8", "Novel"),))
    >>> format_document(doc).split("\n")
    ['1|t|A b.', '1|a|C.', '1\t0\t1\tA\tGene\t7', '1\tBind\t7\t8\tNovel', '', '']
    """
    lines = [f"{document.pmid}|t|{document.title}", f"{document.pmid}|a|{document.abstract}"]
    for m in document.mentions:
        if "\t" in m.text:  # BioC carries it; a tab-separated line cannot
            raise RelclfError(
                f"document {document.pmid!r} (line {document.line} of its input): mention text {shown(m.text)} at "
                f"{m.start}-{m.end} holds a tab, which a PubTator mention line cannot hold; write BioC XML or JSON "
                "instead"
            )
        columns = [document.pmid, str(m.start), str(m.end), m.text, m.entity_type]
        if m.written_identifier is not None:
            columns.append(m.written_identifier)
        columns.extend(m.extra)
        lines.append("\t".join(columns))
    for r in document.relations:
        columns = [document.pmid, r.label, r.id1, r.id2]
        if r.novelty is not None or (with_scores and r.score is not None):
            columns.append(r.novelty or "")
        if with_scores and r.score is not None:
            columns.append(f"{r.score:.4f}")
        lines.append("\t".join(columns))
    return "\n".join(lines) + "\n\n"


@dataclass(frozen=True)
class Formatted:
    """A document already rendered by :func:`format_document` (by a worker process), with the ID and
    line that reading it gave, for the checks of :func:`~relclf.io.validation.valid_documents`."""

    pmid: str
    line: int
    text: str


def write_pubtator(documents: Iterable[Document | Formatted], handle: IO[str], *, with_scores: bool = False) -> int:
    """Write ``documents`` (or their :class:`Formatted` text, written as it is) to the text stream
    ``handle``; return how many were written."""
    count = 0
    for document in documents:
        handle.write(
            document.text if isinstance(document, Formatted) else format_document(document, with_scores=with_scores)
        )
        count += 1
    return count
