"""Precision, recall and F1 of predicted relations against gold, at three levels.

- ``pair``: the unordered ID pair is related (label ignored);
- ``type``: pair and label;
- ``novelty``: pair, label and Novel/No (only meaningful when the gold carries novelty).

Matching is per document on unordered ID pairs; every gold document counts even when the prediction
omits it; duplicate lines count once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from .document import Document, Relation

__all__ = ["LEVELS", "Counts", "ScoreAccumulator", "Scores", "score_documents"]

LEVELS = ("pair", "type", "novelty")


@dataclass(frozen=True, slots=True)
class Counts:
    """True positives, false positives and false negatives, with the derived scores."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp), 0 when nothing was predicted."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn), 0 when there is no gold."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict[str, float]:
        """Counts and scores as a JSON-ready dict."""
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True, slots=True)
class Scores:
    """Micro-averaged counts per level, and per label at the type level."""

    levels: dict[str, Counts]
    per_label: dict[str, Counts]
    documents: int
    novelty_in_gold: bool

    def as_dict(self) -> dict:
        """A JSON-ready dict: ``{"levels": {...}, "per_label": {...}, "documents": n, ...}``."""
        return {
            "levels": {k: v.as_dict() for k, v in self.levels.items()},
            "per_label": {k: v.as_dict() for k, v in sorted(self.per_label.items())},
            "documents": self.documents,
            "novelty_in_gold": self.novelty_in_gold,
        }

    def table(self) -> str:
        """A plain-text table: one row per label (type level), then one per level."""
        rows = [f"{'':24} {'P':>6} {'R':>6} {'F1':>6} {'TP':>6} {'FP':>6} {'FN':>6}"]
        for name, counts in sorted(self.per_label.items()):
            rows.append(_row(f"  {name}", counts))
        for level in LEVELS:
            if level == "novelty" and not self.novelty_in_gold:
                continue
            rows.append(_row(f"{level} (micro)", self.levels[level]))
        return "\n".join(rows)


def _row(name: str, c: Counts) -> str:
    return f"{name:24} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:6d} {c.fp:6d} {c.fn:6d}"


def _keys(relations: Iterable[Relation], level: str) -> set[tuple]:
    keys: set[tuple] = set()
    for r in relations:
        pair = tuple(sorted((r.id1, r.id2)))
        if level == "pair":
            keys.add((pair,))
        elif level == "type":
            keys.add((pair, r.label))
        else:
            keys.add((pair, r.label, r.novelty))
    return keys


def _count(gold: set[tuple], predicted: set[tuple]) -> Counts:
    tp = len(gold & predicted)
    return Counts(tp, len(predicted) - tp, len(gold) - tp)


class ScoreAccumulator:
    """Scores built up one document pair at a time, so that a corpus need not be held in memory.

    Feed it each gold document with its prediction (:meth:`add`, or :meth:`add_all` for streams in
    the same order), then read :meth:`scores`.

    Examples
    --------
    >>> from relclf.document import Document, Relation
    >>> acc = ScoreAccumulator()
    >>> acc.add(Document("1", "t", "a", relations=(Relation("Bind", "x", "y"),)), (Relation("Bind", "y", "x"),))
    >>> acc.add(Document("2", "t", "a", relations=(Relation("Bind", "x", "z"),)), ())
    >>> acc.scores().levels["pair"]
    Counts(tp=1, fp=0, fn=1)
    """

    def __init__(self) -> None:
        self.levels = {level: Counts() for level in LEVELS}
        self.per_label: dict[str, Counts] = {}
        self.documents = 0
        self.novelty_in_gold = False

    def add(self, gold: Document, predicted: Iterable[Relation]) -> None:
        """Count one gold document against the relations predicted for it."""
        pred = tuple(predicted)
        self.documents += 1
        self.novelty_in_gold = self.novelty_in_gold or any(r.novelty for r in gold.relations)
        for level in LEVELS:
            self.levels[level] += _count(_keys(gold.relations, level), _keys(pred, level))
        gold_typed, pred_typed = _keys(gold.relations, "type"), _keys(pred, "type")
        for label in {k[1] for k in gold_typed | pred_typed}:
            g = {k for k in gold_typed if k[1] == label}
            p = {k for k in pred_typed if k[1] == label}
            self.per_label[label] = self.per_label.get(label, Counts()) + _count(g, p)

    def add_all(self, pairs: Iterable[tuple[Document, Document]]) -> ScoreAccumulator:
        """Add (gold, predicted) document pairs, e.g. a zip of two streams; returns self."""
        for gold, predicted in pairs:
            if gold.pmid != predicted.pmid:
                raise ValueError(f"document {predicted.pmid} was predicted where {gold.pmid} was expected")
            self.add(gold, predicted.relations)
        return self

    def scores(self) -> Scores:
        """The scores of everything added so far."""
        return Scores(dict(self.levels), dict(self.per_label), self.documents, self.novelty_in_gold)


def score_documents(gold: Iterable[Document], predicted: Iterable[Document]) -> Scores:
    """Score predicted relations against gold ones.

    Parameters
    ----------
    gold : iterable of Document
        Documents with gold relation lines. Every one counts.
    predicted : iterable of Document
        Documents with predicted relations; matched to gold by document ID. Predictions for documents
        absent from ``gold`` are ignored.

    Returns
    -------
    Scores

    Examples
    --------
    >>> from relclf.document import Document, Relation
    >>> g = [Document("1", "t", "a", relations=(Relation("Bind", "x", "y"), Relation("Bind", "x", "z")))]
    >>> p = [Document("1", "t", "a", relations=(Relation("Bind", "y", "x"), Relation("Association", "x", "z")))]
    >>> s = score_documents(g, p)
    >>> s.levels["pair"].f1, s.levels["type"].f1
    (1.0, 0.5)
    """
    predictions = {d.pmid: d.relations for d in predicted}
    accumulator = ScoreAccumulator()
    for document in gold:
        accumulator.add(document, predictions.get(document.pmid, ()))
    return accumulator.scores()
