"""The data every stage exchanges: documents, mentions, relations, and entity identifiers.

All classes are small frozen dataclasses; stages pass them one way
(documents -> candidates -> features -> estimator -> predictions -> writer).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard

__all__ = [
    "CANONICAL_TYPES",
    "PREDICTED_BY",
    "Document",
    "Mention",
    "Passage",
    "Relation",
    "Entity",
    "canonical_type",
    "document_entities",
    "gold_relation_index",
    "identifier_parts",
    "is_normalized",
    "mention_groups",
]

#: The ``source`` of the relations relclf's model predicts (and of their rows, BioC infons and page entries).
PREDICTED_BY = "relclf"

# Source type names -> one canonical set, so that a model trained on one source (BioRED) predicts on
# another (PubTator3, BC5CDR). Types not listed here are kept as they are.
CANONICAL_TYPES: dict[str, str] = {
    "geneorgeneproduct": "Gene",
    "gene": "Gene",
    "protein": "Gene",
    "chemicalentity": "Chemical",
    "chemical": "Chemical",
    "drug": "Chemical",
    "diseaseorphenotypicfeature": "Disease",
    "disease": "Disease",
    "sequencevariant": "Variant",
    "variant": "Variant",
    "dnamutation": "Variant",
    "proteinmutation": "Variant",
    "snp": "Variant",
    "mutation": "Variant",
    "organismtaxon": "Species",
    "species": "Species",
    "cellline": "CellLine",
}

# One accession: optional namespace ("MESH:"), up to a few letters, digits ("D014786", "4313", "rs123").
# Only a field made entirely of such parts is split on "|" or ";"; variant IDs such as "c|INS|5382|C"
# or "RS#:113488022;HGVS:p.V600E;CorrespondingGene:673" do not match and stay one identifier.
_ACCESSION = re.compile(r"(?:[A-Za-z]+:)?[A-Za-z]{0,6}_?\d+(?:\.\d+)?")
_NOT_NORMALIZED = frozenset({"", "-"})


def canonical_type(name: str) -> str:
    """Map a source entity type name to the canonical set.

    Parameters
    ----------
    name : str
        Type as written in the input (``GeneOrGeneProduct``, ``Gene``, ``ProteinMutation``...).

    Returns
    -------
    str
        ``Gene``, ``Chemical``, ``Disease``, ``Variant``, ``Species``, ``CellLine``, or ``name``
        unchanged when it is not a known source type.

    Examples
    --------
    >>> canonical_type("DiseaseOrPhenotypicFeature"), canonical_type("SNP"), canonical_type("Organ")
    ('Disease', 'Variant', 'Organ')
    """
    return _canonical(name)


@functools.lru_cache(maxsize=4096)
def _canonical(name: str) -> str:
    return CANONICAL_TYPES.get(name.lower(), name)


def is_normalized(identifier: str | None) -> TypeGuard[str]:
    """Return True unless ``identifier`` is missing, empty or ``-`` (a mention with no concept)."""
    return identifier is not None and identifier.strip() not in _NOT_NORMALIZED


def _split_composite(part: str) -> tuple[str, ...]:
    for sep in ("|", ";"):
        if sep in part:
            pieces = [p.strip() for p in part.split(sep)]
            if all(_ACCESSION.fullmatch(p) for p in pieces):
                return tuple(pieces)
    return (part,)


def identifier_parts(identifier: str | None, *, split_composites: bool = True) -> tuple[str, ...]:
    """Split a mention's ID field into the entity identifiers it names.

    Parameters
    ----------
    identifier : str or None
        The raw ID column: ``"3172,3651,6927"`` (BioRED), ``"D014786|D006311"`` (BC5CDR composite),
        ``"4313;4312"`` (GNormPlus), or one ID that contains separators (``"c|INS|5382|C"``,
        ``"RS#:113488022;HGVS:p.V600E;CorrespondingGene:673"``).
    split_composites : bool, default True
        Split ``|``/``;``-joined accessions into their parts. When False, such a composite stays one
        identifier (BioRED's relation lines name composites as a whole). Commas always split.

    Returns
    -------
    tuple of str
        Distinct identifiers in input order; empty when the mention is not normalized.

    Examples
    --------
    >>> identifier_parts("3172,3651,6927")
    ('3172', '3651', '6927')
    >>> identifier_parts("D014786|D006311"), identifier_parts("D014786|D006311", split_composites=False)
    (('D014786', 'D006311'), ('D014786|D006311',))
    >>> identifier_parts("c|INS|5382|C"), identifier_parts("-")
    (('c|INS|5382|C',), ())
    """
    if not is_normalized(identifier):
        return ()
    parts: list[str] = []
    for piece in identifier.split(","):
        piece = piece.strip()
        if piece in _NOT_NORMALIZED:
            continue
        for part in _split_composite(piece) if split_composites else (piece,):
            if part not in parts:
                parts.append(part)
    return tuple(parts)


def is_composite(identifier: str | None) -> bool:
    """Return True when ``identifier`` joins several accessions with ``|`` or ``;``."""
    if not is_normalized(identifier):
        return False
    return any(len(_split_composite(p.strip())) > 1 for p in identifier.split(","))


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention line.

    ``start``/``end`` are character offsets in ``title + " " + abstract``; ``entity_type`` is the type as
    written in the source; ``identifier`` is the raw ID column (None when the column is absent);
    ``extra`` holds any further columns (BC5CDR's composite mention texts) to be written back unchanged;
    ``original_identifier`` is the ID column as the input wrote it when the reader normalized it (a
    PubTator3 variant identifier, see :mod:`relclf.io.pubtator3`), None otherwise: writers write it back.
    """

    start: int
    end: int
    text: str
    entity_type: str
    identifier: str | None
    extra: tuple[str, ...] = ()
    original_identifier: str | None = None

    @property
    def canonical_type(self) -> str:
        """The mention's type in the canonical set (see :func:`canonical_type`)."""
        return canonical_type(self.entity_type)

    @property
    def written_identifier(self) -> str | None:
        """The ID column as the input wrote it (what writers write)."""
        return self.identifier if self.original_identifier is None else self.original_identifier

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled as the constructor's arguments: three times faster than the slots' state (worker processes)
        if self.original_identifier is None:
            return (Mention, (self.start, self.end, self.text, self.entity_type, self.identifier, self.extra))
        return (
            Mention,
            (self.start, self.end, self.text, self.entity_type, self.identifier, self.extra, self.original_identifier),
        )


@dataclass(frozen=True, slots=True)
class Relation:
    """A document-level relation between two entity identifiers.

    The pair is unordered for scoring; ``novelty`` is ``Novel``/``No`` or None; ``score`` is the model's
    probability that a predicted relation is right as written (pair and label), None for gold ones;
    ``related`` the model's probability that the pair is related at all, whatever its label. ``source``
    says who made the relation: :data:`PREDICTED_BY` for relclf's predictions, None for relations read
    from an input (unless a BioC ``source`` infon names one); it does not take part in comparisons.
    """

    label: str
    id1: str
    id2: str
    novelty: str | None = None
    score: float | None = None
    source: str | None = field(default=None, compare=False)
    related: float | None = None

    @property
    def pair(self) -> frozenset[str]:
        """The unordered identifier pair."""
        return frozenset((self.id1, self.id2))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Relation, (self.label, self.id1, self.id2, self.novelty, self.score, self.source, self.related))


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage of a BioC document as read: where its text is in the document's text, and its infons."""

    offset: int
    length: int
    infons: tuple[tuple[str, str], ...] = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Passage, (self.offset, self.length, self.infons))


@dataclass(frozen=True, slots=True)
class Document:
    """An annotated abstract: title, abstract, mentions and (gold or predicted) relations.

    ``line`` is the 1-based line of the title in the source file (0 when not read from a file).
    ``infons`` and ``passages`` keep what a BioC input says beyond the text and its annotations (the
    document's infons, such as a ``pmid`` or ``journal``, and each passage's place and infons), for the
    BioC writers; a PubTator file has no place for them. Neither takes part in comparisons.
    """

    pmid: str
    title: str
    abstract: str
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    line: int = field(default=0, compare=False)
    infons: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    passages: tuple[Passage, ...] = field(default=(), compare=False)

    @property
    def text(self) -> str:
        """``title + " " + abstract``, the string mention offsets refer to."""
        return f"{self.title} {self.abstract}"

    def with_relations(self, relations: tuple[Relation, ...] | list[Relation]) -> Document:
        """Return a copy of this document whose relations are ``relations``."""
        return replace(self, relations=tuple(relations))

    def __reduce__(self) -> tuple[Any, ...]:
        if not self.infons and not self.passages:
            return (Document, (self.pmid, self.title, self.abstract, self.mentions, self.relations, self.line))
        return (
            Document,
            (
                self.pmid,
                self.title,
                self.abstract,
                self.mentions,
                self.relations,
                self.line,
                self.infons,
                self.passages,
            ),
        )


@dataclass(frozen=True, slots=True)
class Entity:
    """A normalized identifier of one document with its canonical type and all its mentions.

    ``mention_indices`` are the positions of ``mentions`` in ``document.mentions``.
    """

    identifier: str
    entity_type: str
    mentions: tuple[Mention, ...]
    mention_indices: tuple[int, ...] = field(default=(), compare=False)


@functools.lru_cache(maxsize=1 << 16)
def _parts(identifier: str | None, split_composites: bool) -> tuple[str, ...]:
    return identifier_parts(identifier, split_composites=split_composites)


def mention_groups(document: Document, *, split_composites: bool = True) -> dict[str, list[int]]:
    """Map each normalized identifier of ``document`` to the indices of the mentions naming it.

    Identifiers come in order of first mention (the order of ``document.mentions``); a mention naming
    several IDs belongs to each of them. See :func:`document_entities` for ``split_composites``.

    >>> from relclf.document import Document, Mention
    >>> doc = Document("1", "A B.", "", (Mention(0, 1, "A", "Gene", "7,8"), Mention(2, 3, "B", "Gene", "8")))
    >>> mention_groups(doc)
    {'7': [0], '8': [0, 1]}
    """
    groups: dict[str, list[int]] = {}
    for index, mention in enumerate(document.mentions):
        for identifier in _parts(mention.identifier, split_composites):
            groups.setdefault(identifier, []).append(index)
    return groups


def document_entities(document: Document, *, split_composites: bool = True) -> list[Entity]:
    """Group a document's normalized mentions by entity identifier.

    Parameters
    ----------
    document : Document
    split_composites : bool
        Whether ``|``/``;``-joined accessions name their parts (BC5CDR, GNormPlus) or one entity
        (BioRED). A mention naming several IDs belongs to each of them.

    Returns
    -------
    list of Entity
        In order of first mention; the type is the most frequent canonical type of the mentions.
    """
    entities = []
    for identifier, indices in mention_groups(document, split_composites=split_composites).items():
        mentions = tuple(document.mentions[i] for i in indices)
        types = [canonical_type(m.entity_type) for m in mentions]
        kind = types[0] if types.count(types[0]) == len(types) else Counter(types).most_common(1)[0][0]
        entities.append(Entity(identifier, kind, mentions, tuple(indices)))
    return entities


def gold_relation_index(document: Document) -> dict[frozenset[str], tuple[str, str | None]]:
    """Map each gold unordered ID pair of a document to its (label, novelty); the first line wins."""
    index: dict[frozenset[str], tuple[str, str | None]] = {}
    for relation in document.relations:
        index.setdefault(relation.pair, (relation.label, relation.novelty))
    return index
