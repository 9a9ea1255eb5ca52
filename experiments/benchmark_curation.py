"""Curation benchmark: the review page's actions on an 899-abstract page in Chromium, and ``relclf select``
against ``relclf predict`` on 8,990 abstracts.

- ``actions``: the 899 valid abstracts of ../shared/data/unlabeled/bc8_new_900.pubtator predicted with the
  bundled model into a page (``relclf predict ... -o page.html``), opened in headless Chromium (Playwright,
  the system's Chromium). Each action is dispatched in the page (a click, a key) and timed there with
  ``performance.now()``: the script's own work, and until the next frame is drawn (layout and paint
  included). Issue 23's target: every action under 100 ms.
- ``select``: 10 copies of the 899 abstracts under new document IDs (8,990 abstracts, made in a temporary
  directory, never committed); ``relclf select POOL -n 50 -o next.pubtator`` against ``relclf predict POOL -o
  out.pubtator``, each a fresh process (start-up and model loading included). Target: select within twice
  the time of predict.

Every figure is the median of --runs runs; the load average (``/proc/loadavg``) is recorded before and
after, since other jobs on the machine slow every figure down. Writes
experiments/results/curation_benchmark.{json,md}.

Usage (from the project root; a few minutes on 2 quiet cores):
    python experiments/benchmark_curation.py --runs 3
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark_review_page import CHROMIUM, CHROMIUM_ARGS, UNLABELED, load_average  # experiments/
from machine import describe_machine, provenance, stamp_json, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relclf.io.pubtator import format_document, read_pubtator  # noqa: E402

RESULTS = ROOT / "experiments" / "results"

# name -> (what it does, JavaScript run in the page before each timing, JavaScript that does the action)
ACTIONS = {
    "select the next relation (j)": ("", "key('j')"),
    "accept and go to the next (a)": ("", "key('a')"),
    "correct the label (l)": ("", "key('l')"),
    "correct the novelty (v)": ("", "key('v')"),
    "reject and go to the next (r)": ("", "key('r')"),
    "undo (u)": ("key('a')", "key('u')"),
    "accept with the 'to do' filter on (a)": (
        'document.querySelector("input[name=status][value=undecided]").click()',
        "key('a')",
    ),
    "add a relation (form filled, Add)": (
        "key('+'); const form = document.querySelector('article.doc details.add[open]');"
        "const rows = form.closest('article').querySelectorAll('tr.rel');"
        "const related = new Set([...rows].map((r) => [...r.querySelectorAll('.eid')].map((e) => e.textContent)"
        ".sort().join('\\t')));"
        "const ids = [...form.querySelector('.add-e1').options].slice(1).map((o) => o.textContent.replace(/^.*, /, '')"
        ".slice(0, -1));"
        "let pick = null;"
        "for (let i = 0; i < ids.length && !pick; i += 1) for (let j = i + 1; j < ids.length && !pick; j += 1)"
        " if (!related.has([ids[i], ids[j]].sort().join('\\t'))) pick = [i, j];"
        "for (const [name, n] of [['.add-e1', pick[0]], ['.add-e2', pick[1]]]) {"
        " const s = form.querySelector(name); s.value = String(n);"
        " s.dispatchEvent(new Event('change', {bubbles: true})); }",
        "document.querySelector('article.doc details.add[open] .add-go').click()",
    ),
    "open the add form (+)": ("key('Escape')", "key('+')"),
}
SETUP = "window.key = (k) => document.dispatchEvent(new KeyboardEvent('keydown', {key: k, bubbles: true}))"


def timed(prepare: str, act: str) -> str:
    """A function for page.evaluate: run ``prepare``, wait for a frame, then time ``act`` (JavaScript texts, put
    into the function's source: the page's Content-Security-Policy forbids eval)."""
    frame = "await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));"
    return (
        f"async () => {{ {prepare}; {frame} const start = performance.now(); {act}; "
        f"const script = performance.now() - start; {frame} return [script, performance.now() - start]; }}"
    )


def measure_actions(page_path: Path, runs: int) -> dict:
    """Median milliseconds of each of :data:`ACTIONS` on the page, script only and until the next frame."""
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (prepare, act) in ACTIONS.items():
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(page_path.as_uri(), timeout=300_000)
            page.wait_for_selector("body[data-ready='true']", timeout=300_000)
            page.evaluate(SETUP)
            page.evaluate("key('j')")  # a relation selected, as during a review
            timings = [page.evaluate(timed(prepare, act)) for _ in range(runs)]
            results[name] = {
                "script_ms": round(statistics.median(t[0] for t in timings), 1),
                "frame_ms": round(statistics.median(t[1] for t in timings), 1),
                "runs_ms": [[round(a, 1), round(b, 1)] for a, b in timings],
            }
            context.close()
        version = browser.version
        browser.close()
    return {"chromium": version, "actions": results}


def run_cli(args: list[str]) -> float:
    """Wall seconds of ``relclf ARGS`` in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "relclf", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"relclf {' '.join(args)} failed: {done.stderr}")
    return time.perf_counter() - start


def replicate(source: Path, copies: int, target: Path) -> int:
    """``copies`` copies of ``source``'s valid documents under new IDs; return how many."""
    documents = list(read_pubtator(source, on_error=lambda error: None))
    with target.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for document in documents:
                handle.write(format_document(dataclasses.replace(document, pmid=f"{copy}{document.pmid}")))
    return copies * len(documents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--note", default="", help="a remark printed with the results (e.g. whether the machine was quiet)"
    )
    args = parser.parse_args()
    if not UNLABELED.exists():
        sys.exit(f"needs {UNLABELED} (not part of the repository)")
    report: dict = {"machine": describe_machine(), "runs": args.runs, "note": args.note, "load_before": load_average()}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        page = tmp / "bc8.html"
        run_cli(["predict", str(UNLABELED), "--skip-invalid", "-o", str(page)])
        report["page"] = measure_actions(page, args.runs)
        pool = tmp / "pool.pubtator"
        report["abstracts"] = replicate(UNLABELED, 10, pool)
        timings: dict[str, list[float]] = {"predict": [], "select": []}
        for _ in range(args.runs):  # interleaved, so that a change of load touches both
            timings["predict"].append(run_cli(["predict", str(pool), "-o", str(tmp / "out.pubtator")]))
            timings["select"].append(run_cli(["select", str(pool), "-n", "50", "-o", str(tmp / "next.pubtator")]))
        report["select"] = {
            name: {"seconds": round(statistics.median(v), 2), "runs": [round(x, 2) for x in v]}
            for name, v in timings.items()
        }
        report["select"]["ratio"] = round(
            report["select"]["select"]["seconds"] / report["select"]["predict"]["seconds"], 2
        )
    report["load_after"] = load_average()
    record = provenance()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "curation_benchmark.json").write_text(json.dumps(stamp_json(report, record), indent=2) + "\n")
    (RESULTS / "curation_benchmark.md").write_text(stamp_markdown(markdown(report), record))
    print(markdown(report))


def markdown(report: dict) -> str:
    """The result tables of ``report`` as Markdown."""
    page, select = report["page"], report["select"]
    lines = [
        "# Curation benchmark",
        "",
        f"Machine: {report['machine']}. Medians of {report['runs']} runs. Load average (1, 5, 15 min) before: "
        f"{report['load_before']}, after: {report['load_after']}.",
        "",
        *([f"**Note:** {report['note']}", ""] if report.get("note") else []),
        "## Page actions on the 899-abstract page (bc8_new_900.pubtator predicted)",
        "",
        f"Chromium {page['chromium']}, 1400x900. Milliseconds from the event to the end of the page's script, and "
        "to the next frame drawn (layout and paint included). Target: under 100 ms.",
        "",
        "| action | script ms | until the next frame ms |",
        "|---|---|---|",
    ]
    for name, result in page["actions"].items():
        lines.append(f"| {name} | {result['script_ms']} | {result['frame_ms']} |")
    lines += [
        "",
        f"## select against predict on {report['abstracts']:,} abstracts",
        "",
        "| command | seconds | all runs |",
        "|---|---|---|",
        f"| `relclf predict POOL -o out.pubtator` | {select['predict']['seconds']} | {select['predict']['runs']} |",
        f"| `relclf select POOL -n 50 -o next.pubtator` | {select['select']['seconds']} | {select['select']['runs']} |",
        "",
        f"select takes {select['ratio']} times the time of predict (target: at most 2).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
