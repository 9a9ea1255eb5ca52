"""Do the scores mean what they say? The calibration error and precision and recall at score cut-offs.

A model's score is meant as the probability that the relation as written (pair and label) is right.
:class:`CalibrationAccumulator` collects, one gold document at a time, every predicted relation's
score and whether it is right; :class:`CalibrationReport` then gives the expected calibration error
(over the relations scoring at least :data:`~relclf.extract.calibration.ECE_LOW`, in equal-width bins)
and the precision and recall at a few cut-offs (:data:`CUTOFFS`). ``relclf evaluate`` prints it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..document import Document, Relation
from ..extract.calibration import ECE_BINS, ECE_LOW, ReliabilityBin, expected_calibration_error, reliability

__all__ = ["CUTOFFS", "CalibrationAccumulator", "CalibrationReport", "Cutoff"]

# Score cut-offs at which evaluate reports precision and recall.
CUTOFFS = (0.1, 0.3, 0.5, 0.7, 0.9)


@dataclass(frozen=True, slots=True)
class Cutoff:
    """Predicting every relation scored ``>= threshold``: how many, and their precision and recall
    with pair and label right (``type_*``) and with the pair right (``pair_*``)."""

    threshold: float
    predicted: int
    type_precision: float
    type_recall: float
    pair_precision: float
    pair_recall: float


@dataclass(frozen=True)
class CalibrationReport:
    """The calibration error of the ``pairs`` scores ``>= low``, its bins, and precision and recall at cut-offs."""

    ece: float
    pairs: int
    low: float
    bins: tuple[ReliabilityBin, ...]
    cutoffs: tuple[Cutoff, ...]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "ece": self.ece,
            "pairs": self.pairs,
            "low": self.low,
            "bins": [asdict(b) for b in self.bins],
            "cutoffs": [asdict(c) for c in self.cutoffs],
        }

    def table(self) -> str:
        """Plain text: the calibration error, then one row per cut-off."""
        rows = [
            f"calibration error (ECE, {ECE_BINS} bins, relations scoring >= {self.low:g}): {self.ece:.3f} over "
            f"{self.pairs:,} relations",
            f"{'score >=':>8} {'pred':>6} {'P':>6} {'R':>6} {'pair P':>7} {'pair R':>7}",
        ]
        for c in self.cutoffs:
            rows.append(
                f"{c.threshold:8.2f} {c.predicted:6d} {c.type_precision:6.3f} {c.type_recall:6.3f} "
                f"{c.pair_precision:7.3f} {c.pair_recall:7.3f}"
            )
        return "\n".join(rows)


class CalibrationAccumulator:
    """Scores of predicted relations and whether each is right, collected one gold document at a time.

    Examples
    --------
    >>> acc = CalibrationAccumulator()
    >>> gold = Document("1", "t", "a", relations=(Relation("Bind", "x", "y"),))
    >>> acc.add(gold, (Relation("Bind", "y", "x", score=0.9), Relation("Bind", "x", "z", score=0.2)))
    >>> report = acc.report(cutoffs=(0.5,))
    >>> report.cutoffs[0].type_precision, report.cutoffs[0].type_recall, round(report.ece, 2)
    (1.0, 1.0, 0.15)
    """

    def __init__(self) -> None:
        self._scores: list[float] = []
        self._right: list[bool] = []
        self._pair_right: list[bool] = []
        self.gold_relations = 0
        self.gold_pairs = 0

    def add(self, gold: Document, predicted: Iterable[Relation]) -> None:
        """Count one gold document and the scored relations predicted for it (relations without a score left out)."""
        typed = {(r.pair, r.label) for r in gold.relations}
        pairs = {r.pair for r in gold.relations}
        self.gold_relations += len(typed)
        self.gold_pairs += len(pairs)
        for relation in predicted:
            if relation.score is None:
                continue
            self._scores.append(float(relation.score))
            self._right.append((relation.pair, relation.label) in typed)
            self._pair_right.append(relation.pair in pairs)

    def report(self, *, low: float = ECE_LOW, cutoffs: Sequence[float] = CUTOFFS) -> CalibrationReport:
        """The calibration error of the scores ``>= low`` and precision and recall at each of ``cutoffs``."""
        scores, right, pair_right = (
            np.array(self._scores),
            np.array(self._right, dtype=bool),
            np.array(self._pair_right, dtype=bool),
        )
        rows = []
        for threshold in cutoffs:
            kept = scores >= threshold
            n = int(kept.sum())
            hits, pair_hits = int(right[kept].sum()), int(pair_right[kept].sum())
            rows.append(
                Cutoff(
                    float(threshold),
                    n,
                    hits / n if n else 0.0,
                    hits / self.gold_relations if self.gold_relations else 0.0,
                    pair_hits / n if n else 0.0,
                    pair_hits / self.gold_pairs if self.gold_pairs else 0.0,
                )
            )
        return CalibrationReport(
            expected_calibration_error(scores, right, low=low),
            int((scores >= low).sum()),
            float(low),
            tuple(reliability(scores, right, low=low)),
            tuple(rows),
        )
