"""Ablation of issue #13's accuracy pieces on BioRED and BC5CDR: trained on Train, scored on Dev.

Each piece (the document-context stage, labelers per type pair, class weighting, the decision rule,
calibration) is removed from the default, where grouped cross-validation on Train decides it, and
added alone to the base (every piece off). Each row reports Dev precision/recall/F1 per level (pair,
type, novelty on BioRED; CID on BC5CDR: one label, so every level is the same), the expected
calibration error (equal-width bins of 0.1, over the relations scoring at least 0.1: what
``relclf predict --threshold 0.1 --with-scores`` writes), the threshold, what cross-validation chose
and the training time. Dev is only measured here, never used to choose anything.

``--before DIR`` adds a row for the relclf of another checkout (e.g. the commit before issue #13,
extracted with ``git archive``), trained and scored the same way in a fresh process.

Usage (from the project root; about 4 minutes on 2 cores):
    python experiments/accuracy_ablation.py [--data ../shared/data] [--before DIR]
Writes experiments/results/accuracy_ablation.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py
from relclf import RelationExtractor, api, read_pubtator
from relclf.extract.calibration import expected_calibration_error

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CORPORA = ("biored", "bc5cdr")
# Each piece: (its parameters switched off, its parameters as the default decides them).
PIECES: dict[str, tuple[dict, dict]] = {
    "context stage": ({"context": False}, {"context": "auto"}),
    "labelers per type pair": ({"own_labelers": False}, {"own_labelers": "auto"}),
    "class weighting": ({"class_weight": None}, {"class_weight": "auto"}),
    "decision rule": ({"rule": "detector"}, {"rule": "auto"}),
    "calibration": ({"calibration": "none"}, {"calibration": "auto"}),
}


def configurations() -> dict[str, dict]:
    """Row name -> RelationExtractor parameters: the default, each piece removed, the base, each piece added to it."""
    base = {k: v for off, _ in PIECES.values() for k, v in off.items()}
    rows: dict[str, dict] = {"default (every piece as CV decides)": {}}
    rows.update({f"- {piece}": dict(off) for piece, (off, _) in PIECES.items()})
    rows["base (every piece off)"] = dict(base)
    rows.update({f"base + {piece}": {**base, **on} for piece, (_, on) in PIECES.items()})
    return rows


def read_corpus(data: Path, corpus: str) -> tuple[list, list]:
    """The Train and Dev documents of a corpus."""
    return list(read_pubtator(data / corpus / "Train.PubTator")), list(read_pubtator(data / corpus / "Dev.PubTator"))


def choices(model: RelationExtractor) -> str:
    """What cross-validation chose, in a few words."""
    parts = []
    if model.context_ is not None:
        parts.append("context " + "+".join(g for g in model.context_.groups if g != "score"))
    if model.own_type_pairs_:
        parts.append(
            "own labelers "
            + ", ".join(f"{tp} ({'balanced' if w else 'unweighted'})" for tp, w in model.own_type_pairs_.items())
        )
    if len(model.labels_) > 1:
        parts.append(f"pooled labeler {'balanced' if model.class_weight_ else 'unweighted'}")
    parts.append(f"rule {model.rule_}")
    parts.append(f"calibration {model.calibration_.method}")
    return "; ".join(parts)


def run_row(params: dict, train: list, dev: list) -> dict:
    """Fit on ``train``, score ``dev`` with its relations hidden; F1, calibration and timings."""
    model = RelationExtractor(**params)
    start = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - start
    scores = api.evaluate(dev, model, training_documents=frozenset())
    assert scores.calibration is not None
    return {
        "params": {k: v for k, v in params.items()},
        "levels": scores.as_dict()["levels"],
        "ece": round(scores.calibration.ece, 4),
        "ece_relations": scores.calibration.pairs,
        "threshold": round(model.threshold_, 4),
        "chosen": choices(model),
        "cv": model.cv_scores_,
        "train_seconds": round(seconds, 1),
    }


# The row of another relclf: run in a fresh process with that checkout first on the path. Its scores
# are computed here from its predictions (relations scored at least 0.1), the same way as ours.
_BEFORE = """
import json, sys, time
import relclf
from relclf import RelationExtractor, read_pubtator
print(relclf.__file__, file=sys.stderr)
train = list(read_pubtator(sys.argv[1])); dev = list(read_pubtator(sys.argv[2]))
start = time.perf_counter(); model = RelationExtractor().fit(train); seconds = time.perf_counter() - start
low = list(model.predict_documents((d.with_relations(()) for d in dev), threshold=min(0.1, model.threshold_)))
out = [[[r.label, r.id1, r.id2, r.novelty, r.score] for r in d.relations] for d in low]
print(json.dumps({"threshold": model.threshold_, "seconds": seconds, "relations": out}))
"""


def run_before(checkout: Path, data: Path, corpus: str, dev: list) -> dict:
    """Train and predict with the relclf of ``checkout``; score its predictions here."""
    from relclf import Relation, score_documents

    env = {**os.environ, "PYTHONPATH": str(checkout)}
    files = [str(data / corpus / "Train.PubTator"), str(data / corpus / "Dev.PubTator")]
    # run from the checkout: a `python -c` puts its working directory first on the path, before PYTHONPATH
    done = subprocess.run(
        [sys.executable, "-c", _BEFORE, *files], env=env, cwd=checkout, capture_output=True, text=True, check=True
    )
    if not done.stderr.strip().startswith(str(checkout.resolve())):
        raise RuntimeError(f"the relclf of {checkout} was not the one imported: {done.stderr.strip()[:200]}")
    result = json.loads(done.stdout)
    predicted = [
        d.with_relations(tuple(Relation(*r) for r in rels)) for d, rels in zip(dev, result["relations"], strict=True)
    ]
    kept = [d.with_relations(tuple(r for r in d.relations if r.score >= result["threshold"])) for d in predicted]
    scores, right = [], []
    for gold, document in zip(dev, predicted, strict=True):
        typed = {(r.pair, r.label) for r in gold.relations}
        scores += [r.score for r in document.relations]
        right += [(r.pair, r.label) in typed for r in document.relations]
    return {
        "params": {"relclf": str(checkout)},
        "levels": score_documents(dev, kept).as_dict()["levels"],
        "ece": round(expected_calibration_error(np.array(scores), np.array(right)), 4),
        "ece_relations": int(np.sum(np.array(scores) >= 0.1)),
        "threshold": round(result["threshold"], 4),
        "chosen": "detector probability, threshold for pair-level F1",
        "cv": {},
        "train_seconds": round(result["seconds"], 1),
    }


def to_markdown(
    results: dict[str, dict[str, dict]], sizes: dict[str, tuple[int, int]], load: tuple[float, float]
) -> str:
    """The results as Markdown, one table per corpus."""
    parts = [
        "# Accuracy pieces of issue #13: ablation on BioRED and BC5CDR (Train -> Dev)\n",
        "Trained on Train, scored on Dev (gold entities, relations hidden). Every choice inside a row is made by "
        "grouped 5-fold cross-validation on Train; Dev is only measured. ECE: expected calibration error, "
        "equal-width bins of 0.1, over the relations scoring at least 0.1 (what `relclf predict --threshold 0.1 "
        "--with-scores` writes); a relation is right when its pair and label are. Training times are single runs, in "
        f"process (load average over 1 minute: {load[0]:.2f} at the start, {load[1]:.2f} at the end; the machine has "
        "2 cores). Accuracy figures do not depend on the load.\n",
    ]
    for corpus, rows in results.items():
        n_train, n_dev = sizes[corpus]
        levels = ("pair", "type", "novelty") if corpus == "biored" else ("pair",)
        names = {"pair": "CID" if corpus == "bc5cdr" else "pair", "type": "type", "novelty": "novelty"}
        head = "| configuration | " + " | ".join(f"{names[lv]} P | {names[lv]} R | {names[lv]} F1" for lv in levels)
        head += " | ECE (relations) | threshold | train s | CV chose |\n|" + "---|" * (4 + 3 * len(levels) + 1) + "\n"
        lines = []
        for name, r in rows.items():
            cells = []
            for level in levels:
                c = r["levels"][level]
                cells += [f"{c['precision']:.3f}", f"{c['recall']:.3f}", f"**{c['f1']:.4f}**"]
            lines.append(
                f"| {name} | "
                + " | ".join(cells)
                + f" | {r['ece']:.4f} ({r['ece_relations']:,}) | {r['threshold']} | {r['train_seconds']} | "
                f"{r['chosen']} |"
            )
        parts.append(
            f"\n## {corpus.upper() if corpus == 'bc5cdr' else 'BioRED'} (Train {n_train} abstracts -> Dev {n_dev})\n\n"
            + head
            + "\n".join(lines)
            + "\n"
        )
    parts.append(
        "\nReproduce: `python experiments/accuracy_ablation.py --before DIR` (DIR: a checkout of the commit before "
        "issue #13, e.g. `git archive e4b41ad | tar -x -C DIR`).\n"
    )
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--corpora", default=",".join(CORPORA))
    parser.add_argument("--rows", help="comma-separated row names to run (default: all)")
    parser.add_argument("--before", help="also run the relclf of this checkout (the commit before issue #13)")
    args = parser.parse_args()
    data = Path(args.data)
    rows = configurations()
    if args.rows:
        rows = {k: v for k, v in rows.items() if k in args.rows.split(",")}
    load_start = os.getloadavg()[0]
    results: dict[str, dict[str, dict]] = {}
    sizes = {}
    for corpus in args.corpora.split(","):
        train, dev = read_corpus(data, corpus)
        sizes[corpus] = (len(train), len(dev))
        results[corpus] = {}
        if args.before:
            results[corpus][f"before issue #13 ({Path(args.before).name})"] = run_before(
                Path(args.before), data, corpus, dev
            )
        for name, params in rows.items():
            results[corpus][name] = run_row(params, train, dev)
            f1 = {k: round(v["f1"], 4) for k, v in results[corpus][name]["levels"].items()}
            print(
                f"{corpus} {name}: {f1} ECE {results[corpus][name]['ece']} train "
                f"{results[corpus][name]['train_seconds']} s",
                flush=True,
            )
    load = (load_start, os.getloadavg()[0])
    record = provenance()
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"load_average": load, "sizes": sizes, "results": results}
    (RESULTS / "accuracy_ablation.json").write_text(json.dumps(stamp_json(payload, record), indent=2) + "\n")
    (RESULTS / "accuracy_ablation.md").write_text(stamp_markdown(to_markdown(results, sizes, load), record))


if __name__ == "__main__":
    main()
