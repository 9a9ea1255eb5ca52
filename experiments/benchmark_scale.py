"""Scale benchmark: prediction throughput and peak memory versus --n-jobs and input size, the cost
of each stage, parse-only speed, and training time versus training size.

Inputs of about 900, 9,000 and 90,000 abstracts are made by replicating the 899 valid documents of
../shared/data/unlabeled/bc8_new_900.pubtator under new document IDs, in a temporary directory (never
committed). Every prediction and training figure is the median of --runs runs of the real CLI, each
a fresh process (start-up and model loading included); peak RSS is the largest resident set of the
run's processes (GNU time's %M: the CLI process or any worker it waited for, whichever is largest).
Writes experiments/results/scale_benchmark.{json,md}.

Usage (from the project root; the full run takes about half an hour on 2 cores):
    python experiments/benchmark_scale.py --runs 3
    python experiments/benchmark_scale.py --runs 1 --sizes 1,10     # quick check (899 and 8,990 abstracts)
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

import numpy as np

from machine import provenance, provenance_markdown, stamp_json, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the stage costs are measured in process: on this checkout's relclf

from relclf import RelationExtractor, api, load_model  # noqa: E402
from relclf.extract.features import featurize  # noqa: E402
from relclf.io.pubtator import format_document, read_pubtator, write_pubtator  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
UNLABELED = DATA / "unlabeled" / "bc8_new_900.pubtator"
BIORED = DATA / "biored"
RESULTS = ROOT / "experiments" / "results"
TIME = "/usr/bin/time"  # GNU time (Debian package "time"), for the peak RSS of each run


def run_cli(args: list[str]) -> tuple[float, float]:
    """Run ``relclf ARGS`` in a fresh process; return (wall seconds, peak RSS in MB of its process tree).

    The CLI is started by GNU time (``/usr/bin/time -f %M``): a process forked straight from this
    one would count this benchmark's own pages, copied at the fork, as its peak.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%M", "-o", rss.name, sys.executable, "-m", "relclf", *args],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"relclf {' '.join(args)} failed: {done.stderr}")
        return seconds, int(rss.read().split()[-1]) / 1024  # GNU time reports KB


def replicate(copies: int, target: Path) -> int:
    """Write ``copies`` copies of the valid bc8 documents with new IDs to ``target``; return the count."""
    documents = list(read_pubtator(UNLABELED, on_error=lambda error: None))
    count = 0
    with target.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for document in documents:
                pmid = str(copy * 100_000_000 + int(document.pmid)) if document.pmid.isdigit() else f"{copy}-{document.pmid}"
                handle.write(format_document(dataclasses.replace(document, pmid=pmid)))
                count += 1
    return count


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def bench_predict(sizes: list[int], jobs: list[int], runs: int, tmp: Path) -> list[dict]:
    """Prediction wall time, abstracts/s and peak RSS per (input size, n_jobs)."""
    rows = []
    for copies in sizes:
        source = tmp / f"bc8_x{copies}.pubtator"
        n_docs = replicate(copies, source)
        for n_jobs in jobs:
            measured = [run_cli(["predict", str(source), "-o", str(tmp / "out.pubtator"), "--n-jobs", str(n_jobs)]) for _ in range(runs)]
            seconds = [s for s, _ in measured]
            rss = [r for _, r in measured]
            rows.append({
                "abstracts": n_docs, "n_jobs": n_jobs, "seconds_median": median(seconds), "seconds_all": [round(s, 2) for s in seconds],
                "abstracts_per_second": round(n_docs / statistics.median(seconds), 1), "peak_rss_mb_median": median(rss),
            })
            print(rows[-1], flush=True)
        source.unlink()
    return rows


def bench_stages(copies: int, runs: int, tmp: Path) -> dict:
    """Seconds per stage (in one process, batches of 256 as in prediction), and start-up cost."""
    source = tmp / "stages.pubtator"
    n_docs = replicate(copies, source)
    startup = [run_cli(["--version"])[0] for _ in range(runs)]
    load = []
    totals: dict[str, list[float]] = {k: [] for k in ("parse", "candidates", "features", "vectorize", "classify", "write")}
    for _ in range(runs):
        start = time.perf_counter()
        model = load_model(api.default_model_path()).estimator
        load.append(time.perf_counter() - start)
        spent = dict.fromkeys(totals, 0.0)
        clock = time.perf_counter()
        documents = list(read_pubtator(source))
        spent["parse"] = time.perf_counter() - clock
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for lo in range(0, len(documents), 256):
                batch = documents[lo : lo + 256]
                clock = time.perf_counter()
                per_doc = [model.candidates(d) for d in batch]
                spent["candidates"] += time.perf_counter() - clock
                clock = time.perf_counter()
                features = featurize(batch, per_doc)
                spent["features"] += time.perf_counter() - clock
                clock = time.perf_counter()
                X = model.vectorizer_.transform(features)
                spent["vectorize"] += time.perf_counter() - clock
                clock = time.perf_counter()
                classify(model, X)
                spent["classify"] += time.perf_counter() - clock
                clock = time.perf_counter()
                write_pubtator(batch, sink)  # the documents as read: relations are a few lines more
                spent["write"] += time.perf_counter() - clock
        for key, value in spent.items():
            totals[key].append(value)
    source.unlink()
    result = {"abstracts": n_docs, "python_import_and_version_seconds": median(startup), "model_load_seconds": median(load)}
    result |= {f"{k}_seconds": median(v) for k, v in totals.items()}
    result["stage_total_seconds"] = round(sum(result[f"{k}_seconds"] for k in totals), 2)
    result["parse_only_abstracts_per_second"] = round(n_docs / result["parse_seconds"], 1)
    print(result, flush=True)
    return result


def classify(model: RelationExtractor, X) -> None:  # noqa: ANN001 - X: the sparse matrix of model.vectorizer_
    """Make the decisions of ``model.predict_candidates`` (detector, threshold, labeler, novelty) for the rows of ``X``.

    The estimator vectorizes and decides in one public call; this is its second half, written out with
    the public fitted attributes, so that the two stages are timed apart.
    """
    scores = model.detector_.predict_proba(X)[:, 1]
    keep = np.flatnonzero(scores >= model.threshold_)
    if len(keep):
        model.labeler_.predict(X[keep])
        if model.novelty_model_ is not None:
            model.novelty_model_.predict(X[keep])


def split_documents(path: Path) -> list[str]:
    """The raw text of each document of a PubTator file (blank-line separated)."""
    return [block.strip("\n") + "\n\n" for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def bench_training(sizes: list[int], runs: int, tmp: Path) -> list[dict]:
    """Training wall time versus number of BioRED abstracts (Train, then Dev appended)."""
    blocks = split_documents(BIORED / "Train.PubTator") + split_documents(BIORED / "Dev.PubTator")
    rows = []
    for size in sizes:
        source = tmp / f"train_{size}.pubtator"
        source.write_text("".join(blocks[:size]), encoding="utf-8")
        for n_jobs in (1, 2):
            measured = [run_cli(["train", str(source), "-o", str(tmp / "model.joblib"), "--n-jobs", str(n_jobs)]) for _ in range(runs)]
            rows.append({
                "abstracts": min(size, len(blocks)), "n_jobs": n_jobs, "seconds_median": median([s for s, _ in measured]),
                "seconds_all": [round(s, 2) for s, _ in measured], "peak_rss_mb_median": median([r for _, r in measured]),
            })
            print(rows[-1], flush=True)
    return rows


def markdown(result: dict) -> str:
    """The result tables."""
    lines = [
        "# Scale benchmark", "",
        "Each figure is the median of the runs in its row's last column; each run is a fresh "
        "CLI process (Python start-up, scikit-learn import and model loading included). Peak RSS: the largest resident set "
        "among the run's processes (with --n-jobs 2 the workers are forked and share most pages with the parent).", "",
        *([f"**Note:** {result['note']}", ""] if result.get("note") else []),
        "## Prediction versus input size and --n-jobs", "",
        "| abstracts | --n-jobs | wall s (median) | abstracts/s | peak RSS MB | all runs s |", "|---|---|---|---|---|---|",
    ]
    for row in result["predict"]:
        lines.append(f"| {row['abstracts']:,} | {row['n_jobs']} | {row['seconds_median']} | {row['abstracts_per_second']:,} | {row['peak_rss_mb_median']} | {row['seconds_all']} |")
    stages = result["stages"]
    lines += [
        "", f"## Cost of each stage ({stages['abstracts']:,} abstracts, one process, batches of 256)", "",
        "| stage | seconds | share of stages |", "|---|---|---|",
    ]
    for key in ("parse", "candidates", "features", "vectorize", "classify", "write"):
        share = stages[f"{key}_seconds"] / stages["stage_total_seconds"] if stages["stage_total_seconds"] else 0.0
        lines.append(f"| {key} | {stages[f'{key}_seconds']} | {share:.0%} |")
    lines += [
        f"| (fixed) Python start-up and imports (`relclf --version`) | {stages['python_import_and_version_seconds']} | |",
        f"| (fixed) model loading | {stages['model_load_seconds']} | |",
        "", f"Parse only (the reader alone, in process): **{stages['parse_only_abstracts_per_second']:,} abstracts/s**.", "",
        "## Training time versus training size (BioRED Train, then Dev appended)", "",
        "| abstracts | --n-jobs | wall s (median) | peak RSS MB | all runs s |", "|---|---|---|---|---|",
    ]
    for row in result["training"]:
        lines.append(f"| {row['abstracts']} | {row['n_jobs']} | {row['seconds_median']} | {row['peak_rss_mb_median']} | {row['seconds_all']} |")
    if result.get("earlier"):
        lines += ["", "Parts and rows kept from earlier runs (a later run replaces the parts and rows it measures), oldest first:", ""]
        lines += [f"- {provenance_markdown(record)}" for record in result["earlier"]]
    lines += ["", "Full rerun: `python experiments/benchmark_scale.py --runs 3`", ""]
    return stamp_markdown("\n".join(lines), result["provenance"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    parser.add_argument("--sizes", default="1,10,100", help="input sizes as copies of the 899 bc8 abstracts (default 1,10,100)")
    parser.add_argument("--jobs", default="1,2", help="--n-jobs values for prediction (default 1,2)")
    parser.add_argument("--stage-copies", type=int, default=10, help="copies of bc8 for the stage costs (default 10)")
    parser.add_argument("--train-sizes", default="100,200,400,500", help="training sizes in BioRED abstracts")
    parser.add_argument("--note", default="", help="a remark printed under the machine line (e.g. on the machine's load)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: predict, stages, training")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    result: dict = {"provenance": provenance(), "runs": args.runs, "note": args.note}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if "stages" not in skip:
            result["stages"] = bench_stages(args.stage_copies, args.runs, tmp)
        if "predict" not in skip:
            result["predict"] = bench_predict([int(s) for s in args.sizes.split(",")], [int(j) for j in args.jobs.split(",")], args.runs, tmp)
        if "training" not in skip:
            result["training"] = bench_training([int(s) for s in args.train_sizes.split(",")], args.runs, tmp)
    RESULTS.mkdir(parents=True, exist_ok=True)
    previous = RESULTS / "scale_benchmark.json"
    if skip and previous.exists():  # a partial rerun keeps the parts and the rows it did not measure
        old = json.loads(previous.read_text())
        if "predict" in result and "predict" in old:
            measured = {(r["abstracts"], r["n_jobs"]) for r in result["predict"]}
            rows = [r for r in old["predict"] if (r["abstracts"], r["n_jobs"]) not in measured] + result["predict"]
            result["predict"] = sorted(rows, key=lambda r: (r["abstracts"], r["n_jobs"]))
        result["earlier"] = [*old.get("earlier", []), old["provenance"]]
        result = old | result
    (RESULTS / "scale_benchmark.json").write_text(json.dumps(stamp_json(result, result["provenance"]), indent=2) + "\n")
    (RESULTS / "scale_benchmark.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
