"""What the accuracy pieces (issues #13 and #21) cost in speed: prediction microseconds per abstract, training seconds.

Three measurements, every figure a median of several runs, on the machine as it is (the load average
is recorded; the machine has 2 cores and other jobs may run beside):

1. prediction before and after: models trained on BioRED Train by this relclf and by another
   checkout's (``--before DIR``, the commit before issue #13), each then predicting the 899 valid
   abstracts of ../shared/data/unlabeled/bc8_new_900.pubtator in process, serially (the path that
   ``relclf predict`` runs in each worker), in fresh processes that alternate between the two, so that
   both see the same machine state (``--before``: the commit to compare with);
2. the prediction cost of each piece: this relclf's default model with one piece taken out of the
   fitted model (same weights otherwise), timed in one process, interleaved;
3. training on BioRED Train + Dev, serially: the default, each piece off, and every piece off (and
   the other checkout's default, with ``--before``).

Usage (from the project root; about 10 minutes on 2 cores):
    python experiments/accuracy_speed.py --before DIR [--runs 5] [--train-runs 3]
Writes experiments/results/accuracy_speed.{md,json}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py
from relclf import RelationExtractor, load_model, read_pubtator, save_model
from relclf.extract.calibration import Calibration
from relclf.extract.labels import LabelStage

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
DATA = ROOT.parent / "shared" / "data"
UNLABELED = DATA / "unlabeled" / "bc8_new_900.pubtator"
BIORED = DATA / "biored"
TRAINING_CONFIGURATIONS = {
    "default": {},
    "- context stage": {"context": False},
    "- labelers per type pair": {"own_labelers": False},
    "- class weighting": {"class_weight": None},
    "- decision rule": {"rule": "detector"},
    "- calibration": {"calibration": "none"},
    "- corpus priors": {"priors": False},
    "- trees (the context stage logistic only)": {"nonlinear": False},
    "rule detector_x_label": {"rule": "detector_x_label"},
    "every piece off": {
        "context": False,
        "own_labelers": False,
        "class_weight": None,
        "rule": "detector",
        "calibration": "none",
    },
}

# Fit on BioRED Train and save (run with either relclf first on the path).
_FIT = """
import sys
from relclf import RelationExtractor, read_pubtator, save_model
save_model(RelationExtractor().fit(read_pubtator(sys.argv[1])), sys.argv[2], {})
"""
# Time in-process prediction of a file's valid documents by a saved model: one warm-up, then runs.
_TIME = """
import json, sys, time
from relclf import load_model, read_pubtator
model = load_model(sys.argv[1]).model
documents = list(read_pubtator(sys.argv[2], on_error=lambda error: None))
list(model.predict_documents(documents[:256]))
times = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    list(model.predict_documents(documents, n_jobs=1))
    times.append(time.perf_counter() - start)
print(json.dumps({"documents": len(documents), "seconds": times}))
"""
# Time one serial fit on files (run with either relclf first on the path).
_TRAIN = """
import json, sys, time
from relclf import RelationExtractor, read_pubtator
documents = [d for f in sys.argv[2:] for d in read_pubtator(f)]
start = time.perf_counter()
RelationExtractor(**json.loads(sys.argv[1])).fit(documents)
print(time.perf_counter() - start)
"""


def python(code: str, *args: str, checkout: Path | None = None) -> str:
    """Run ``code`` in a fresh Python with ``args`` (``checkout`` first on the path when given); return its stdout."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    # run from the checkout: a `python -c` puts its working directory first on the path, before PYTHONPATH
    check = (
        f"import relclf, sys; assert relclf.__file__.startswith({str((checkout or ROOT).resolve())!r}), "
        "relclf.__file__\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check + code, *args],
        env=env,
        cwd=checkout or ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def before_and_after(checkout: Path | None, rounds: int, runs: int, tmp: Path) -> dict:
    """Median µs per abstract of in-process prediction: this relclf ("after") and ``checkout``'s ("before") in turn."""
    versions = {"after": None} if checkout is None else {"before": checkout, "after": None}
    models = {}
    for name, where in versions.items():
        models[name] = tmp / f"{name}.npz"
        python(_FIT, str(BIORED / "Train.PubTator"), str(models[name]), checkout=where)
    seconds: dict[str, list[float]] = {name: [] for name in versions}
    documents = 0
    for _ in range(rounds):
        for name, where in versions.items():
            result = json.loads(python(_TIME, str(models[name]), str(UNLABELED), str(runs), checkout=where))
            seconds[name] += result["seconds"]
            documents = result["documents"]
    return {
        "documents": documents,
        "runs": {name: [round(s, 3) for s in values] for name, values in seconds.items()},
        "us_per_abstract": {
            name: round(1e6 * statistics.median(values) / documents, 1) for name, values in seconds.items()
        },
    }


def piece_costs(runs: int, tmp: Path) -> dict:
    """Median µs per abstract of the default model and of it without each piece (interleaved runs, one process)."""
    model = RelationExtractor().fit(read_pubtator(BIORED / "Train.PubTator")).model_
    save_model(model, tmp / "default.npz", {})
    model = load_model(tmp / "default.npz").model
    variants = {
        "default": model,
        "- context stage": dataclasses.replace(model, context=None),
        "- labelers per type pair": dataclasses.replace(model, labeler=LabelStage(model.labeler.pooled)),
        "- decision rule (detector)": dataclasses.replace(model, rule="detector"),
        "- calibration": dataclasses.replace(model, calibration=Calibration.identity()),
        "every piece off": dataclasses.replace(
            model,
            context=None,
            labeler=LabelStage(model.labeler.pooled),
            rule="detector",
            calibration=Calibration.identity(),
        ),
    }
    documents = list(read_pubtator(UNLABELED, on_error=lambda error: None))
    for variant in variants.values():
        list(variant.predict_documents(documents[:256]))  # warm-up: weights laid out, code paths loaded
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, variant in variants.items():
            start = time.perf_counter()
            list(variant.predict_documents(documents, n_jobs=1))
            seconds[name].append(time.perf_counter() - start)
    return {
        "documents": len(documents),
        "chosen": {
            "context": model.context is not None,
            "own_labelers": sorted(model.labeler.own),
            "rule": model.rule,
            "calibration": model.calibration.method,
        },
        "us_per_abstract": {
            name: round(1e6 * statistics.median(values) / len(documents), 1) for name, values in seconds.items()
        },
    }


def training(checkout: Path | None, runs: int) -> dict:
    """Median serial training seconds on BioRED Train + Dev per configuration (fresh processes)."""
    files = [str(BIORED / "Train.PubTator"), str(BIORED / "Dev.PubTator")]
    configurations = {name: (params, None) for name, params in TRAINING_CONFIGURATIONS.items()}
    if checkout is not None:
        configurations = {"before (the --before checkout, its default)": ({}, checkout), **configurations}
    found = {}
    for name, (params, where) in configurations.items():
        values = [float(python(_TRAIN, json.dumps(params), *files, checkout=where)) for _ in range(runs)]
        found[name] = {"median": round(statistics.median(values), 2), "runs": [round(v, 2) for v in values]}
        print(f"training {name}: {found[name]}", flush=True)
    return found


def to_markdown(result: dict) -> str:
    """The three tables."""
    load = result["load_average"]
    busy = max(load) > 1.5
    parts = [
        "# Speed cost of the accuracy pieces (issues #13 and #21)\n",
        f"Load average over 1 minute: {load[0]:.2f} at the start, {load[1]:.2f} at the end (2 cores). "
        + (
            "**The machine was busy while these timings were taken** (other jobs ran beside): compare the rows of one "
            "table, which were measured in alternation, rather than figures across runs.\n"
            if busy
            else "The machine was otherwise idle.\n"
        ),
    ]
    speed = result.get("before_after")
    if speed:
        rows = "\n".join(
            f"| {name} | {value} | {speed['runs'][name]} |" for name, value in speed["us_per_abstract"].items()
        )
        ratio = ""
        if "before" in speed["us_per_abstract"]:
            before, after = speed["us_per_abstract"]["before"], speed["us_per_abstract"]["after"]
            ratio = f"\nSpeed after / before: **{before / after:.0%}** (abstracts per second).\n"
        parts.append(
            f"\n## Prediction before and after (in process, serial, {speed['documents']} abstracts, models trained on "
            "BioRED Train)\n\n"
            "| relclf | µs per abstract (median) | all runs, s |\n|---|---|---|\n" + rows + "\n" + ratio
        )
    costs = result.get("pieces")
    if costs:
        base = costs["us_per_abstract"]["default"]
        rows = "\n".join(
            f"| {name} | {value} | {value / base:.0%} |" for name, value in costs["us_per_abstract"].items()
        )
        parts.append(
            f"\n## Prediction cost of each piece (the default model with the piece taken out; {costs['documents']} "
            f"abstracts)\n\nThe default model (BioRED Train) has: {json.dumps(costs['chosen'])}.\n\n"
            "| model | µs per abstract (median) | of the default's time |\n|---|---|---|\n" + rows + "\n"
        )
    train = result.get("training")
    if train:
        rows = "\n".join(f"| {name} | {value['median']} | {value['runs']} |" for name, value in train.items())
        parts.append(
            "\n## Training on BioRED Train + Dev (500 abstracts), serial, fresh processes\n\n| configuration | "
            "seconds (median) | all runs |\n|---|---|---|\n" + rows + "\n"
        )
    parts.append(
        f"\nReproduce: `{result.get('command', 'python experiments/accuracy_speed.py --before DIR')}` (DIR: a checkout "
        "of the commit compared with).\n"
    )
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a checkout of the relclf to compare with (e.g. the commit before issue #21)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternations of before/after prediction processes (default 3)"
    )
    parser.add_argument("--runs", type=int, default=3, help="timed predictions per process, and per piece (default 3)")
    parser.add_argument("--train-runs", type=int, default=3, help="training runs per configuration (default 3)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: before_after, pieces, training")
    args = parser.parse_args()
    checkout = Path(args.before).resolve() if args.before else None
    skip = set(args.skip.split(",")) - {""}
    load_start = os.getloadavg()[0]
    result: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "before_after" not in skip:
            result["before_after"] = before_and_after(checkout, args.rounds, args.runs, Path(tmp))
            print("prediction:", result["before_after"]["us_per_abstract"], flush=True)
        if "pieces" not in skip:
            result["pieces"] = piece_costs(args.runs * args.rounds, Path(tmp))
            print("pieces:", result["pieces"]["us_per_abstract"], flush=True)
    if "training" not in skip:
        result["training"] = training(checkout, args.train_runs)
    result["load_average"] = (load_start, os.getloadavg()[0])
    record = provenance()
    result["command"] = record.get("command")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accuracy_speed.json").write_text(json.dumps(stamp_json(result, record), indent=2) + "\n")
    (RESULTS / "accuracy_speed.md").write_text(stamp_markdown(to_markdown(result), record))


if __name__ == "__main__":
    main()
