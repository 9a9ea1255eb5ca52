"""Precision, recall and F1 of predicted relations against gold, at three levels.

- ``pair``: the unordered ID pair is related (label ignored);
- ``type``: pair and label;
- ``novelty``: pair, label and Novel/No (only meaningful when the gold carries novelty).

Matching is per document on unordered ID pairs; every gold document counts even when the prediction
omits it; duplicate lines count once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..document import Document, Relation, document_entities, gold_relation_index
from ..extract.calibration import CurvePoint
from ..extract.candidates import type_pair
from ..extract.model import Cut
from ..extract.threshold import cumulative_hits
from .calibration import CalibrationAccumulator, CalibrationReport

__all__ = [
    "LEVELS",
    "NO_RELATION",
    "OUTCOMES",
    "Counts",
    "EvaluationDetails",
    "PairOutcome",
    "ScoreAccumulator",
    "Scores",
    "evaluation_details",
    "score_documents",
]

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
    """Micro-averaged counts per level, and per label at the type level.

    ``calibration`` (when the predictions carried scores below the threshold in use, as
    :func:`relclf.api.evaluate` makes them) says how well the scores match how often relations are right.
    """

    levels: dict[str, Counts]
    per_label: dict[str, Counts]
    documents: int
    novelty_in_gold: bool
    calibration: CalibrationReport | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"levels": {...}, "per_label": {...}, "documents": n, ...}``."""
        found = {
            "levels": {k: v.as_dict() for k, v in self.levels.items()},
            "per_label": {k: v.as_dict() for k, v in sorted(self.per_label.items())},
            "documents": self.documents,
            "novelty_in_gold": self.novelty_in_gold,
        }
        if self.calibration is not None:
            found["calibration"] = self.calibration.as_dict()
        return found

    @property
    def reported_levels(self) -> dict[str, Counts]:
        """The levels that mean something for this gold: all of :data:`LEVELS`, but ``novelty`` only when
        the gold carries novelty (without it the novelty level merely repeats the type level). What
        :meth:`table` shows and what a model card records."""
        return {level: self.levels[level] for level in LEVELS if level != "novelty" or self.novelty_in_gold}

    def table(self) -> str:
        """A plain-text table: one row per label (type level), then one per reported level; then the
        calibration report."""
        rows = [f"{'':24} {'P':>6} {'R':>6} {'F1':>6} {'TP':>6} {'FP':>6} {'FN':>6}"]
        for name, counts in sorted(self.per_label.items()):
            rows.append(_row(f"  {name}", counts))
        for level, counts in self.reported_levels.items():
            rows.append(_row(f"{level} (micro)", counts))
        if self.calibration is not None:
            rows.append(self.calibration.table())
        return "\n".join(rows)


def _row(name: str, c: Counts) -> str:
    return f"{name:24} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:6d} {c.fp:6d} {c.fn:6d}"


def _keys(relations: Iterable[Relation], level: str) -> set[tuple[Any, ...]]:
    keys: set[tuple[Any, ...]] = set()
    for r in relations:
        pair = tuple(sorted((r.id1, r.id2)))
        if level == "pair":
            keys.add((pair,))
        elif level == "type":
            keys.add((pair, r.label))
        else:
            keys.add((pair, r.label, r.novelty))
    return keys


def _count(gold: set[tuple[Any, ...]], predicted: set[tuple[Any, ...]]) -> Counts:
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


# -- evaluation details: one outcome per pair, for plots and error analysis ------------------------

NO_RELATION = "no relation"
#: What became of a pair at a threshold (:meth:`PairOutcome.outcome`): right (pair, label and, where the
#: gold has it, novelty), the right pair with the wrong label or novelty, a gold relation missed, or a
#: prediction the gold does not have.
OUTCOMES = ("right", "wrong_label", "wrong_novelty", "missed", "spurious")


@dataclass(frozen=True, slots=True)
class PairOutcome:
    """One entity pair of an evaluated document: what the gold says and what the model made of it.

    ``gold`` is the gold label (None when the pair is not related) and ``gold_novelty`` its novelty;
    ``label`` the label the model gives the pair whatever its score, ``novelty`` the novelty it gives
    it, and ``score`` the pair's score (all three None when the pair is not a candidate of the model,
    e.g. an unseen type pair); ``related`` its probability of being related. Whether the pair is
    predicted follows the decision in use, a :class:`~relclf.extract.model.Cut` (a number ``t`` is
    the cut ``score >= t``).
    """

    pmid: str
    id1: str
    id2: str
    type_pair: str
    gold: str | None
    label: str | None
    score: float | None
    gold_novelty: str | None = None
    novelty: str | None = None
    related: float | None = None

    def predicted(self, threshold: Cut | float) -> str | None:
        """The predicted label under the decision ``threshold``, or None (no relation)."""
        return self.label if _as_cut(threshold).keeps(self.score, self.related) else None

    def outcome(self, threshold: Cut | float) -> str | None:
        """One of :data:`OUTCOMES` at ``threshold``, or None for a pair neither in gold nor predicted.

        Novelty counts only where the gold has it, as the novelty level of the scores does.

        >>> o = PairOutcome("1", "A", "B", "Chemical|Disease", "Bind", "Bind", 0.4, "Novel", "No")
        >>> o.outcome(0.3), o.outcome(0.5)
        ('wrong_novelty', 'missed')
        """
        predicted = self.predicted(threshold)
        if predicted is None:
            return None if self.gold is None else "missed"
        if self.gold is None:
            return "spurious"
        if predicted != self.gold:
            return "wrong_label"
        if self.gold_novelty is not None and self.novelty != self.gold_novelty:
            return "wrong_novelty"
        return "right"


@dataclass(frozen=True)
class EvaluationDetails:
    """Everything an evaluation saw: the scores at the threshold in use and every pair's outcome.

    ``scores`` are exactly what :func:`score_documents` gives for the predictions at ``threshold``.
    ``outcomes`` hold one entry per candidate pair and per gold pair that is not a candidate; when
    gold lists one pair twice with different labels the first label is the pair's ``gold``.
    ``documents`` are the gold documents (for error analysis: names and sentences), and
    ``split_composites`` the model's convention for composite IDs.
    """

    scores: Scores
    threshold: Cut | float
    outcomes: tuple[PairOutcome, ...]
    documents: tuple[Document, ...] = ()
    split_composites: bool = True

    @property
    def cut(self) -> Cut:
        """The decision in use, as a :class:`~relclf.extract.model.Cut`."""
        return _as_cut(self.threshold)

    @property
    def labels(self) -> list[str]:
        """The relation labels in gold or predicted at the threshold in use, sorted."""
        predicted = {o.predicted(self.threshold) for o in self.outcomes}
        return sorted({o.gold for o in self.outcomes if o.gold} | {p for p in predicted if p})

    def confusion(self) -> tuple[list[str], np.ndarray]:
        """Return (names, counts): ``counts[i, j]`` pairs of gold ``names[i]`` predicted ``names[j]``.

        The names are the labels then :data:`NO_RELATION`.
        """
        names = [*self.labels, NO_RELATION]
        index = {name: i for i, name in enumerate(names)}
        counts = np.zeros((len(names), len(names)), dtype=np.int64)
        for o in self.outcomes:
            counts[index[o.gold or NO_RELATION], index[o.predicted(self.threshold) or NO_RELATION]] += 1
        return names, counts

    def per_type_pair(self) -> dict[str, tuple[Counts, Counts]]:
        """Pair-level and type-level counts per entity type pair (``"Chemical|Disease"``...)."""
        result: dict[str, tuple[Counts, Counts]] = {}
        for o in self.outcomes:
            predicted = o.predicted(self.threshold)
            pair = Counts(
                int(bool(o.gold and predicted)),
                int(bool(predicted and not o.gold)),
                int(bool(o.gold and not predicted)),
            )
            hit = o.gold is not None and predicted == o.gold
            typed = Counts(int(hit), int(predicted is not None and not hit), int(o.gold is not None and not hit))
            old_pair, old_typed = result.get(o.type_pair, (Counts(), Counts()))
            result[o.type_pair] = (old_pair + pair, old_typed + typed)
        return result

    def curve(self, level: str = "type") -> list[CurvePoint]:
        """Precision and recall at every distinct score, from the highest score down, with the pair
        right (``level="pair"``) or the pair and its label (``"type"``)."""
        if level not in ("pair", "type"):
            raise ValueError(f"a curve's level is 'pair' or 'type', not {level!r}")
        scored = [o for o in self.outcomes if o.score is not None]
        if not scored:
            return []
        gold_total = sum(o.gold is not None for o in self.outcomes)
        hit = [o.gold is not None and (level == "pair" or o.gold == o.label) for o in scored]
        thresholds, predicted, (hits,) = cumulative_hits(np.array([o.score for o in scored]), np.array(hit))
        return [
            CurvePoint(float(t), int(h) / int(n), int(h) / gold_total if gold_total else 0.0)
            for t, n, h in zip(thresholds, predicted, hits, strict=True)
        ]


def evaluation_details(
    gold: Iterable[Document],
    scored: Iterable[Document],
    threshold: Cut | float,
    *,
    split_composites: bool = True,
) -> EvaluationDetails:
    """Collect every pair's outcome from gold documents and predictions made with no threshold.

    Parameters
    ----------
    gold : iterable of Document
        Documents with gold relations.
    scored : iterable of Document
        The same documents with every candidate pair as a scored relation (predicted with threshold
        0), matched to gold by document ID.
    threshold : Cut or float
        The decision in use (:meth:`relclf.extract.model.RelationModel.cut`; a number: the pairs scored at
        or above it are the predictions).
    split_composites : bool
        The model's convention for composite IDs (to find each ID's entity type).

    Returns
    -------
    EvaluationDetails
    """
    scored_by_pmid = {d.pmid: d.relations for d in scored}
    gold = list(gold)
    outcomes: list[PairOutcome] = []
    predicted_documents = []
    calibration = CalibrationAccumulator()
    for document in gold:
        types = {e.identifier: e.entity_type for e in document_entities(document, split_composites=split_composites)}
        gold_index = gold_relation_index(document)
        relations = scored_by_pmid.get(document.pmid, ())
        seen = set()
        for r in relations:
            seen.add(r.pair)
            gold_label, gold_novelty = gold_index.get(r.pair, (None, None))
            outcomes.append(
                PairOutcome(
                    document.pmid,
                    r.id1,
                    r.id2,
                    _type_pair(types, r.id1, r.id2),
                    gold_label,
                    None if r.label is None else str(r.label),
                    r.score,
                    gold_novelty,
                    r.novelty,
                    r.related,
                )
            )
        for r in document.relations:
            if r.pair not in seen:
                seen.add(r.pair)
                gold_label, gold_novelty = gold_index[r.pair]
                outcomes.append(
                    PairOutcome(
                        document.pmid,
                        r.id1,
                        r.id2,
                        _type_pair(types, r.id1, r.id2),
                        gold_label,
                        None,
                        None,
                        gold_novelty,
                    )
                )
        kept = tuple(r for r in relations if r.score is None or _as_cut(threshold).keeps(r.score, r.related))
        predicted_documents.append(document.with_relations(kept))
        calibration.add(document, relations)
    scores = dataclasses.replace(score_documents(gold, predicted_documents), calibration=calibration.report())
    return EvaluationDetails(scores, threshold, tuple(outcomes), tuple(gold), split_composites)


def _as_cut(threshold: Cut | float) -> Cut:
    """A decision: a :class:`Cut` as it is, a number as the cut ``score >= number``."""
    return threshold if isinstance(threshold, Cut) else Cut(float(threshold))


def _type_pair(types: dict[str, str], id1: str, id2: str) -> str:
    return type_pair(types.get(id1, "?"), types.get(id2, "?"))
