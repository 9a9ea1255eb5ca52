"""BioC documents: conversion between a :class:`~relclf.document.Document` and a :class:`bioc.BioCDocument`.

Shared by :mod:`relclf.io.bioc_xml` and :mod:`relclf.io.bioc_json`. A document maps to a BioC
document as follows (the layout PubTator3 and BioRED use, so files from either read directly):

* two passages, ``type`` infon ``title`` (offset 0) and ``abstract`` (offset ``len(title) + 1``);
* one annotation per mention, ids ``0``, ``1``... in mention order, placed in the passage where it
  starts, with infons ``type`` and ``identifier`` (absent when the PubTator line has no ID column)
  and ``column7``... for further PubTator columns; one location (offset, length) and the text;
* one relation per relation, infons ``type`` (the label), ``entity1``/``entity2`` (the identifiers),
  ``novel``, ``score`` and ``source`` (``relclf`` for relclf's predictions) when known, and two nodes
  (roles ``entity1``/``entity2``) pointing to the first annotation of each entity.

Reading accepts more than it writes: any number of passages (later passages join the abstract at
their offsets, gaps filled with spaces), sentence-level text and annotations, annotations at
document level, relation identifiers in ``entity1``/``entity2`` or ``role1``/``role2`` infons or
only as nodes, novelty in ``novel`` or ``novelty``. Line breaks inside passage text become spaces
(a PubTator line cannot hold them; offsets stay the same). An annotation with several locations
becomes one mention spanning them all, with the document's text over that span.

Every document is validated like a PubTator document, by
:func:`~relclf.io.validation.checked_document`; errors are :class:`~relclf.errors.InputError`
naming the file and the line that a :class:`Locator` gives for the offending element, with the
document named at the start of the message. Values that must be text (the document ID, passage and
annotation texts, infons) must be strings (a whole number is taken as its digits): an object or a list
there is an error, never written out as a Python repr. Passages are laid out at their offsets only
when the gaps between them hold no more spaces than the passages hold characters (plus
:data:`MAX_PADDING`), so that a wild offset (10**9) is an error, not gigabytes of spaces.
"""

from __future__ import annotations

import bisect
import datetime
import json
import re
from typing import Any

import bioc

from ..document import Document, Mention, Passage, Relation, identifier_parts
from ..errors import InputError
from .pubtator3 import normalize_variants
from .validation import checked_document, parse_offset, shown

__all__ = [
    "MAX_PADDING",
    "Locator",
    "RawAnnotation",
    "RawDocument",
    "RawLocation",
    "RawNode",
    "RawPassage",
    "RawRelation",
    "RawSentence",
    "all_annotations",
    "all_relations",
    "bioc_to_document",
    "collection_info",
    "document_to_bioc",
]

#: spaces that may fill the gaps between passages beyond as many as the passages hold characters
MAX_PADDING = 1_000

SOURCE = "relclf"
_LINE_BREAKS = re.compile(r"[\r\n]")
_BAD_FIELD = re.compile(r"[\t\r\n]")
_EXTRA_KEY = re.compile(r"column(\d+)")
_MAX_OFFSET = 10**18  # offsets at or above it are refused by parse_offset (too large for an offset)


# --- raw BioC ------------------------------------------------------------------------------------
# What the readers build from an XML element or a JSON object: the attributes of bioc's classes
# (so that bioc_to_document converts either), without bioc's decoders, which parse XML twice and
# copy JSON objects. ``line`` is the line of the element in its file (XML), 0 when unknown.


class RawLocation:
    """A location of an annotation: ``offset`` and ``length`` as read (checked when converted)."""

    __slots__ = ("length", "offset")

    def __init__(self, offset: Any, length: Any) -> None:
        self.offset, self.length = offset, length


class RawNode:
    """A node of a relation: the id of the annotation it points to, and its role."""

    __slots__ = ("refid", "role")

    def __init__(self, refid: Any, role: Any) -> None:
        self.refid, self.role = refid, role


class RawAnnotation:
    """An annotation as read: id, infons, text, locations, and the line of its element."""

    __slots__ = ("id", "infons", "line", "locations", "text")

    def __init__(self, id: Any, infons: Any, text: Any, locations: list[RawLocation], line: int = 0) -> None:
        self.id, self.infons, self.text, self.locations, self.line = id, infons, text, locations, line


class RawRelation:
    """A relation as read: id, infons, nodes, and the line of its element."""

    __slots__ = ("id", "infons", "line", "nodes")

    def __init__(self, id: Any, infons: Any, nodes: list[RawNode], line: int = 0) -> None:
        self.id, self.infons, self.nodes, self.line = id, infons, nodes, line


class RawSentence:
    """A sentence as read (sentence-level BioC)."""

    __slots__ = ("annotations", "infons", "offset", "relations", "text")

    def __init__(
        self, offset: Any, infons: Any, text: Any, annotations: list[RawAnnotation], relations: list[RawRelation]
    ) -> None:
        self.offset, self.infons, self.text = offset, infons, text
        self.annotations, self.relations = annotations, relations


class RawPassage:
    """A passage as read: offset, infons, text, and what it holds."""

    __slots__ = ("annotations", "infons", "offset", "relations", "sentences", "text")

    def __init__(
        self,
        offset: Any,
        infons: Any,
        text: Any,
        sentences: list[RawSentence],
        annotations: list[RawAnnotation],
        relations: list[RawRelation],
    ) -> None:
        self.offset, self.infons, self.text = offset, infons, text
        self.sentences, self.annotations, self.relations = sentences, annotations, relations


class RawDocument:
    """A document as read: id, infons, passages, the annotations and relations at document level, and the
    members of a JSON document beyond BioC's (``extra``)."""

    __slots__ = ("annotations", "extra", "id", "infons", "passages", "relations")

    def __init__(
        self,
        id: Any,
        infons: Any,
        passages: list[RawPassage],
        annotations: list[RawAnnotation],
        relations: list[RawRelation],
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.id, self.infons, self.passages = id, infons, passages
        self.annotations, self.relations, self.extra = annotations, relations, extra


# --- Document -> BioC ----------------------------------------------------------------------------


def document_to_bioc(document: Document) -> bioc.BioCDocument:
    """Convert a document to a :class:`bioc.BioCDocument` (layout in the module docstring)."""
    out = bioc.BioCDocument()
    out.id = document.pmid
    out.infons.update(document.infons)
    passages = _passages_written(document)
    for passage in passages:
        out.add_passage(passage)
    starts = [p.offset for p in passages]
    first_annotation: dict[str, str] = {}
    for index, mention in enumerate(document.mentions):
        annotation = _annotation(index, mention)
        # the last passage starting at or before the mention (one on the title's separator stays in the title)
        passages[max(0, bisect.bisect_right(starts, mention.start) - 1)].add_annotation(annotation)
        for identifier in (
            mention.identifier or "",
            *identifier_parts(mention.identifier),
            *identifier_parts(mention.identifier, split_composites=False),
        ):
            first_annotation.setdefault(identifier.strip(), annotation.id)
    for index, relation in enumerate(document.relations):
        out.add_relation(_relation(index, relation, first_annotation))
    return out


def _passages_written(document: Document) -> list[bioc.BioCPassage]:
    """The passages read (their places and infons, the text cut from the document's), when they tile its text
    in order; else relclf's layout: a title and an abstract passage."""
    text = document.text
    layout = document.passages
    ends = [p.offset + p.length for p in layout]
    if layout and layout[0].offset == 0 and layout[0].length == len(document.title):
        if all(a <= b.offset for a, b in zip(ends, layout[1:], strict=False)) and ends[-1] <= len(text):
            return [_passage(dict(p.infons), p.offset, text[p.offset : p.offset + p.length]) for p in layout]
    return [
        _passage({"type": "title"}, 0, document.title),
        _passage({"type": "abstract"}, len(document.title) + 1, document.abstract),
    ]


def _passage(infons: dict[str, str], offset: int, text: str) -> bioc.BioCPassage:
    passage = bioc.BioCPassage()
    passage.infons.update(infons)
    passage.offset = offset
    passage.text = text
    return passage


def _annotation(index: int, mention: Mention) -> bioc.BioCAnnotation:
    annotation = bioc.BioCAnnotation()
    annotation.id = str(index)
    annotation.infons["type"] = mention.entity_type
    if mention.written_identifier is not None:
        annotation.infons["identifier"] = mention.written_identifier
    for k, value in enumerate(mention.extra):
        annotation.infons[f"column{7 + k}"] = value
    annotation.add_location(bioc.BioCLocation(mention.start, mention.end - mention.start))
    annotation.text = mention.text
    return annotation


def _relation(index: int, relation: Relation, first_annotation: dict[str, str]) -> bioc.BioCRelation:
    out = bioc.BioCRelation()
    out.id = f"R{index}"
    out.infons["type"] = relation.label
    out.infons["entity1"] = relation.id1
    out.infons["entity2"] = relation.id2
    if relation.novelty is not None:
        out.infons["novel"] = relation.novelty
    if relation.score is not None:
        out.infons["score"] = repr(relation.score)
    if relation.source is not None:
        out.infons["source"] = relation.source
    for role, identifier in (("entity1", relation.id1), ("entity2", relation.id2)):
        if identifier in first_annotation:
            out.add_node(bioc.BioCNode(first_annotation[identifier], role))
    return out


# --- BioC -> Document ----------------------------------------------------------------------------


class Locator:
    """Where a document's parts are in the file, for error messages.

    Parameters
    ----------
    name : str
        The file's name.
    line : int
        The line of the document (0 when unknown).
    prefix : str, optional
        Starts every message (``"document 3 of the collection: "``); when empty, the conversion sets
        it to ``"document 'ID': "``.
    annotations, relations : lists of int, optional
        The line of each annotation and relation, in the order of :func:`all_annotations` and
        :func:`all_relations`; the document's line for those not given.
    """

    def __init__(
        self,
        name: str,
        line: int,
        prefix: str = "",
        annotations: list[int] | None = None,
        relations: list[int] | None = None,
    ) -> None:
        self.name, self.line, self.prefix = name, line, prefix
        self.annotations, self.relations = annotations or [], relations or []

    def error(self, message: str, line: int | None = None) -> InputError:
        """An :class:`InputError` about this document, at ``line`` (default: the document's line)."""
        return InputError(self.name, self.line if line is None else line, self.prefix + message)

    def prefixed(self, error: InputError, scope: str | None = None) -> InputError:
        """``error`` (from the shared validation) with this document named at the start of its message
        (and its scope, or ``scope``)."""
        return InputError(self.name, error.line, self.prefix + error.message, scope or error.scope)

    def annotation_line(self, index: int) -> int:
        return self.annotations[index] if index < len(self.annotations) else self.line

    def relation_line(self, index: int) -> int:
        return self.relations[index] if index < len(self.relations) else self.line


def bioc_to_document(
    source: bioc.BioCDocument,
    name: str = "<bioc>",
    line: int = 0,
    *,
    where: Locator | None = None,
    dropped: list[InputError] | None = None,
) -> Document:
    """Convert and validate one :class:`bioc.BioCDocument`.

    Parameters
    ----------
    source : bioc.BioCDocument
    name, line : str, int
        File name and line of the document, for error messages.
    where : Locator, optional
        The lines of the document and of its annotations and relations, used instead of ``name``
        and ``line``.
    dropped : list, optional
        When given, an invalid annotation or relation is left out and its error (scope ``mention``
        or ``relation``) appended here, instead of raised.

    Returns
    -------
    Document

    Raises
    ------
    InputError
        When the document cannot be represented or violates the rules of a PubTator document.
    """
    where = where or Locator(name, line)
    pmid = _text(source.id, "the document id", where)
    if not pmid.strip():
        raise where.error("document without an id")
    where.prefix = where.prefix or f"document {pmid!r}: "
    title, abstract = _split_text(source, where)
    text = f"{title} {abstract}"
    found = all_annotations(source)
    order = _annotation_order(found)
    mentions, mention_lines, by_id = [], [], {}
    for index in order:
        annotation, line = found[index], where.annotation_line(index)
        try:
            mention = _mention(annotation, text, where, line)
        except InputError as error:
            _drop(error, "mention", dropped)
            continue
        mentions.append(mention)
        mention_lines.append(line)
        by_id[annotation.id] = mention
    relations, relation_lines = [], []
    for index, relation in enumerate(all_relations(source)):
        line = where.relation_line(index)
        try:
            converted = _relation_of(relation, by_id, where, line)
        except InputError as error:
            _drop(error, "relation", dropped)
            continue
        relations.append(converted)
        relation_lines.append(line)
    document = Document(
        pmid,
        title,
        abstract,
        tuple(mentions),
        tuple(relations),
        line=where.line,
        infons=_document_infons(source),
        passages=_passages_read(source, len(title)),
    )
    document = normalize_variants(document)
    invalid: list[InputError] | None = None if dropped is None else []
    try:
        document = checked_document(document, where.name, mention_lines, relation_lines, dropped=invalid)
    except InputError as error:
        raise where.prefixed(error) from None
    if dropped is not None and invalid:
        dropped.extend(where.prefixed(error) for error in invalid)
    return document


def _infon_text(value: Any) -> str | None:
    """An infon's value as text: a string as it is, other JSON values as JSON text, None (no value) as None."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _infon_pairs(infons: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(infons, dict):
        return ()
    return tuple((str(k), text) for k, v in infons.items() if (text := _infon_text(v)) is not None)


def _document_infons(source: Any) -> tuple[tuple[str, str], ...]:
    """The document's infons, then the members a JSON document has beyond BioC's (PubTator3's ``pmid``,
    ``journal``, ``authors``...: those not among its infons), as text."""
    pairs = _infon_pairs(source.infons)
    extra = getattr(source, "extra", None)
    if extra:
        known = {k for k, _ in pairs}
        pairs += tuple(p for p in _infon_pairs(extra) if p[0] not in known)
    return pairs


_STANDARD_PASSAGES = ((("type", "title"),), (("type", "abstract"),))


def _passages_read(source: Any, title_length: int) -> tuple[Passage, ...]:
    """Where each passage's text is and its infons, for the BioC writers; () for sentence-level text and for
    relclf's own layout (a title and an abstract passage with nothing but their type), which they write anyway."""
    passages = []
    for passage in source.passages:
        if not passage.text and passage.sentences:
            return ()
        passages.append(Passage(int(passage.offset), len(passage.text or ""), _infon_pairs(passage.infons)))
    standard = len(passages) == 2 and passages[0].offset == 0 and passages[1].offset == title_length + 1
    if standard and tuple(p.infons for p in passages) == _STANDARD_PASSAGES:
        return ()
    return tuple(passages)


def _drop(error: InputError, scope: str, dropped: list[InputError] | None) -> None:
    """Append ``error`` (as of ``scope``) to ``dropped``; raise it when ``dropped`` is None (strict)."""
    if dropped is None:
        raise InputError(error.path, error.line, error.message, scope) from None
    dropped.append(InputError(error.path, error.line, error.message, scope))


def _text(value: Any, what: str, where: Locator, line: int | None = None) -> str:
    """A value that must be text: a string, a whole number (its digits) or nothing (""); else an error."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise where.error(f"{what} must be a string, not {_kind(value)}", line)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _split_text(source: bioc.BioCDocument, where: Locator) -> tuple[str, str]:
    """Lay the passages out at their offsets; the first is the title, the rest the abstract."""
    pieces: list[tuple[int, str]] = []
    for passage in source.passages:
        if passage.text or not passage.sentences:
            pieces.append(
                (_offset(passage.offset, where, "passage offset"), _text(passage.text, "passage text", where))
            )
        else:  # sentence-level BioC: the text is in the sentences
            pieces.extend(
                (_offset(s.offset, where, "sentence offset"), _text(s.text, "sentence text", where))
                for s in passage.sentences
            )
    if not pieces:
        raise where.error("document has no passage")
    # checked before any space is laid down: a wild offset must not allocate gigabytes
    characters = sum(len(text) for _, text in pieces)
    end = max(offset + len(text) for offset, text in pieces)
    if end > 2 * characters + MAX_PADDING:
        offset = max(offset for offset, _ in pieces)
        raise where.error(
            f"passage offset {offset:,} lies far beyond the text the passages hold ({characters:,} characters): "
            "the offsets do not match the text"
        )
    buffer = ""
    for k, (offset, text) in enumerate(pieces):
        if offset < len(buffer) + (1 if k == 1 else 0):
            raise where.error(
                f"passage at offset {offset} overlaps the text before it (which ends at {len(buffer)}; the title "
                "needs a separator)"
            )
        buffer += " " * (offset - len(buffer)) + text
        if k == 0:
            title_end = len(buffer)
    buffer = _LINE_BREAKS.sub(" ", buffer)
    return buffer[:title_end], buffer[title_end + 1 :]


def _offset(value: Any, where: Locator, what: str) -> int:
    if type(value) is int and 0 <= value < _MAX_OFFSET:  # the common case, without a call
        return value
    try:
        return parse_offset(value, what, where.name, where.line)
    except InputError as error:
        raise where.prefixed(error) from None


def _annotation_order(annotations: list[bioc.BioCAnnotation]) -> list[int]:
    """Positions of the annotations in mention order: by id when the ids are distinct integers (as
    relclf writes them, so that mentions come back in their PubTator order), else as found."""
    ids = [a.id for a in annotations]
    order = list(range(len(annotations)))
    if all(isinstance(i, str) and i.isascii() and i.isdigit() and len(i) < 19 for i in ids) and len(set(ids)) == len(
        ids
    ):
        numbers = [int(i) for i in ids]
        if numbers != sorted(numbers):  # mostly they are in order already
            order.sort(key=numbers.__getitem__)
    return order


def all_annotations(source: bioc.BioCDocument) -> list[bioc.BioCAnnotation]:
    """Annotations in the order bioc's decoders build them: passage by passage (sentences first), then
    document level."""
    return _collect(source, "annotations")


def all_relations(source: bioc.BioCDocument) -> list[bioc.BioCRelation]:
    """Relations in the same order as :func:`all_annotations`."""
    return _collect(source, "relations")


def _collect(source: bioc.BioCDocument, kind: str) -> list[Any]:
    found: list[Any] = []
    for passage in source.passages:
        for sentence in passage.sentences:
            found.extend(getattr(sentence, kind))
        found.extend(getattr(passage, kind))
    found.extend(getattr(source, kind))
    return found


def _field(infons: dict[str, Any], key: str, where: Locator, line: int) -> str | None:
    value = infons.get(key)
    if value is None:
        return None
    if type(value) is not str:
        value = _text(value, f"infon {key!r}", where, line)
    if _BAD_FIELD.search(value):
        raise where.error(f"infon {key!r} contains a tab or line break", line)
    return value


def _mention(annotation: bioc.BioCAnnotation, text: str, where: Locator, line: int) -> Mention:
    locations = annotation.locations
    if not locations:
        raise where.error(f"annotation {annotation.id!r} has no location", line)
    if len(locations) == 1:
        start = _offset(locations[0].offset, where, "location offset")
        end = start + _offset(locations[0].length, where, "location length")
        covered = annotation.text
        if type(covered) is not str:
            covered = _text(covered, f"the text of annotation {annotation.id!r}", where, line)
        if "\n" in covered or "\r" in covered:
            covered = _LINE_BREAKS.sub(" ", covered)
    else:
        spans = [
            (_offset(loc.offset, where, "location offset"), _offset(loc.length, where, "location length"))
            for loc in locations
        ]
        start, end = min(o for o, _ in spans), max(o + n for o, n in spans)
        covered = text[start:end]
    infons = annotation.infons
    entity_type, identifier = infons.get("type"), infons.get("identifier")
    # the common case in one test: both strings, neither holding a tab or line break
    if type(entity_type) is not str or type(identifier) is not str or _BAD_FIELD.search(entity_type + identifier):
        entity_type = _field(infons, "type", where, line)
        if entity_type is None:
            raise where.error(f"annotation {annotation.id!r} has no 'type' infon", line)
        identifier = _field(infons, "identifier", where, line)
        if identifier is None:
            identifier = _field(infons, "Identifier", where, line)
    extra: tuple[str, ...] = ()
    if len(infons) > 2 and any(type(k) is str and k[:6] == "column" for k in infons):
        extra_keys = sorted((int(m.group(1)), k) for k in infons if (m := _EXTRA_KEY.fullmatch(k)))
        extra = tuple(_field(infons, k, where, line) or "" for _, k in extra_keys)
    return Mention(start, end, covered, entity_type, identifier, extra)


def _relation_of(relation: bioc.BioCRelation, mentions: dict[str, Mention], where: Locator, line: int) -> Relation:
    infons = relation.infons
    label = _field(infons, "type", where, line)
    if not label:
        raise where.error(f"relation {relation.id!r} has no 'type' infon (its label)", line)
    ids = _relation_ids(relation, mentions, where, line)
    novelty = _field(infons, "novel", where, line) or _field(infons, "novelty", where, line) or None
    score = None
    if infons.get("score") not in (None, ""):
        try:
            score = float(infons["score"])
        except (TypeError, ValueError):
            raise where.error(f"relation score {shown(infons['score'])} is not a number", line) from None
    source = _field(infons, "source", where, line) or None
    return Relation(label, ids[0], ids[1], novelty, score, source)


def _relation_ids(
    relation: bioc.BioCRelation, mentions: dict[str, Mention], where: Locator, line: int
) -> tuple[str, str]:
    infons = relation.infons
    for first, second in (("entity1", "entity2"), ("role1", "role2")):
        if infons.get(first) not in (None, "") and infons.get(second) not in (None, ""):
            typed = first == "role1"
            return _role_id(infons[first], where, line, typed), _role_id(infons[second], where, line, typed)
    if len(relation.nodes) == 2:
        ids = []
        for node in relation.nodes:
            mention = mentions.get(node.refid)
            if mention is None or mention.identifier is None:
                raise where.error(
                    f"relation {relation.id!r} points to annotation {node.refid!r}, which has no identifier", line
                )
            ids.append(mention.identifier)
        return ids[0], ids[1]
    raise where.error(
        f"relation {relation.id!r} names no entities (expected 'entity1'/'entity2' infons or two nodes)", line
    )


def _role_id(value: Any, where: Locator, line: int, typed: bool = False) -> str:
    """An identifier from an ``entity1`` infon (a plain ID) or ``role1`` infon (``Type|ID``, ``{"identifier": ID}``)."""
    if isinstance(value, dict):
        value = value.get("identifier", value.get("accession"))
    text = _text(value, "a relation entity", where, line).strip()
    head, sep, rest = text.partition("|")
    if typed and sep and head.isalpha() and head[:1].isupper() and rest:
        return rest  # PubTator3's "Chemical|MESH:D002945"
    if not text or _BAD_FIELD.search(text):
        raise where.error(f"relation entity {value!r} is empty or contains a tab or line break", line)
    return text


# --- collections ----------------------------------------------------------------------------------


def collection_info() -> bioc.BioCCollection:
    """An empty collection with relclf's source, today's date and key: the header both writers use."""
    collection = bioc.BioCCollection()
    collection.source = SOURCE
    collection.date = datetime.date.today().isoformat()
    collection.key = "relclf.key"
    return collection
