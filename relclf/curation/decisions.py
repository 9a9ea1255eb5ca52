"""The curators' decisions file, and the gold documents it makes of predicted documents.

The review page exports every decision as a TSV file (``NAME.decisions.tsv``) whose columns are those
of relclf's rows (:data:`relclf.io.rows.COLUMNS`) followed by :data:`EXTRA_COLUMNS`: ``decision``,
``curated_label`` and ``curated_novelty``. Each row is one decision:

- ``accepted``: the relation is right as written; the curated label and novelty are its own;
- ``corrected``: the pair is related, with the curated label and novelty (empty: no novelty) instead;
- ``rejected``: the pair is not related as written (the curated columns are empty);
- ``added``: a relation the curator added between two entities of the document; its label and
  novelty are the curated ones, its score is empty;
- ``reviewed``: the document (only ``document`` is filled) was reviewed as a whole, which a document
  with no relation to decide needs before it counts as complete.

A row decides the relations of its document with the same ``id1``, ``id2`` and ``label`` (the label as
predicted), whatever their score: so decisions carry over to a page of other predictions. Files written
before corrections existed (columns up to ``decision``, values ``accepted`` and ``rejected``) read too.

The gold document of a predicted document (:meth:`Decisions.apply`) holds exactly the curator's
relations: the accepted ones (without their score), the corrected ones (with the curated label and
novelty), then the added ones in file order; rejected and undecided relations are left out. A document is
**complete** when every relation in it is decided and it has a relation or an addition, or was marked
reviewed. Incomplete documents are left out, unless undecided relations are to count as rejected.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from ..document import Document, Relation
from ..errors import InputError
from ..io.files import PathLike, display_name, open_binary
from ..io.rows import COLUMNS, CURATOR_SOURCE, DECISION_COLUMNS, entity_index, relation_row
from ..io.validation import shown

__all__ = [
    "ADDED_SOURCE",
    "COLUMNS_WITH_DECISIONS",
    "DECISION_VALUES",
    "EXTRA_COLUMNS",
    "CurationCounts",
    "Decision",
    "Decisions",
    "decision_rows",
    "read_decisions",
    "simulated_decisions",
    "write_decisions",
]

log = logging.getLogger(__name__)

EXTRA_COLUMNS = DECISION_COLUMNS
COLUMNS_WITH_DECISIONS = (*COLUMNS, *DECISION_COLUMNS)
DECISION_VALUES = ("accepted", "corrected", "rejected", "added", "reviewed")
#: the ``source`` column of an added relation's row
ADDED_SOURCE = CURATOR_SOURCE
_REQUIRED = ("document", "id1", "id2", "label", "decision")
_KEEPS = ("accepted", "corrected", "added")


@dataclass(frozen=True, slots=True)
class Decision:
    """One row of a decisions file.

    ``label`` and ``novelty`` are the relation's as written on the page (for an added relation, the
    curator's); ``curated_label``/``curated_novelty`` are what the curator made of it (None for a
    rejection and a review). ``line`` is the row's line in its file (0 when not read from one).
    """

    document: str
    id1: str
    id2: str
    label: str
    decision: str
    curated_label: str | None = None
    curated_novelty: str | None = None
    line: int = 0

    @property
    def key(self) -> tuple[str, str, str]:
        """What the decision names within its document: ``(id1, id2, label)``."""
        return (self.id1, self.id2, self.label)

    def curated(self) -> Relation | None:
        """The gold relation this decision leaves (None for a rejection or a review)."""
        if self.decision not in _KEEPS or self.curated_label is None:
            return None
        return Relation(self.curated_label, self.id1, self.id2, self.curated_novelty)


# -- reading ----------------------------------------------------------------------------------------


def read_decisions(source: PathLike | IO[bytes]) -> list[Decision]:
    """Read a decisions file (TSV as the review page exports it, gzip too); return its rows in order.

    Raises :class:`~relclf.errors.InputError` naming the file and line for a file that is not a
    decisions file, a row with too few fields or an unknown decision, an accepted, corrected or added
    row without a label, and a reviewed row without a document.
    """
    name = display_name(source)
    with open_binary(source) as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(name, data.count(b"\n", 0, error.start) + 1, "invalid UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    header = next(reader, None)
    missing = [c for c in _REQUIRED if c not in (header or [])]
    if header is None or missing:
        raise InputError(
            name,
            1,
            f"not a decisions file: its header lacks the column(s) {', '.join(missing)} (it needs "
            f"{', '.join(_REQUIRED)})",
        )
    column = {c: header.index(c) for c in header[::-1]}  # the first of a repeated name
    decisions = []
    line = reader.line_num
    for row in reader:
        first, line = line + 1, reader.line_num
        if not any(row):
            continue
        decisions.append(_decision(row, column, name, first))
    return decisions


def _decision(row: list[str], column: dict[str, int], name: str, line: int) -> Decision:
    """The decision of one row (``line`` its first line), checked."""

    def get(key: str) -> str:
        index = column.get(key)
        return row[index] if index is not None and index < len(row) else ""

    if len(row) < max(column[c] for c in _REQUIRED) + 1:
        raise InputError(name, line, f"{len(row)} fields, fewer than the header's {len(column)}")
    value = get("decision")
    if value not in DECISION_VALUES:
        raise InputError(name, line, f"unknown decision {shown(value)} (expected one of {', '.join(DECISION_VALUES)})")
    if not get("document"):
        raise InputError(name, line, "a decision without a document")
    if value == "reviewed":
        return Decision(get("document"), "", "", "", value, line=line)
    if not (get("id1") and get("id2") and get("label")):
        raise InputError(name, line, f"a {value} relation needs id1, id2 and label")
    curated_label, curated_novelty = None, None
    if value in _KEEPS:
        curated_label = get("curated_label") or (get("label") if value != "corrected" else "")
        if not curated_label:
            raise InputError(name, line, "a corrected relation needs its curated_label")
        novelty = get("curated_novelty") if "curated_label" in column else get("novelty")
        curated_novelty = novelty or None
    return Decision(get("document"), get("id1"), get("id2"), get("label"), value, curated_label, curated_novelty, line)


# -- applying ---------------------------------------------------------------------------------------


@dataclass
class CurationCounts:
    """What applying decisions did: documents written and left out, and the relations of those written."""

    documents: int = 0
    incomplete: int = 0
    accepted: int = 0
    corrected: int = 0
    added: int = 0
    rejected: int = 0
    undecided: int = 0
    unmatched: list[int] = field(default_factory=list)

    @property
    def relations(self) -> int:
        """The gold relations written: accepted, corrected and added."""
        return self.accepted + self.corrected + self.added


@dataclass
class _DocumentDecisions:
    """One document's decisions, each with its position in the file's rows."""

    decided: dict[tuple[str, str, str], tuple[int, Decision]] = field(default_factory=dict)
    added: list[tuple[int, Decision]] = field(default_factory=list)
    reviewed: list[int] = field(default_factory=list)


class Decisions:
    """The decisions of one file (or one curator), indexed by document, ready to apply.

    Parameters
    ----------
    decisions : sequence of Decision
    name : str
        The file's name, for error messages.

    Raises
    ------
    InputError
        When one relation is decided twice in different ways, or one pair is added twice.
    """

    def __init__(self, decisions: Sequence[Decision], name: str = "decisions") -> None:
        self.name = name
        self.rows = list(decisions)
        self.by_document: dict[str, _DocumentDecisions] = {}
        self.counts = CurationCounts()
        self._used: set[int] = set()
        for index, decision in enumerate(self.rows):
            self._index(index, decision)

    def _index(self, index: int, decision: Decision) -> None:
        entry = self.by_document.setdefault(decision.document, _DocumentDecisions())
        if decision.decision == "reviewed":
            entry.reviewed.append(index)
            return
        if decision.decision == "added":
            pair = frozenset((decision.id1, decision.id2))
            for _, other in entry.added:
                if frozenset((other.id1, other.id2)) == pair:
                    raise InputError(
                        self.name,
                        decision.line,
                        f"document {decision.document!r}: the pair {decision.id1} {decision.id2} is added twice "
                        f"(line {other.line} adds it too)",
                    )
            entry.added.append((index, decision))
            return
        if decision.key in entry.decided:
            _, earlier = entry.decided[decision.key]
            if (earlier.decision, earlier.curated()) != (decision.decision, decision.curated()):
                raise InputError(
                    self.name,
                    decision.line,
                    f"document {decision.document!r}: {decision.label} {decision.id1} {decision.id2} is "
                    f"{decision.decision} here and {earlier.decision} at line {earlier.line}",
                )
        entry.decided[decision.key] = (index, decision)

    @classmethod
    def read(cls, source: PathLike | IO[bytes]) -> Decisions:
        """The decisions of a file (see :func:`read_decisions`)."""
        return cls(read_decisions(source), display_name(source))

    def apply(self, documents: Iterable[Document], *, undecided_as_rejected: bool = False) -> Iterator[Document]:
        """Yield the gold document of each complete document of ``documents`` (rules in the module docstring).

        With ``undecided_as_rejected``, every document is yielded, its undecided relations left out as
        rejected ones are. :attr:`counts` adds up what was yielded and left out; once the documents are
        consumed, ``counts.unmatched`` holds the lines of the rows that decided nothing (their document
        or relation is not among ``documents``).

        Raises :class:`~relclf.errors.InputError` when an added relation names an entity its document
        does not have, or a pair the document already has a relation for.
        """
        for document in documents:
            gold = self._gold(document, undecided_as_rejected)
            if gold is not None:
                yield gold
        self.counts.unmatched = [d.line for i, d in enumerate(self.rows) if i not in self._used]

    def _gold(self, document: Document, undecided_as_rejected: bool) -> Document | None:
        """The gold document of ``document``, or None when it is incomplete (and left out)."""
        entry = self.by_document.get(document.pmid, _DocumentDecisions())
        counts = dict.fromkeys(("accepted", "corrected", "added", "rejected", "undecided"), 0)
        kept: list[Relation] = []
        for relation in document.relations:
            found = entry.decided.get((relation.id1, relation.id2, relation.label))
            if found is None:
                counts["undecided"] += 1
                continue
            index, decision = found
            self._used.add(index)
            counts[decision.decision] += 1
            curated = decision.curated()
            if curated is not None:
                kept.append(curated)
        added = self._added(document, entry)
        counts["added"] = len(added)
        self._used.update(entry.reviewed)
        complete = counts["undecided"] == 0 and bool(document.relations or added or entry.reviewed)
        if not complete and not undecided_as_rejected:
            self.counts.incomplete += 1
            return None
        for name, value in counts.items():
            setattr(self.counts, name, getattr(self.counts, name) + value)
        self.counts.documents += 1
        return document.with_relations(kept + added)

    def _added(self, document: Document, entry: _DocumentDecisions) -> list[Relation]:
        """The added relations of ``document``, checked against its entities and relations."""
        if not entry.added:
            return []
        entities = entity_index(document)
        pairs = {r.pair for r in document.relations}
        added = []
        for index, decision in entry.added:
            for identifier in (decision.id1, decision.id2):
                if identifier not in entities:
                    raise InputError(
                        self.name,
                        decision.line,
                        f"document {document.pmid!r} has no entity {identifier!r} (an added relation names it)",
                    )
            curated = decision.curated()
            assert curated is not None, "an added decision has its label (read_decisions checks it)"
            if curated.pair in pairs:
                raise InputError(
                    self.name,
                    decision.line,
                    f"document {document.pmid!r} already has a relation between {decision.id1} and {decision.id2}: "
                    "correct that one instead of adding another",
                )
            self._used.add(index)
            added.append(curated)
        return added


# -- writing ----------------------------------------------------------------------------------------


def decision_rows(document: Document, decisions: Iterable[Decision]) -> Iterator[dict[str, str]]:
    """The rows (keys :data:`COLUMNS_WITH_DECISIONS`) of ``decisions`` about ``document``, as the review page
    writes them: a decided relation's row from the document's relation with that key (its score included),
    an added relation's row from its entities (source :data:`ADDED_SOURCE`)."""
    entities = entity_index(document)
    by_key = {(r.id1, r.id2, r.label): r for r in reversed(document.relations)}
    for decision in decisions:
        if decision.decision == "reviewed":
            yield {**dict.fromkeys(COLUMNS_WITH_DECISIONS, ""), "document": document.pmid, "decision": "reviewed"}
            continue
        relation = by_key.get(decision.key)
        if relation is None or decision.decision == "added":
            curated = decision.curated()
            relation = curated if curated is not None else Relation(decision.label, decision.id1, decision.id2)
            row = relation_row(document.pmid, relation, entities)
            row["source"] = ADDED_SOURCE
        else:
            row = relation_row(document.pmid, relation, entities)
        row["score"] = "" if row["score"] is None else repr(row["score"])
        row.update(
            decision=decision.decision,
            curated_label=decision.curated_label or "",
            curated_novelty=decision.curated_novelty or "",
        )
        yield row


def write_decisions(items: Iterable[tuple[Document, Sequence[Decision]]], handle: IO[str]) -> int:
    """Write a decisions file: the header, then the rows of each (document, its decisions); return the rows."""
    writer = csv.DictWriter(handle, fieldnames=COLUMNS_WITH_DECISIONS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    count = 0
    for document, decisions in items:
        for row in decision_rows(document, decisions):
            writer.writerow(row)
            count += 1
    return count


# -- a simulated curator ----------------------------------------------------------------------------


def simulated_decisions(predicted: Document, gold: Document) -> list[Decision]:
    """The decisions a curator who knows ``gold`` makes about ``predicted`` (the same document, predicted).

    Each predicted relation is accepted when gold has its pair with its label and novelty, corrected
    when gold has its pair otherwise, and rejected when gold does not relate the pair; every gold
    relation whose pair was not predicted is added (pairs are unordered; gold's first line for a pair
    wins); a document with neither is marked reviewed. Applied to ``predicted``, the decisions give
    ``gold``'s relations (one per pair).

    Examples
    --------
    >>> p = Document("1", "t", "", relations=(Relation("Bind", "a", "b", None, 0.9), Relation("Bind", "a", "c")))
    >>> g = Document("1", "t", "", relations=(Relation("Association", "b", "a"), Relation("Bind", "c", "d")))
    >>> [(d.decision, d.curated_label) for d in simulated_decisions(p, g)]
    [('corrected', 'Association'), ('rejected', None), ('added', 'Bind')]
    """
    truth: dict[frozenset[str], Relation] = {}
    for relation in gold.relations:
        truth.setdefault(relation.pair, relation)
    decisions: list[Decision] = []
    seen: set[frozenset[str]] = set()
    for relation in predicted.relations:
        right = truth.get(relation.pair)
        base = (predicted.pmid, relation.id1, relation.id2, relation.label)
        if right is None or relation.pair in seen:
            decisions.append(Decision(*base, "rejected"))
        elif (right.label, right.novelty) == (relation.label, relation.novelty):
            decisions.append(Decision(*base, "accepted", relation.label, relation.novelty))
        else:
            decisions.append(Decision(*base, "corrected", right.label, right.novelty))
        seen.add(relation.pair)
    for pair, relation in truth.items():
        if pair not in seen:
            decisions.append(
                Decision(
                    predicted.pmid,
                    relation.id1,
                    relation.id2,
                    relation.label,
                    "added",
                    relation.label,
                    relation.novelty,
                )
            )
    if not decisions:
        decisions.append(Decision(predicted.pmid, "", "", "", "reviewed"))
    return decisions
