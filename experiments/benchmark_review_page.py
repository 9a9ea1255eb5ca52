"""Review page benchmark: size of the page, time to write it, peak memory, and time to open it in Chromium.

Inputs: the 899 valid abstracts of ../shared/data/unlabeled/bc8_new_900.pubtator, and 10 copies of
them under new document IDs (8,990 abstracts), made in a temporary directory (never committed).

- ``predict``: ``relclf predict bc8_new_900.pubtator --skip-invalid -o OUT`` with OUT a PubTator file
  and a page: the whole run (start-up, model, prediction, writing).
- ``convert``: ``relclf convert PREDICTED -o OUT`` from the predictions with scores (made once,
  untimed), for 899 and 8,990 abstracts: reading plus writing, no model, so the writer's own cost and
  memory show. Peak RSS that does not grow from 899 to 8,990 abstracts shows that the page streams.
- ``writer``: :func:`relclf.io.html.write_html` alone, in this process, on the 899 documents held in
  memory, against :func:`relclf.io.pubtator.write_pubtator`.
- ``browser``: time from navigation until the page's script has rendered (``body[data-ready]``) in
  headless Chromium (Playwright, the system's Chromium), and the JavaScript heap then; skipped when
  either is missing.

Every figure is the median of --runs runs; each CLI run is a fresh process started by GNU time
(peak RSS: its maximum resident set). The load average (``/proc/loadavg``) is recorded before and
after: other jobs on the machine slow every figure down. Writes
experiments/results/review_page.{json,md}.

Usage (from the project root; about 3 minutes on 2 quiet cores):
    python experiments/benchmark_review_page.py --runs 3
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import describe_machine, provenance, stamp_json, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relclf.io.html import write_html  # noqa: E402
from relclf.io.pubtator import format_document, read_pubtator, write_pubtator  # noqa: E402

UNLABELED = ROOT.parent / "shared" / "data" / "unlabeled" / "bc8_new_900.pubtator"
RESULTS = ROOT / "experiments" / "results"
TIME = "/usr/bin/time"  # GNU time (Debian package "time"), for the peak RSS of each run
CHROMIUM = os.environ.get("RELCLF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def load_average() -> str:
    """The 1, 5 and 15-minute load averages, as /proc/loadavg gives them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def run_cli(args: list[str]) -> tuple[float, float]:
    """Run ``relclf ARGS`` in a fresh process under GNU time; return (wall seconds, peak RSS in MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%M", "-o", rss.name, sys.executable, "-m", "relclf", *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"relclf {' '.join(args)} failed: {done.stderr}")
        return seconds, int(rss.read().split()[-1]) / 1024


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def measure_cli(args: list[str], output: Path, runs: int) -> dict:
    """Median wall time and peak RSS of ``relclf ARGS -o OUTPUT`` over ``runs`` runs, and the output's size."""
    results = [run_cli([*args, "-o", str(output)]) for _ in range(runs)]
    shown = [
        Path(a).name if os.path.isabs(a) else a for a in [*args, "-o", str(output)]
    ]  # temporary files by their name
    return {
        "command": "relclf " + " ".join(shown),
        "seconds": median([s for s, _ in results]),
        "peak_rss_mb": median([r for _, r in results]),
        "size_mb": round(output.stat().st_size / 1e6, 2),
        "runs": [round(s, 2) for s, _ in results],
    }


def replicate(source: Path, copies: int, target: Path) -> int:
    """Write ``copies`` copies of ``source``'s documents (relations and scores kept) under new IDs; return the count."""
    documents = list(read_pubtator(source))
    count = 0
    with target.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for document in documents:
                handle.write(
                    format_document(dataclasses.replace(document, pmid=f"{copy}-{document.pmid}"), with_scores=True)
                )
                count += 1
    return count


def measure_writers(source: Path, runs: int) -> dict:
    """Seconds to write the documents of ``source`` (held in memory) as a page and as PubTator, in this process."""
    documents = list(read_pubtator(source))
    timings: dict[str, list[float]] = {"html": [], "pubtator": []}
    for _ in range(runs):
        for name, writer in (("html", write_html), ("pubtator", lambda d, h: write_pubtator(d, h, with_scores=True))):
            buffer = io.StringIO()
            start = time.perf_counter()
            writer(documents, buffer)
            timings[name].append(time.perf_counter() - start)
    return {
        name: {
            "seconds": median(values),
            "documents_per_second": round(len(documents) / statistics.median(values)),
            "runs": [round(v, 3) for v in values],
        }
        for name, values in timings.items()
    }


def measure_browser(pages: dict[str, Path], runs: int) -> dict | None:
    """Seconds until each page renders in headless Chromium, and its JavaScript heap (MB); None without a browser."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, path in pages.items():
            seconds, heaps = [], []
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                start = time.perf_counter()
                page.goto(path.as_uri(), timeout=300_000)
                page.wait_for_selector("body[data-ready='true']", timeout=300_000)
                seconds.append(time.perf_counter() - start)
                heaps.append(page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0") / 1e6)
                page.close()
            results[name] = {
                "seconds": median(seconds),
                "js_heap_mb": median(heaps),
                "runs": [round(s, 2) for s in seconds],
            }
        version = browser.version
        browser.close()
    return {"chromium": version, "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--note", default="", help="a remark printed with the results (e.g. whether the machine was quiet)"
    )
    args = parser.parse_args()
    if not UNLABELED.exists():
        sys.exit(f"needs {UNLABELED} (not part of the repository)")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    report: dict = {
        "provenance": provenance(),
        "machine": describe_machine(),
        "commit": commit,
        "runs": args.runs,
        "note": args.note,
        "load_before": load_average(),
    }
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        source = str(UNLABELED.relative_to(ROOT.parent).as_posix())
        bc8 = ["../" + source, "--skip-invalid"]
        report["predict"] = {
            "pubtator": measure_cli(["predict", *bc8], tmp / "bc8.pubtator", args.runs),
            "html": measure_cli(["predict", *bc8], tmp / "bc8.html", args.runs),
        }
        predicted = tmp / "predicted.pubtator"
        run_cli(["predict", *bc8, "--with-scores", "-o", str(predicted)])
        tenfold = tmp / "predicted_x10.pubtator"
        report["abstracts"] = {
            "1x": replicate(predicted, 1, tmp / "predicted_x1.pubtator"),
            "10x": replicate(predicted, 10, tenfold),
        }
        report["relations"] = sum(
            1
            for line in predicted.read_text(encoding="utf-8").splitlines()
            if line.count("\t") == 5 and not line.split("\t")[1].isdigit()
        )
        report["convert"] = {}
        for size, path in (("1x", tmp / "predicted_x1.pubtator"), ("10x", tenfold)):
            for fmt in ("pubtator", "html"):
                report["convert"][f"{size} {fmt}"] = measure_cli(
                    ["convert", str(path)], tmp / f"page_{size}.{fmt}", args.runs
                )
        report["writer"] = measure_writers(tmp / "predicted_x1.pubtator", args.runs)
        report["browser"] = measure_browser(
            {"899 abstracts": tmp / "page_1x.html", "8,990 abstracts": tmp / "page_10x.html"}, args.runs
        )
    report["load_after"] = load_average()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "review_page.json").write_text(json.dumps(stamp_json(report, report["provenance"]), indent=2) + "\n")
    (RESULTS / "review_page.md").write_text(stamp_markdown(markdown(report), report["provenance"]))
    print(markdown(report))


def markdown(report: dict) -> str:
    """The result table of ``report`` as Markdown."""
    n1, n10 = report["abstracts"]["1x"], report["abstracts"]["10x"]
    lines = [
        "# Review page benchmark",
        "",
        f"Machine: {report['machine']}. Commit {report['commit']}; `python experiments/benchmark_review_page.py "
        f"--runs {report['runs']}`. Medians of {report['runs']} runs; each CLI run a fresh process (start-up and "
        "model loading included); peak RSS from GNU time. Load average (1, 5, 15 min) before: "
        f"{report['load_before']}, after: {report['load_after']}.",
        "",
        *([f"**Note:** {report['note']}", ""] if report.get("note") else []),
        f"## The {n1} valid abstracts of bc8_new_900.pubtator ({report['relations']:,} predicted relations)",
        "",
        "| command | wall s | peak RSS MB | output MB | all runs s |",
        "|---|---|---|---|---|",
    ]
    for result in report["predict"].values():
        lines.append(
            f"| `{result['command']}` | {result['seconds']} | {result['peak_rss_mb']} | {result['size_mb']} | "
            f"{result['runs']} |"
        )
    lines += [
        "",
        f"## Writing only: convert the predictions, {n1:,} and {n10:,} abstracts (no model)",
        "",
        "| abstracts | output | wall s | peak RSS MB | output MB | all runs s |",
        "|---|---|---|---|---|---|",
    ]
    for key, result in report["convert"].items():
        size, fmt = key.split()
        lines.append(
            f"| {n1 if size == '1x' else n10:,} | {fmt} | {result['seconds']} | {result['peak_rss_mb']} | "
            f"{result['size_mb']} | {result['runs']} |"
        )
    lines += [
        "",
        f"## The writers alone, in one process ({n1} documents in memory)",
        "",
        "| writer | seconds | documents/s | all runs s |",
        "|---|---|---|---|",
    ]
    for name, result in report["writer"].items():
        lines.append(f"| {name} | {result['seconds']} | {result['documents_per_second']:,} | {result['runs']} |")
    browser = report["browser"]
    lines += ["", "## Opening the page in headless Chromium", ""]
    if browser is None:
        lines.append("Skipped: Playwright or Chromium missing.")
    else:
        lines += [
            f"Chromium {browser['chromium']}, 1400x900 viewport: seconds from navigation until the documents near the "
            "view are rendered, and the JavaScript heap then.",
            "",
            "| page | seconds | JS heap MB | all runs s |",
            "|---|---|---|---|",
        ]
        for name, result in browser["pages"].items():
            lines.append(f"| {name} | {result['seconds']} | {result['js_heap_mb']} | {result['runs']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
