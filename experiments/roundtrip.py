"""Round-trip identity of real PubTator files through every format, with the real CLI.

For each file: ``relclf convert FILE -o X`` to BioC XML, BioC JSON and PubTator, then back to PubTator,
a chain PubTator -> XML -> JSON -> PubTator, and the same through gzip-compressed outputs (``X.gz``,
read back by content); the result is compared byte for byte with the original. bc8_new_900.pubtator
holds one malformed mention line, so it is converted with --skip-invalid (which drops that line, and
keeps its document) and compared with the original minus that line. JSON Lines and TSV hold relation
rows, not documents, so for them the check is one row per relation. Writes experiments/results/roundtrip.md.

Usage (from the project root):
    python experiments/roundtrip.py
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import provenance, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "experiments" / "results"
FILES = [
    (DATA / "unlabeled" / "bc8_new_900.pubtator", True),
    (DATA / "biored" / "Train.PubTator", False),
    (DATA / "biored" / "Dev.PubTator", False),
]


def relclf(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "relclf", *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"relclf {' '.join(args)} failed:\n{done.stderr}")
    return time.perf_counter() - start, done


def without_skipped(original: bytes, skipped: list[tuple[int, str]]) -> bytes:
    """The original file minus what --skip-invalid dropped: the lines skipped alone (``mention``,
    ``relation``), and the blank-line-separated blocks of skipped documents."""
    lines = [
        line
        for number, line in enumerate(original.splitlines(keepends=True), start=1)
        if (number, "mention") not in skipped and (number, "relation") not in skipped
    ]
    numbers = [
        n
        for n, _ in enumerate(original.splitlines(keepends=True), start=1)
        if (n, "mention") not in skipped and (n, "relation") not in skipped
    ]
    documents = [n for n, scope in skipped if scope == "document"]
    blocks, block, start = [], [], 1
    for number, line in zip(numbers, lines, strict=True):
        if not line.strip():
            if block:
                blocks.append((start, number - 1, block))
            block, start = [], number + 1
            continue
        block.append(line)
    if block:
        blocks.append((start, numbers[-1], block))
    kept = [b for s, e, b in blocks if not any(s <= n <= e for n in documents)]
    return b"".join(b"".join(b) + b"\n" for b in kept)


def differing_lines(a: bytes, b: bytes) -> int:
    x, y = a.splitlines(), b.splitlines()
    return sum(p != q for p, q in zip(x, y, strict=False)) + abs(len(x) - len(y))


def measure(path: Path, skip: bool, work: Path) -> list[dict]:
    original = path.read_bytes()
    skip_args = ["--skip-invalid"] if skip else []
    reference = original
    if skip:
        _, done = relclf("convert", str(path), "-o", str(work / "ref.pubtator"), *skip_args)
        warnings = [line for line in done.stderr.splitlines() if line.startswith("relclf: warning:")]
        skipped = [(int(line.split(":")[3]), line.rsplit("(", 1)[1].split()[0]) for line in warnings]
        reference = without_skipped(original, skipped)
    rows = []
    chains = {
        "PubTator -> PubTator": ["a.pubtator"],
        "PubTator -> BioC XML -> PubTator": ["a.xml"],
        "PubTator -> BioC JSON -> PubTator": ["a.json"],
        "PubTator -> BioC XML -> BioC JSON -> PubTator": ["b.xml", "b.json"],
        "PubTator -> gzipped PubTator -> PubTator": ["c.pubtator.gz"],
        "PubTator -> gzipped BioC XML -> PubTator": ["c.xml.gz"],
        "PubTator -> gzipped BioC JSON -> gzipped PubTator -> PubTator": ["c.json.gz", "d.gz"],
    }
    for chain, steps in chains.items():
        current, seconds = path, 0.0
        for step in steps:
            took, _ = relclf("convert", str(current), "-o", str(work / step), *(skip_args if current == path else []))
            seconds += took
            current = work / step
        took, _ = relclf("convert", str(current), "-o", str(work / "back.pubtator"))
        seconds += took
        back = (work / "back.pubtator").read_bytes()
        rows.append(
            {
                "file": path.name,
                "chain": chain,
                "documents": back.count(b"|t|"),
                "identical": back == reference,
                "differing_lines": differing_lines(back, reference),
                "bytes": len(reference),
                "intermediate_bytes": (work / steps[-1]).stat().st_size,
                "seconds": round(seconds, 1),
            }
        )
    relations = sum(
        1
        for line in reference.decode("utf-8").splitlines()
        if line.count("\t") in (3, 4) and not line.split("\t")[1].isdigit()
    )
    for name in ("rows.jsonl", "rows.tsv"):
        took, _ = relclf("convert", str(path), "-o", str(work / name), *skip_args)
        text = (work / name).read_text(encoding="utf-8")
        count = (
            len(text.splitlines())
            if name.endswith("jsonl")
            else len(list(csv.DictReader(text.splitlines(), delimiter="\t")))
        )
        if name.endswith("jsonl"):
            assert all(json.loads(line)["label"] for line in text.splitlines())
        rows.append(
            {
                "file": path.name,
                "chain": f"PubTator -> {'JSON Lines' if name.endswith('jsonl') else 'TSV'} (relation rows)",
                "documents": None,
                "identical": count == relations,
                "differing_lines": abs(count - relations),
                "bytes": relations,
                "intermediate_bytes": (work / name).stat().st_size,
                "seconds": round(took, 1),
            }
        )
    return rows


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, skip in FILES:
            if not path.exists():
                raise SystemExit(f"missing {path}")
            results += measure(path, skip, Path(tmp))
    lines = [
        "# Round trips through every format",
        "",
        "Real `relclf convert` runs; each chain ends with `relclf convert X -o back.pubtator`",
        "and compares bytes with the original. bc8_new_900.pubtator is converted with `--skip-invalid` and compared "
        "with",
        "the original minus its one malformed mention line (line 14937; its document is kept). gzipped outputs are "
        "named `X.gz`",
        "and read back by their content. For JSON Lines / TSV, which hold",
        'relation rows rather than documents, "identical" means one row per relation line (the size column then '
        "counts relations).",
        "Seconds: one run, all steps of the chain, process start-up included (not a benchmark);",
        f"load average at the end of the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.",
        "",
        "| file | chain | documents | identical | differing lines | original bytes / relations | output bytes | "
        "seconds |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        docs = "" if r["documents"] is None else f"{r['documents']:,}"
        lines.append(
            f"| {r['file']} | {r['chain']} | {docs} | {'yes' if r['identical'] else 'NO'} | {r['differing_lines']} | "
            f"{r['bytes']:,} | {r['intermediate_bytes']:,} | {r['seconds']} |"
        )
    RESULTS.mkdir(exist_ok=True)
    text = stamp_markdown("\n".join(lines) + "\n", provenance())
    (RESULTS / "roundtrip.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
