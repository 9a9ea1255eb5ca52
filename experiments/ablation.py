"""Ablation table: every feature group and model choice, trained on BioRED Train, scored on Dev.

Each row trains a RelationExtractor with one change from the default configuration and reports Dev
pair / type / novelty precision, recall and F1, training time and prediction time. Dev is only
measured here, never used to choose settings (the default's settings were chosen by grouped
cross-validation on Train).

Usage (from the project root; about 5 minutes on 2 cores):
    python experiments/ablation.py [--data ../shared/data/biored] [--rows "default,- window"]
Writes experiments/results/ablation.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py
from relclf import RelationExtractor, read_pubtator, score_documents
from relclf.extract.blocks import FEATURE_GROUPS
from relclf.extract.vectorizer import PairVectorizer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def logistic(C: float, **changes) -> LogisticRegression:
    """RelationExtractor's default linear model (detector C=1; pooled labeler C=3, balanced), with ``changes``.

    The library builds its default privately, so it is written out here; tests/test_experiments.py
    checks that it still equals what a fitted default RelationExtractor holds.
    """
    return LogisticRegression(C=C, solver="liblinear", dual=True, tol=1.0, max_iter=1000, random_state=0, **changes)


def configurations() -> dict[str, dict]:
    """Row name -> RelationExtractor parameters (changes from the default)."""
    rows: dict[str, dict] = {"default": {}}
    for group in FEATURE_GROUPS:
        rows[f"- {group}"] = {"vectorizer": PairVectorizer(groups=tuple(g for g in FEATURE_GROUPS if g != group))}
    rows["only dense (document-level signals)"] = {"vectorizer": PairVectorizer(groups=("dense",))}
    rows["threshold 0.5 instead of CV-chosen"] = {"threshold": 0.5}
    rows["detector class_weight=balanced"] = {"detector": logistic(1.0, class_weight="balanced")}
    # a labeler given as a parameter also decides the novelty, as label_C did before
    rows["labeler C=10 instead of 3"] = {"labeler": OneVsRestClassifier(logistic(10.0, class_weight="balanced"))}
    rows["between n-grams 1-2 instead of 1-3"] = {"vectorizer": PairVectorizer(ngram_range=(1, 2))}
    return rows


def shown(value: object) -> object:
    """A parameter value as JSON can hold it (estimators by their repr, on one line)."""
    if isinstance(value, tuple):
        return list(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else " ".join(repr(value).split())


def run_row(params: dict, train_docs: list, dev_docs: list) -> dict:
    """Fit on train, predict dev with relations hidden, and return scores and timings."""
    model = RelationExtractor(**params)
    start = time.perf_counter()
    model.fit(train_docs)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = list(model.predict_documents(d.with_relations(()) for d in dev_docs))
    predict_seconds = time.perf_counter() - start
    levels = score_documents(dev_docs, predicted).as_dict()["levels"]
    return {
        "params": {k: shown(v) for k, v in params.items()},
        "levels": levels,
        "threshold": round(model.threshold_, 3),
        "train_seconds": round(train_seconds, 1),
        "predict_seconds": round(predict_seconds, 2),
    }


def to_markdown(results: dict[str, dict], n_train: int, n_dev: int) -> str:
    """Render the results as a Markdown table (``n_train``, ``n_dev``: the abstracts trained on and scored)."""
    head = (
        "| configuration | pair P | pair R | pair F1 | type P | type R | type F1 | novelty P | novelty R | novelty F1 "
        f"| threshold | train s | predict s ({n_dev} docs) |\n|" + "---|" * 13 + "\n"
    )
    lines = []
    for name, r in results.items():
        cells = []
        for level in ("pair", "type", "novelty"):
            c = r["levels"][level]
            cells += [f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"**{c['f1']:.3f}**"]
        lines.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {r['threshold']} | {r['train_seconds']} | {r['predict_seconds']} |"
        )
    return (
        f"# Ablation on BioRED (train: Train, {n_train} abstracts; scored: Dev, {n_dev} abstracts)\n\n"
        "Each row changes one thing from `default`.\n"
        "`- group` removes that feature group. Times are single runs, wall clock, in-process.\n\n"
        + head
        + "\n".join(lines)
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "biored"))
    parser.add_argument("--rows", help="comma-separated row names to run (default: all)")
    args = parser.parse_args()
    train_docs = list(read_pubtator(Path(args.data) / "Train.PubTator"))
    dev_docs = list(read_pubtator(Path(args.data) / "Dev.PubTator"))
    rows = configurations()
    if args.rows:
        wanted = args.rows.split(",")
        unknown = sorted(set(wanted) - set(rows))
        if unknown:
            parser.error(f"unknown rows {unknown}; choose from {list(rows)}")
        rows = {k: v for k, v in rows.items() if k in wanted}
    results = {}
    for name, params in rows.items():
        results[name] = run_row(params, train_docs, dev_docs)
        f1 = {k: round(v["f1"], 4) for k, v in results[name]["levels"].items()}
        print(f"{name}: {f1} train {results[name]['train_seconds']} s", flush=True)
    record = provenance()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ablation.json").write_text(json.dumps(stamp_json({"rows": results}, record), indent=2) + "\n")
    (RESULTS / "ablation.md").write_text(stamp_markdown(to_markdown(results, len(train_docs), len(dev_docs)), record))


if __name__ == "__main__":
    main()
