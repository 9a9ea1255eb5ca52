"""Measure training wall time on BioRED Train and end-to-end prediction throughput on 900 abstracts.

Each figure is the median of --runs runs of the real CLI (a fresh process each time, so start-up and
model loading are included). Writes experiments/results/foundation_benchmark.{json,md}.

Usage (from the project root):
    python experiments/benchmark_foundation.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "experiments" / "results"


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "relclf", *args], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    unlabeled = DATA / "unlabeled" / "bc8_new_900.pubtator"
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "train.joblib"
        train_times = [_timed(["train", str(DATA / "biored" / "Train.PubTator"), "-o", str(model)]) for _ in range(args.runs)]
        predict_times = [
            _timed(["predict", str(unlabeled), "-m", str(model), "--skip-invalid", "-o", str(Path(tmp) / "out.pubtator")])
            for _ in range(args.runs)
        ]
        n_docs = (Path(tmp) / "out.pubtator").read_text().count("|t|")
    result = {
        "machine": _machine(),
        "runs": args.runs,
        "train_seconds_median": round(statistics.median(train_times), 2),
        "train_seconds_all": [round(t, 2) for t in train_times],
        "predict_documents": n_docs,
        "predict_seconds_median": round(statistics.median(predict_times), 2),
        "predict_seconds_all": [round(t, 2) for t in predict_times],
        "predict_abstracts_per_second": round(n_docs / statistics.median(predict_times), 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "foundation_benchmark.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "foundation_benchmark.md").write_text(
        "# Foundation benchmark\n\n"
        f"Machine: {result['machine']}. Median of {args.runs} runs of the CLI (process start-up and model loading included).\n\n"
        "| measure | median | all runs |\n|---|---|---|\n"
        f"| `relclf train Train.PubTator` (400 abstracts), wall s | {result['train_seconds_median']} | {result['train_seconds_all']} |\n"
        f"| `relclf predict bc8_new_900.pubtator --skip-invalid` ({n_docs} abstracts), wall s | {result['predict_seconds_median']} | {result['predict_seconds_all']} |\n"
        f"| prediction throughput, abstracts/s | {result['predict_abstracts_per_second']} | |\n\n"
        "Reproduce: `python experiments/benchmark_foundation.py --runs 3`\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
