"""Reading and writing BioC XML, streaming, in chunks of whole documents.

Documents map to BioC as :mod:`relclf.io.bioc_document` describes. Reading is two steps, so that a
parallel run can do the second in its workers (:mod:`relclf.io.chunks`):

* :func:`read_xml_chunks` cuts the file into chunks of about 256 whole ``<document>`` elements by
  finding their tags in the bytes (comments, CDATA sections, processing instructions and the doctype
  are skipped as XML says), without parsing the documents. The rest of the file (prolog, the
  collection's header, closing tags), each document replaced by an empty one spanning as many lines,
  is parsed as it comes, so that XML that is not well-formed outside the documents is found too;
* :func:`parse_xml_chunk` parses a chunk with lxml under the file's prolog (its encoding and
  doctype; entities are never expanded or fetched) and converts each document.

Errors name the line of the offending element (annotation, relation) or of the document. XML that
is not well-formed is an error even when invalid documents are skipped (the documents after the
fault cannot be found), at the line the parser gives.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from bioc.biocxml.encoder import BioCXMLDocumentWriter
from lxml import etree

from ..document import Document
from ..errors import ErrorHandler, InputError, RelclfError
from .bioc_document import (
    Locator,
    RawAnnotation,
    RawDocument,
    RawLocation,
    RawNode,
    RawPassage,
    RawRelation,
    RawSentence,
    all_annotations,
    all_relations,
    bioc_to_document,
    collection_info,
    document_to_bioc,
)
from .chunks import Fatal, unless_fatal
from .files import PathLike, display_name, open_binary
from .validation import Repaired, shown, valid_documents

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13 on

__all__ = ["EMPTY_REASON", "XmlChunk", "parse_xml_chunk", "read_bioc_xml", "read_xml_chunks", "write_bioc_xml"]

#: what "no documents found" says for a BioC input without documents
EMPTY_REASON = "no <document> in the BioC file"
_PARSER_OPTIONS: dict[str, Any] = {"resolve_entities": False, "no_network": True, "huge_tree": True}
_BLOCK = 1 << 20  # bytes read at a time


Parsed = Document | Repaired[Document] | InputError | Fatal


def read_bioc_xml(
    source: PathLike | IO[bytes], *, on_error: ErrorHandler | None = None, allow_empty: bool = False
) -> Iterator[Document]:
    """Stream the documents of a BioC XML file.

    Parameters
    ----------
    source : path, ``"-"`` or binary file
    on_error : callable, optional
        Called with the :class:`InputError` of each invalid annotation or relation, which is then
        dropped (its document kept), and of each invalid document, which is then skipped. A file
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
    lenient = on_error is not None
    items = (item for chunk in read_xml_chunks(source) for item in parse_xml_chunk(chunk, lenient=lenient))
    yield from valid_documents(
        unless_fatal(items), name, on_error=on_error, allow_empty=allow_empty, empty_reason=EMPTY_REASON
    )


# --- cutting a file into chunks --------------------------------------------------------------------


@dataclass(frozen=True)
class XmlChunk:
    """Consecutive whole ``<document>`` elements of a BioC XML file, as read.

    ``data`` starts at line ``first_line`` of the file and is parsed under ``prolog`` (the file's
    bytes before its first element: XML declaration, doctype); ``error``, a fault found while
    cutting, comes after the documents of ``data``.
    """

    name: str
    first_line: int
    data: bytes
    prolog: bytes = b""
    error: InputError | None = None

    def parse(self, *, lenient: bool = False) -> list[Parsed]:
        """What the reader makes of each document of this chunk (:func:`parse_xml_chunk`)."""
        return parse_xml_chunk(self, lenient=lenient)


# What the cutter must see: a document's start or end tag, and what may hide a tag
_MARKUP = re.compile(rb"<(/?)document(?=[\s/>])|<!--|<!\[CDATA\[|<\?|<!DOCTYPE")
_SKIPPED = {b"<!--": b"-->", b"<![CDATA[": b"]]>", b"<?": b"?>"}
_DOCTYPE_PART = re.compile(rb"""[>\]"']|<!--|<\?""")
_OVERLAP = 16  # bytes kept searchable across a block boundary (longer than any pattern)


class _Nothing:
    """A parser target that keeps nothing: the parser only checks that what it is fed is well-formed."""

    def close(self) -> None:
        return None


class _Cutter:
    """A BioC XML file read block by block, cut into :class:`XmlChunk` s; positions are file offsets."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        self.handle, self.name = handle, name
        self.buffer, self.base, self.eof = b"", 0, False  # the buffer holds bytes base, base+1, ...
        self.keep = 0  # bytes before this offset may be dropped
        # parses what lies outside the documents; a target of its own, so that it builds no tree (a tree of
        # the collection would grow by one placeholder per document)
        self.skeleton = etree.XMLParser(target=_Nothing(), **_PARSER_OPTIONS)
        self.fed = 0  # the skeleton parser has seen the file up to here
        self.counted, self.line = 0, 1  # the line at offset `counted`

    def _more(self) -> bool:
        """Read a block, dropping the bytes no longer needed; False at the end of the file."""
        if self.eof:
            return False
        block = self.handle.read(_BLOCK)
        if not block:
            self.eof = True
            return False
        drop = min(self.keep, self.fed, self.counted) - self.base
        self.buffer = self.buffer[drop:] + block
        self.base += drop
        return True

    def _search(self, pattern: re.Pattern[bytes] | bytes, start: int) -> tuple[int, bytes]:
        """The offset and text of the first match of ``pattern`` at or after ``start`` ((-1, b"") if none)."""
        while True:
            resume = max(start, self.base + len(self.buffer) - _OVERLAP)  # a match may be cut by the buffer's end
            if isinstance(pattern, bytes):
                index = self.buffer.find(pattern, start - self.base)
                if index >= 0:
                    return index + self.base, pattern
            else:
                found = pattern.search(self.buffer, start - self.base)
                if found and (found.end() + _OVERLAP <= len(self.buffer) or self.eof):
                    return found.start() + self.base, found.group()
                if found:  # near the end of the buffer: read on, then look again from there
                    resume = found.start() + self.base
            start = resume
            if not self._more():
                if isinstance(pattern, re.Pattern) and (found := pattern.search(self.buffer, start - self.base)):
                    return found.start() + self.base, found.group()
                return -1, b""

    def _line_at(self, offset: int) -> int:
        self.line += self.buffer.count(b"\n", self.counted - self.base, offset - self.base)
        self.counted = offset
        return self.line

    def _feed(self, data: bytes) -> InputError | None:
        try:
            self.skeleton.feed(data)
        except etree.XMLSyntaxError as error:
            return _syntax_error(self.name, error, 0)
        return None

    def _feed_to(self, offset: int) -> InputError | None:
        """Give the skeleton parser the file up to ``offset``."""
        data = self.buffer[self.fed - self.base : offset - self.base]
        self.fed = offset
        return self._feed(data)

    def _skip(self, opener: bytes, at: int) -> int:
        """The offset after the comment, CDATA section, processing instruction or doctype at ``at``; -1 if unclosed."""
        if opener != b"<!DOCTYPE":
            end, _ = self._search(_SKIPPED[opener], at + len(opener))
            return -1 if end < 0 else end + len(_SKIPPED[opener])
        end, found = self._search(_DOCTYPE_PART, at + len(opener))
        while found and found not in (b">", b"]"):  # an internal subset: its strings, comments and PIs hide "]"
            if found in _SKIPPED:
                end = self._skip(found, end)
            else:  # a quoted string
                end, _ = self._search(found, end + 1)
                end = end + 1 if end >= 0 else -1
            if end < 0:
                return -1
            end, found = self._search(_DOCTYPE_PART, end)
        if found == b"]":
            end, _ = self._search(b">", end)
        return -1 if end < 0 else end + 1

    def chunks(self, size: int) -> Iterator[XmlChunk]:
        """Cut the file into chunks of ``size`` documents (the last may be smaller)."""
        prolog_end = self._prolog_end()
        prolog = self.buffer[: prolog_end - self.base]
        position = prolog_end
        depth, start, documents, first_line = 0, -1, 0, 0
        self.last_end = 0  # where the last whole document ends
        while True:
            self.keep = start if start >= 0 else position
            at, found = self._search(_MARKUP, position)
            if at < 0:
                break
            if found in _SKIPPED or found == b"<!DOCTYPE":
                position = self._skip(found, at)
                if position < 0:
                    break
                continue
            tag_end, _ = self._search(b">", at)
            if tag_end < 0:
                break
            position = tag_end + 1
            closing = found.startswith(b"</")
            empty = not closing and self.buffer[tag_end - 1 - self.base : tag_end - self.base] == b"/"
            if not closing and depth == 0:
                error = self._feed_to(at)
                if error is not None:
                    yield from self._close(prolog, start, first_line, error)
                    return
                if start < 0:
                    start, first_line = at, self._line_at(at)
                document_start = at
            if closing and depth == 0:
                continue  # a stray end tag: the skeleton parser reports it
            depth += -1 if closing else (0 if empty else 1)
            if depth == 0:  # a document ends here
                lines = self.buffer.count(b"\n", document_start - self.base, position - self.base)
                self.fed = self.last_end = position
                error = self._feed(b"<document/>" + b"\n" * lines)
                documents += 1
                if error is not None or documents >= size:
                    yield XmlChunk(self.name, first_line, self.buffer[start - self.base : position - self.base], prolog)
                    if error is not None:
                        yield XmlChunk(self.name, 0, b"", prolog, error)
                        return
                    start, documents = -1, 0
        if depth > 0:  # the file ends inside a document: parsing the chunk reports it
            self.keep = start
            while self._more():
                pass
            yield XmlChunk(self.name, first_line, self.buffer[start - self.base :], prolog)
            return
        while self._more():
            pass
        error = self._feed_to(self.base + len(self.buffer))
        if error is None:
            try:
                self.skeleton.close()
            except etree.XMLSyntaxError as failure:
                error = _syntax_error(self.name, failure, 0)
        yield from self._close(prolog, start, first_line, error)

    def _close(self, prolog: bytes, start: int, first_line: int, error: InputError | None) -> Iterator[XmlChunk]:
        """The last chunk (documents from ``start`` on, if any) and the chunk of ``error``, if any."""
        if start >= 0:
            yield XmlChunk(self.name, first_line, self.buffer[start - self.base : self.last_end - self.base], prolog)
        if error is not None:
            yield XmlChunk(self.name, 0, b"", prolog, error)

    def _prolog_end(self) -> int:
        """The offset of the file's first element (after the XML declaration, doctype and comments)."""
        position = 0
        while True:
            at, _ = self._search(b"<", position)
            if at < 0:
                return self.base + len(self.buffer)
            while at + 9 > self.base + len(self.buffer) and self._more():  # the opener whole in the buffer
                pass
            head = self.buffer[at - self.base : at - self.base + 9]
            opener = next((o for o in (*_SKIPPED, b"<!DOCTYPE") if head.startswith(o)), None)
            if opener is None:
                return at
            position = self._skip(opener, at)
            if position < 0:
                return self.base + len(self.buffer)


def read_xml_chunks(source: PathLike | IO[bytes], size: int = 256) -> Iterator[XmlChunk]:
    """Cut a BioC XML file into chunks of about ``size`` documents, without parsing the documents.

    :func:`parse_xml_chunk` of each chunk, in order, gives what the reader gives, with the same line
    numbers; a fault found outside the documents comes as a chunk of its own, in file order.
    """
    name = display_name(source)
    with open_binary(source) as handle:
        yield from _Cutter(handle, name).chunks(size)


# --- parsing a chunk ---------------------------------------------------------------------------------
_CHUNK_OPEN, _CHUNK_CLOSE = b"<relclf-chunk>", b"</relclf-chunk>"
_LINE_IN_MESSAGE = re.compile(r"\bline (\d+)")


def parse_xml_chunk(chunk: XmlChunk, *, lenient: bool = False) -> list[Parsed]:
    """What :func:`read_bioc_xml` makes of each document of ``chunk``, in order: the document, the
    document without its invalid annotations and relations (only when ``lenient``), or why it is
    invalid; then a :class:`Fatal` error if the XML is not well-formed."""
    done: list[Parsed] = []
    if chunk.data:
        wrapped = chunk.prolog + _CHUNK_OPEN + chunk.data + _CHUNK_CLOSE
        delta = chunk.first_line - 1 - chunk.prolog.count(b"\n")  # file line = line in `wrapped` + delta
        try:
            root = etree.fromstring(wrapped, etree.XMLParser(**_PARSER_OPTIONS))
        except etree.XMLSyntaxError:
            return _parse_until_fault(wrapped, chunk, delta, lenient)
        done = [_xml_document(element, chunk.name, delta, lenient) for element in root.iterchildren("document")]
    if chunk.error is not None:
        done.append(Fatal(chunk.error))
    return done


def _parse_until_fault(wrapped: bytes, chunk: XmlChunk, delta: int, lenient: bool) -> list[Parsed]:
    """The documents of a chunk that is not well-formed up to the fault, then the fault."""
    done: list[Parsed] = []
    try:
        for _, element in etree.iterparse(io.BytesIO(wrapped), events=("end",), tag="document", **_PARSER_OPTIONS):
            if element.getparent() is not None and element.getparent().tag == "relclf-chunk":
                done.append(_xml_document(element, chunk.name, delta, lenient))
                element.clear()
    except etree.XMLSyntaxError as error:
        done.append(Fatal(_syntax_error(chunk.name, error, delta)))
    return done


def _syntax_error(name: str, error: etree.XMLSyntaxError, delta: int) -> InputError:
    """The :class:`InputError` of an XML syntax error, its lines (the position and any in the message)
    moved by ``delta``."""
    message = (error.msg or str(error)).split(", line ")[0]
    message = _LINE_IN_MESSAGE.sub(lambda m: f"line {int(m.group(1)) + delta}", message)
    return InputError(name, max(1, (error.lineno or 1) + delta), f"not well-formed BioC XML: {message}")


def _xml_document(
    element: etree._Element, name: str, delta: int, lenient: bool
) -> Document | Repaired[Document] | InputError:
    """Convert one ``<document>`` element; errors are returned. When ``lenient``, invalid annotations
    and relations are dropped (a :class:`Repaired` says which)."""
    line = (element.sourceline or 0) + delta
    try:
        raw = _raw_document(element, delta)
        where = Locator(
            name,
            line,
            annotations=[a.line or line for a in all_annotations(raw)],
            relations=[r.line or line for r in all_relations(raw)],
        )
        dropped: list[InputError] | None = [] if lenient else None
        converted = bioc_to_document(raw, where=where, dropped=dropped)
        return Repaired(converted, tuple(dropped)) if dropped else converted
    except InputError as error:
        return InputError(error.path, error.line, error.message)  # the document goes: its scope
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, etree.LxmlError) as error:
        return InputError(name, line, f"invalid BioC document: {type(error).__name__}: {shown(str(error))}")


# The elements as bioc's XML decoder reads them (so that files read the same as before): the first
# <id>, <offset> and <text> child; infons by key (None for an empty one, "" for an annotation's or a
# relation's); offsets and lengths through int(); a missing attribute a KeyError.


def _attribute(element: etree._Element, key: str) -> str:
    value = element.get(key)
    if value is None:
        raise KeyError(key)
    return value


def _raw_document(element: etree._Element, delta: int) -> RawDocument:
    identifier: str | None = None
    infons: dict[str, Any] = {}
    passages, annotations, relations = [], [], []
    for child in element:
        tag = child.tag
        if tag == "passage":
            passages.append(_raw_passage(child, delta))
        elif tag == "annotation":
            annotations.append(_raw_annotation(child, delta))
        elif tag == "relation":
            relations.append(_raw_relation(child, delta))
        elif tag == "infon":
            infons[_attribute(child, "key")] = child.text
        elif tag == "id" and identifier is None:
            identifier = child.text or ""
    return RawDocument(identifier, infons, passages, annotations, relations)


def _raw_passage(element: etree._Element, delta: int) -> RawPassage:
    offset: str | None = None
    text = ""
    seen_text = False
    infons: dict[str, Any] = {}
    sentences, annotations, relations = [], [], []
    for child in element:
        tag = child.tag
        if tag == "annotation":
            annotations.append(_raw_annotation(child, delta))
        elif tag == "text" and not seen_text:
            text, seen_text = child.text or "", True
        elif tag == "infon":
            infons[_attribute(child, "key")] = child.text
        elif tag == "offset" and offset is None:
            offset = child.text or ""
        elif tag == "relation":
            relations.append(_raw_relation(child, delta))
        elif tag == "sentence":
            sentences.append(_raw_sentence(child, delta))
    return RawPassage(int(offset), infons, text, sentences, annotations, relations)  # type: ignore[arg-type]


def _raw_sentence(element: etree._Element, delta: int) -> RawSentence:
    offset: str | None = None
    text: str | None = None
    infons: dict[str, Any] = {}
    annotations, relations = [], []
    for child in element:
        tag = child.tag
        if tag == "annotation":
            annotations.append(_raw_annotation(child, delta))
        elif tag == "text" and text is None:
            text = child.text or ""
        elif tag == "infon":
            infons[_attribute(child, "key")] = child.text
        elif tag == "offset" and offset is None:
            offset = child.text or ""
        elif tag == "relation":
            relations.append(_raw_relation(child, delta))
    return RawSentence(int(offset), infons, text, annotations, relations)  # type: ignore[arg-type]


def _raw_annotation(element: etree._Element, delta: int) -> RawAnnotation:
    # the hottest loop of BioC XML reading: attribute lookups inlined
    infons: dict[str, Any] = {}
    text: str | None = None
    locations = []
    for child in element:
        tag = child.tag
        if tag == "infon":
            key = child.get("key")
            if key is None:
                raise KeyError("key")
            value = child.text
            infons[key] = "" if value is None else value
        elif tag == "location":
            offset, length = child.get("offset"), child.get("length")
            if offset is None or length is None:
                raise KeyError("offset" if offset is None else "length")
            locations.append(RawLocation(int(offset), int(length)))
        elif tag == "text" and text is None:
            text = child.text or ""
    identifier = element.get("id")
    if identifier is None:
        raise KeyError("id")
    line = element.sourceline
    return RawAnnotation(identifier, infons, text, locations, line + delta if line else 0)


def _raw_relation(element: etree._Element, delta: int) -> RawRelation:
    infons: dict[str, Any] = {}
    nodes = []
    for child in element:
        tag = child.tag
        if tag == "infon":
            infons[_attribute(child, "key")] = child.text if child.text is not None else ""
        elif tag == "node":
            nodes.append(RawNode(_attribute(child, "refid"), _attribute(child, "role")))
    line = element.sourceline
    return RawRelation(element.get("id", ""), infons, nodes, line + delta if line else 0)


def write_bioc_xml(documents: Iterable[Document], handle: IO[bytes] | IO[str]) -> int:
    """Write ``documents`` as one BioC XML collection to ``handle``, one document at a time.

    ``handle`` is a binary stream (a text stream is accepted too). Returns the number written.
    Raises :class:`RelclfError` naming the document when its text holds a character XML 1.0 cannot
    represent (a control character); BioC JSON can carry it.
    """
    stream = handle if _is_binary(handle) else _TextSink(handle)
    writer = BioCXMLDocumentWriter(stream, encoding="UTF-8")  # the name the XML spec uses
    writer.write_collection_info(collection_info())
    count = 0
    for document in documents:
        try:
            writer.write_document(document_to_bioc(document))
        except ValueError as error:
            raise RelclfError(
                f"document {document.pmid!r} cannot be written as BioC XML ({error}); use BioC JSON"
            ) from None
        count += 1
    writer.close()
    return count


def _is_binary(handle: IO[bytes] | IO[str]) -> TypeIs[IO[bytes]]:
    mode = getattr(handle, "mode", "b")  # a gzip.GzipFile's mode is a number
    return not hasattr(handle, "encoding") and (not isinstance(mode, str) or "b" in mode)


class _TextSink:
    """Lets lxml's byte-writing serializer write to a text stream (UTF-8 decoded incrementally)."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> None:
        self.handle.write(self.decoder.decode(data))

    def flush(self) -> None:
        self.handle.flush()
