"""Figures of an evaluation (PNG, matplotlib): what ``relclf evaluate --plots DIR`` writes.

matplotlib is optional (``pip install "relclf[plots]"``); it is imported only when figures are drawn,
with the non-interactive Agg backend so that no display is needed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import RelclfError
from ..extract.calibration import CurvePoint
from ..io.files import PathLike, atomic_writer
from .metrics import EvaluationDetails

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PLOTS", "require_matplotlib", "write_plots"]

# File names, in the order they are written.
PLOTS = ("label_scores.png", "confusion_matrix.png", "precision_recall.png", "type_pairs.png", "reliability.png")


def require_matplotlib() -> Any:
    """Return ``matplotlib.pyplot`` (Agg backend), or raise RelclfError saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise RelclfError('drawing figures needs matplotlib: pip install "relclf[plots]"') from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_plots(details: EvaluationDetails, directory: PathLike, *, title: str = "") -> list[Path]:
    """Draw the figures of ``details`` (:data:`PLOTS`) into ``directory`` (created if needed).

    ``title`` (e.g. the gold file's name) heads each figure. Returns the paths written, in the order
    of :data:`PLOTS`.
    """
    plt = require_matplotlib()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    drawers = (_label_scores, _confusion_matrix, _precision_recall, _type_pairs, _reliability)
    paths = []
    for name, draw in zip(PLOTS, drawers, strict=True):
        figure = draw(plt, details, title)
        path = out / name
        with atomic_writer(path, mode="wb") as handle:
            figure.savefig(handle, format="png", dpi=110, bbox_inches="tight")
        plt.close(figure)
        paths.append(path)
    return paths


def _heading(text: str, title: str) -> str:
    return f"{text}\n{title}" if title else text


def _label_scores(plt: Any, details: EvaluationDetails, title: str) -> Figure:
    """Horizontal grouped bars: precision, recall and F1 per label, with the gold count of each."""
    per_label = details.scores.per_label
    labels = sorted(per_label, key=lambda k: per_label[k].tp + per_label[k].fn)
    figure, ax = plt.subplots(figsize=(8, 1.0 + 0.75 * max(len(labels), 1)))
    y = np.arange(len(labels))
    height = 0.26
    for k, (metric, color) in enumerate((("precision", "#4C72B0"), ("recall", "#DD8452"), ("f1", "#55A868"))):
        values = [getattr(per_label[label], metric) for label in labels]
        bars = ax.barh(
            y + (1 - k) * height, values, height, label="F1" if metric == "f1" else metric.capitalize(), color=color
        )
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=7)
    ax.set_yticks(
        y,
        [
            f"{label}\n(gold {per_label[label].tp + per_label[label].fn}, predicted "
            f"{per_label[label].tp + per_label[label].fp})"
            for label in labels
        ],
        fontsize=8,
    )
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("score (type level: pair and label must both be right)")
    ax.set_title(_heading("Precision, recall and F1 per relation label", title))
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return figure


def _confusion_matrix(plt: Any, details: EvaluationDetails, title: str) -> Figure:
    """Gold label (rows) against predicted label (columns), no relation included, counts in cells."""
    from matplotlib.colors import LogNorm

    names, counts = details.confusion()
    size = 2.5 + 0.75 * len(names)
    figure, ax = plt.subplots(figsize=(size + 1.5, size))
    image = ax.imshow(counts + 1, cmap="Blues", norm=LogNorm())  # +1: log colours with empty cells
    threshold = np.log(counts.max() + 1) / 2
    for i in range(len(names)):
        for j in range(len(names)):
            dark = np.log(counts[i, j] + 1) > threshold
            ax.text(j, i, f"{counts[i, j]:,}", ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(len(names)), names, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(
        _heading(
            f"Confusion matrix of entity pairs: gold (rows) against predicted (columns), {details.cut}",
            title,
        ),
        fontsize=10,
    )
    colorbar = figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    colorbar.set_label("pairs + 1 (log scale)")
    return figure


def _precision_recall(plt: Any, details: EvaluationDetails, title: str) -> Figure:
    """Left: precision against recall as the threshold moves; right: P, R, F1 against the threshold."""
    curves = {level: details.curve(level) for level in ("pair", "type")}
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    if not curves["type"]:
        left.text(0.5, 0.5, "no scored pairs", ha="center")
        return figure
    thresholds = np.array([p.threshold for p in curves["type"]])
    cut = details.cut
    current = min(
        range(len(thresholds)),
        key=lambda k: (thresholds[k] < cut.threshold, abs(thresholds[k] - cut.threshold)),
    )
    for level, color in (("pair", "#4C72B0"), ("type", "#DD8452")):
        counts = curves[level]
        recall = [c.recall for c in counts]
        precision = [c.precision for c in counts]
        # the decision in use: a point of the score curve, or (decided on another number) what it scored
        at = details.scores.levels[level]
        mark = counts[current] if cut.on == "score" else CurvePoint(cut.threshold, at.precision, at.recall)
        left.plot(recall, precision, color=color, label=f"{level} level")
        left.plot(mark.recall, mark.precision, "o", color=color, markersize=8, markeredgecolor="black")
        left.annotate(
            f"{cut}\nP {mark.precision:.3f}  R {mark.recall:.3f}  F1 {mark.f1:.3f}",
            (mark.recall, mark.precision),
            xytext=(-20, 40) if level == "pair" else (-170, -50),
            textcoords="offset points",
            fontsize=8,
            color=color,
            arrowprops={"arrowstyle": "->", "color": color},
        )
        right.plot(thresholds, [c.f1 for c in counts], color=color, label=f"F1 ({level})")
        right.plot(thresholds, precision, color=color, linestyle=":", label=f"precision ({level})")
        right.plot(thresholds, recall, color=color, linestyle="--", label=f"recall ({level})")
    left.set_xlabel("recall")
    left.set_ylabel("precision")
    left.set_xlim(0, 1.02)
    left.set_ylim(0, 1.02)
    left.set_title("Precision-recall over the score threshold")
    left.legend(loc="upper right", fontsize=8)
    left.grid(alpha=0.3)
    if cut.on == "score":
        right.axvline(cut.threshold, color="black", linewidth=1)
        right.text(cut.threshold, 1.0, f" threshold in use {cut.threshold:.3f}", fontsize=8, va="top")
    else:
        right.text(0.01, 1.0, f" predicted: {cut} (not a score threshold)", fontsize=8, va="top")
    right.set_xlabel("detector score threshold (pairs scored at or above it are predicted)")
    right.set_ylabel("score")
    right.set_xlim(0, 1)
    right.set_ylim(0, 1.05)
    right.set_title("Precision, recall and F1 against the threshold")
    right.legend(loc="lower left", fontsize=7, ncol=2)
    right.grid(alpha=0.3)
    figure.suptitle(title or " ", fontsize=10)
    figure.tight_layout()
    return figure


def _type_pairs(plt: Any, details: EvaluationDetails, title: str) -> Figure:
    """F1 per entity type pair, pair and type level, with gold counts; pairs without gold omitted."""
    table = {tp: counts for tp, counts in details.per_type_pair().items() if counts[0].tp + counts[0].fn + counts[0].fp}
    names = sorted(table, key=lambda tp: table[tp][0].tp + table[tp][0].fn)
    figure, ax = plt.subplots(figsize=(8, 1.0 + 0.6 * max(len(names), 1)))
    y = np.arange(len(names))
    height = 0.38
    for k, (level, color) in enumerate((("pair", "#4C72B0"), ("type", "#DD8452"))):
        values = [table[tp][k].f1 for tp in names]
        bars = ax.barh(y + (0.5 - k) * height, values, height, color=color, label=f"F1, {level} level")
        ax.bar_label(bars, fmt="%.2f", padding=2, fontsize=7)
    ax.set_yticks(
        y,
        [
            f"{tp}\n(gold {table[tp][0].tp + table[tp][0].fn}, predicted {table[tp][0].tp + table[tp][0].fp})"
            for tp in names
        ],
        fontsize=8,
    )
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("F1")
    ax.set_title(_heading(f"F1 per entity type pair ({details.cut})", title))
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return figure


def _reliability(plt: Any, details: EvaluationDetails, title: str) -> Figure:
    """The reliability diagram: observed accuracy (pair and label right) against score per bin, with bin sizes."""
    report = details.scores.calibration
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(6.5, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
    if report is None or not report.bins:
        top.text(0.5, 0.5, "no relation scored", ha="center")
        return figure
    width = report.bins[0].high - report.bins[0].low
    centers = [b.low + width / 2 for b in report.bins]
    top.bar(
        centers,
        [b.accuracy for b in report.bins],
        width=width * 0.9,
        color="#4C72B0",
        alpha=0.8,
        label="share right in the bin",
    )
    top.plot(
        [b.mean_score for b in report.bins],
        [b.accuracy for b in report.bins],
        "o-",
        color="#DD8452",
        label="mean score -> share right",
    )
    top.set_ylabel("share of relations right (pair and label)")
    top.set_ylim(0, 1.02)
    top.set_title(
        _heading(
            f"Reliability of the scores: expected calibration error {report.ece:.3f}\n({report.pairs:,} relations "
            f"scoring >= {report.low:g})",
            title,
        ),
        fontsize=10,
    )
    top.legend(loc="upper left", fontsize=8)
    top.grid(alpha=0.3)
    bottom.bar(centers, [b.count for b in report.bins], width=width * 0.9, color="#55A868")
    bottom.set_ylabel("relations")
    bottom.set_xlabel("score (the model's probability that the relation is right)")
    bottom.set_xlim(0, 1)
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    return figure
