"""Time and memory of predicting one crowded document: many mentions of one pair, or thousands of entities.

Cases (issue #22, item 4):

- ``pair_sentence``: 20,000 mentions of one Chemical-Disease pair, alternating in one long sentence;
- ``pair_apart``: the same 20,000 mentions, the chemical in the first 10,000 sentences, the disease in
  the next (the pair shares no sentence, so its closest mentions are sought over the whole document);
- ``entities``: 3,000 distinct entities of four types mentioned twice each
  (``hostile_document.hostile_document``; about 4.2 million candidate pairs, the default cap keeps 10,000).

Each case is predicted by the bundled model with the default pair cap (``RelationModel.predict``) in a
fresh process: ``--runs`` timed runs (the median is reported) with peak RSS from ``getrusage``, and one
separate run under ``tracemalloc`` for the peak of Python-visible allocations. ``--before DIR`` runs the
same cases with another checkout's relclf (``PYTHONPATH=DIR``), in alternation, under a ``--memory-limit``
on the address space so that a quadratic version cannot take the machine down.

Usage (from the project root):
    python experiments/crowded_documents.py [--runs 3] [--before DIR] [--memory-limit 12]
Writes experiments/results/crowded_documents.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import provenance, write_results  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "pair_sentence": "20,000 mentions of one pair, alternating in one sentence",
    "pair_apart": "20,000 mentions of one pair, each entity in sentences of its own",
    "entities": "3,000 distinct entities, two mentions each (about 4.2 M pairs, 10,000 kept)",
}


def pair_document(layout: str, n: int = 20_000) -> str:
    """A PubTator document of ``n`` mentions of one chemical and one disease, laid out as ``layout``."""
    title = "Lithium and mania in a crowded document."
    words: list[str] = []
    mentions: list[tuple[int, int, str, str, str]] = []
    position = len(title) + 1  # the abstract's offsets follow the title and one space

    def add(text: str, kind: str = "", identifier: str = "") -> None:
        nonlocal position
        if kind:
            mentions.append((position, position + len(text), text, kind, identifier))
        words.append(text)
        position += len(text) + 1

    half = n // 2
    for _ in range(half):
        if layout == "pair_sentence":
            add("lithium", "Chemical", "D008094"), add("and"), add("mania", "Disease", "D001714"), add("with")
        else:
            add("Lithium", "Chemical", "D008094"), add("was"), add("given.")
    if layout == "pair_apart":
        for _ in range(half):
            add("Then"), add("mania", "Disease", "D001714"), add("followed.")
    abstract = " ".join(words) + " end."
    lines = [f"990000001|t|{title}", f"990000001|a|{abstract}"]
    lines += [f"990000001\t{s}\t{e}\t{t}\t{k}\t{i}" for s, e, t, k, i in mentions]
    return "\n".join(lines) + "\n\n"


def document_text(case: str) -> str:
    """The PubTator text of a case."""
    if case == "entities":
        from hostile_document import hostile_document  # experiments/hostile_document.py

        return hostile_document(3000)
    return pair_document(case)


def measure(case: str, trace: bool) -> dict:
    """Predict the case's document once in this process; its time, peak RSS and (with ``trace``) tracemalloc peak."""
    import io
    import logging
    import tracemalloc

    from relclf.api import DEFAULT_MAX_PAIRS_PER_DOC
    from relclf.io.formats import read_documents
    from relclf.persistence import resolve_model

    logging.disable(logging.WARNING)  # the pair-cap warning is expected
    model = resolve_model(None).with_pair_cap(DEFAULT_MAX_PAIRS_PER_DOC)
    document = list(read_documents(io.BytesIO(document_text(case).encode()), "pubtator"))[0]
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    relations = model.predict([document])[0]
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tracemalloc_mb": tracemalloc.get_traced_memory()[1] / 2**20 if trace else None,
        "mentions": len(document.mentions),
        "relations": len(relations),
    }


def run(case: str, trace: bool, checkout: Path | None, memory_limit: float, timeout: float) -> dict:
    """One measurement in a fresh process (``checkout``'s relclf when given); a failure is recorded, not raised."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (checkout or ROOT, ROOT / "experiments"))
    limit = int(memory_limit * 2**30)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = [sys.executable, __file__, "--measure", case] + (["--trace"] if trace else [])
    try:
        done = subprocess.run(
            command, env=env, cwd=checkout or ROOT, capture_output=True, text=True, timeout=timeout, preexec_fn=cap
        )
    except subprocess.TimeoutExpired:
        return {"failed": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        return {"failed": (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1][:200]}
    return json.loads(done.stdout)


def measure_all(args: argparse.Namespace) -> dict:
    """Every case for every version, the timed runs of the versions alternating."""
    versions = {"after": None} if args.before is None else {"before": Path(args.before).resolve(), "after": None}
    found: dict = {}
    for case in CASES:
        for name, checkout in versions.items():
            found.setdefault(case, {})[name] = {
                "timed": [],
                "traced": run(case, True, checkout, args.memory_limit, args.timeout),
            }
        for _ in range(args.runs):
            for name, checkout in versions.items():
                found[case][name]["timed"].append(run(case, False, checkout, args.memory_limit, args.timeout))
        print(case, json.dumps(found[case]), flush=True)
    return found


def summary(entry: dict) -> str:
    """``time, tracemalloc peak, peak RSS`` of one version of one case (medians of the timed runs)."""
    timed = [r for r in entry["timed"] if "failed" not in r]
    if not timed:
        return f"failed: {entry['timed'][0]['failed']}" if entry["timed"] else "-"
    traced = entry["traced"]
    peak = f"{traced['tracemalloc_mb']:,.0f} MB" if "failed" not in traced else f"failed ({traced['failed']})"
    seconds = statistics.median(r["seconds"] for r in timed)
    rss = statistics.median(r["rss_mb"] for r in timed)
    return f"{seconds:.2f} s, {peak}, {rss:,.0f} MB"


def to_markdown(found: dict, record: dict, runs: int, load: tuple[float, float]) -> str:
    """The table: per case and version, median time, tracemalloc peak and median peak RSS."""
    versions = list(next(iter(found.values())))
    header = "| document | " + " | ".join(f"{v}: time, tracemalloc peak, peak RSS" for v in versions) + " |"
    rows = [f"| {CASES[case]} | " + " | ".join(summary(found[case][v]) for v in versions) + " |" for case in found]
    return (
        "# Crowded documents: one document's prediction time and memory\n\n"
        f"The bundled model, the default pair cap, one document per fresh process; time and peak RSS are medians of "
        f"{runs} runs (peak RSS of the whole process, about 115 MB of which are the imports and the model), the "
        f"tracemalloc peak is from one separate run. Load average {load[0]:.2f} at the start, {load[1]:.2f} at the "
        "end (2 cores).\n\n" + header + "\n|---|" + "---|" * len(versions) + "\n" + "\n".join(rows) + "\n\n"
        f"Reproduce: `{record['command']}`\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per case and version (default 3)")
    parser.add_argument("--before", help="a checkout of the relclf to compare with")
    parser.add_argument("--memory-limit", type=float, default=12, help="address-space limit per run, GB (default 12)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run (default 300)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one measurement in this process
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.trace)))
        return
    start = os.getloadavg()[0]
    found = measure_all(args)
    record = provenance()
    load = (start, os.getloadavg()[0])
    write_results("crowded_documents", found, to_markdown(found, record, args.runs, load), record)


if __name__ == "__main__":
    main()
