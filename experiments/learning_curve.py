"""Learning curve on BioRED and BC5CDR: 25, 50, 75 and 100% of Train, scored on Dev.

For each fraction, the training documents are the first fraction of one random order of Train
(seed 0), so each smaller set is part of the larger ones. Two configurations: the default (every
piece of issue #13 as grouped cross-validation decides) and the base (every piece off), so that the
curve shows where the pieces help with more or less data.

Usage (from the project root; about 3 minutes on 2 cores):
    python experiments/learning_curve.py [--data ../shared/data] [--fractions 0.25,0.5,0.75,1]
Writes experiments/results/learning_curve.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py
from relclf import RelationExtractor, api, read_pubtator

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CONFIGURATIONS = {
    "default": {},
    "base": {"context": False, "own_labelers": False, "class_weight": None, "rule": "detector", "calibration": "none"},
}


def subset(documents: list, fraction: float, seed: int = 0) -> list:
    """The first ``fraction`` of ``documents`` in one random order (the same order for every fraction)."""
    order = np.random.default_rng(seed).permutation(len(documents))
    return [documents[i] for i in order[: max(2, round(fraction * len(documents)))]]


def run(params: dict, train: list, dev: list) -> dict:
    """Fit on ``train``, score ``dev``: F1 per level, calibration error, training time."""
    start = time.perf_counter()
    model = RelationExtractor(**params).fit(train)
    seconds = time.perf_counter() - start
    scores = api.evaluate(dev, model, training_documents=frozenset())
    return {
        "documents": len(train),
        "f1": {k: round(v.f1, 4) for k, v in scores.levels.items()},
        "ece": round(scores.calibration.ece, 4) if scores.calibration else None,
        "threshold": round(model.threshold_, 4),
        "train_seconds": round(seconds, 1),
    }


def to_markdown(results: dict, load: tuple[float, float]) -> str:
    """One table per corpus: a row per fraction, default and base side by side."""
    parts = [
        "# Learning curve on BioRED and BC5CDR (fractions of Train -> Dev)\n",
        "The training documents are the first fraction of one random order of Train (seed 0). `default`: every piece "
        "of issue #13 as grouped cross-validation on the training documents decides; `base`: every piece off. ECE: "
        "expected calibration error over the relations scoring at least 0.1 (bins of 0.1). Training times are single "
        f"runs (load average over 1 minute: {load[0]:.2f} at the start, {load[1]:.2f} at the end; 2 cores).\n",
    ]
    for corpus, rows in results.items():
        levels = ("pair", "type", "novelty") if corpus == "biored" else ("pair",)
        label = {"pair": "CID F1" if corpus == "bc5cdr" else "pair F1", "type": "type F1", "novelty": "novelty F1"}
        cells = [f"{config} {label[lv]}" for config in CONFIGURATIONS for lv in levels] + [
            f"{config} ECE" for config in CONFIGURATIONS
        ]
        head = (
            "| share of Train | abstracts | "
            + " | ".join(cells)
            + " | default train s |\n|"
            + "---|" * (len(cells) + 3)
            + "\n"
        )
        lines = []
        for fraction, by_config in rows.items():
            values = [f"{by_config[c]['f1'][lv]:.4f}" for c in CONFIGURATIONS for lv in levels]
            values += [f"{by_config[c]['ece']:.4f}" if by_config[c]["ece"] is not None else "-" for c in CONFIGURATIONS]
            lines.append(
                f"| {float(fraction):.0%} | {by_config['default']['documents']} | "
                + " | ".join(values)
                + f" | {by_config['default']['train_seconds']} |"
            )
        parts.append(f"\n## {'BioRED' if corpus == 'biored' else 'BC5CDR'}\n\n" + head + "\n".join(lines) + "\n")
    parts.append("\nReproduce: `python experiments/learning_curve.py`\n")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--corpora", default="biored,bc5cdr")
    parser.add_argument("--fractions", default="0.25,0.5,0.75,1")
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    results: dict[str, dict[str, dict]] = {}
    for corpus in args.corpora.split(","):
        train = list(read_pubtator(Path(args.data) / corpus / "Train.PubTator"))
        dev = list(read_pubtator(Path(args.data) / corpus / "Dev.PubTator"))
        results[corpus] = {}
        for fraction in (float(f) for f in args.fractions.split(",")):
            documents = subset(train, fraction)
            results[corpus][str(fraction)] = {
                name: run(params, documents, dev) for name, params in CONFIGURATIONS.items()
            }
            print(corpus, fraction, {k: v["f1"] for k, v in results[corpus][str(fraction)].items()}, flush=True)
    load = (load_start, os.getloadavg()[0])
    record = provenance()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "learning_curve.json").write_text(
        json.dumps(stamp_json({"load_average": load, "results": results}, record), indent=2) + "\n"
    )
    (RESULTS / "learning_curve.md").write_text(stamp_markdown(to_markdown(results, load), record))


if __name__ == "__main__":
    main()
