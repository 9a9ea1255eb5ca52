"""The quality pieces of issue #21 on BioRED and BC5CDR: trained on Train, scored on Dev.

Rows per corpus: the relclf of ``--before`` (the commit before issue #21), the default (every piece as
grouped cross-validation on Train decides), each piece removed or forced, each decision rule, and the
model trained jointly with the other corpus (its documents whose PMID is in the scored Dev removed).
Then, for the default model: the threshold ``--min-precision P`` chooses and the precision it gets on
Dev, for P = 0.6 ... 0.9, against the naive choice (the lowest threshold that reached P in
cross-validation); novelty F1 per type pair (BioRED); and a learning curve (a quarter, half, three
quarters and all of Train, the same random order of documents for each corpus). Dev is only measured
here, never used to choose anything.

Usage (from the project root; about 15 minutes on 2 cores):
    python experiments/quality.py [--data ../shared/data] [--before DIR] [--corpora biored,bc5cdr] [--skip ...]
Writes experiments/results/quality.{md,json}.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from accuracy_ablation import run_before  # experiments/accuracy_ablation.py: another checkout's row
from machine import provenance, write_results  # experiments/machine.py
from relclf import RelationExtractor, api, read_pubtator, score_documents
from relclf.extract.calibration import PrecisionCurve
from relclf.extract.model import RelationModel

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CORPORA = ("biored", "bc5cdr")
OTHER = {"biored": "bc5cdr", "bc5cdr": "biored"}
TARGETS = (0.6, 0.7, 0.8, 0.9)
SHARES = (0.25, 0.5, 0.75)

# Row name -> RelationExtractor parameters (changes from the default).
ROWS: dict[str, dict] = {
    "default (every piece as CV decides)": {},
    "- corpus priors": {"priors": False},
    "- trees (the context stage logistic only)": {"nonlinear": False},
    "trees forced (the context stage trees only)": {"context": True, "nonlinear": True},
    "- context stage": {"context": False},
    "rule detector_x_label (issue #13's choice on BioRED)": {"rule": "detector_x_label"},
    "rule detector": {"rule": "detector"},
    "rule auto (the best CV type F1)": {"rule": "auto"},
}


def read_files(data: Path, corpus: str) -> tuple[list, list]:
    """The Train and Dev documents of a corpus."""
    return list(read_pubtator(data / corpus / "Train.PubTator")), list(read_pubtator(data / corpus / "Dev.PubTator"))


def describe(model: RelationExtractor) -> str:
    """What cross-validation chose, in a few words."""
    context = model.context_
    parts = ["no context stage" if context is None else f"context {context.kind} " + "+".join(context.groups[1:])]
    if model.own_type_pairs_:
        parts.append("own labelers " + ", ".join(model.own_type_pairs_))
    parts += [f"rule {model.rule_}", f"{model.calibration_.method} calibration"]
    return "; ".join(parts)


def score_row(model: RelationExtractor, dev: list, seconds: float, params: dict) -> dict:
    """Dev scores (relations hidden), calibration error and what CV chose."""
    scores = api.evaluate(dev, model, training_documents=frozenset())
    assert scores.calibration is not None
    cv = model.cv_scores_
    return {
        "params": {k: str(v) for k, v in params.items()},
        "levels": scores.as_dict()["levels"],
        "ece": round(scores.calibration.ece, 4),
        "ece_relations": scores.calibration.pairs,
        "threshold": round(model.threshold_, 4),
        "decided_on": model.model_.cut().on,
        "cv_pair_f1": cv.get("at_threshold", {}).get("pair_f1"),
        "cv_type_f1": cv.get("at_threshold", {}).get("type_f1"),
        "chosen": describe(model),
        "cv": cv,
        "train_seconds": round(seconds, 1),
    }


def fit(params: dict, documents: list, corpus: list[str] | None = None) -> tuple[RelationExtractor, float]:
    """A fitted model and its training time (two processes, as ``relclf train --n-jobs 2``)."""
    model = RelationExtractor(n_jobs=2, **params)
    start = time.perf_counter()
    model.fit(documents, corpus=corpus)
    return model, time.perf_counter() - start


def joint_row(data: Path, corpus: str, train: list, dev: list) -> dict:
    """Trained on ``corpus``'s Train and the other corpus's Train and Dev (minus the scored Dev's PMIDs)."""
    scored = {d.pmid for d in dev}
    other = [d for part in read_files(data, OTHER[corpus]) for d in part if d.pmid not in scored]
    model, seconds = fit({}, train + other, [corpus] * len(train) + [OTHER[corpus]] * len(other))
    row = score_row(model, dev, seconds, {"corpus": f"{corpus} + {OTHER[corpus]} ({len(other)} documents)"})
    row["other_documents"] = len(other)
    return row


def min_precision_rows(model: RelationModel, dev: list) -> list[dict]:
    """For each target: the threshold chosen (honestly, and naively), CV's figures, and Dev's type-level P/R."""
    every = list(model.predict_documents((d.with_relations(()) for d in dev), threshold=0.0))
    naive = PrecisionCurve(model.curve.thresholds, model.curve.precision, model.curve.recall)
    rows = []
    for target in TARGETS:
        for name, curve in (("held-out margin", model.curve), ("naive", naive)):
            try:
                point = curve.threshold_for(target)
            except ValueError as error:
                rows.append({"target": target, "method": name, "error": str(error)})
                continue
            kept = [d.with_relations(tuple(r for r in d.relations if r.score >= point.threshold)) for d in every]
            typed = score_documents(dev, kept).levels["type"]
            rows.append(
                {
                    "target": target,
                    "method": name,
                    "threshold": round(point.threshold, 3),
                    "cv_precision": round(point.precision, 4),
                    "held_out": None if point.held_out is None else round(point.held_out, 4),
                    "dev_precision": round(typed.precision, 4),
                    "dev_recall": round(typed.recall, 4),
                }
            )
    return rows


def novelty_by_type_pair(model: RelationExtractor, dev: list) -> dict[str, dict]:
    """Novelty F1 (pair, label and novelty right) per entity type pair of the gold, at the model's decision."""
    details = api.evaluate_details(dev, model, training_documents=frozenset())
    counts: dict[str, list[int]] = {}
    for o in details.outcomes:
        predicted = o.predicted(details.threshold)
        hit = o.gold is not None and predicted == o.gold and o.novelty == o.gold_novelty
        tp, fp, fn = counts.setdefault(o.type_pair, [0, 0, 0])
        counts[o.type_pair] = [
            tp + hit,
            fp + (predicted is not None and not hit),
            fn + (o.gold is not None and not hit),
        ]
    return {
        tp: {"tp": c[0], "fp": c[1], "fn": c[2], "f1": round(2 * c[0] / (2 * c[0] + c[1] + c[2]), 4) if c[0] else 0.0}
        for tp, c in sorted(counts.items())
        if c[0] + c[2]
    }


def learning_curve(train: list, dev: list) -> list[dict]:
    """The default model on a share of Train (the same seeded random order for every share)."""
    order = np.random.default_rng(0).permutation(len(train))
    found = []
    for share in (*SHARES, 1.0):
        part = [train[i] for i in sorted(order[: round(share * len(train))].tolist())]
        model, seconds = fit({}, part)
        levels = api.evaluate(dev, model, training_documents=frozenset()).as_dict()["levels"]
        found.append({"share": share, "documents": len(part), "levels": levels, "train_seconds": round(seconds, 1)})
    return found


def _prf(counts: dict) -> str:
    return f"{counts['precision']:.3f} / {counts['recall']:.3f} / **{counts['f1']:.4f}**"


def to_markdown(result: dict) -> str:
    """The results as Markdown: the rows per corpus, then --min-precision, novelty per type pair, learning curves."""
    parts = [
        "# Quality pieces of issue #21 on BioRED and BC5CDR (Train -> Dev)\n\n",
        "Trained on Train, scored on Dev (gold entities, relations hidden); every choice inside a row made by grouped "
        "5-fold cross-validation on Train, Dev only measured. *decided on*: what the model compares with its "
        "threshold (the probability of being related under the pair rule, the score under the others). ECE: expected "
        "calibration error over the relations scoring at least 0.1. *CV pair/type F1*: cross-validation on Train at "
        "the threshold chosen. Training times: one run each, two processes, load average "
        f"{result['load'][0]:.2f} at the start and {result['load'][1]:.2f} at the end.\n",
    ]
    for corpus, found in result["corpora"].items():
        levels = ("pair", "type", "novelty") if corpus == "biored" else ("pair",)
        name = {"pair": "CID" if corpus == "bc5cdr" else "pair", "type": "type", "novelty": "novelty"}
        parts.append(f"\n## {'BioRED' if corpus == 'biored' else 'BC5CDR'}\n\n")
        head = "| configuration | " + " | ".join(f"{name[lv]} P / R / **F1**" for lv in levels)
        parts.append(head + " | ECE | decided on | threshold | CV pair / type F1 | train s | CV chose |\n")
        parts.append("|" + "---|" * (len(levels) + 7) + "\n")
        for row_name, r in found["rows"].items():
            cells = [_prf(r["levels"][lv]) for lv in levels]
            cv = f"{r.get('cv_pair_f1')} / {r.get('cv_type_f1')}" if r.get("cv_pair_f1") is not None else "-"
            parts.append(
                f"| {row_name} | {' | '.join(cells)} | {r['ece']:.4f} | {r.get('decided_on', 'score')} | "
                f"{r['threshold']} | {cv} | {r['train_seconds']} | {r['chosen']} |\n"
            )
        if found.get("min_precision"):
            parts.append("\n`--min-precision P` (type level: pair and label right), the default model:\n\n")
            parts.append("| P | method | threshold | CV precision | held-out (CV) | Dev precision | Dev recall |\n")
            parts.append("|---|---|---|---|---|---|---|\n")
            for m in found["min_precision"]:
                if "error" in m:
                    parts.append(f"| {m['target']} | {m['method']} | {m['error']} | | | | |\n")
                    continue
                held_out = "-" if m["held_out"] is None else f"{m['held_out']:.3f}"
                parts.append(
                    f"| {m['target']} | {m['method']} | {m['threshold']} | {m['cv_precision']:.3f} | {held_out} | "
                    f"**{m['dev_precision']:.3f}** | {m['dev_recall']:.3f} |\n"
                )
        if found.get("novelty_by_type_pair"):
            parts.append("\nNovelty F1 per type pair (default model):\n\n")
            parts.append("| type pair | TP | FP | FN | F1 |\n|---|---|---|---|---|\n")
            for tp, c in found["novelty_by_type_pair"].items():
                parts.append(f"| {tp} | {c['tp']} | {c['fp']} | {c['fn']} | {c['f1']:.3f} |\n")
        if found.get("learning_curve"):
            columns = " | ".join(f"{name[lv]} F1" for lv in levels)
            parts.append(f"\nLearning curve (default model):\n\n| Train documents | {columns} | train s |\n")
            parts.append("|" + "---|" * (len(levels) + 2) + "\n")
            for point in found["learning_curve"]:
                cells = " | ".join(f"{point['levels'][lv]['f1']:.4f}" for lv in levels)
                parts.append(f"| {point['documents']} | {cells} | {point['train_seconds']} |\n")
    parts.append(f"\nReproduce: `{result['command']}`\n")
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--before", help="also run the relclf of this checkout (the commit before issue #21)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: rows,joint,min_precision,curve")
    args = parser.parse_args()
    data, skip = Path(args.data), set(args.skip.split(","))
    info = provenance()
    result: dict = {"load": [os.getloadavg()[0], 0.0], "corpora": {}, "command": info["command"]}
    for corpus in args.corpora.split(","):
        train, dev = read_files(data, corpus)
        found: dict = {"rows": {}}
        if args.before:
            found["rows"]["before (issue #20's relclf)"] = run_before(Path(args.before), data, corpus, dev)
        for name, params in ({} if "rows" in skip else ROWS).items():
            model, seconds = fit(params, train)
            found["rows"][name] = score_row(model, dev, seconds, params)
            print(corpus, name, {k: v["f1"] for k, v in found["rows"][name]["levels"].items()}, flush=True)
            if not params and "min_precision" not in skip:
                found["min_precision"] = min_precision_rows(model.model_, dev)
                if corpus == "biored":
                    found["novelty_by_type_pair"] = novelty_by_type_pair(model, dev)
        if "joint" not in skip:
            found["rows"][f"joint with {OTHER[corpus]} (its Dev-overlapping PMIDs removed)"] = joint_row(
                data, corpus, train, dev
            )
        if "curve" not in skip:
            found["learning_curve"] = learning_curve(train, dev)
        result["corpora"][corpus] = found
    result["load"][1] = os.getloadavg()[0]
    write_results("quality", result, to_markdown(result), info)
    print(to_markdown(result))


if __name__ == "__main__":
    main()
