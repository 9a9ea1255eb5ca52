"""Reading and writing BioC JSON, streaming, in chunks of whole documents.

Documents map to BioC as :mod:`relclf.io.bioc_document` describes. The reader accepts a BioC
collection, a list of documents, a single document, PubTator3's export (an object whose one value
is a list of documents), or JSON Lines with one document per line. Reading is two steps, so that a
parallel run can do the second in its workers (:mod:`relclf.io.chunks`):

* :func:`read_json_chunks` reads the file block by block and cuts the list of documents (or the
  lines) into chunks of about 256 documents, each the document's JSON text: the standard library's
  decoder finds where each document ends (``raw_decode``, faster here than a streaming parser such as
  ijson, and it gives the text to pass on), and holds one document at a time, so memory stays flat
  however large the collection;
* :func:`parse_json_chunk` decodes and converts each document.

Errors name the line of the document (JSON Lines); in a collection the message names the
document's position and the line is that of its ``"id"`` member (0 if it cannot be found). Whole
numbers longer than :data:`MAX_INT_DIGITS` digits and lone surrogates (``"\\ud800"``, not Unicode)
are errors at their line. JSON that is not valid is an error even when invalid documents are skipped
(except a bad line of JSON Lines, which is one invalid document).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from bioc import biocjson

from ..document import Document
from ..errors import ErrorHandler, InputError
from .bioc_document import (
    Locator,
    RawAnnotation,
    RawDocument,
    RawLocation,
    RawNode,
    RawPassage,
    RawRelation,
    RawSentence,
    bioc_to_document,
    collection_info,
    document_to_bioc,
)
from .bioc_xml import EMPTY_REASON
from .chunks import Fatal, unless_fatal
from .files import PathLike, display_name, open_binary
from .validation import Repaired, shown, valid_documents

__all__ = ["MAX_INT_DIGITS", "JsonChunk", "parse_json_chunk", "read_bioc_json", "read_json_chunks", "write_bioc_json"]

#: digits of the longest whole number read (offsets need at most 18); Python refuses more than 4,300
MAX_INT_DIGITS = 100
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_BLOCK = 1 << 20  # bytes read at a time
Parsed = Document | Repaired[Document] | InputError | Fatal


def read_bioc_json(
    source: PathLike | IO[bytes], *, on_error: ErrorHandler | None = None, allow_empty: bool = False
) -> Iterator[Document]:
    """Stream the documents of a BioC JSON file.

    Accepts a BioC collection (``{"documents": [...]}``), a list of documents, a single document,
    an object whose one value is a list of documents (PubTator3's export), or JSON Lines with one
    document per line (bioc's ``iterwriter`` format). Parameters as for
    :func:`~relclf.io.bioc_xml.read_bioc_xml`; a file that is not valid JSON is an error even with
    ``on_error``, a bad line of a JSON Lines file is a per-document error.
    """
    name = display_name(source)
    lenient = on_error is not None
    items = (item for chunk in read_json_chunks(source) for item in parse_json_chunk(chunk, lenient=lenient))
    yield from valid_documents(
        unless_fatal(items), name, on_error=on_error, allow_empty=allow_empty, empty_reason=EMPTY_REASON
    )


# --- cutting a file into chunks --------------------------------------------------------------------


@dataclass(frozen=True)
class JsonChunk:
    """Consecutive documents of a BioC JSON file, as read: for each, the line where its text starts,
    its position in the collection (0 for a line of JSON Lines) and its JSON text; ``error``, a fault
    found while cutting, comes after them."""

    name: str
    entries: tuple[tuple[int, int, str], ...]
    error: InputError | None = None

    def parse(self, *, lenient: bool = False) -> list[Parsed]:
        """What the reader makes of each document of this chunk (:func:`parse_json_chunk`)."""
        return parse_json_chunk(self, lenient=lenient)


class _Invalid(Exception):
    """JSON that is not valid, at a position of the text read."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message, self.position = message, position


_WHITESPACE = re.compile(r"[ \t\n\r]*")
# what a BioC document holds: an array under one of these keys is not a list of documents
_DOCUMENT_KEYS = frozenset({"id", "infons", "passages", "annotations", "relations", "sentences", "text"})
# a value's text is decoded just to find where it ends: numbers' digits are counted, not converted
_SCANNER = json.JSONDecoder(parse_int=len)


class _Text:
    """The decoded text of a JSON file, read block by block; positions count from ``base``."""

    def __init__(self, handle: IO[bytes], name: str) -> None:
        self.handle, self.name = handle, name
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text, self.base, self.eof = "", 0, False
        self.counted, self.line = 0, 1  # the line at position `counted`
        self.keep = 0  # text before this position may be dropped

    def more(self, at_least: int = 0) -> bool:
        """Read on (at least ``at_least`` bytes); False at the end of the file."""
        if self.eof:
            return False
        block = self.handle.read(max(_BLOCK, at_least))
        try:
            decoded = self.decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            line = self.line_at(self.base + len(self.text)) + block.count(b"\n", 0, error.start)
            raise InputError(self.name, line, "invalid UTF-8") from None
        if not block:
            self.eof = True
        drop = min(self.keep, self.counted) - self.base
        if not self.text and not self.base:
            decoded = decoded.removeprefix("\ufeff")
        self.text = self.text[drop:] + decoded
        self.base += drop
        return bool(block)

    def char(self, position: int) -> str:
        """The character at ``position`` ("" at the end of the file)."""
        while position - self.base >= len(self.text):
            if not self.more():
                return ""
        return self.text[position - self.base]

    def skip_whitespace(self, position: int) -> int:
        while True:
            end = _WHITESPACE.match(self.text, position - self.base).end() + self.base  # type: ignore[union-attr]
            if end - self.base < len(self.text) or not self.more():
                return end

    def value(self, position: int) -> tuple[Any, int]:
        """Decode the value at ``position`` (reading on as needed): (its value as scanned, its end)."""
        while True:
            try:
                value, end = _SCANNER.raw_decode(self.text, position - self.base)
                if end < len(self.text) or self.eof:
                    return value, end + self.base
            except json.JSONDecodeError as error:
                if self.eof:
                    raise _Invalid(error.msg, error.pos + self.base) from None
            except RecursionError:
                raise _Invalid("nested too deeply", position) from None
            self.more(at_least=len(self.text) - (position - self.base))  # doubles what a long value gets

    def slice(self, start: int, end: int) -> str:
        return self.text[start - self.base : end - self.base]

    def line_at(self, position: int) -> int:
        """The line of ``position`` (positions asked for never decrease)."""
        self.line += self.text.count("\n", self.counted - self.base, position - self.base)
        self.counted = position
        return self.line

    def column_at(self, position: int) -> int:
        return position - self.base - self.text.rfind("\n", 0, position - self.base)


class _Cutter:
    """Cuts a BioC JSON file into :class:`JsonChunk` s (see :func:`read_json_chunks`)."""

    def __init__(self, handle: IO[bytes], name: str, size: int) -> None:
        self.text = _Text(handle, name)
        self.name, self.size = name, size
        self.entries: list[tuple[int, int, str]] = []

    def chunks(self) -> Iterator[JsonChunk]:
        try:
            yield from self._top()
        except _Invalid as error:
            line = self.text.line_at(error.position)
            column = self.text.column_at(error.position)
            yield self._flush(InputError(self.name, line, f"not valid BioC JSON: {error.message} (column {column})"))
            return
        except InputError as error:
            yield self._flush(error)
            return
        if self.entries:
            yield self._flush()

    def _flush(self, error: InputError | None = None) -> JsonChunk:
        chunk = JsonChunk(self.name, tuple(self.entries), error)
        self.entries = []
        return chunk

    def _add(self, start: int, end: int, index: int) -> Iterator[JsonChunk]:
        self.entries.append((self.text.line_at(start), index, self.text.slice(start, end)))
        self.text.keep = end
        if len(self.entries) >= self.size:
            yield self._flush()

    def _top(self) -> Iterator[JsonChunk]:
        text = self.text
        position = text.skip_whitespace(0)
        first = text.char(position)
        if first == "[":
            yield from self._documents(position)
            self._end(text.skip_whitespace(self._after))
        elif first == "{":
            yield from self._object(position)
        else:
            value, end = text.value(position)  # the decoder's error for what is no JSON
            self._end(text.skip_whitespace(end))
            raise InputError(
                self.name, 1, "not a BioC JSON collection (expected an object with 'documents', or a list of documents)"
            )

    def _end(self, position: int) -> None:
        if self.text.char(position) != "":
            raise _Invalid("Extra data", position)

    _after = 0  # where the list of documents just read ends

    def _documents(self, position: int) -> Iterator[JsonChunk]:
        """The documents of the list at ``position``, one entry each; sets ``_after``."""
        text = self.text
        position = text.skip_whitespace(position + 1)
        index = 0
        if text.char(position) == "]":
            self._after = position + 1
            return
        while True:
            _, end = text.value(position)
            index += 1
            yield from self._add(position, end, index)
            position = text.skip_whitespace(end)
            separator = text.char(position)
            if separator == "]":
                self._after = position + 1
                return
            if separator != ",":
                raise _Invalid("Expecting ',' delimiter", position)
            position = text.skip_whitespace(position + 1)

    def _object(self, start: int) -> Iterator[JsonChunk]:
        """The object at ``start``: a collection (its documents streamed), one document, or the first line
        of JSON Lines."""
        text = self.text
        start_line = text.line_at(start)
        members: dict[str, Any] = {}
        streamed = ""  # the key whose list of documents was streamed
        position = text.skip_whitespace(start + 1)
        if text.char(position) == "}":
            position += 1
        else:
            while True:
                if text.char(position) != '"':
                    raise _Invalid("Expecting property name enclosed in double quotes", position)
                key, position = text.value(position)
                position = text.skip_whitespace(position)
                if text.char(position) != ":":
                    raise _Invalid("Expecting ':' delimiter", position)
                position = text.skip_whitespace(position + 1)
                if not streamed and text.char(position) == "[" and self._holds_documents(key, members, position):
                    streamed = key
                    yield from self._documents(position)
                    position = self._after
                else:
                    members[key], position = text.value(position)
                position = text.skip_whitespace(position)
                separator = text.char(position)
                if separator == "}":
                    position += 1
                    break
                if separator != ",":
                    raise _Invalid("Expecting ',' delimiter", position)
                position = text.skip_whitespace(position + 1)
        following = text.skip_whitespace(position)
        if streamed:
            self._end(following)
            if streamed != "documents" and members:
                raise InputError(self.name, 1, "not a BioC JSON collection (expected an object with 'documents')")
            return
        if text.char(following) != "":  # another value follows
            if text.line_at(following) == 1:
                raise _Invalid("Extra data", following)
            text.counted, text.line = start, start_line  # count the lines again from the start
            yield from self._lines(start)
            return
        if "passages" in members or not members:
            yield from self._add(start, position, 1)  # one document (or an empty object: an error when read)
            return
        raise InputError(
            self.name, 1, "not a BioC JSON collection (expected an object with 'documents', or a list of documents)"
        )

    def _holds_documents(self, key: str, members: dict[str, Any], position: int) -> bool:
        """Whether the list at ``position``, under ``key``, is the collection's list of documents: under
        "documents", or under the first key of an object (PubTator3's export) when it is no part of a
        document and its first item is an object."""
        if key == "documents":
            return True
        if members or key in _DOCUMENT_KEYS:
            return False
        return self.text.char(self.text.skip_whitespace(position + 1)) == "{"

    def _lines(self, start: int) -> Iterator[JsonChunk]:
        """JSON Lines from ``start`` (the start of the file): one entry per line that is not blank."""
        text = self.text
        position = start
        while True:
            end = text.text.find("\n", position - text.base)
            while end < 0 and text.more():
                end = text.text.find("\n", position - text.base)
            end = end + text.base if end >= 0 else text.base + len(text.text)
            line = text.slice(position, end)
            if line.strip():
                yield from self._add(position, end, 0)
            if end >= text.base + len(text.text) and not text.more():
                return
            position = end + 1
            text.keep = position


def read_json_chunks(source: PathLike | IO[bytes], size: int = 256) -> Iterator[JsonChunk]:
    """Cut a BioC JSON file into chunks of about ``size`` documents, decoding each only to find its end.

    :func:`parse_json_chunk` of each chunk, in order, gives what the reader gives, with the same line
    numbers; a fault (JSON that is not valid) comes with the chunk of the documents before it.
    """
    name = display_name(source)
    with open_binary(source) as handle:
        yield from _Cutter(handle, name, size).chunks()


# --- parsing a chunk ---------------------------------------------------------------------------------


class _LongInteger(ValueError):
    """A JSON whole number longer than MAX_INT_DIGITS digits."""


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1:  # + 1 for a minus sign
        raise _LongInteger(text)
    return int(text)


def _loads(data: bytes | str) -> Any:
    return json.loads(data, parse_int=_parse_int)


def _long_integer(data: str, name: str, line: int) -> InputError:
    """The error of a whole number too long in ``data``, whose text starts at ``line``."""
    found = re.search(rf"\d{{{MAX_INT_DIGITS + 1},}}", data)
    digits = len(found.group()) if found else MAX_INT_DIGITS + 1
    where = line + (data.count("\n", 0, found.start()) if found else 0)
    return InputError(name, where, f"a whole number with {digits:,} digits (more than {MAX_INT_DIGITS} are refused)")


def parse_json_chunk(chunk: JsonChunk, *, lenient: bool = False) -> list[Parsed]:
    """What :func:`read_bioc_json` makes of each document of ``chunk``, in order: the document, the
    document without its invalid annotations and relations (only when ``lenient``), or why it is
    invalid; then a :class:`Fatal` error if the file is not valid JSON there."""
    done: list[Parsed] = []
    for line, index, data in chunk.entries:
        if index == 0:  # a line of JSON Lines: a bad line is one invalid document
            done.append(_json_line(data, chunk.name, line, lenient))
            continue
        try:
            obj = _loads(data)
        except _LongInteger:
            done.append(Fatal(_long_integer(data, chunk.name, line)))
            return done
        done.append(
            _json_document(obj, chunk.name, _id_line(obj, data, line), f"document {index} of the collection: ", lenient)
        )
    if chunk.error is not None:
        done.append(Fatal(chunk.error))
    return done


def _json_line(data: str, name: str, line: int, lenient: bool) -> Parsed:
    try:
        obj = _loads(data)
    except _LongInteger:
        return _long_integer(data, name, line)
    except json.JSONDecodeError as error:
        return InputError(name, line, f"not valid JSON: {error.msg} (column {error.colno})")
    except RecursionError:
        return InputError(name, line, "not valid JSON: nested too deeply")
    return _json_document(obj, name, line, "", lenient, data)


def _id_line(document: Any, data: str, line: int) -> int:
    """The line of the document's ``"id"`` member in its text ``data`` (which starts at ``line``); 0 if not found."""
    identifier = document.get("id") if isinstance(document, dict) else None
    if not isinstance(identifier, (str, int)):
        return 0
    found = [
        m.start()
        for form in {json.dumps(identifier), json.dumps(identifier, ensure_ascii=False)}
        if (m := re.compile(r'"id"\s*:\s*' + re.escape(form)).search(data))
    ]
    return line + data.count("\n", 0, min(found)) if found else 0


def _json_document(
    obj: Any, name: str, line: int, prefix: str, lenient: bool = False, data: str | None = None
) -> Document | Repaired[Document] | InputError:
    where = Locator(name, line, prefix)
    try:
        if not isinstance(obj, dict):
            raise where.error(f"expected a BioC document object, found {type(obj).__name__}")
        if "passages" not in obj and {"id1", "id2", "label"} <= set(obj):
            raise where.error(
                "a relation row (relclf's JSON Lines output), not a BioC document: it holds no text to read"
            )
        surrogate = _first_surrogate(obj)
        if surrogate is not None:
            raise where.error(
                f"a string holds the lone surrogate {surrogate!r}, which is not Unicode text: "
                f"{shown(_around(surrogate))}"
            )
        dropped: list[InputError] | None = [] if lenient else None
        document = bioc_to_document(_raw_document(obj), where=where, dropped=dropped)
        return Repaired(document, tuple(dropped)) if dropped else document
    except InputError as error:
        return InputError(error.path, error.line, error.message)  # the document goes: its scope
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return where.error(f"invalid BioC document: {type(error).__name__}: {shown(str(error))}")


# The objects as bioc's JSON decoder reads them, with the defaults that exports often omit filled in
# (so that files read the same as before): missing lists empty, missing infons {}, a missing text "",
# a missing "id" or "offset" a KeyError, a list that is not one a TypeError.


# a document's members that BioC defines; PubTator3 adds others ("pmid", "journal", "authors"...), kept as infons
_BIOC_MEMBERS = frozenset({"id", "infons", "passages", "annotations", "relations", "bioctype"})


def _list(holder: dict[str, Any], key: str) -> list[Any]:
    value = holder.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"{key!r} is not a list")
    return value


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not an object")
    return value


def _raw_document(obj: dict[str, Any]) -> RawDocument:
    passages = [_raw_passage(_dict(p, "passage")) for p in _list(obj, "passages")]
    annotations = [_raw_annotation(_dict(a, "annotation")) for a in _list(obj, "annotations")]
    relations = [_raw_relation(_dict(r, "relation")) for r in _list(obj, "relations")]
    extra = {k: v for k, v in obj.items() if k not in _BIOC_MEMBERS} or None
    return RawDocument(obj["id"], obj.get("infons", {}), passages, annotations, relations, extra)


def _raw_passage(obj: dict[str, Any]) -> RawPassage:
    return RawPassage(
        obj["offset"],
        obj.get("infons", {}),
        obj.get("text", ""),
        [_raw_sentence(_dict(s, "sentence")) for s in _list(obj, "sentences")],
        [_raw_annotation(_dict(a, "annotation")) for a in _list(obj, "annotations")],
        [_raw_relation(_dict(r, "relation")) for r in _list(obj, "relations")],
    )


def _raw_sentence(obj: dict[str, Any]) -> RawSentence:
    return RawSentence(
        obj["offset"],
        obj.get("infons", {}),
        obj.get("text", ""),
        [_raw_annotation(_dict(a, "annotation")) for a in _list(obj, "annotations")],
        [_raw_relation(_dict(r, "relation")) for r in _list(obj, "relations")],
    )


def _raw_annotation(obj: dict[str, Any]) -> RawAnnotation:
    locations = [RawLocation(loc["offset"], loc["length"]) for loc in obj.get("locations", [])]
    return RawAnnotation(obj.get("id", ""), obj.get("infons", {}), obj.get("text", ""), locations)


def _raw_relation(obj: dict[str, Any]) -> RawRelation:
    nodes = [RawNode(node["refid"], node["role"]) for node in obj.get("nodes", [])]
    return RawRelation(obj.get("id", ""), obj.get("infons", {}), nodes)


def _first_surrogate(obj: Any) -> str | None:
    """The first string of ``obj`` (keys included) holding a lone surrogate, or None (iterative: no recursion)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _around(text: str) -> str:
    """The text around the first surrogate of ``text``, the surrogate escaped."""
    found = _SURROGATE.search(text)
    assert found is not None, "called for text that holds a surrogate"
    k = found.start()
    return text[max(0, k - 20) : k + 20].encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")


def write_bioc_json(documents: Iterable[Document], handle: IO[str]) -> int:
    """Write ``documents`` as one BioC JSON collection to the text stream ``handle``.

    Streams: the collection's header first, then one document per line. Returns the number written.
    """
    info = biocjson.toJSON(collection_info())
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
