"""A review page: documents and their relations as one self-contained HTML file for curators.

The page shows each document's title and abstract with its mentions highlighted by entity type, and
its relations in a table (both entities, label, novelty, score); selecting a relation marks its two
entities and the sentences where they co-occur (or the nearest ones). Curators filter, sort, accept
or reject relations and export the accepted ones (PubTator relation lines or TSV rows); decisions are
kept in the browser's local storage under the page's digest. docs/review.md describes the page.

How it is written:

- **Streaming**: the page is written document by document; each document is one JSON object in a
  ``<script type="application/json">`` element, and only the current document is held. The page's
  script builds each document's HTML from it when it scrolls into view, so a page of thousands of
  documents stays responsive.
- **Offsets are resolved here**: PubTator offsets count code points, JavaScript strings count UTF-16
  units, so the text is cut into segments in Python (at mention, sentence and title boundaries) and
  the page only concatenates them. Sentences come from :func:`relclf.text.sentence_spans`,
  the sentences the model's features use.
- **Escaping**: input text reaches the page only inside JSON in which ``<``, ``>``, ``&``, U+2028 and
  U+2029 are escaped, so no text can close the script element; the page inserts it as text nodes,
  never as markup. A Content-Security-Policy allows the page's own script and style (by hash) and no
  network access at all.
- **Identity**: the SHA-256 of the documents' JSON, computed while streaming and written at the end,
  keys the page's saved decisions.
"""

from __future__ import annotations

import base64
import csv
import functools
import hashlib
import io
import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import IO, Any

from .._version import __version__
from ..document import PREDICTED_BY, Document, identifier_parts
from ..text import sentence_spans
from .rows import COLUMNS, DECISION_COLUMNS, entity_index, entity_text, relation_row

__all__ = ["Annotated", "document_payload", "script_json", "write_html"]

# characters that must not appear raw in a script element's text (the HTML parser ends it at "</script",
# "<!--" changes its state) or in old JavaScript string literals (U+2028/U+2029)
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)
_DOCUMENTS_MARK = "<!-- relclf:documents -->"
_SUMMARY_MARK = "<!-- relclf:summary -->"


def script_json(value: Any) -> str:
    """Serialize ``value`` as JSON safe to embed in a ``<script type="application/json">`` element.

    Examples
    --------
    >>> script_json({"t": "</script><b>&\u2028"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    >>> json.loads(script_json({"t": "</script>"}))
    {'t': '</script>'}
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).translate(_SCRIPT_ESCAPES)


@dataclass(frozen=True, slots=True)
class Annotated:
    """A document with a note the page shows in its header and sorts by: ``rank`` (1 first), ``value`` and
    ``why`` (the reason it was chosen, in words), ``strategy``."""

    document: Document
    note: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Page:
    """The page around the documents: the part before them and the parts around the summary."""

    head: str
    middle: str
    tail: str


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("html_assets", name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


@functools.cache
def _page() -> _Page:
    """The template with its style and script inlined, cut where the documents and the summary go."""
    style, script = _asset("review.css"), _asset("review.js")
    if "</" in style or "</" in script:  # would end the element early; the assets are ours, so this is a bug
        raise AssertionError("an HTML asset contains '</'")
    # no network at all: 'none' for everything but the page's own style and script, named by their hash
    # (the exports are downloads of blob: URLs the script makes, which the policy does not govern)
    policy = (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; base-uri 'none'; "
        "form-action 'none'"
    )
    template = _asset("review.html")
    filled = (
        template.replace("{{policy}}", policy)
        .replace("{{version}}", __version__)
        .replace("{{style}}", style)
        .replace("{{script}}", script)
    )
    head, rest = filled.split(_DOCUMENTS_MARK)
    middle, tail = rest.split(_SUMMARY_MARK)
    return _Page(head, middle, tail)


def write_html(
    documents: Iterable[Document | Annotated],
    handle: IO[str],
    *,
    labels: Sequence[str] = (),
    novelty: Sequence[str] = (),
    relation_fields: Mapping[str, Mapping[frozenset[str], dict[str, Any]]] | None = None,
) -> int:
    """Write ``documents`` as a review page to the text stream ``handle``; return how many were written.

    Documents are consumed lazily and written one at a time (see the module docstring); the page
    carries every relation with its score (None for gold relations). An :class:`Annotated` document
    carries its note (its rank and why it was chosen). ``labels`` and ``novelty`` are values the page
    offers for corrections besides those on the page (the model's labels and novelty values).
    ``relation_fields`` (by document ID, then by the relation's ID pair) adds fields to relations: an
    evaluation's ``outcome``.
    """
    page = _page()
    handle.write(page.head)
    digest = hashlib.sha256()
    count = relations = 0
    for item in documents:
        document, note = (item.document, item.note) if isinstance(item, Annotated) else (item, None)
        fields = relation_fields.get(document.pmid) if relation_fields is not None else None
        data = document_payload(document, count, fields)
        if note is not None:
            data["note"] = note
        payload = script_json(data)
        digest.update(payload.encode("utf-8"))
        handle.write(f'<script type="application/json" class="relclf-doc">{payload}</script>\n')
        count += 1
        relations += len(document.relations)
    handle.write(page.middle)
    summary = {
        "digest": digest.hexdigest(),
        "documents": count,
        "relations": relations,
        "version": __version__,
        "columns": list(COLUMNS),
        "decision_columns": list(DECISION_COLUMNS),
        "labels": list(labels),
        "novelty": list(novelty),
    }
    handle.write(f'<script type="application/json" id="relclf-summary">{script_json(summary)}</script>')
    handle.write(page.tail)
    return count


def document_payload(
    document: Document, index: int, fields: Mapping[frozenset[str], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The JSON object the page renders one document from.

    Parameters
    ----------
    document : Document
    index : int
        The document's position in the page (part of each relation's key in saved decisions).
    fields : mapping, optional
        More fields for the relation of each ID pair (an evaluation's ``outcome``, ``gold``, ``gold_novelty``).

    Returns
    -------
    dict
        ``pmid``; ``title`` and ``abstract``: segments ``[text, sentence]`` or ``[text, sentence,
        [mention, ...]]`` that concatenate to the title and the abstract (sentence -1 between
        sentences); ``tl``: the title's length (in code points, as offsets count); ``mentions``:
        ``[type, ID, start, end, type as written, text, [further columns]]`` per mention, in document
        order, the type as written by its position in ``types`` and the text None when the segments
        spell it, and ``ms`` the sentence of each; ``entities``: ``[ID, type, [mention, ...], anchor,
        text]`` (``anchor`` the mention a BioC relation node points to, ``text`` the one rows show);
        ``relations``: one object per relation with the table's columns, its ``source`` (left out for
        relclf's predictions), the entity
        numbers ``e`` (None for an ID no mention carries), the evidence sentences ``ev`` and their
        distance ``near`` (0 when the entities co-occur, None without evidence), the anchors ``n`` of
        its IDs, and its row ``tsv`` (one line, as relclf's TSV writer formats it).

    Examples
    --------
    >>> from relclf.document import Mention, Relation
    >>> mentions = (Mention(0, 4, "TP53", "Gene", "7157"), Mention(8, 14, "cancer", "Disease", "D1"))
    >>> relations = (Relation("Association", "7157", "D1", "Novel", 0.9),)
    >>> doc = Document("7", "TP53 in cancer.", "It binds.", mentions, relations)
    >>> payload = document_payload(doc, 0)
    >>> payload["title"], payload["abstract"]
    ([['TP53', 0, [0]], [' in ', 0], ['cancer', 0, [1]], ['.', 0]], [['It binds.', 1]])
    >>> payload["relations"][0]["ev"], payload["relations"][0]["tsv"].split("\\t")[7:]
    ([0], ['Association', '0.9', 'Novel', 'input'])
    """
    entities = entity_index(document)
    numbers = {identifier: n for n, identifier in enumerate(entities)}
    entity_mentions = [list(entity.mention_indices) for entity in entities.values()]
    title, abstract, mention_sentence = _segments(document)
    anchors = _anchors(document)
    types: list[str] = []
    relations = []
    for relation in document.relations:
        # the row relation_rows gives, from the index built once here
        row = relation_row(document.pmid, relation, entities)
        pair = (numbers.get(relation.id1), numbers.get(relation.id2))
        evidence, near = _evidence(pair, entity_mentions, mention_sentence)
        relations.append(
            {
                **{key: row[key] for key in ("id1", "type1", "text1", "id2", "type2", "text2", "label")},
                # JSON has no NaN or infinity (a BioC score infon may hold them): such a score shows as none
                "score": row["score"] if row["score"] is None or math.isfinite(row["score"]) else None,
                "novelty": relation.novelty,
                **({} if relation.source == PREDICTED_BY else {"source": row["source"]}),
                "e": None if None in pair else list(pair),
                "ev": evidence,
                "near": near,
                "n": [anchors.get(relation.id1), anchors.get(relation.id2)],
                "tsv": _tsv_line(row),
                **(fields.get(relation.pair, {}) if fields else {}),
            }
        )
    return {
        "pmid": document.pmid,
        "index": index,
        "title": title,
        "abstract": abstract,
        "tl": len(document.title),
        "mentions": _mentions(document, title + abstract, types),
        "types": types,
        "ms": mention_sentence,
        "entities": [
            [identifier, entity.entity_type, mentions, anchors.get(identifier), entity_text(entity)]
            for (identifier, entity), mentions in zip(entities.items(), entity_mentions, strict=True)
        ],
        "relations": relations,
    }


def _mentions(document: Document, segments: list[list[Any]], types: list[str]) -> list[list[Any]]:
    """Each mention as ``[type, ID, start, end, type as written, text, [further columns]]`` (see
    :func:`document_payload`), compactly: the type as written by its position in ``types`` (filled
    here), the text None when the segments covering the mention spell it (as they do for every mention
    a reader checked)."""
    spelled = [""] * len(document.mentions)
    for segment in segments:
        for m in segment[2] if len(segment) > 2 else ():
            spelled[m] += segment[0]
    rows = []
    positions: dict[str, int] = {}
    for m, text in zip(document.mentions, spelled, strict=True):
        position = positions.setdefault(m.entity_type, len(positions))
        rows.append(
            [
                m.canonical_type,
                m.identifier,
                m.start,
                m.end,
                position,
                None if m.text == text else m.text,
                list(m.extra),
            ]
        )
    types.extend(positions)
    return rows


def _anchors(document: Document) -> dict[str, int]:
    """The first mention naming each ID (whole, part of a composite, or the ID column as written): the
    annotation a BioC relation's node points to, as :func:`relclf.io.bioc_document.document_to_bioc` finds
    it (the page writes BioC JSON itself, and this module does not load the BioC libraries)."""
    first: dict[str, int] = {}
    seen: set[str | None] = set()
    for index, mention in enumerate(document.mentions):
        if mention.identifier in seen:  # its IDs have their first mention already
            continue
        seen.add(mention.identifier)
        for identifier in (
            mention.identifier or "",
            *identifier_parts(mention.identifier),
            *identifier_parts(mention.identifier, split_composites=False),
        ):
            first.setdefault(identifier.strip(), index)
    return first


def _segments(document: Document) -> tuple[list[list[Any]], list[list[Any]], list[int]]:
    """Cut the text where a mention, a sentence or the title starts or ends.

    Returns the title's and the abstract's segments (see :func:`document_payload`) and the sentence of
    each mention (that of its first segment; -1 for an empty mention).
    """
    text, title_end = document.text, len(document.title)
    numbered = [
        (n, span) for n, span in enumerate(sentence_spans(document)) if span[0] < span[1]
    ]  # empty sentences hold no text
    sentence_numbers = [n for n, _ in numbered]
    spans = [span for _, span in numbered]
    cuts = {0, title_end, title_end + 1, len(text)}
    cuts.update(offset for m in document.mentions for offset in (m.start, m.end))
    cuts.update(offset for span in spans for offset in span)
    points = sorted(c for c in cuts if 0 <= c <= len(text))
    starts = [span[0] for span in spans]
    by_start = sorted(range(len(document.mentions)), key=lambda i: document.mentions[i].start)
    mention_sentence = [-1] * len(document.mentions)
    active: list[int] = []
    title: list[list[Any]] = []
    abstract: list[list[Any]] = []
    next_mention = 0
    for a, b in zip(points, points[1:], strict=False):
        while next_mention < len(by_start) and document.mentions[by_start[next_mention]].start <= a:
            active.append(by_start[next_mention])
            next_mention += 1
        active = [i for i in active if document.mentions[i].end > a]
        if a == title_end and b == title_end + 1:  # the space that joins title and abstract belongs to neither
            continue
        k = bisect_right(starts, a) - 1
        sentence = sentence_numbers[k] if k >= 0 and b <= spans[k][1] else -1
        covering = sorted(active)  # every mention end is a cut, so an active mention covers all of [a, b)
        for i in covering:
            if mention_sentence[i] == -1:
                mention_sentence[i] = sentence
        segment = [text[a:b], sentence, covering] if covering else [text[a:b], sentence]
        (title if b <= title_end else abstract).append(segment)
    return title, abstract, mention_sentence


def _evidence(
    pair: tuple[int | None, int | None], entity_mentions: list[list[int]], mention_sentence: list[int]
) -> tuple[list[int], int | None]:
    """The sentences where both entities are mentioned, else the closest sentences mentioning one each.

    Returns the sentence numbers and their distance (0 when the entities co-occur), or ``([], None)``
    when an entity has no mention in a sentence.
    """
    a, b = pair
    if a is None or b is None:
        return [], None
    first, second = ({mention_sentence[m] for m in entity_mentions[e]} - {-1} for e in (a, b))
    if not first or not second:
        return [], None
    both = first & second
    if both:
        return sorted(both), 0
    distance = min(abs(a - b) for a in first for b in second)
    closest = {s for a in first for b in second if abs(a - b) == distance for s in (a, b)}
    return sorted(closest), distance


def _tsv_line(row: dict[str, Any]) -> str:
    """The row :func:`relclf.io.rows.write_tsv` writes for ``row``, without its line end."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writerow({**row, "score": "" if row["score"] is None else repr(row["score"])})
    return buffer.getvalue()[:-1]
