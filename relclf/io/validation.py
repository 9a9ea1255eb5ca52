"""The rules every reader applies to the documents it reads, defined once for all formats.

- :func:`validate_document`: mention offsets inside the text, end after start, mention text equal to
  the text at its offsets, relation IDs carried by a mention of the document;
- :func:`parse_offset`: an offset as a non-negative integer;
- :func:`valid_documents`: the reader loop: duplicate document IDs, skipping invalid documents with
  ``on_error`` (or raising), and an input without documents;
- :func:`shown`: a value quoted in an error message, cut to a readable length.

Each raises :class:`~relclf.errors.InputError` naming the file and the offending line; the readers
(:mod:`relclf.io.pubtator`, :mod:`relclf.io.bioc_xml`, :mod:`relclf.io.bioc_json`) give the line
numbers of their mentions and relations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ..document import Document, Mention, Relation, identifier_parts, is_normalized
from ..errors import ErrorHandler, InputError

__all__ = ["parse_offset", "shown", "valid_documents", "validate_document"]

_SHOWN = 60  # characters of a value quoted in an error message (a line may be megabytes long)


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
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not _is_digits(str(value)):
        raise InputError(path, line, f"{what} {shown(value)} is not a non-negative integer")
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
    """Check a parsed document: its mentions against its text, its relations against its mentions.

    Mentions are checked in order (end after start, inside the text, text equal to the text at the
    offsets), then relations (each ID carried by a mention of the document, whole or as a part of a
    composite or list identifier).

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
        Naming the line of the first offending mention or relation.

    Examples
    --------
    >>> from relclf.document import Document, Mention, Relation
    >>> validate_document(Document("1", "A b.", "C.", (Mention(0, 1, "A", "Gene", "7"),)), "a.pubtator")
    >>> validate_document(Document("1", "A b.", "C.", (Mention(0, 2, "A", "Gene", "7"),)), "a.pubtator", [3])
    Traceback (most recent call last):
    relclf.errors.InputError: a.pubtator:3: mention text 'A' differs from the text at 0-2: 'A '
    """
    text = document.text
    mention_lines = [document.line] * len(document.mentions) if mention_lines is None else mention_lines
    for mention, line in zip(document.mentions, mention_lines, strict=True):
        _check_mention(mention, text, path, line)
    relation_lines = [document.line] * len(document.relations) if relation_lines is None else relation_lines
    _check_relations(document, zip(relation_lines, document.relations, strict=True), path)


def _check_mention(mention: Mention, text: str, path: str, line: int) -> None:
    if mention.end <= mention.start:
        raise InputError(path, line, f"end offset {mention.end} is not after start offset {mention.start}")
    if mention.end > len(text):
        raise InputError(path, line, f"offsets {mention.start}-{mention.end} beyond the text (length {len(text)})")
    actual = text[mention.start : mention.end]
    if actual != mention.text:
        raise InputError(
            path,
            line,
            f"mention text {shown(mention.text)} differs from the text at {mention.start}-{mention.end}: {shown(actual)}",
        )


def _check_relations(document: Document, relations: Iterable[tuple[int, Relation]], path: str) -> None:
    if not document.relations:
        return
    known: set[str] = set()
    for mention in document.mentions:
        if is_normalized(mention.identifier):
            known.add(mention.identifier.strip())  # type: ignore[union-attr]
            known.update(identifier_parts(mention.identifier))
            known.update(identifier_parts(mention.identifier, split_composites=False))
    for line, relation in relations:
        for identifier in (relation.id1, relation.id2):
            if identifier not in known:
                raise InputError(path, line, f"relation names ID {shown(identifier)}, which no mention of document {document.pmid!r} carries")


def valid_documents(
    items: Iterable[Document | InputError],
    path: str,
    *,
    on_error: ErrorHandler | None = None,
    allow_empty: bool = False,
    empty_reason: str,
) -> Iterator[Document]:
    """The loop of every reader: yield the valid documents of ``items``, in order.

    Parameters
    ----------
    items : iterable of Document or InputError
        What the reader made of each document of the file: the document, or why it is invalid.
    path : str
        The file's name, for messages.
    on_error : callable, optional
        Called with each error (an invalid document, or a document ID seen before), whose document is
        then skipped. When None, the first error is raised.
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
        if isinstance(item, Document) and item.pmid in seen:
            item = InputError(path, item.line, f"duplicate document ID {item.pmid!r}")
        if isinstance(item, InputError):
            if on_error is None:
                raise item
            on_error(item)
            continue
        seen.add(item.pmid)
        yield item
    if not seen and not allow_empty and on_error is None:
        raise InputError(path, 1, f"no documents found ({empty_reason})")
