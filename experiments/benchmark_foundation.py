"""Measure training wall time on BioRED Train and end-to-end prediction throughput on 900 abstracts.

Each figure is the median of --runs runs of the real CLI (a fresh process each time, so start-up and
model loading are included). Writes experiments/results/foundation_benchmark.{json,md}.

Usage (from the project root):
    python experiments/benchmark_foundation.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe_machine  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "experiments" / "results"


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "relclf", *args], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    unlabeled = DATA / "unlabeled" / "bc8_new_900.pubtator"
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "train.joblib"
        biored = DATA / "biored"
        full_times = [
            _timed(["train", str(biored / "Train.PubTator"), str(biored / "Dev.PubTator"), "-o", str(model)]) for _ in range(args.runs)
        ]
        train_times = [_timed(["train", str(biored / "Train.PubTator"), "-o", str(model)]) for _ in range(args.runs)]
        predict_times = {
            jobs: [
                _timed(["predict", str(unlabeled), "-m", str(model), "--skip-invalid", "--n-jobs", str(jobs), "-o", str(Path(tmp) / "out.pubtator")])
                for _ in range(args.runs)
            ]
            for jobs in (1, 2)
        }
        n_docs = (Path(tmp) / "out.pubtator").read_text().count("|t|")
    result = {
        "machine": describe_machine(),
        "runs": args.runs,
        "train_seconds_median": round(statistics.median(train_times), 2),
        "train_seconds_all": [round(t, 2) for t in train_times],
        "train_dev_seconds_median": round(statistics.median(full_times), 2),
        "train_dev_seconds_all": [round(t, 2) for t in full_times],
        "predict_documents": n_docs,
    }
    for jobs, times in predict_times.items():
        result[f"predict_n_jobs_{jobs}_seconds_median"] = round(statistics.median(times), 2)
        result[f"predict_n_jobs_{jobs}_seconds_all"] = [round(t, 2) for t in times]
        result[f"predict_n_jobs_{jobs}_abstracts_per_second"] = round(n_docs / statistics.median(times), 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "foundation_benchmark.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        f"| `relclf train Train.PubTator` (400 abstracts), wall s | {result['train_seconds_median']} | {result['train_seconds_all']} |",
        f"| `relclf train Train.PubTator Dev.PubTator` (500 abstracts), wall s | {result['train_dev_seconds_median']} | {result['train_dev_seconds_all']} |",
    ]
    for jobs in predict_times:
        rows.append(
            f"| `relclf predict bc8_new_900.pubtator --skip-invalid --n-jobs {jobs}` ({n_docs} abstracts), wall s "
            f"| {result[f'predict_n_jobs_{jobs}_seconds_median']} | {result[f'predict_n_jobs_{jobs}_seconds_all']} |"
        )
        rows.append(f"| same, abstracts/s end to end | {result[f'predict_n_jobs_{jobs}_abstracts_per_second']} | |")
    (RESULTS / "foundation_benchmark.md").write_text(
        "# Foundation benchmark\n\n"
        f"Machine: {result['machine']}. Median of {args.runs} runs of the CLI, each a fresh process "
        "(Python start-up, scikit-learn import and model loading included: about 1.1 s of each prediction run).\n\n"
        "| measure | median | all runs |\n|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "Reproduce: `python experiments/benchmark_foundation.py --runs 3`\n"
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
