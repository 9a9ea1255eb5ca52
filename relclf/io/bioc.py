"""Reading and writing BioC XML and BioC JSON with the ``bioc`` package.

A :class:`~relclf.document.Document` maps to a BioC document as follows (the layout PubTator3 and
BioRED use, so files from either read directly):

* two passages, ``type`` infon ``title`` (offset 0) and ``abstract`` (offset ``len(title) + 1``);
* one annotation per mention, ids ``0``, ``1``... in mention order, placed in the passage where it
  starts, with infons ``type`` and ``identifier`` (absent when the PubTator line has no ID column)
  and ``column7``... for further PubTator columns; one location (offset, length) and the text;
* one relation per relation, infons ``type`` (the label), ``entity1``/``entity2`` (the identifiers),
  ``novel`` and ``score`` when known, and two nodes (roles ``entity1``/``entity2``) pointing to the
  first annotation of each entity.

Reading accepts more than it writes: any number of passages (later passages join the abstract at
their offsets, gaps filled with spaces), sentence-level text and annotations, annotations at
document level, relation identifiers in ``entity1``/``entity2`` or ``role1``/``role2`` infons or
only as nodes, novelty in ``novel`` or ``novelty``. Line breaks inside passage text become spaces
(a PubTator line cannot hold them; offsets stay the same). An annotation with several locations
becomes one mention spanning them all, with the document's text over that span.

Every document is validated like a PubTator document (offsets inside the text, mention text equal
to the text at its offsets, relation IDs carried by a mention); errors are
:class:`~relclf.errors.InputError` naming the file and the line of the offending element (XML) or
of the document (JSON Lines). For a JSON collection, whose parser keeps no positions, the message
names the document's position in the collection and the line is that of its ``"id"`` member (0 if
it cannot be found).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

import bioc
from bioc import biocjson
from bioc.biocxml.encoder import BioCXMLDocumentWriter
from lxml import etree

from ..document import Document, Mention, Relation, identifier_parts
from ..errors import ErrorHandler, InputError, RelclfError
from .files import PathLike, display_name, open_binary
from .pubtator import _validate_mention, _validate_relations

__all__ = [
    "bioc_to_document",
    "document_to_bioc",
    "read_bioc_json",
    "read_bioc_xml",
    "write_bioc_json",
    "write_bioc_xml",
]

SOURCE = "relclf"
_LINE_BREAKS = re.compile(r"[\r\n]")
_BAD_FIELD = re.compile(r"[\t\r\n]")
_EXTRA_KEY = re.compile(r"column(\d+)")


# --- Document -> BioC ----------------------------------------------------------------------------


def document_to_bioc(document: Document) -> bioc.BioCDocument:
    """Convert a document to a :class:`bioc.BioCDocument` (layout in the module docstring)."""
    out = bioc.BioCDocument()
    out.id = document.pmid
    title, abstract = _passage("title", 0, document.title), _passage("abstract", len(document.title) + 1, document.abstract)
    out.add_passage(title)
    out.add_passage(abstract)
    first_annotation: dict[str, str] = {}
    for index, mention in enumerate(document.mentions):
        annotation = _annotation(index, mention)
        (title if mention.start <= len(document.title) else abstract).add_annotation(annotation)
        for identifier in (mention.identifier or "", *identifier_parts(mention.identifier), *identifier_parts(mention.identifier, split_composites=False)):
            first_annotation.setdefault(identifier.strip(), annotation.id)
    for index, relation in enumerate(document.relations):
        out.add_relation(_relation(index, relation, first_annotation))
    return out


def _passage(kind: str, offset: int, text: str) -> bioc.BioCPassage:
    passage = bioc.BioCPassage()
    passage.infons["type"] = kind
    passage.offset = offset
    passage.text = text
    return passage


def _annotation(index: int, mention: Mention) -> bioc.BioCAnnotation:
    annotation = bioc.BioCAnnotation()
    annotation.id = str(index)
    annotation.infons["type"] = mention.entity_type
    if mention.identifier is not None:
        annotation.infons["identifier"] = mention.identifier
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
    for role, identifier in (("entity1", relation.id1), ("entity2", relation.id2)):
        if identifier in first_annotation:
            out.add_node(bioc.BioCNode(first_annotation[identifier], role))
    return out


# --- BioC -> Document ----------------------------------------------------------------------------


class _Where:
    """Where a document's parts are in the file: for error messages."""

    def __init__(self, name: str, line: int, prefix: str = "", annotations: list[int] | None = None, relations: list[int] | None = None) -> None:
        self.name, self.line, self.prefix = name, line, prefix
        self.annotations, self.relations = annotations or [], relations or []

    def error(self, message: str, line: int | None = None) -> InputError:
        return InputError(self.name, self.line if line is None else line, self.prefix + message)

    def annotation_line(self, index: int) -> int:
        return self.annotations[index] if index < len(self.annotations) else self.line

    def relation_line(self, index: int) -> int:
        return self.relations[index] if index < len(self.relations) else self.line


def bioc_to_document(source: bioc.BioCDocument, name: str = "<bioc>", line: int = 0, *, where: _Where | None = None) -> Document:
    """Convert and validate one :class:`bioc.BioCDocument`.

    Parameters
    ----------
    source : bioc.BioCDocument
    name, line : str, int
        File name and line of the document, for error messages.

    Returns
    -------
    Document

    Raises
    ------
    InputError
        When the document cannot be represented or violates the rules of a PubTator document.
    """
    where = where or _Where(name, line)
    pmid = _text(source.id)
    if not pmid.strip():
        raise where.error("document without an id")
    where.prefix = where.prefix or f"document {pmid!r}: "
    title, abstract = _split_text(source, where)
    text = f"{title} {abstract}"
    found = _all_annotations(source)
    order = _annotation_order(found)
    annotations, lines = [found[i] for i in order], [where.annotation_line(i) for i in order]
    mentions = [_mention(annotation, text, where, line) for annotation, line in zip(annotations, lines)]
    for mention, line in zip(mentions, lines):
        _checked(where, lambda: _validate_mention(where.name, line, mention, text))
    by_id = {a.id: m for a, m in zip(annotations, mentions)}
    relations = [(where.relation_line(k), _relation_of(r, by_id, where, where.relation_line(k))) for k, r in enumerate(_all_relations(source))]
    _checked(where, lambda: _validate_relations(where.name, relations, mentions, pmid))
    return Document(pmid, title, abstract, tuple(mentions), tuple(r for _, r in relations), line=where.line)


def _checked(where: _Where, check: Callable[[], None]) -> None:
    """Run a PubTator validation and prefix its message with the document."""
    try:
        check()
    except InputError as error:
        raise where.error(error.message, error.line) from None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _split_text(source: bioc.BioCDocument, where: _Where) -> tuple[str, str]:
    """Lay the passages out at their offsets; the first is the title, the rest the abstract."""
    pieces: list[tuple[int, str]] = []
    for passage in source.passages:
        if passage.text or not passage.sentences:
            pieces.append((_offset(passage.offset, where, "passage offset"), _text(passage.text)))
        else:  # sentence-level BioC: the text is in the sentences
            pieces.extend((_offset(s.offset, where, "sentence offset"), _text(s.text)) for s in passage.sentences)
    if not pieces:
        raise where.error("document has no passage")
    buffer = ""
    for k, (offset, text) in enumerate(pieces):
        if offset < len(buffer) + (1 if k == 1 else 0):
            raise where.error(f"passage at offset {offset} overlaps the text before it (which ends at {len(buffer)}; the title needs a separator)")
        buffer += " " * (offset - len(buffer)) + text
        if k == 0:
            title_end = len(buffer)
    buffer = _LINE_BREAKS.sub(" ", buffer)
    return buffer[:title_end], buffer[title_end + 1 :]


def _offset(value: Any, where: _Where, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).isdigit():
        raise where.error(f"{what} {value!r} is not a non-negative integer")
    return int(value)


def _annotation_order(annotations: list[bioc.BioCAnnotation]) -> list[int]:
    """Positions of the annotations in mention order: by id when the ids are distinct integers (as
    relclf writes them, so that mentions come back in their PubTator order), else as found."""
    ids = [a.id for a in annotations]
    if all(isinstance(i, str) and i.isdigit() for i in ids) and len(set(ids)) == len(ids):
        return sorted(range(len(annotations)), key=lambda k: int(ids[k]))
    return list(range(len(annotations)))


def _all_annotations(source: bioc.BioCDocument) -> list[bioc.BioCAnnotation]:
    """Annotations in the order bioc's decoders build them: passage by passage, then document level."""
    return _collect(source, "annotations")


def _all_relations(source: bioc.BioCDocument) -> list[bioc.BioCRelation]:
    """Relations in the same order as :func:`_all_annotations`."""
    return _collect(source, "relations")


def _collect(source: bioc.BioCDocument, kind: str) -> list:
    found: list = []
    for passage in source.passages:
        for sentence in passage.sentences:
            found.extend(getattr(sentence, kind))
        found.extend(getattr(passage, kind))
    found.extend(getattr(source, kind))
    return found


def _field(infons: dict, key: str, where: _Where, line: int) -> str | None:
    value = infons.get(key)
    if value is None:
        return None
    value = str(value)
    if _BAD_FIELD.search(value):
        raise where.error(f"infon {key!r} contains a tab or line break", line)
    return value


def _mention(annotation: bioc.BioCAnnotation, text: str, where: _Where, line: int) -> Mention:
    if not annotation.locations:
        raise where.error(f"annotation {annotation.id!r} has no location", line)
    spans = [(_offset(loc.offset, where, "location offset"), _offset(loc.length, where, "location length")) for loc in annotation.locations]
    start, end = min(o for o, _ in spans), max(o + n for o, n in spans)
    covered = _LINE_BREAKS.sub(" ", _text(annotation.text)) if len(spans) == 1 else text[start:end]
    entity_type = _field(annotation.infons, "type", where, line)
    if entity_type is None:
        raise where.error(f"annotation {annotation.id!r} has no 'type' infon", line)
    identifier = _field(annotation.infons, "identifier", where, line)
    if identifier is None:
        identifier = _field(annotation.infons, "Identifier", where, line)
    extra_keys = sorted((int(m.group(1)), k) for k in annotation.infons if (m := _EXTRA_KEY.fullmatch(k)))
    extra = tuple(_field(annotation.infons, k, where, line) or "" for _, k in extra_keys)
    return Mention(start, end, covered, entity_type, identifier, extra)


def _relation_of(relation: bioc.BioCRelation, mentions: dict[str, Mention], where: _Where, line: int) -> Relation:
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
            raise where.error(f"relation score {infons['score']!r} is not a number", line) from None
    return Relation(label, ids[0], ids[1], novelty, score)


def _relation_ids(relation: bioc.BioCRelation, mentions: dict[str, Mention], where: _Where, line: int) -> tuple[str, str]:
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
                raise where.error(f"relation {relation.id!r} points to annotation {node.refid!r}, which has no identifier", line)
            ids.append(mention.identifier)
        return ids[0], ids[1]
    raise where.error(f"relation {relation.id!r} names no entities (expected 'entity1'/'entity2' infons or two nodes)", line)


def _role_id(value: Any, where: _Where, line: int, typed: bool = False) -> str:
    """An identifier from an ``entity1`` infon (a plain ID) or a ``role1`` infon (``Type|ID`` or ``{"identifier": ID}``)."""
    if isinstance(value, dict):
        value = value.get("identifier", value.get("accession"))
    text = _text(value).strip()
    head, sep, rest = text.partition("|")
    if typed and sep and head.isalpha() and head[:1].isupper() and rest:
        return rest  # PubTator3's "Chemical|MESH:D002945"
    if not text or _BAD_FIELD.search(text):
        raise where.error(f"relation entity {value!r} is empty or contains a tab or line break", line)
    return text


# --- reading files ------------------------------------------------------------------------------


def read_bioc_xml(source: PathLike | IO[bytes], *, on_error: ErrorHandler | None = None, allow_empty: bool = False) -> Iterator[Document]:
    """Stream the documents of a BioC XML file.

    Parameters
    ----------
    source : path, ``"-"`` or binary file
    on_error : callable, optional
        Called with the :class:`InputError` of each invalid document, which is then skipped. A file
        that is not well-formed XML is an error even then: the documents after the fault cannot be
        found.
    allow_empty : bool, default False
        Accept a collection without documents.

    Yields
    ------
    Document
        In file order.
    """
    name = display_name(source)
    parser_options = {"resolve_entities": False, "no_network": True, "huge_tree": True}
    documents = _documents(name, on_error)
    next(documents)
    with open_binary(source) as handle:
        try:
            for _, element in etree.iterparse(handle, events=("end",), tag="document", **parser_options):
                result = documents.send(_xml_document(element, name))
                if result is not None:
                    yield result
                element.clear()
                while element.getprevious() is not None:  # free the documents already converted
                    del element.getparent()[0]
        except etree.XMLSyntaxError as error:
            line = error.lineno or 1
            message = error.msg or str(error)
            raise InputError(name, line, f"not well-formed BioC XML: {message.split(', line ')[0]}") from None
    _finish(documents, name, allow_empty, on_error)


def _xml_document(element: etree._Element, name: str) -> Document | InputError:
    """Decode one ``<document>`` element with bioc's decoder and convert it; errors are returned."""
    line = element.sourceline or 0
    annotations = [a.sourceline or line for a in _xml_in_bioc_order(element, "annotation")]
    relations = [r.sourceline or line for r in _xml_in_bioc_order(element, "relation")]
    where = _Where(name, line, annotations=annotations, relations=relations)
    try:
        with _parser_for_bioc():
            collection = bioc.biocxml.loads("<collection>" + etree.tostring(element, encoding="unicode") + "</collection>")
        (document,) = collection.documents
        _empty_infons_are_empty_strings(document)
        return bioc_to_document(document, where=where)
    except InputError as error:
        return error
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, etree.LxmlError) as error:
        return InputError(name, line, f"invalid BioC document: {type(error).__name__}: {error}")


@contextlib.contextmanager
def _parser_for_bioc() -> Iterator[None]:
    """Let bioc's decoder parse long texts (a 10 MB abstract) and never fetch or expand entities."""
    previous = etree.get_default_parser()
    etree.set_default_parser(etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True))
    try:
        yield
    finally:
        etree.set_default_parser(previous)


def _xml_in_bioc_order(element: etree._Element, tag: str) -> list[etree._Element]:
    found = []
    for passage in element.findall("passage"):
        for sentence in passage.findall("sentence"):
            found.extend(sentence.findall(tag))
        found.extend(passage.findall(tag))
    found.extend(element.findall(tag))
    return found


def _empty_infons_are_empty_strings(document: bioc.BioCDocument) -> None:
    """``<infon key="identifier"></infon>`` decodes to None; it means an empty value, not a missing one."""
    for item in [*_all_annotations(document), *_all_relations(document)]:
        item.infons = {k: "" if v is None else v for k, v in item.infons.items()}


def _documents(name: str, on_error: ErrorHandler | None) -> Any:
    """A coroutine that receives converted documents (or errors), rejects duplicate IDs, and counts."""
    seen: set[str] = set()
    result: Document | None = None
    while True:
        item = yield result
        if item is None:  # end of input: report the count
            yield len(seen)
            return
        result = None
        if isinstance(item, Document) and item.pmid in seen:
            item = InputError(name, item.line, f"duplicate document ID {item.pmid!r}")
        if isinstance(item, InputError):
            if on_error is None:
                raise item
            on_error(item)
            continue
        seen.add(item.pmid)
        result = item


def _finish(documents: Any, name: str, allow_empty: bool, on_error: ErrorHandler | None) -> None:
    count = documents.send(None)
    if count == 0 and not allow_empty and on_error is None:
        raise InputError(name, 1, "no documents found (no <document> in the BioC file)")


def read_bioc_json(source: PathLike | IO[bytes], *, on_error: ErrorHandler | None = None, allow_empty: bool = False) -> Iterator[Document]:
    """Stream the documents of a BioC JSON file.

    Accepts a BioC collection (``{"documents": [...]}``), a list of documents, a single document,
    an object whose one value is a list of documents (PubTator3's export), or JSON Lines with one
    document per line (bioc's ``iterwriter`` format; read line by line). Parameters as for
    :func:`read_bioc_xml`; a file that is not valid JSON is an error even with ``on_error``, a bad line
    of a JSON Lines file is a per-document error.
    """
    name = display_name(source)
    documents = _documents(name, on_error)
    next(documents)
    with open_binary(source) as handle:
        data = handle.read()
    try:
        whole = json.loads(data)
        entries: Iterable[tuple[int, str, Any]] = _collection_entries(whole, name, _IdLines(data))
    except UnicodeDecodeError as error:
        raise InputError(name, data.count(b"\n", 0, error.start) + 1, "invalid UTF-8") from None
    except RecursionError:
        raise InputError(name, 1, "not valid BioC JSON: nested too deeply") from None
    except json.JSONDecodeError as error:
        if error.msg != "Extra data" or error.lineno == 1:
            raise InputError(name, error.lineno, f"not valid BioC JSON: {error.msg} (column {error.colno})") from None
        entries = _json_lines(data, name)
    for line, prefix, obj in entries:
        result = documents.send(_json_document(obj, name, line, prefix))
        if result is not None:
            yield result
    _finish(documents, name, allow_empty, on_error)


class _IdLines:
    """Finds, in file order, the line of each document's ``"id"`` member (for messages; 0 when not found).

    ``json`` keeps no positions; a forward search for ``"id": <the document's id>`` finds the line in
    BioC JSON as written by relclf, bioc and PubTator3 (one document per line, or pretty-printed).
    """

    def __init__(self, data: bytes) -> None:
        self.text = data.decode("utf-8", errors="replace")
        self.position, self.line = 0, 1

    def line_of(self, document: Any) -> int:
        identifier = document.get("id") if isinstance(document, dict) else None
        if not isinstance(identifier, (str, int)):
            return 0
        found = [
            m.start()
            for form in {json.dumps(identifier), json.dumps(identifier, ensure_ascii=False)}
            if (m := re.compile(r'"id"\s*:\s*' + re.escape(form)).search(self.text, self.position))
        ]
        if not found:
            return 0
        self.line += self.text.count("\n", self.position, min(found))
        self.position = min(found)
        return self.line


def _collection_entries(whole: Any, name: str, lines: _IdLines) -> Iterator[tuple[int, str, Any]]:
    if isinstance(whole, dict) and "documents" in whole:
        items = whole["documents"]
    elif isinstance(whole, dict) and "passages" in whole:
        items = [whole]
    elif isinstance(whole, dict) and len(whole) == 1 and isinstance(next(iter(whole.values())), list):
        items = next(iter(whole.values()))
    else:
        items = whole
    if not isinstance(items, list):
        raise InputError(name, 1, "not a BioC JSON collection (expected an object with 'documents', or a list of documents)")
    for index, item in enumerate(items, start=1):
        yield lines.line_of(item), f"document {index} of the collection: ", item


def _json_lines(data: bytes, name: str) -> Iterator[tuple[int, str, Any]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield number, "", json.loads(raw)
        except UnicodeDecodeError:
            yield number, "", InputError(name, number, "invalid UTF-8")
        except json.JSONDecodeError as error:
            yield number, "", InputError(name, number, f"not valid JSON: {error.msg} (column {error.colno})")
        except RecursionError:
            yield number, "", InputError(name, number, "not valid JSON: nested too deeply")


def _json_document(obj: Any, name: str, line: int, prefix: str) -> Document | InputError:
    if isinstance(obj, InputError):
        return obj
    where = _Where(name, line, prefix)
    try:
        if not isinstance(obj, dict):
            raise where.error(f"expected a BioC document object, found {type(obj).__name__}")
        if "passages" not in obj and {"id1", "id2", "label"} <= set(obj):
            raise where.error("a relation row (relclf's JSON Lines output), not a BioC document: it holds no text to read")
        return bioc_to_document(biocjson.fromJSON(_with_defaults(obj), "BioCDocument"), where=where)
    except InputError as error:
        return error
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return where.error(f"invalid BioC document: {type(error).__name__}: {error}")


def _with_defaults(document: dict) -> dict:
    """Fill in the lists and infons bioc's decoder requires but that exports often omit."""
    document = {"infons": {}, "passages": [], "annotations": [], "relations": [], **document}
    for key in ("passages", "annotations", "relations"):
        if not isinstance(document[key], list):
            raise TypeError(f"{key!r} is not a list")
    document["passages"] = [
        {"infons": {}, "sentences": [], "annotations": [], "relations": [], **_dict(p, "passage")} for p in document["passages"]
    ]
    for passage in document["passages"]:
        passage["sentences"] = [
            {"infons": {}, "text": "", "annotations": [], "relations": [], **_dict(s, "sentence")} for s in passage["sentences"]
        ]
    for holder in [document, *document["passages"], *(s for p in document["passages"] for s in p["sentences"])]:
        holder["annotations"] = [{"infons": {}, "text": "", "locations": [], "id": "", **_dict(a, "annotation")} for a in holder["annotations"]]
        holder["relations"] = [{"infons": {}, "nodes": [], "id": "", **_dict(r, "relation")} for r in holder["relations"]]
    return document


def _dict(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not an object")
    return value


# --- writing files ------------------------------------------------------------------------------


def _collection_info() -> bioc.BioCCollection:
    collection = bioc.BioCCollection()
    collection.source = SOURCE
    collection.date = datetime.date.today().isoformat()
    collection.key = "relclf.key"
    return collection


def write_bioc_xml(documents: Iterable[Document], handle: IO[bytes] | IO[str]) -> int:
    """Write ``documents`` as one BioC XML collection to ``handle``, one document at a time.

    ``handle`` is a binary stream (a text stream is accepted too). Returns the number written.
    Raises :class:`RelclfError` naming the document when its text holds a character XML 1.0 cannot
    represent (a control character); BioC JSON can carry it.
    """
    stream = handle if _is_binary(handle) else _TextSink(handle)  # type: ignore[arg-type]
    writer = BioCXMLDocumentWriter(stream)
    writer.write_collection_info(_collection_info())
    count = 0
    for document in documents:
        try:
            writer.write_document(document_to_bioc(document))
        except ValueError as error:
            raise RelclfError(f"document {document.pmid!r} cannot be written as BioC XML ({error}); use BioC JSON") from None
        count += 1
    writer.close()
    return count


def write_bioc_json(documents: Iterable[Document], handle: IO[str]) -> int:
    """Write ``documents`` as one BioC JSON collection to the text stream ``handle``.

    Streams: the collection's header first, then one document per line. Returns the number written.
    """
    info = biocjson.toJSON(_collection_info())
    info.pop("documents")
    header = json.dumps(info, ensure_ascii=False)[:-1]
    handle.write(header + ', "documents": [\n')
    count = 0
    for document in documents:
        if count:
            handle.write(",\n")
        handle.write(json.dumps(biocjson.toJSON(document_to_bioc(document)), ensure_ascii=False))
        count += 1
    handle.write("\n]}\n")
    return count


def _is_binary(handle: IO) -> bool:
    return not hasattr(handle, "encoding") and "b" in getattr(handle, "mode", "b")


class _TextSink:
    """Lets lxml's byte-writing serializer write to a text stream (UTF-8 decoded incrementally)."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> None:
        self.handle.write(self.decoder.decode(data))

    def flush(self) -> None:
        self.handle.flush()
