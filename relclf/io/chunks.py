"""Chunks of whole documents: cut from a file in the reading process, parsed where they are processed.

A parallel run sends its workers raw chunks of the input, not parsed documents: cutting a file at
document boundaries costs a small part of parsing it, and sending bytes costs almost nothing, where
sending parsed documents (pickled objects) costs about a third of what parsing them does. Every input
format cuts its own way (:func:`relclf.io.pubtator.read_chunks`,
:func:`relclf.io.bioc_xml.read_xml_chunks`, :func:`relclf.io.bioc_json.read_json_chunks`); each
chunk's ``parse(lenient=...)`` gives what the format's reader makes of each of its documents, so that
the chunks parsed in order, wherever that happens, give what the reader gives.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Protocol

from ..errors import InputError
from .files import PathLike

__all__ = ["EMPTY_REASONS", "DocumentChunk", "Fatal", "read_chunks", "unless_fatal"]

# format -> (module of relclf.io, the function that cuts a file): imported on first use
_CUTTERS = {
    "pubtator": ("pubtator", "read_chunks"),
    "bioc-xml": ("bioc_xml", "read_xml_chunks"),
    "bioc-json": ("bioc_json", "read_json_chunks"),
}
#: what "no documents found" says for an input of each format that holds none
EMPTY_REASONS = {
    "pubtator": "empty file or only blank lines",
    "bioc-xml": "no <document> in the BioC file",
    "bioc-json": "no <document> in the BioC file",
}


@dataclass(frozen=True)
class Fatal:
    """An error after which a file cannot be read on (XML or JSON that is not well-formed): raised
    even when invalid documents are skipped."""

    error: InputError


def unless_fatal(items: Iterable[Any]) -> Iterator[Any]:
    """``items`` up to the first :class:`Fatal` one, whose error is raised."""
    for item in items:
        if isinstance(item, Fatal):
            raise item.error
        yield item


class DocumentChunk(Protocol):
    """What every format's chunks offer: parsing, where the chunk is processed."""

    def parse(self, *, lenient: bool = False) -> list[Any]:
        """Each document of the chunk as its reader makes it (a document, a ``Repaired`` one or an
        ``InputError``), then possibly a :class:`Fatal` error."""
        ...


def read_chunks(source: PathLike | IO[bytes], format: str, size: int = 256) -> Iterator[DocumentChunk]:
    """Cut ``source``, of input format ``format``, into chunks of about ``size`` whole documents."""
    module, name = _CUTTERS[format]
    cut = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    return cut(source, size)
