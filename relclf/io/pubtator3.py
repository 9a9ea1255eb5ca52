"""PubTator3's variant identifiers, read in the form BioRED (and so a BioRED-trained model) uses.

PubTator3 (tmVar3) writes a variant mention's identifier as ``;``-separated fields, such as
``tmVar:p|SUB|S|161|A;HGVS:p.S161A;VariantGroup:0;CorrespondingGene:1956;RS#:121434568``. BioRED names
a variant ``rs<N>`` when it has an RS number (dbSNP) and otherwise by its tmVar string
(``p|SUB|S|161|A``, ``c|DEL||30``). Every reader normalizes these identifiers at once (always: the
form carries nothing the model could use, and the original is kept):

* a mention's identifier becomes ``rs<N>`` when its fields give an RS number, else its tmVar
  string; an identifier without either (``HGVS:p.V600E;CorrespondingGene:673``) stays as it is;
* mentions PubTator3 marks as one variant (the same ``VariantGroup`` and ``CorrespondingGene`` in one
  document) are one entity when one of them has an RS number: they all take it, as BioRED annotates
  every mention of a variant that has an RS number (a DNA and a protein form, an allele). Without an
  RS number each form keeps its own tmVar string, as in BioRED (``c|SUB|G|-1082|A`` beside
  ``c|Allele|A|-1082``);
* the identifier as read is kept on the mention (``Mention.original_identifier``) and written back by
  the PubTator and BioC writers, so a file comes out with its mention lines (annotations) as they were;
  relations name the normalized identifiers, which those mentions carry when the file is read again;
* relation identifiers in PubTator3's form are normalized the same way (a variant's original
  identifier becomes what its mentions became).
"""

from __future__ import annotations

import dataclasses
import re

from ..document import Document, Mention, Relation

__all__ = ["biored_variant_id", "normalize_variants", "variant_fields"]

# the keys PubTator3 writes in a variant identifier ("RS#", "CA#", "tmVar", "HGVS", "VariantGroup", ...)
_FIELD = re.compile(r"([A-Za-z]+#?):(.*)")
_RS = re.compile(r"(?:rs|RS)?(\d+)")


def variant_fields(identifier: str | None) -> dict[str, str] | None:
    """The fields of a PubTator3 variant identifier, or None when ``identifier`` is not one.

    One is a ``;``-separated list of ``KEY:VALUE`` fields with a ``tmVar`` or an ``RS#`` field.

    Examples
    --------
    >>> variant_fields("tmVar:p|SUB|S|161|A;HGVS:p.S161A;VariantGroup:0;CorrespondingGene:1956")["tmVar"]
    'p|SUB|S|161|A'
    >>> variant_fields("p|SUB|S|161|A") is None, variant_fields("MESH:D000001") is None
    (True, True)
    """
    if not identifier or ("tmVar:" not in identifier and "RS#:" not in identifier):
        return None
    fields: dict[str, str] = {}
    for part in identifier.split(";"):
        found = _FIELD.fullmatch(part.strip())
        if found is None:
            return None
        fields.setdefault(found.group(1), found.group(2).strip())
    if not fields.get("tmVar") and not _RS.fullmatch(fields.get("RS#", "")):
        return None
    return fields


def biored_variant_id(identifier: str | None) -> str | None:
    """BioRED's identifier for a PubTator3 variant identifier: ``rs<N>``, else its tmVar string; None when
    ``identifier`` is not a PubTator3 variant identifier.

    Examples
    --------
    >>> biored_variant_id("tmVar:p|SUB|V|600|E;HGVS:p.V600E;VariantGroup:0;CorrespondingGene:673;RS#:113488022")
    'rs113488022'
    >>> biored_variant_id("tmVar:c|DEL||30;VariantGroup:2"), biored_variant_id("rs113488022")
    ('c|DEL||30', None)
    """
    fields = variant_fields(identifier)
    return None if fields is None else _own_id(fields)


def _own_id(fields: dict[str, str]) -> str:
    rs = _RS.fullmatch(fields.get("RS#", ""))
    return f"rs{rs.group(1)}" if rs else fields["tmVar"]


def _group(fields: dict[str, str]) -> tuple[str, str] | None:
    """The variant a mention belongs to: its ``VariantGroup`` and ``CorrespondingGene`` (None without a group)."""
    group = fields.get("VariantGroup")
    return None if group is None or group == "" else (group, fields.get("CorrespondingGene", ""))


def normalize_variants(document: Document) -> Document:
    """``document`` with its PubTator3 variant identifiers in BioRED's form (see the module docstring).

    Returns ``document`` itself when it holds none (the common case, checked cheaply).

    Examples
    --------
    >>> from relclf.document import Document, Mention
    >>> sub = "tmVar:p|SUB|S|161|A;HGVS:p.S161A;VariantGroup:0;CorrespondingGene:1956;RS#:121434568"
    >>> allele = "tmVar:p|Allele|S|161;VariantGroup:0;CorrespondingGene:1956"
    >>> doc = Document("1", "S161A and S161.", "", (Mention(0, 5, "S161A", "Variant", sub),
    ...                                            Mention(10, 14, "S161", "Variant", allele)))
    >>> [m.identifier for m in normalize_variants(doc).mentions]
    ['rs121434568', 'rs121434568']
    >>> normalize_variants(doc).mentions[1].original_identifier == allele
    True
    """
    if not any(
        m.identifier is not None and ("tmVar:" in m.identifier or "RS#:" in m.identifier) for m in document.mentions
    ):
        return document
    parsed = [variant_fields(m.identifier) for m in document.mentions]
    group_rs: dict[tuple[str, str], str] = {}
    for fields in parsed:
        if fields is not None and (key := _group(fields)) is not None and _RS.fullmatch(fields.get("RS#", "")):
            group_rs.setdefault(key, _own_id(fields))
    mentions: list[Mention] = []
    renamed: dict[str, str] = {}
    for mention, fields in zip(document.mentions, parsed, strict=True):
        if fields is None or mention.identifier is None:
            mentions.append(mention)
            continue
        key = _group(fields)
        normalized = _own_id(fields)
        if not normalized.startswith("rs") and key in group_rs:
            normalized = group_rs[key]
        renamed[mention.identifier] = normalized
        mentions.append(dataclasses.replace(mention, identifier=normalized, original_identifier=mention.identifier))
    relations = tuple(_renamed_relation(r, renamed) for r in document.relations)
    return dataclasses.replace(document, mentions=tuple(mentions), relations=relations)


def _renamed_relation(relation: Relation, renamed: dict[str, str]) -> Relation:
    ids = [renamed.get(i) or biored_variant_id(i) or i for i in (relation.id1, relation.id2)]
    if ids == [relation.id1, relation.id2]:
        return relation
    return dataclasses.replace(relation, id1=ids[0], id2=ids[1])
