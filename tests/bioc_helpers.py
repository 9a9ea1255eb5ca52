"""Helpers shared by the BioC tests: the fixture documents written as BioC XML or JSON and read back."""

from __future__ import annotations

import io

from conftest import DOC_300, DOC_400, MULTI_DOC
from relclf.document import Document
from relclf.io.bioc_json import read_bioc_json, write_bioc_json
from relclf.io.bioc_xml import read_bioc_xml, write_bioc_xml
from relclf.io.pubtator import write_pubtator

ALL_DOCS = MULTI_DOC + DOC_300 + "\n" + DOC_400 + "\n"


def to_xml(documents) -> bytes:
    buffer = io.BytesIO()
    write_bioc_xml(documents, buffer)
    return buffer.getvalue()


def to_json(documents) -> bytes:
    buffer = io.StringIO()
    write_bioc_json(documents, buffer)
    return buffer.getvalue().encode("utf-8")


def pubtator_text(documents) -> str:
    buffer = io.StringIO()
    write_pubtator(documents, buffer, with_scores=True)
    return buffer.getvalue()


def xml_docs(data: bytes | str, **kwargs) -> list[Document]:
    return list(read_bioc_xml(io.BytesIO(data.encode() if isinstance(data, str) else data), **kwargs))


def json_docs(data: bytes | str, **kwargs) -> list[Document]:
    return list(read_bioc_json(io.BytesIO(data.encode() if isinstance(data, str) else data), **kwargs))
