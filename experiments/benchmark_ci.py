"""CI time from a fresh clone, and the import time of ``relclf.document``, before and after.

- CI: ``git clone`` of this checkout's HEAD (and, with ``--before DIR``, of that checkout's HEAD) into a
  temporary directory beside ``../shared`` (so the corpora resolve as in CI), then ``bash .ci/run`` there,
  timed as a whole (Chromium set-up, a fresh virtual environment, ``pip install -e ".[test]"`` from the
  local package cache, the checks and the tests that checkout's .ci/run names); ``--ci-runs`` runs of
  each, interleaved, so that both are measured on the same machine in the same session.
- Import: ``python -X importtime -c "import relclf.document"`` in a fresh process, the cumulative
  microseconds of ``relclf.document`` (median of ``--runs``), for this checkout and, with
  ``--before DIR``, for another checkout (run with ``PYTHONPATH=DIR``), and the modules each import
  pulls in (scikit-learn or not).

Usage (from the project root, on a quiet machine; each CI run takes a few minutes):
    python experiments/benchmark_ci.py --runs 5 --ci-runs 1 --before ../wt-pre11 [--skip-ci] [--note "..."]
Writes experiments/results/ci_and_import.{md,json}.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import provenance, write_results  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]


def import_time(checkout: Path | None, runs: int) -> dict:
    """Median cumulative import time (ms) of ``relclf.document`` in fresh processes, and whether scikit-learn came."""
    env = dict(os.environ) if checkout is None else {**os.environ, "PYTHONPATH": str(checkout)}
    code = "import sys, relclf.document; print('sklearn' in sys.modules)"
    times, pulls_sklearn = [], None
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=checkout or ROOT,
            check=True,
        )
        line = next(line for line in done.stderr.splitlines() if line.rstrip().endswith("| relclf.document"))
        times.append(int(re.split(r"\s*\|\s*", line.split(":", 1)[1])[1]) / 1000)
        pulls_sklearn = done.stdout.strip() == "True"
    commit = subprocess.run(
        ["git", "-C", str(checkout or ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    name = f"{'this checkout' if checkout is None else 'before'} (commit `{commit or '?'}`)"
    return {
        "checkout": name,
        "ms_median": round(statistics.median(times), 1),
        "ms_all": [round(t, 1) for t in times],
        "imports_scikit_learn": pulls_sklearn,
    }


def ci_time(checkout: Path) -> dict:
    """Clone ``checkout``'s HEAD beside ../shared and run its .ci/run there: wall time, exit, tests, checks."""
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=checkout, capture_output=True, text=True)
    with tempfile.TemporaryDirectory(prefix="relclf-ci-", dir=ROOT.parent) as tmp:
        clone = Path(tmp) / "relclf"
        subprocess.run(["git", "clone", "-q", str(checkout), str(clone)], check=True)
        # the clone is a sibling of this checkout: ../shared resolves from it only at the same depth
        link = Path(tmp) / "shared"
        link.symlink_to(ROOT.parent / "shared")
        checks = [
            line
            for line in (clone / ".ci" / "run").read_text(encoding="utf-8").splitlines()
            if line.startswith(("ruff", "mypy", "python -m pytest"))
        ]
        start = time.perf_counter()
        done = subprocess.run(["bash", ".ci/run"], cwd=clone, capture_output=True, text=True)
        seconds = time.perf_counter() - start
    summary = next((line for line in reversed(done.stdout.splitlines()) if " passed" in line or " failed" in line), "")
    failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    return {
        "commit": commit.stdout.strip(),
        "checks": checks,
        "seconds": round(seconds, 1),
        "exit": done.returncode,
        "summary": summary.strip("= "),
        "failed": failed,
    }


def markdown(result: dict) -> str:
    lines = ["# CI time from a fresh clone, and the import time of relclf.document", ""]
    if result["note"]:
        lines += [f"Note: {result['note']}", ""]
    if "ci" in result:
        lines += [
            "`bash .ci/run` in a fresh `git clone` of each commit (Chromium install, virtual environment, "
            '`pip install -e ".[test]"`, then the checks its .ci/run names), runs interleaved:',
            "",
            "| checkout | checks | wall time (median) | all runs s | exit | tests (last run) |",
            "|---|---|---|---|---|---|",
        ]
        for row in result["ci"]:
            median = statistics.median(r["seconds"] for r in row["runs"])
            last = row["runs"][-1]
            lines.append(
                f"| {row['checkout']} (`{last['commit']}`) | {'; '.join(f'`{c}`' for c in last['checks'])} | "
                f"{median // 60:.0f} min {median % 60:.0f} s | {[r['seconds'] for r in row['runs']]} | "
                f"{[r['exit'] for r in row['runs']]} | {last['summary']} |"
            )
        failed = [line for row in result["ci"] for r in row["runs"] for line in r.get("failed", [])]
        lines += ["", *[f"- `{line}`" for line in failed], *([""] if failed else [])]
    lines += [
        '`python -X importtime -c "import relclf.document"`, cumulative time of `relclf.document` in a fresh process '
        f"(median of {result['runs']}):",
        "",
        "| checkout | ms (median) | all runs | imports scikit-learn |",
        "|---|---|---|---|",
    ]
    for row in result["imports"]:
        lines.append(
            f"| {row['checkout']} | {row['ms_median']} | {row['ms_all']} | "
            f"{'yes' if row['imports_scikit_learn'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="import-time runs per checkout (median reported)")
    parser.add_argument("--before", type=Path, help="another checkout to measure the import time of")
    parser.add_argument("--skip-ci", action="store_true", help="measure the import times only")
    parser.add_argument("--ci-runs", type=int, default=1, help="CI runs per checkout, interleaved (median reported)")
    parser.add_argument("--note", default="", help="a remark printed under the title (e.g. the machine's load)")
    args = parser.parse_args()
    result: dict = {"provenance": provenance(), "note": args.note, "runs": args.runs, "imports": []}
    if args.before is not None:
        result["imports"].append(import_time(args.before.resolve(), args.runs))
    result["imports"].append(import_time(None, args.runs))
    if not args.skip_ci:
        checkouts = [("before", args.before.resolve())] if args.before is not None else []
        checkouts.append(("this checkout", ROOT))
        result["ci"] = [{"checkout": name, "runs": []} for name, _ in checkouts]
        for _ in range(args.ci_runs):
            for row, (_, path) in zip(result["ci"], checkouts, strict=True):
                row["runs"].append(ci_time(path))
    write_results("ci_and_import", result, markdown(result), result["provenance"])
    print(markdown(result))


if __name__ == "__main__":
    main()
