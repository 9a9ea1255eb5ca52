"""The rules every reader applies to the documents it reads, defined once for all formats.

- :func:`validate_document` / :func:`checked_document`: a document ID a PubTator title line can
  hold, no NUL character anywhere, mention offsets inside the text, end after start, mention text
  equal to the text at its offsets, fields that fit in a tab-separated line (a mention's text may hold
  a tab, which only the PubTator writer refuses), relation IDs carried by
  a mention of the document; :func:`checked_document` can drop invalid mentions and relations alone;
- :func:`parse_offset`: an offset as a non-negative integer;
- :func:`valid_documents`: the reader loop: duplicate document IDs, skipping invalid documents (or
  their invalid mention and relation lines) with ``on_error`` (or raising), and an input without documents;
- :func:`shown`: a value quoted in an error message, cut to a readable length.

Each raises :class:`~relclf.errors.InputError` naming the file and the offending line; the readers
(:mod:`relclf.io.pubtator`, :mod:`relclf.io.bioc_xml`, :mod:`relclf.io.bioc_json`) give the line
numbers of their mentions and relations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from ..document import Document, Mention, Relation, identifier_parts, is_normalized
from ..errors import ErrorHandler, InputError

__all__ = ["Repaired", "checked_document", "parse_offset", "shown", "valid_documents", "validate_document"]

_SHOWN = 60  # characters of a value quoted in an error message (a line may be megabytes long)
# Offsets have at most this many digits: more than any text holds, and int() refuses over 4,300 anyway.
_MAX_DIGITS = 18
# What a PubTator title line 'PMID|t|' cannot hold in its PMID; and what a tab-separated field cannot hold
_BAD_ID = re.compile(r"[|\t\r\n\x00]")
_BAD_FIELD = re.compile(r"[\t\r\n\x00]")
_BAD_TEXT = re.compile(r"[\r\n\x00]")  # a mention's text may hold a tab (BioC carries it; PubTator output refuses it)


def shown(value: object) -> str:
    """``repr(value)``, with a long string cut to a readable length, for error messages.

    Examples
    --------
    >>> shown("BRCA1"), shown(-4)
    ("'BRCA1'", '-4')
    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... (100 characters)"
    """
    if not isinstance(value, str) or len(value) <= _SHOWN:
        return repr(value)
    return f"{value[:_SHOWN]!r}... ({len(value):,} characters)"


def parse_offset(value: object, what: str, path: str, line: int) -> int:
    """Read an offset (or a length): an integer or a string of ASCII digits, not negative.

    Parameters
    ----------
    value : object
        A PubTator column, or a BioC offset or length as decoded.
    what : str
        What the value is, for the message (``"start offset"``, ``"location length"``).
    path, line : str, int
        Where the value is, for the message.

    Returns
    -------
    int

    Raises
    ------
    InputError
        ``WHAT VALUE is not a non-negative integer``.

    Examples
    --------
    >>> parse_offset("12", "start offset", "a.pubtator", 3), parse_offset(7, "passage offset", "a.json", 1)
    (12, 7)
    >>> parse_offset("-1", "end offset", "a.pubtator", 3)
    Traceback (most recent call last):
    relclf.errors.InputError: a.pubtator:3: end offset '-1' is not a non-negative integer
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InputError(path, line, f"{what} {shown(value)} is not a non-negative integer")
    if isinstance(value, int):
        if value < 0:
            raise InputError(path, line, f"{what} {value} is not a non-negative integer")
        if value >= 10**_MAX_DIGITS:  # parsers give at most 4,300 digits, which str() writes back quickly
            raise InputError(path, line, f"{what} {shown(str(value))} is too large for an offset")
        return value
    if not _is_digits(value):
        raise InputError(path, line, f"{what} {shown(value)} is not a non-negative integer")
    if len(value) > _MAX_DIGITS:
        raise InputError(path, line, f"{what} {shown(value)} is too large for an offset")
    return int(value)


def _is_digits(text: str) -> bool:
    # ASCII only: int() also accepts other scripts' digits, which would not be written back as read
    return text.isascii() and text.isdigit()


def validate_document(
    document: Document,
    path: str,
    mention_lines: Sequence[int] | None = None,
    relation_lines: Sequence[int] | None = None,
) -> None:
    """Check a parsed document: its ID and text, its mentions against its text, its relations against its mentions.

    The document ID must be one a PubTator title line ``PMID|t|`` can hold (not empty, no ``|``, tab,
    line break or NUL), and the text must hold no NUL character. Mentions are then checked in order
    (end after start, inside the text, text equal to the text at the offsets, no tab, line break or
    NUL in a field), then relations (no tab, line break or NUL in a field, each ID carried by a
    mention of the document, whole or as a part of a composite or list identifier).

    Parameters
    ----------
    document : Document
    path : str
        The file's name, for messages.
    mention_lines, relation_lines : sequences of int, optional
        The line of each mention and of each relation in the file (one per mention, one per
        relation); ``document.line`` for all when not given.

    Raises
    ------
    InputError
        Naming the line of the first offending mention or relation; its ``scope`` says whether the
        mention, the relation or the whole document is invalid.

    Examples
    --------
    >>> from relclf.document import Document, Mention, Relation
    >>> validate_document(Document("1", "A b.", "C.", (Mention(0, 1, "A", "Gene", "7"),)), "a.pubtator")
    >>> validate_document(Document("1", "A b.", "C.", (Mention(0, 2, "A", "Gene", "7"),)), "a.pubtator", [3])
    Traceback (most recent call last):
    relclf.errors.InputError: a.pubtator:3: mention text 'A' differs from the text at 0-2: 'A '
    """
    checked_document(document, path, mention_lines, relation_lines)


def checked_document(
    document: Document,
    path: str,
    mention_lines: Sequence[int] | None = None,
    relation_lines: Sequence[int] | None = None,
    *,
    dropped: list[InputError] | None = None,
) -> Document:
    """Check ``document`` as :func:`validate_document` does; with ``dropped``, drop invalid parts instead.

    When ``dropped`` is a list, an invalid mention or relation is left out of the returned document
    and its error appended to the list (a relation whose IDs only dropped mentions carried goes too);
    errors that concern the whole document (its ID, its text) are raised all the same.

    Returns
    -------
    Document
        ``document`` itself when nothing was dropped.
    """
    text = document.text
    _check_document_fields(document, path)
    mention_lines = [document.line] * len(document.mentions) if mention_lines is None else mention_lines
    relation_lines = [document.line] * len(document.relations) if relation_lines is None else relation_lines
    kept_mentions, lost_mentions = [], []
    for mention, line in zip(document.mentions, mention_lines, strict=True):
        try:
            _check_mention(mention, text, path, line)
        except InputError as error:
            if dropped is None:
                raise
            dropped.append(error)
            lost_mentions.append(mention)
            continue
        kept_mentions.append(mention)
    known, lost = _known_ids(kept_mentions), _known_ids(lost_mentions)
    kept_relations = []
    for line, relation in zip(relation_lines, document.relations, strict=True):
        try:
            _check_relation(document.pmid, relation, known, lost, path, line)
        except InputError as error:
            if dropped is None:
                raise
            dropped.append(error)
            continue
        kept_relations.append(relation)
    if len(kept_mentions) == len(document.mentions) and len(kept_relations) == len(document.relations):
        return document
    return replace(document, mentions=tuple(kept_mentions), relations=tuple(kept_relations))


def _check_document_fields(document: Document, path: str) -> None:
    if not document.pmid.strip() or _BAD_ID.search(document.pmid):
        raise InputError(
            path,
            document.line,
            f"document ID {shown(document.pmid)} is empty or holds a '|', tab, line break or NUL (a PubTator title "
            "line 'ID|t|' cannot hold it)",
        )
    for what, text in (("title", document.title), ("abstract", document.abstract)):
        if "\x00" in text or "\n" in text or "\r" in text:
            raise InputError(
                path, document.line, f"the {what} of document {document.pmid!r} holds a NUL character or a line break"
            )


def _check_mention(mention: Mention, text: str, path: str, line: int) -> None:
    if mention.end <= mention.start:
        raise InputError(path, line, f"end offset {mention.end} is not after start offset {mention.start}", "mention")
    if mention.end > len(text):
        raise InputError(
            path, line, f"offsets {mention.start}-{mention.end} beyond the text (length {len(text)})", "mention"
        )
    actual = text[mention.start : mention.end]
    if actual != mention.text:
        raise InputError(
            path,
            line,
            f"mention text {shown(mention.text)} differs from the text at {mention.start}-{mention.end}: "
            f"{shown(actual)}",
            "mention",
        )
    if _BAD_TEXT.search(mention.text):
        raise InputError(path, line, f"mention text {shown(mention.text)} holds a line break or NUL", "mention")
    for what, value in (
        ("type", mention.entity_type),
        ("identifier", mention.identifier or ""),
        *(("column", v) for v in mention.extra),
    ):
        if _BAD_FIELD.search(value):
            raise InputError(
                path,
                line,
                f"mention {what} {shown(value)} holds a tab, line break or NUL (a PubTator line cannot hold it)",
                "mention",
            )


def _known_ids(mentions: Iterable[Mention]) -> set[str]:
    """The IDs relations may name: each normalized identifier whole, and its parts."""
    known: set[str] = set()
    for mention in mentions:
        if is_normalized(mention.identifier):
            known.add(mention.identifier.strip())
            known.update(identifier_parts(mention.identifier))
            known.update(identifier_parts(mention.identifier, split_composites=False))
    return known


def _check_relation(pmid: str, relation: Relation, known: set[str], lost: set[str], path: str, line: int) -> None:
    for what, value in (
        ("label", relation.label),
        ("ID", relation.id1),
        ("ID", relation.id2),
        ("novelty", relation.novelty or ""),
    ):
        if _BAD_FIELD.search(value):
            raise InputError(
                path,
                line,
                f"relation {what} {shown(value)} holds a tab, line break or NUL (a PubTator line cannot hold it)",
                "relation",
            )
    for identifier in (relation.id1, relation.id2):
        if identifier not in known:
            why = " (its mentions were dropped as invalid)" if identifier in lost else ""
            raise InputError(
                path,
                line,
                f"relation names ID {shown(identifier)}, which no mention of document {pmid!r} carries{why}",
                "relation",
            )


class _Identified(Protocol):
    """What :func:`valid_documents` needs of a document: its ID and the line it starts on."""

    @property
    def pmid(self) -> str: ...

    @property
    def line(self) -> int: ...


_D = TypeVar("_D", bound=_Identified)


@dataclass(frozen=True)
class Repaired(Generic[_D]):
    """What a reader made of a document it kept after dropping invalid mentions or relations."""

    document: _D
    dropped: tuple[InputError, ...]


def valid_documents(
    items: Iterable[_D | Repaired[_D] | InputError],
    path: str,
    *,
    on_error: ErrorHandler | None = None,
    allow_empty: bool = False,
    empty_reason: str,
) -> Iterator[_D]:
    """The loop of every reader: yield the valid documents of ``items``, in order.

    Parameters
    ----------
    items : iterable of Document, Repaired or InputError
        What the reader made of each document of the file: the document; the document without its
        invalid mentions or relations, and their errors (only when ``on_error`` is given); or why it is invalid.
        (Any object with the ``pmid`` and ``line`` of its document may stand for a Document: parallel
        prediction passes documents already predicted and rendered.)
    path : str
        The file's name, for messages.
    on_error : callable, optional
        Called with each error (an invalid document, a document ID seen before, or a dropped mention or
        relation of a kept document), in file order. When None, the first error is raised.
    allow_empty : bool, default False
        Accept an input without documents. With ``on_error``, an input without valid documents is
        accepted too.
    empty_reason : str
        Said in parentheses after ``no documents found`` when the input holds no document.

    Yields
    ------
    Document

    Raises
    ------
    InputError
        The first error when ``on_error`` is None, and ``no documents found (EMPTY_REASON)`` at line 1.

    Examples
    --------
    >>> from relclf.document import Document
    >>> items = [Document("1", "A.", "B.", line=1), Document("1", "C.", "D.", line=4)]
    >>> errors = []
    >>> [d.line for d in valid_documents(items, "a.pubtator", on_error=errors.append, empty_reason="empty")]
    [1]
    >>> [str(e) for e in errors]
    ["a.pubtator:4: duplicate document ID '1'"]
    """
    seen: set[str] = set()
    for item in items:
        document = item.document if isinstance(item, Repaired) else item
        if not isinstance(document, InputError) and document.pmid in seen:
            item = InputError(path, document.line, f"duplicate document ID {document.pmid!r}")
        if isinstance(item, InputError):
            if on_error is None:
                raise item
            on_error(item)
            continue
        if isinstance(item, Repaired):
            if on_error is None:  # readers drop parts only when asked to skip
                raise item.dropped[0]
            for error in sorted(item.dropped, key=lambda e: e.line):
                on_error(error)
            item = item.document
        seen.add(item.pmid)
        yield item
    if not seen and not allow_empty and on_error is None:
        raise InputError(path, 1, f"no documents found ({empty_reason})")
