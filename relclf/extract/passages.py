"""What of a document the model reads: its passages chosen by type, and a long document in sections.

A model trained on abstracts reads a full text (PubTator3's and PMC's BioC: dozens of passages) the
way it reads an abstract, in two steps:

* **passages chosen by type.** A passage's kinds are the lowercased values of its ``section_type``
  and ``type`` infons (PMC's BioC: ``section_type`` ``TITLE``, ``ABSTRACT``, ``INTRO``, ``METHODS``,
  ``RESULTS``, ``DISCUSS``, ``CONCL``, ``REF``, ``TABLE``, ``FIG``...; ``type`` ``front``, ``abstract``,
  ``paragraph``, ``title_1``, ``table_caption``, ``ref``...). By default (``choice`` None) every passage
  is read except those a kind of :data:`LEFT_OUT` names (references, tables, figures, supplementary
  material and front matter such as keywords, abbreviations, funding, author contributions and
  competing interests); a collection of kinds reads only the passages one of them names;
  :data:`ALL_PASSAGES` reads everything. A passage without either infon is always read (nothing says
  what it is). A document without passage infons (PubTator input, relclf's own BioC) is a ``title``
  and an ``abstract`` passage.
* **a long document in sections.** A document whose chosen text is longer than :data:`LONG_DOCUMENT`
  characters (twice the longest abstract of BioRED, BC5CDR and the BioCreative VIII abstracts, 5,455)
  is read as sections: its title with each run of consecutive passages of one section (the
  ``section_type``, else the ``type``) of at most :data:`SECTION_CHARS` characters (a longer passage
  is a section of its own). Two entities are a candidate pair only when one section mentions both,
  so that far-apart mentions do not make every pair of a long text a candidate; a pair found in
  several sections keeps its best-scoring relation (:func:`merged_relations`). Abstracts are never
  that long: they are read whole, as before.

Relations name entity identifiers, not offsets, so the relations found in the pieces belong to the
whole document unchanged; the pieces themselves are never written.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from ..document import Document, Mention, Relation

__all__ = [
    "ALL_PASSAGES",
    "LEFT_OUT",
    "LONG_DOCUMENT",
    "SECTION_CHARS",
    "PassageChoice",
    "check_choice",
    "merged_relations",
    "passage_kinds",
    "read_pieces",
]

#: the choice that reads every passage
ALL_PASSAGES = "all"
#: a choice of passages: None (the default: all but :data:`LEFT_OUT`), :data:`ALL_PASSAGES`, or the kinds to read
PassageChoice = Collection[str] | Literal["all"] | None

#: the kinds a default choice leaves out (PMC's section types and passage types, lowercased)
LEFT_OUT = frozenset(
    {
        "ref",
        "table",
        "table_caption",
        "table_footnote",
        "fig",
        "fig_caption",
        "suppl",
        "footnote",
        "keyword",
        "abbr",
        "ack_fund",
        "auth_cont",
        "comp_int",
        "review_info",
    }
)
#: characters of chosen text above which a document is read in sections
LONG_DOCUMENT = 10_000
#: at most this many characters of passages in one section (about a long abstract)
SECTION_CHARS = 4_000


@dataclass(frozen=True)
class _Span:
    """A passage of a document: its place in the document's text, its kinds, and the section it belongs to."""

    start: int
    end: int
    kinds: frozenset[str]
    section: str


def check_choice(choice: PassageChoice) -> PassageChoice:
    """``choice`` as :func:`read_pieces` takes it: kinds lowercased and stripped; a ``ValueError`` when it
    names no kind (an empty collection, or a bare string other than :data:`ALL_PASSAGES`)."""
    if choice is None or choice == ALL_PASSAGES:
        return choice
    if isinstance(choice, str):
        raise ValueError(f"a choice of passages is a collection of kinds or {ALL_PASSAGES!r}, not {choice!r}")
    kinds = frozenset(k.strip().lower() for k in choice if k.strip())
    if not kinds:
        raise ValueError("a choice of passages names no kind")
    return kinds


def passage_kinds(infons: Sequence[tuple[str, str]]) -> frozenset[str]:
    """The kinds of a passage with these infons: its ``section_type`` and ``type``, lowercased.

    >>> sorted(passage_kinds((("section_type", "REF"), ("type", "ref"), ("id", "R1"))))
    ['ref']
    """
    return frozenset(v.strip().lower() for k, v in infons if k in ("section_type", "type") and v.strip())


def _section(infons: Sequence[tuple[str, str]]) -> str:
    values = dict(infons)
    return (values.get("section_type") or values.get("type") or "").strip().lower()


def _spans(document: Document) -> list[_Span]:
    """The document's passages in text order; a title and an abstract when it has no passages."""
    passages = document.passages
    if not passages:
        title = len(document.title)
        return [
            _Span(0, title, frozenset({"title"}), "title"),
            _Span(title + 1, title + 1 + len(document.abstract), frozenset({"abstract"}), "abstract"),
        ]
    spans = [_Span(p.offset, p.offset + p.length, passage_kinds(p.infons), _section(p.infons)) for p in passages]
    return sorted(spans, key=lambda s: s.start)


def _chosen(span: _Span, choice: PassageChoice) -> bool:
    if not span.kinds or choice == ALL_PASSAGES:
        return True
    if choice is None:
        return not span.kinds & LEFT_OUT
    return bool(span.kinds & frozenset(choice))


def read_pieces(document: Document, choice: PassageChoice = None) -> list[Document]:
    """What the model reads of ``document``: one document (``document`` itself when every passage is
    chosen and it is not long), or, for a long document, one per section (see the module docstring).

    Each piece has the document's ID, the title (when chosen) and the chosen passages joined by one
    space as its abstract, and the mentions inside those passages, moved with them; no relations.
    """
    spans = _spans(document)
    chosen = [s for s in spans if _chosen(s, choice)]
    title = chosen[0] if chosen and chosen[0].start == 0 else None
    body = chosen[1:] if title is not None else chosen
    size = sum(s.end - s.start + 1 for s in chosen)
    if size <= LONG_DOCUMENT:
        if len(chosen) == len(spans):
            return [document]
        return [_piece(document, title, body)]
    return [_piece(document, title, section) for section in _sections(body)]


def _sections(spans: list[_Span]) -> list[list[_Span]]:
    """Runs of consecutive spans of one section, each of at most :data:`SECTION_CHARS` characters."""
    runs: list[list[_Span]] = []
    size = 0
    for span in spans:
        length = span.end - span.start
        if runs and runs[-1][-1].section == span.section and size + length <= SECTION_CHARS:
            runs[-1].append(span)
            size += length + 1
        else:
            runs.append([span])
            size = length
    return runs or [[]]


def _piece(document: Document, title: _Span | None, body: list[_Span]) -> Document:
    """A document of ``title`` and ``body`` (passages of ``document``) with the mentions inside them."""
    text = document.text
    head = text[title.start : title.end] if title is not None else ""
    moves = [] if title is None else [(title.start, title.end, 0)]
    parts, position = [], len(head) + 1
    for span in body:
        parts.append(text[span.start : span.end])
        moves.append((span.start, span.end, position))
        position += span.end - span.start + 1
    starts = [start for start, _, _ in moves]
    mentions = []
    for mention in document.mentions:
        k = bisect.bisect_right(starts, mention.start) - 1
        if k >= 0 and mention.end <= moves[k][1]:  # inside one chosen passage
            mentions.append(_moved(mention, moves[k][2] - moves[k][0]))
    return Document(document.pmid, head, " ".join(parts), tuple(mentions), line=document.line)


def _moved(mention: Mention, shift: int) -> Mention:
    if not shift:
        return mention
    return Mention(
        mention.start + shift,
        mention.end + shift,
        mention.text,
        mention.entity_type,
        mention.identifier,
        mention.extra,
        mention.original_identifier,
    )


def merged_relations(found: Sequence[tuple[Relation, ...]]) -> tuple[Relation, ...]:
    """The relations of a document read in pieces: per entity pair, the best-scoring one (the first on ties),
    in the order the pairs were first found."""
    if len(found) == 1:
        return found[0]
    best: dict[frozenset[str], Relation] = {}
    for relations in found:
        for relation in relations:
            kept = best.get(relation.pair)
            if kept is None or (relation.score or 0.0) > (kept.score or 0.0):
                best[relation.pair] = relation
    return tuple(best.values())
