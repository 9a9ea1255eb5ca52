"""Solver tolerance: accuracy and training time of RelationExtractor(tol=...) on both corpora.

The default detector and labelers are liblinear's dual logistic regression, whose own stopping
tolerance is 1e-4. This trains on each corpus's Train file with several tolerances and scores its Dev
file (BioRED: pair / type / novelty F1; BC5CDR: F1 of its one label, CID), with the training time of
each fit (wall clock, in process, one run: see the note on the machine's load).

Usage (from the project root, corpora at ../shared/data; about 4 minutes on 2 cores):
    python experiments/solver_tolerance.py [--tols 0.0001,0.3,1,3] [--note "..."]
Writes experiments/results/solver_tolerance.{md,json}.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from machine import provenance, write_results  # experiments/machine.py
from relclf import RelationExtractor, read_pubtator, score_documents

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CORPORA = ("biored", "bc5cdr")


def run(corpus: str, tol: float) -> dict:
    """Fit on ``corpus`` Train with ``tol``; return Dev F1 per level and the training seconds."""
    train = list(read_pubtator(DATA / corpus / "Train.PubTator"))
    dev = list(read_pubtator(DATA / corpus / "Dev.PubTator"))
    start = time.perf_counter()
    model = RelationExtractor(tol=tol).fit(train)
    seconds = time.perf_counter() - start
    predicted = list(model.predict_documents(d.with_relations(()) for d in dev))
    levels = score_documents(dev, predicted).as_dict()["levels"]
    return {
        "corpus": corpus,
        "tol": tol,
        "train_seconds": round(seconds, 2),
        "threshold": round(model.threshold_, 3),
    } | {level: round(levels[level]["f1"], 4) for level in ("pair", "type", "novelty")}


def markdown(result: dict) -> str:
    lines = [
        "# Solver tolerance: Dev F1 and training time (trained on Train)",
        "",
        "RelationExtractor's default detector and labelers with `tol` changed (liblinear's default: 1e-4). "
        "BC5CDR has one label (CID), so its three levels coincide; it has no novelty column. "
        "Training seconds: one fit on Train, in process.",
        "",
        *([f"Note: {result['note']}", ""] if result["note"] else []),
        "| corpus | tol | pair F1 | type F1 | novelty F1 | threshold | train s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        novelty = r["novelty"] if r["corpus"] == "biored" else "-"
        lines.append(
            f"| {r['corpus']} | {r['tol']:g} | {r['pair']:.4f} | {r['type']:.4f} | {novelty} | {r['threshold']} | "
            f"{r['train_seconds']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tols", default="0.0001,0.3,1,3", help="comma-separated tolerances (default 0.0001,0.3,1,3)")
    parser.add_argument(
        "--note", default="", help="a remark printed under the table's introduction (e.g. the machine's load)"
    )
    args = parser.parse_args()
    result = {"provenance": provenance(), "note": args.note, "rows": []}
    for corpus in CORPORA:
        for tol in (float(t) for t in args.tols.split(",")):
            result["rows"].append(run(corpus, tol))
            print(result["rows"][-1], flush=True)
    write_results("solver_tolerance", result, markdown(result), result["provenance"])
    print(markdown(result))


if __name__ == "__main__":
    main()
