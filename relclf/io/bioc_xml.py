"""Reading and writing BioC XML, streaming, with the ``bioc`` package's decoder and encoder.

Documents map to BioC as :mod:`relclf.io.bioc_document` describes. The reader parses one
``<document>`` element at a time (entities are never expanded or fetched) and frees it once
converted; errors name the line of the offending element (annotation, relation) or of the document.
"""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING

import bioc
from bioc.biocxml.encoder import BioCXMLDocumentWriter
from lxml import etree

from ..document import Document
from ..errors import ErrorHandler, InputError, RelclfError
from .bioc_document import (
    Locator,
    all_annotations,
    all_relations,
    bioc_to_document,
    collection_info,
    document_to_bioc,
)
from .files import PathLike, display_name, open_binary
from .validation import Repaired, shown, valid_documents

if TYPE_CHECKING:
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13 on

__all__ = ["read_bioc_xml", "write_bioc_xml"]


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
    with open_binary(source) as handle:
        converted = _converted_documents(handle, name, lenient=on_error is not None)
        yield from valid_documents(
            converted, name, on_error=on_error, allow_empty=allow_empty, empty_reason="no <document> in the BioC file"
        )


def _converted_documents(
    handle: IO[bytes], name: str, *, lenient: bool = False
) -> Iterator[Document | Repaired[Document] | InputError]:
    """Each ``<document>`` of the file converted, or why it is invalid; raises if the XML is not well-formed."""
    parser_options = {"resolve_entities": False, "no_network": True, "huge_tree": True}
    try:
        for _, element in etree.iterparse(handle, events=("end",), tag="document", **parser_options):
            yield _xml_document(element, name, lenient=lenient)
            element.clear()
            while element.getprevious() is not None:  # free the documents already converted
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        message = error.msg or str(error)
        raise InputError(name, line, f"not well-formed BioC XML: {message.split(', line ')[0]}") from None


def _xml_document(
    element: etree._Element, name: str, *, lenient: bool = False
) -> Document | Repaired[Document] | InputError:
    """Decode one ``<document>`` element with bioc's decoder and convert it; errors are returned.

    When ``lenient``, invalid annotations and relations are dropped (a :class:`Repaired` says which)."""
    line = element.sourceline or 0
    annotations = [a.sourceline or line for a in _xml_in_bioc_order(element, "annotation")]
    relations = [r.sourceline or line for r in _xml_in_bioc_order(element, "relation")]
    where = Locator(name, line, annotations=annotations, relations=relations)
    try:
        with _parser_for_bioc():
            collection = bioc.biocxml.loads(
                "<collection>" + etree.tostring(element, encoding="unicode") + "</collection>"
            )
        (document,) = collection.documents
        _empty_infons_are_empty_strings(document)
        dropped: list[InputError] | None = [] if lenient else None
        converted = bioc_to_document(document, where=where, dropped=dropped)
        return Repaired(converted, tuple(dropped)) if dropped else converted
    except InputError as error:
        return InputError(error.path, error.line, error.message)  # the document goes: its scope
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError, etree.LxmlError) as error:
        return InputError(name, line, f"invalid BioC document: {type(error).__name__}: {shown(str(error))}")


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
    for item in [*all_annotations(document), *all_relations(document)]:
        item.infons = {k: "" if v is None else v for k, v in item.infons.items()}


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
