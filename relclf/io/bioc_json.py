"""Reading and writing BioC JSON with the ``bioc`` package's decoder and encoder.

Documents map to BioC as :mod:`relclf.io.bioc_document` describes. The reader accepts a BioC
collection, a list of documents, a single document, PubTator3's export, or JSON Lines with one
document per line. Errors name the line of the document (JSON Lines); for a JSON collection, whose
parser keeps no positions, the message names the document's position in the collection and the line
is that of its ``"id"`` member (0 if it cannot be found). Whole numbers longer than
:data:`MAX_INT_DIGITS` digits and lone surrogates (``"\\ud800"``, not Unicode) are errors at their line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from bioc import biocjson

from ..document import Document
from ..errors import ErrorHandler, InputError
from .bioc_document import Locator, bioc_to_document, collection_info, document_to_bioc
from .files import PathLike, display_name, open_binary
from .validation import Repaired, shown, valid_documents

__all__ = ["MAX_INT_DIGITS", "read_bioc_json", "write_bioc_json"]

#: digits of the longest whole number read (offsets need at most 18); Python refuses more than 4,300
MAX_INT_DIGITS = 100
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_bioc_json(
    source: PathLike | IO[bytes], *, on_error: ErrorHandler | None = None, allow_empty: bool = False
) -> Iterator[Document]:
    """Stream the documents of a BioC JSON file.

    Accepts a BioC collection (``{"documents": [...]}``), a list of documents, a single document,
    an object whose one value is a list of documents (PubTator3's export), or JSON Lines with one
    document per line (bioc's ``iterwriter`` format; read line by line). Parameters as for
    :func:`~relclf.io.bioc_xml.read_bioc_xml`; a file that is not valid JSON is an error even with
    ``on_error``, a bad line of a JSON Lines file is a per-document error.
    """
    name = display_name(source)
    with open_binary(source) as handle:
        data = handle.read()
    converted = _converted_documents(data, name, lenient=on_error is not None)
    yield from valid_documents(
        converted, name, on_error=on_error, allow_empty=allow_empty, empty_reason="no <document> in the BioC file"
    )


class _LongInteger(ValueError):
    """A JSON whole number longer than MAX_INT_DIGITS digits."""


def _parse_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS + 1:  # + 1 for a minus sign
        raise _LongInteger(text)
    return int(text)


def _loads(data: bytes | str) -> Any:
    return json.loads(data, parse_int=_parse_int)


def _long_integer(data: bytes, name: str, line: int | None = None) -> InputError:
    found = re.search(rb"\d{%d,}" % (MAX_INT_DIGITS + 1), data)
    digits = len(found.group()) if found else MAX_INT_DIGITS + 1
    where = line if line is not None else (data.count(b"\n", 0, found.start()) + 1 if found else 1)
    return InputError(name, where, f"a whole number with {digits:,} digits (more than {MAX_INT_DIGITS} are refused)")


def _converted_documents(
    data: bytes, name: str, *, lenient: bool = False
) -> Iterator[Document | Repaired[Document] | InputError]:
    """Each document of the file converted, or why it is invalid; raises if the file is not valid JSON."""
    try:
        whole = _loads(data)
        entries: Iterable[tuple[int, str, Any]] = _collection_entries(whole, name, _IdLines(data))
    except _LongInteger:
        raise _long_integer(data, name) from None
    except UnicodeDecodeError as error:
        raise InputError(name, data.count(b"\n", 0, error.start) + 1, "invalid UTF-8") from None
    except RecursionError:
        raise InputError(name, 1, "not valid BioC JSON: nested too deeply") from None
    except json.JSONDecodeError as error:
        if error.msg != "Extra data" or error.lineno == 1:
            raise InputError(name, error.lineno, f"not valid BioC JSON: {error.msg} (column {error.colno})") from None
        entries = _json_lines(data, name)
    for line, prefix, obj in entries:
        yield _json_document(obj, name, line, prefix, lenient=lenient)


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
        raise InputError(
            name, 1, "not a BioC JSON collection (expected an object with 'documents', or a list of documents)"
        )
    for index, item in enumerate(items, start=1):
        yield lines.line_of(item), f"document {index} of the collection: ", item


def _json_lines(data: bytes, name: str) -> Iterator[tuple[int, str, Any]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            yield number, "", _loads(raw)
        except _LongInteger:
            yield number, "", _long_integer(raw, name, number)
        except UnicodeDecodeError:
            yield number, "", InputError(name, number, "invalid UTF-8")
        except json.JSONDecodeError as error:
            yield number, "", InputError(name, number, f"not valid JSON: {error.msg} (column {error.colno})")
        except RecursionError:
            yield number, "", InputError(name, number, "not valid JSON: nested too deeply")


def _json_document(
    obj: Any, name: str, line: int, prefix: str, *, lenient: bool = False
) -> Document | Repaired[Document] | InputError:
    if isinstance(obj, InputError):
        return obj
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
        document = bioc_to_document(
            biocjson.fromJSON(_with_defaults(obj), "BioCDocument"), where=where, dropped=dropped
        )
        return Repaired(document, tuple(dropped)) if dropped else document
    except InputError as error:
        return InputError(error.path, error.line, error.message)  # the document goes: its scope
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return where.error(f"invalid BioC document: {type(error).__name__}: {shown(str(error))}")


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


def _with_defaults(document: dict[str, Any]) -> dict[str, Any]:
    """Fill in the lists and infons bioc's decoder requires but that exports often omit."""
    document = {"infons": {}, "passages": [], "annotations": [], "relations": [], **document}
    for key in ("passages", "annotations", "relations"):
        if not isinstance(document[key], list):
            raise TypeError(f"{key!r} is not a list")
    document["passages"] = [
        {"infons": {}, "sentences": [], "annotations": [], "relations": [], **_dict(p, "passage")}
        for p in document["passages"]
    ]
    for passage in document["passages"]:
        passage["sentences"] = [
            {"infons": {}, "text": "", "annotations": [], "relations": [], **_dict(s, "sentence")}
            for s in passage["sentences"]
        ]
    for holder in [document, *document["passages"], *(s for p in document["passages"] for s in p["sentences"])]:
        holder["annotations"] = [
            {"infons": {}, "text": "", "locations": [], "id": "", **_dict(a, "annotation")}
            for a in holder["annotations"]
        ]
        holder["relations"] = [
            {"infons": {}, "nodes": [], "id": "", **_dict(r, "relation")} for r in holder["relations"]
        ]
    return document


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not an object")
    return value


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
