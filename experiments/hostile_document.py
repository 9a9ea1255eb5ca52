"""Time and peak memory of `relclf predict` on one hostile document: 1,000 distinct entities.

The document has 1,000 normalized entities of four types (Chemical, Disease, Gene, Variant), each
mentioned twice, in 2,000 short sentences: about 470,000 candidate pairs under the bundled model's
type pairs. Each setting of --max-pairs-per-doc runs the real CLI in a fresh process; wall time is
measured around it and peak memory is the child's maximum resident set size (getrusage). Runs
without a cap are limited to --timeout seconds and --memory-limit GB of address space, so that the
measurement itself cannot take the machine down. Writes experiments/results/hostile_document.{json,md}.

With --documents N the input holds N such documents (distinct PMIDs), which checks that memory stays
bounded across documents too (batches are cut by candidate pairs); results then go to
hostile_document_Ndocs.{json,md}.

Usage (from the project root):
    python experiments/hostile_document.py [--runs 3] [--timeout 300] [--memory-limit 8]
    python experiments/hostile_document.py --documents 10 --caps 10000 --runs 1
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
TYPES = ("Chemical", "Disease", "Gene", "Variant")


def hostile_document(n_entities: int = 1000, pmid: str = "999000001") -> str:
    """One PubTator document naming ``n_entities`` distinct entities twice each."""
    title = f"A document naming {n_entities} entities."
    names = [(f"entity{k}x", TYPES[k % len(TYPES)], f"ID:{k}") for k in range(n_entities)]
    sentences = [f"We measured {name} in sample {k}." for k, (name, _, _) in enumerate(names)]
    sentences += [f"Then {name} rose again." for name, _, _ in names]
    abstract = " ".join(sentences)
    offset = len(title) + 1
    lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
    mentions = []
    position = 0
    for sentence in sentences:
        name = sentence.split()[2] if sentence.startswith("We") else sentence.split()[1]
        k = int(name[len("entity") : -1])
        start = abstract.index(name, position)
        mentions.append((start, k))
        position = start + len(name)
    for start, k in mentions:
        name, etype, identifier = names[k]
        lines.append(f"{pmid}\t{offset + start}\t{offset + start + len(name)}\t{name}\t{etype}\t{identifier}")
    return "\n".join(lines) + "\n\n"


def _limits(memory_gb: float) -> Callable[[], None]:
    def apply() -> None:
        limit = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run(document: Path, cap: int, timeout: float, memory_gb: float) -> dict:
    """Run the CLI once; return seconds, peak RSS in MB, exit status and the cap warning (if any)."""
    out = document.with_suffix(f".cap{cap}.pubtator")
    cmd = [
        sys.executable,
        "-m",
        "relclf",
        "predict",
        str(document),
        "-o",
        str(out),
        "--max-pairs-per-doc",
        str(cap) if cap else "none",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_limits(memory_gb)
    )
    status = "ok"
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        status = f"killed after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # this process runs one child
    if status == "ok" and proc.returncode != 0:
        status = f"exit {proc.returncode}: {stderr.decode(errors='replace').strip().splitlines()[-1][:120]}"
    lines = out.read_text().count("\n") if out.exists() else 0
    warning = next((line for line in stderr.decode(errors="replace").splitlines() if "candidate pairs" in line), "")
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "status": status,
        "output_lines": lines,
        "warning": warning,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per capped setting (the uncapped one runs once)")
    parser.add_argument(
        "--caps", default="10000,50000,0", help="comma-separated caps; 0 = no cap (--max-pairs-per-doc none)"
    )
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--memory-limit", type=float, default=8, help="GB of address space per run")
    parser.add_argument("--documents", type=int, default=1, help="hostile documents in the input file")
    args = parser.parse_args()
    stem = "hostile_document" if args.documents == 1 else f"hostile_document_{args.documents}docs"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "hostile.pubtator"
        document.write_text("".join(hostile_document(pmid=str(999000001 + i)) for i in range(args.documents)))
        for cap in (int(c) for c in args.caps.split(",")):
            runs = []
            for _ in range(args.runs if cap else 1):
                # a fresh measuring process per run, so that RUSAGE_CHILDREN is this run's peak
                probe = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--single",
                        str(document),
                        str(cap),
                        str(args.timeout),
                        str(args.memory_limit),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(probe.stdout))
            rows.append(
                {
                    "max_pairs_per_doc": cap or None,
                    "runs": len(runs),
                    "seconds_median": statistics.median(r["seconds"] for r in runs),
                    "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in runs),
                    "all": runs,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    what = f"{args.documents} document(s), each 1,000 entities (250 per type), 2,000 mentions"
    record = provenance()
    result = {"document": what, "rows": rows}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(stamp_json(result, record), indent=2) + "\n")
    lines = [
        f"# Hostile input: {what}",
        "",
        "`relclf predict DOC -o OUT --max-pairs-per-doc N` with the bundled model, "
        "fresh process per run (start-up and model loading included). Peak memory is the process's maximum resident "
        "set size.",
        f"Runs without a cap are limited to {args.timeout:.0f} s and {args.memory_limit:g} GB of address space. "
        "Times vary with the load on the 2-core VM; peak memory is stable.",
        "",
        "| --max-pairs-per-doc | runs | time (s, median) | peak memory (MB, median) | outcome |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        cap = f"{row['max_pairs_per_doc']:,}" if row["max_pairs_per_doc"] else "none (no cap)"
        lines.append(
            f"| {cap} | {row['runs']} | {row['seconds_median']:.1f} | {row['peak_rss_mb_median']:.0f} | "
            f"{row['all'][0]['status']} |"
        )
    warning = next((r["all"][0]["warning"] for r in rows if r["all"][0]["warning"]), "")
    if warning:
        lines += ["", f"Warning printed when capping: `{warning}`"]
    (RESULTS / f"{stem}.md").write_text(stamp_markdown("\n".join(lines) + "\n", record))
    print((RESULTS / f"{stem}.md").read_text())


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--single":
        _, _, doc, cap_arg, timeout_arg, memory_arg = sys.argv
        print(json.dumps(run(Path(doc), int(cap_arg), float(timeout_arg), float(memory_arg))))
    else:
        main()
