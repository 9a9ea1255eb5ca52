"""Error analysis: where a model goes wrong on gold documents, as a table and as a review page.

From the :class:`~relclf.evaluation.metrics.EvaluationDetails` of an evaluation:

- :func:`error_rows` / :func:`write_errors`: one row per error at the threshold in use (every gold
  relation missed, every prediction the gold does not have, every pair with the wrong label or, where
  the gold has novelty, the wrong novelty), with the document, the pair, the entities' names and
  types, the gold and the predicted label and novelty, the score, and the sentence where the two
  entities meet (else the closest sentences mentioning one each);
- :func:`outcome_documents` / :func:`write_outcome_page`: the documents with every prediction and every
  missed gold relation, each relation marked with its outcome (:data:`~relclf.evaluation.metrics.OUTCOMES`),
  as a review page (:mod:`relclf.io.html`).

Sentences are those of :func:`relclf.text.tokenize`, the ones the model's features use: a mention
belongs to the sentence of its slot.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from ..document import Document, Relation, document_entities, mention_groups
from ..io.files import PathLike, atomic_writer, is_gzip_name
from ..text import tokenize
from .metrics import EvaluationDetails, PairOutcome

__all__ = [
    "ERROR_COLUMNS",
    "error_rows",
    "meeting_sentences",
    "outcome_documents",
    "write_errors",
    "write_outcome_page",
]

ERROR_COLUMNS = (
    "document",
    "outcome",
    "id1",
    "type1",
    "text1",
    "id2",
    "type2",
    "text2",
    "gold_label",
    "gold_novelty",
    "predicted_label",
    "predicted_novelty",
    "score",
    "sentence",
)
_ERRORS = ("missed", "wrong_label", "wrong_novelty", "spurious")
_SEPARATOR = " ... "  # between the closest sentences of two entities that never meet


def meeting_sentences(document: Document, id1: str, id2: str, *, split_composites: bool = True) -> str:
    """The first sentence of ``document`` where entities ``id1`` and ``id2`` are both mentioned, else the
    closest sentences mentioning one each (joined by `` ... ``), else ``""`` (an ID without mention).

    >>> from relclf.document import Mention
    >>> doc = Document("1", "Aspirin study.", "Aspirin lowers pain. Nothing else.",
    ...                (Mention(0, 7, "Aspirin", "Chemical", "C1"), Mention(15, 22, "Aspirin", "Chemical", "C1"),
    ...                 Mention(30, 34, "pain", "Disease", "D1")))
    >>> meeting_sentences(doc, "C1", "D1")
    'Aspirin lowers pain.'
    """
    tokens = tokenize(document)
    groups = mention_groups(document, split_composites=split_composites)
    first, second = (
        {tokens.sentence_of[tokens.mention_slots[m]] for m in groups.get(identifier, [])} for identifier in (id1, id2)
    )
    if not first or not second:
        return ""
    both = first & second
    if both:
        chosen = [min(both)]
    else:
        a, b = min(((a, b) for a in first for b in second), key=lambda ab: (abs(ab[0] - ab[1]), ab))
        chosen = sorted({a, b})
    starts = tokens.sentence_starts()
    text = document.text
    return _SEPARATOR.join(
        " ".join(text[tokens.starts[starts[s]] : tokens.ends[starts[s + 1] - 1]].split())  # one line
        for s in chosen
        if starts[s] < starts[s + 1]
    )


def error_rows(details: EvaluationDetails) -> Iterator[dict[str, Any]]:
    """One row (a dict of :data:`ERROR_COLUMNS`) per error of ``details`` at its threshold, in document order."""
    by_document: dict[str, list[PairOutcome]] = {}
    for outcome in details.outcomes:
        if outcome.outcome(details.threshold) in _ERRORS:
            by_document.setdefault(outcome.pmid, []).append(outcome)
    for document in details.documents:
        errors = by_document.get(document.pmid)
        if not errors:
            continue
        entities = {e.identifier: e for e in document_entities(document, split_composites=details.split_composites)}
        for o in errors:
            predicted = o.predicted(details.threshold)
            first, second = entities.get(o.id1), entities.get(o.id2)
            yield {
                "document": document.pmid,
                "outcome": o.outcome(details.threshold),
                "id1": o.id1,
                "type1": first.entity_type if first else "",
                "text1": first.mentions[0].text if first else "",
                "id2": o.id2,
                "type2": second.entity_type if second else "",
                "text2": second.mentions[0].text if second else "",
                "gold_label": o.gold or "",
                "gold_novelty": o.gold_novelty or "",
                "predicted_label": predicted or "",
                "predicted_novelty": (o.novelty or "") if predicted else "",
                "score": "" if o.score is None else f"{o.score:.4f}",
                "sentence": meeting_sentences(document, o.id1, o.id2, split_composites=details.split_composites),
            }


def write_errors(details: EvaluationDetails, path: PathLike) -> int:
    """Write :func:`error_rows` as TSV (a header, then one row per error) to ``path``, atomically (gzip
    for a name ending in ``.gz``); return the number of errors written."""
    count = 0
    with atomic_writer(path, compress=is_gzip_name(path)) as handle:
        writer = csv.DictWriter(
            handle, fieldnames=ERROR_COLUMNS, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writeheader()
        for row in error_rows(details):
            writer.writerow(row)
            count += 1
    return count


def outcome_documents(details: EvaluationDetails) -> Iterator[tuple[Document, dict[frozenset[str], dict[str, Any]]]]:
    """Each gold document with the relations of a page of gold versus predictions, and each relation's
    outcome fields by pair: every prediction at the threshold (``right``, ``wrong_label``,
    ``wrong_novelty``, ``spurious``; its score, label and novelty), then every gold relation ``missed``
    (its gold label and novelty, and the score the pair had below the threshold, if it was scored).
    The fields are ``outcome``, and ``gold`` and ``gold_novelty`` (the gold's label and novelty)."""
    by_document: dict[str, list[PairOutcome]] = {}
    for outcome in details.outcomes:
        by_document.setdefault(outcome.pmid, []).append(outcome)
    for document in details.documents:
        predicted: list[Relation] = []
        missed: list[Relation] = []
        fields: dict[frozenset[str], dict[str, Any]] = {}
        for o in by_document.get(document.pmid, ()):
            kind = o.outcome(details.threshold)
            if kind is None:
                continue
            label = o.predicted(details.threshold)
            if label is None:  # missed: the gold relation, with the score the pair had if it had one
                missed.append(Relation(o.gold or "", o.id1, o.id2, o.gold_novelty, o.score))
            else:
                predicted.append(Relation(label, o.id1, o.id2, o.novelty, o.score))
            fields[frozenset((o.id1, o.id2))] = {"outcome": kind, "gold": o.gold, "gold_novelty": o.gold_novelty}
        yield document.with_relations(predicted + missed), fields


def write_outcome_page(details: EvaluationDetails, path: PathLike) -> int:
    """Write :func:`outcome_documents` as a review page to ``path`` (atomically); return the documents written."""
    from ..io.html import write_html

    pages = list(outcome_documents(details))
    by_pmid = {document.pmid: fields for document, fields in pages}
    with atomic_writer(path, compress=is_gzip_name(path)) as handle:
        return write_html((document for document, _ in pages), handle, relation_fields=by_pmid)
