"""Speed and scale benchmark: prediction throughput against parsing, memory, start-up, training, stage costs.

What issue #12 asks to measure, every figure the median of --runs runs of the real CLI in a fresh
process (start-up and model loading included), and every ratio taken within the same run:

- prediction on 8,990 (and 899, 89,900) abstracts replicated from the 899 valid documents of
  ../shared/data/unlabeled/bc8_new_900.pubtator under new IDs, with ``--n-jobs 1`` and ``2``, against
  ``relclf convert`` of the same file (read + write PubTator: the parse reference), for each input format
  of ``--formats``: the PubTator file and the same documents as gzipped BioC XML and BioC JSON (issue
  #22); peak RSS from GNU time (the largest resident set among the run's processes);
- a directory of gzipped PubTator3-layout shards (experiments/pubtator3_shards.py) predicted with
  ``--output-dir`` and ``--n-jobs 2`` against the same on a 2-worker dask LocalCluster, with the rate
  per core and the time it projects for 36 M abstracts on 32 cores;
- a long synthetic full text (experiments/pubtator3_shards.py ``long_full_text``: 50,000 characters, 40
  passages, 3,000 mentions of 200 entities) predicted in this process with the default choice of
  passages and with all of them (seconds, peak Python allocation), and by ``relclf predict`` as BioC XML;
- start-up: ``relclf predict`` on one abstract against ``python -c "import numpy, scipy.sparse"``;
- training on BioRED Train+Dev (``relclf train``, serial and with ``--n-jobs 2``);
- the cost of each stage (parse, featurize (of which candidates), classify, write), in one process.

``--before DIR`` runs the same CLI rows with the relclf of another checkout (``PYTHONPATH=DIR``, e.g. a
worktree of the commit before the integer featurizer), and its stage costs with that checkout's own
``experiments/benchmark_scale.py``, so that before and after come from the same machine and session.
Inputs live in a temporary directory (never committed). Writes experiments/results/scale_benchmark.{json,md}
(``--output``: another name).

Usage (from the project root, with the corpora at ../shared/data):
    python experiments/benchmark_scale.py --runs 3 --sizes 1,10,100 --before ../wt-before
    python experiments/benchmark_scale.py --runs 1 --sizes 1 --shard-copies 1  # a quick check
    python experiments/benchmark_scale.py --runs 1 --stage-copies 1 --shard-copies 0 --skip predict,startup,training
        # the full text (and the stage costs on 899 abstracts) only
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
import tracemalloc
from pathlib import Path

from machine import provenance, write_results  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the stage costs are measured in process: on this checkout's relclf

from relclf import api, load_model  # noqa: E402
from relclf.document import document_entities  # noqa: E402
from relclf.extract.candidates import candidate_indices  # noqa: E402
from relclf.extract.model import RelationModel  # noqa: E402
from relclf.extract.passages import ALL_PASSAGES, read_pieces  # noqa: E402
from relclf.io.bioc_xml import write_bioc_xml  # noqa: E402
from relclf.io.pubtator import format_document, read_pubtator, write_pubtator  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
UNLABELED = DATA / "unlabeled" / "bc8_new_900.pubtator"
BIORED = DATA / "biored"
EXAMPLE = ROOT / "examples" / "36727001.pubtator"
TIME = "/usr/bin/time"  # GNU time (Debian package "time"), for the peak RSS of each run


def run(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> tuple[float, float]:
    """Run ``command`` in ``cwd``, in a fresh process under GNU time; return (wall seconds, peak RSS in MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%M", "-o", rss.name, *command],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
        return seconds, int(rss.read().split()[-1]) / 1024


class Version:
    """The relclf whose CLI a row runs: this checkout (``after``) or another (``before``)."""

    def __init__(self, name: str, checkout: Path | None) -> None:
        self.name, self.checkout = name, checkout
        # the other checkout's default model through $RELCLF_MODEL: the installed relclf.models
        # package is this checkout's
        self.env = (
            None
            if checkout is None
            else {**os.environ, "PYTHONPATH": str(checkout), "RELCLF_MODEL": str(_bundled(checkout))}
        )

    def relclf(self, *args: str) -> tuple[float, float]:
        # ``python -m`` puts the working directory first on sys.path, before PYTHONPATH: run the
        # other checkout's relclf from that checkout
        return run([sys.executable, "-m", "relclf", *args], self.env, cwd=self.checkout or ROOT)


def _bundled(checkout: Path) -> Path:
    """The bundled model file of a checkout (``models/relclf-biored.*``, whatever its format)."""
    return next(p for p in sorted((checkout / "models").glob("relclf-biored.*")) if p.suffix in (".npz", ".joblib"))


def replicate(copies: int, target: Path) -> int:
    """Write ``copies`` copies of the valid bc8 documents with new IDs to ``target``; return the count.

    Valid: without any invalid line (the reader would keep a document without its one bad mention line;
    the issue's 899 leave that document out).
    """
    errors: list = []
    documents = list(read_pubtator(UNLABELED, on_error=errors.append))
    ends = [d.line for d in documents[1:]] + [float("inf")]
    documents = [d for d, end in zip(documents, ends, strict=True) if not any(d.line <= e.line < end for e in errors)]
    with target.open("w", encoding="utf-8") as handle:
        for copy in range(copies):
            for document in documents:
                handle.write(format_document(dataclasses.replace(document, pmid=f"{copy}-{document.pmid}")))
    return copies * len(documents)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


#: the input formats of the prediction rows: the PubTator file and gzipped BioC (converted from it)
FORMATS = {"pubtator": ".pubtator", "bioc-xml": ".xml.gz", "bioc-json": ".json.gz"}


def inputs_in_formats(source: Path, formats: list[str]) -> dict[str, Path]:
    """``source`` (PubTator) and, for each other format of ``formats``, the same documents in that format."""
    paths = {}
    for format in formats:
        target = source if format == "pubtator" else source.with_suffix(FORMATS[format])
        if target != source:
            api.convert(source, target)
        paths[format] = target
    return paths


def bench_predict(versions: list[Version], sizes: list[int], runs: int, tmp: Path, formats: list[str]) -> list[dict]:
    """Per input size, format and version: convert (to PubTator, --n-jobs 1 and 2), predict --n-jobs 1 and 2
    (PubTator output), runs interleaved (one of each, then again). Versions other than ``after`` run on PubTator
    input only, and convert serially only (``convert --n-jobs`` came with issue #22)."""
    rows = []
    for copies in sizes:
        source = tmp / f"bc8_x{copies}.pubtator"
        n_docs = replicate(copies, source)
        paths = inputs_in_formats(source, formats)
        commands: dict[tuple[str, str], list[str]] = {}
        for format, path in paths.items():
            commands[(format, "convert")] = ["convert", str(path), "-o", str(tmp / "out.pubtator")]
            # parsing in worker processes too (issue #22): the BioC readers' rate with a second core
            commands[(format, "convert --n-jobs 2")] = [*commands[(format, "convert")], "--n-jobs", "2"]
            for j in (1, 2):
                commands[(format, f"predict --n-jobs {j}")] = [
                    "predict",
                    str(path),
                    "-o",
                    str(tmp / "out.pubtator"),
                    "--n-jobs",
                    str(j),
                ]
        measured: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        for _ in range(runs):
            for version in versions:
                for (format, name), args in commands.items():
                    if version.name == "after" or (format == "pubtator" and name != "convert --n-jobs 2"):
                        measured.setdefault((version.name, format, name), []).append(version.relclf(*args))
        for (version, format, name), values in measured.items():
            seconds = median([s for s, _ in values])
            rows.append(
                {
                    "version": version,
                    "format": format,
                    "command": name,
                    "abstracts": n_docs,
                    "seconds_median": seconds,
                    "seconds_all": [round(s, 2) for s, _ in values],
                    "abstracts_per_second": round(n_docs / seconds),
                    "peak_rss_mb_median": round(median([r for _, r in values]), 1),
                }
            )
            print(rows[-1], flush=True)
        for path in {source, *paths.values()}:
            path.unlink()
    return rows


def bench_shards(copies: int, shards: int, runs: int, tmp: Path) -> dict:
    """A directory of gzipped PubTator3-layout shards (``copies`` x 899 abstracts in ``shards`` files),
    predicted into --output-dir with --n-jobs 2 and on a 2-worker dask LocalCluster (one thread each) on
    this machine, runs interleaved; the per-core rate and what it projects for 36 M abstracts on 32 cores."""
    from dask.distributed import LocalCluster  # the dask extra

    from pubtator3_shards import valid_documents, write_shards  # experiments/pubtator3_shards.py

    directory = tmp / "shards"
    paths = write_shards(directory, valid_documents(), copies=copies, shards=shards, mesh_prefix=True)
    n_docs = copies * len(valid_documents())
    after = Version("after", None)
    measured: dict[str, list[tuple[float, float]]] = {"--n-jobs 2": [], "dask LocalCluster, 2 workers": []}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        for _ in range(runs):
            measured["--n-jobs 2"].append(
                after.relclf(
                    "predict",
                    str(directory),
                    "--output-dir",
                    str(tmp / "o1"),
                    "--output-format",
                    "jsonl",
                    "--n-jobs",
                    "2",
                )
            )
            measured["dask LocalCluster, 2 workers"].append(
                after.relclf(
                    "predict",
                    str(directory),
                    "--output-dir",
                    str(tmp / "o2"),
                    "--output-format",
                    "jsonl",
                    "--scheduler",
                    cluster.scheduler_address,
                )
            )
    same = all(
        (tmp / "o1" / p.name.replace(".xml.gz", ".jsonl.gz")).read_bytes()
        == (tmp / "o2" / p.name.replace(".xml.gz", ".jsonl.gz")).read_bytes()
        for p in paths
    )
    result: dict = {"abstracts": n_docs, "shards": shards, "identical_outputs": same, "runs": {}}
    for name, values in measured.items():
        seconds = median([s for s, _ in values])
        per_core = n_docs / seconds / 2
        result["runs"][name] = {
            "seconds_median": seconds,
            "seconds_all": [round(s, 2) for s, _ in values],
            "client_peak_rss_mb_median": round(median([r for _, r in values]), 1),
            "abstracts_per_second": round(n_docs / seconds),
            "abstracts_per_second_per_core": round(per_core),
            "projected_hours_36M_on_32_cores": round(36e6 / (per_core * 32) / 3600, 2),
        }
    print(result, flush=True)
    for path in paths:
        path.unlink()
    return result


def bench_full_text(runs: int, tmp: Path) -> dict:
    """The long synthetic full text (``long_full_text``) with the bundled model: in this process, for the
    default choice of passages and for all of them, the median seconds of ``runs`` predictions, the peak
    Python allocation of one (tracemalloc, in a run of its own: tracing slows the code), the sections read
    and the relations; then ``relclf predict`` of the text as BioC XML to JSON Lines in a fresh process
    (start-up and model loading included), wall seconds and peak RSS."""
    from pubtator3_shards import long_full_text  # experiments/pubtator3_shards.py

    document = long_full_text()
    model = load_model(api.default_model_path()).model
    model.predict([document])  # what loads once (caches, lazy imports) is not the document's cost
    result: dict = {
        "characters": len(document.text),
        "passages": len(document.passages),
        "mentions": len(document.mentions),
        "entities": len({m.identifier for m in document.mentions}),
        "in_process": {},
    }
    for name, choice in (("default", None), ("all", ALL_PASSAGES)):
        reading = model.with_passages(choice)
        seconds = []
        for _ in range(runs):
            clock = time.perf_counter()
            (relations,) = reading.predict([document])
            seconds.append(time.perf_counter() - clock)
        tracemalloc.start()
        reading.predict([document])
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        result["in_process"][name] = {
            "seconds_median": median(seconds),
            "seconds_all": [round(s, 3) for s in seconds],
            "peak_traced_mb": round(peak / 2**20, 1),
            "sections_read": len(read_pieces(document, choice)),
            "relations": len(relations),
        }
    source = tmp / "full_text.xml"
    with source.open("wb") as handle:
        write_bioc_xml([document], handle)
    measured = [
        Version("after", None).relclf("predict", str(source), "-o", str(tmp / "full_text.jsonl")) for _ in range(runs)
    ]
    result["cli"] = {
        "seconds_median": median([s for s, _ in measured]),
        "peak_rss_mb_median": round(median([r for _, r in measured]), 1),
        "seconds_all": [round(s, 2) for s, _ in measured],
    }
    print(result, flush=True)
    return result


def bench_startup(versions: list[Version], runs: int) -> list[dict]:
    """``relclf predict`` on one abstract against importing numpy and scipy.sparse, runs interleaved."""
    reference = [sys.executable, "-c", "import numpy, scipy.sparse"]
    measured: dict[str, list[float]] = {}
    for _ in range(runs):
        measured.setdefault("import numpy, scipy.sparse", []).append(run(reference)[0])
        for version in versions:
            measured.setdefault(version.name, []).append(version.relclf("predict", str(EXAMPLE))[0])
    base = median(measured.pop("import numpy, scipy.sparse"))
    rows = [
        {
            "version": v,
            "predict_one_seconds": median(s),
            "import_numpy_scipy_seconds": base,
            "ratio": round(median(s) / base, 2),
        }
        for v, s in measured.items()
    ]
    for row in rows:
        print(row, flush=True)
    return rows


def bench_training(versions: list[Version], runs: int, tmp: Path) -> list[dict]:
    """``relclf train`` on BioRED Train+Dev, serially and with --n-jobs 2."""
    rows = []
    for version in versions:
        for n_jobs in (1, 2):
            model = tmp / ("model.joblib" if version.name == "before" else "model.npz")
            args = [
                "train",
                str(BIORED / "Train.PubTator"),
                str(BIORED / "Dev.PubTator"),
                "-o",
                str(model),
                "--n-jobs",
                str(n_jobs),
            ]
            measured = [version.relclf(*args) for _ in range(runs)]
            rows.append(
                {
                    "version": version.name,
                    "n_jobs": n_jobs,
                    "abstracts": 500,
                    "seconds_median": median([s for s, _ in measured]),
                    "seconds_all": [round(s, 2) for s, _ in measured],
                    "peak_rss_mb_median": round(median([r for _, r in measured]), 1),
                }
            )
            print(rows[-1], flush=True)
    return rows


def bench_stages(copies: int, runs: int, tmp: Path) -> dict:
    """Seconds per stage for ``copies`` x 899 abstracts with the bundled model (see :func:`stage_costs`)."""
    source = tmp / "stages.pubtator"
    n_docs = replicate(copies, source)
    result = {"abstracts": n_docs} | stage_costs(source, load_model(api.default_model_path()).model, runs)
    source.unlink()
    print(result, flush=True)
    return result


# The stages of stage_costs, timed one after the other (candidates are timed too, as a part of featurize).
STAGES = ("parse", "featurize", "classify", "write")


def stage_costs(source: Path, model: RelationModel, runs: int) -> dict[str, float]:
    """Median seconds per stage of predicting ``source`` with ``model`` in this process, batches of 256
    as in prediction: ``{STAGE_seconds}`` for the stages ``parse``, ``featurize``, ``classify`` and
    ``write`` (one after the other, so that ``stage_total_seconds`` is their sum), and
    ``candidates_seconds``.

    featurize: the whole featurizer, which groups mentions into entities and pairs them as its first
    step; candidates: that first step timed alone, on its own pass over the batch, and reported as a
    part of featurize, never subtracted from it (two timings of a few milliseconds each on a small
    input differ by noise, and their difference could come out negative). classify: the detector on
    every pair, the labelers on the kept ones.
    """
    totals: dict[str, list[float]] = {k: [] for k in (*STAGES, "candidates")}
    for _ in range(runs):
        spent = dict.fromkeys(totals, 0.0)
        clock = time.perf_counter()
        documents = list(read_pubtator(source))
        spent["parse"] = time.perf_counter() - clock
        with open(os.devnull, "w", encoding="utf-8") as sink:
            for lo in range(0, len(documents), 256):
                batch = documents[lo : lo + 256]
                clock = time.perf_counter()
                for document in batch:
                    candidate_indices(
                        document_entities(document, split_composites=model.split_composites),
                        model.type_pairs,
                        max_pairs=model.max_pairs_per_doc,
                    )
                spent["candidates"] += time.perf_counter() - clock
                clock = time.perf_counter()
                features = model.featurize(batch)
                spent["featurize"] += time.perf_counter() - clock
                clock = time.perf_counter()
                model.classify(features)
                spent["classify"] += time.perf_counter() - clock
                clock = time.perf_counter()
                write_pubtator(batch, sink)
                spent["write"] += time.perf_counter() - clock
        for key, value in spent.items():
            totals[key].append(value)
    result = {f"{k}_seconds": median(v) for k, v in totals.items()}
    result["stage_total_seconds"] = round(sum(result[f"{k}_seconds"] for k in STAGES), 2)
    return result


def bench_stages_before(checkout: Path, runs: int, copies: int) -> dict:
    """The stage costs of the ``before`` checkout, by its own benchmark script (same stages but a
    separate vectorize step; the script writes into that checkout's results, which are thrown away)."""
    script = checkout / "experiments" / "benchmark_scale.py"
    subprocess.run(
        [sys.executable, str(script), "--runs", str(runs), "--stage-copies", str(copies), "--skip", "predict,training"],
        cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout), "RELCLF_MODEL": str(_bundled(checkout))},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    old = json.loads((checkout / "experiments" / "results" / "scale_benchmark.json").read_text())["stages"]
    return {k: v for k, v in old.items() if k == "abstracts" or k.endswith("_seconds")}


def markdown(result: dict) -> str:
    """The result tables."""
    lines = [
        "# Speed and scale benchmark",
        "",
        "Medians of the runs in each row; every run a fresh CLI process (start-up and model loading included); rows "
        "of one table measured interleaved in one session. Peak RSS: the largest resident set among a run's "
        "processes. `--n-jobs 2`: this process and one worker. Each checkout's relclf is byte-compiled first "
        "(`python -m compileall`), as `pip install` does: with PYTHONDONTWRITEBYTECODE set, as on this machine, "
        "every run would otherwise compile relclf's sources again (about 0.1 s).",
        "",
        *([f"**Note:** {result['note']}", ""] if result.get("note") else []),
        "## Prediction against parsing (`relclf convert`: read + write PubTator), per input format",
        "",
        "Inputs: the PubTator file, and the same documents as gzipped BioC XML and BioC JSON (a collection, one "
        "document per line). Every run writes PubTator. *vs convert*: this command's speed over `relclf convert` "
        "of the same file; *time vs PubTator*: its time over the same command's on the PubTator file.",
        "",
        "| version | abstracts | input | command | wall s | abstracts/s | vs convert | time vs PubTator | peak RSS MB "
        "| all runs s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = result["predict"]
    speed = {(r["version"], r.get("format", "pubtator"), r["abstracts"], r["command"]): r for r in rows}
    for r in rows:
        format = r.get("format", "pubtator")
        share = (
            r["abstracts_per_second"] / speed[(r["version"], format, r["abstracts"], "convert")]["abstracts_per_second"]
        )
        base = speed.get((r["version"], "pubtator", r["abstracts"], r["command"]))
        ratio = f"{r['seconds_median'] / base['seconds_median']:.2f}" if base else ""
        lines.append(
            f"| {r['version']} | {r['abstracts']:,} | {format} | `relclf {r['command']}` | {r['seconds_median']} | "
            f"{r['abstracts_per_second']:,} | {share:.2f} | {ratio} | {r['peak_rss_mb_median']} | {r['seconds_all']} |"
        )
    if result.get("shards"):
        shards = result["shards"]
        lines += [
            "",
            f"## A directory of PubTator3-layout shards: {shards['abstracts']:,} abstracts in {shards['shards']} "
            "gzipped BioC XML files, predicted to JSON Lines with `--output-dir`",
            "",
            f"The two runs' outputs are {'identical' if shards['identical_outputs'] else 'DIFFERENT'}. Client "
            "peak RSS: the `relclf` process (the dask workers are separate processes). Projection: 36 M abstracts "
            "at the measured rate per core, on 32 cores.",
            "",
            "| run | wall s | abstracts/s | per core | client peak RSS MB | projected hours, 36 M on 32 cores "
            "| all runs s |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, r in shards["runs"].items():
            lines.append(
                f"| {name} | {r['seconds_median']} | {r['abstracts_per_second']:,} | "
                f"{r['abstracts_per_second_per_core']:,} | {r['client_peak_rss_mb_median']} | "
                f"{r['projected_hours_36M_on_32_cores']} | {r['seconds_all']} |"
            )
    if result.get("full_text"):
        full = result["full_text"]
        lines += [
            "",
            f"## A long full text: {full['characters']:,} characters, {full['passages']} passages, "
            f"{full['mentions']:,} mentions of {full['entities']} entities (synthetic)",
            "",
            "In this process with the bundled model (peak traced: Python's allocations, in a run of its own), and "
            "`relclf predict` of it as BioC XML in a fresh process (start-up and model loading included). Default: "
            "all passages but references, tables and figures, the long text read in sections (docs/formats.md).",
            "",
            "| passages | wall s | peak traced MB | sections read | relations | all runs s |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in full["in_process"].items():
            lines.append(
                f"| {name} | {r['seconds_median']} | {r['peak_traced_mb']} | {r['sections_read']} | "
                f"{r['relations']:,} | {r['seconds_all']} |"
            )
        cli = full["cli"]
        lines.append(
            f"| `relclf predict`, default | {cli['seconds_median']} | peak RSS {cli['peak_rss_mb_median']} | | | "
            f"{cli['seconds_all']} |"
        )
    if result.get("startup"):
        lines += [
            "",
            "## Start-up: `relclf predict` on one abstract",
            "",
            "| version | predict one abstract s | `import numpy, scipy.sparse` s | ratio |",
            "|---|---|---|---|",
        ]
        for r in result["startup"]:
            lines.append(
                f"| {r['version']} | {r['predict_one_seconds']} | {r['import_numpy_scipy_seconds']} | {r['ratio']} |"
            )
    if result.get("training"):
        lines += [
            "",
            "## Training on BioRED Train+Dev (500 abstracts)",
            "",
            "| version | --n-jobs | wall s | peak RSS MB | all runs s |",
            "|---|---|---|---|---|",
        ]
        for r in result["training"]:
            lines.append(
                f"| {r['version']} | {r['n_jobs']} | {r['seconds_median']} | {r['peak_rss_mb_median']} | "
                f"{r['seconds_all']} |"
            )
    for name, stages in result["stages"].items():
        lines += [
            "",
            f"## Cost of each stage, {name} ({stages['abstracts']:,} abstracts, one process, batches of 256)",
            "",
            "| stage | seconds | share |",
            "|---|---|---|",
        ]
        # results of older checkouts list candidates as a stage of their own (subtracted from features)
        parts = (
            (*STAGES,)
            if "featurize_seconds" in stages
            else ("parse", "candidates", "features", "vectorize", "classify", "write")
        )
        keys = [k for k in parts if f"{k}_seconds" in stages]
        total = sum(stages[f"{k}_seconds"] for k in keys)
        for key in keys:
            lines.append(f"| {key} | {stages[f'{key}_seconds']} | {stages[f'{key}_seconds'] / total:.0%} |")
            if key == "featurize":
                lines.append(f"| of which candidates (timed alone) | {stages['candidates_seconds']} | |")
        lines.append(f"| total | {round(total, 2)} | |")
    lines += ["", f"Command: `{result['provenance']['command']}`", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    parser.add_argument(
        "--sizes", default="1,10,100", help="input sizes as copies of the 899 bc8 abstracts (default 1,10,100)"
    )
    parser.add_argument("--stage-copies", type=int, default=10, help="copies of bc8 for the stage costs (default 10)")
    parser.add_argument(
        "--before", type=Path, help="a checkout of the code to compare with (run with PYTHONPATH=BEFORE)"
    )
    parser.add_argument("--before-sizes", default="10", help="input sizes for the before rows (default 10)")
    parser.add_argument("--note", default="", help="a remark printed under the tables' introduction")
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        help=f"input formats of the prediction rows (default {','.join(FORMATS)}; BioC gzipped)",
    )
    parser.add_argument(
        "--shard-copies",
        type=int,
        default=10,
        help="copies of the 899 bc8 abstracts in the PubTator3 shards predicted with --n-jobs 2 and on a dask "
        "LocalCluster (default 10; 0: skip)",
    )
    parser.add_argument("--shards", type=int, default=4, help="shards of that directory (default 4)")
    parser.add_argument(
        "--output",
        default="scale_benchmark",
        help="results: experiments/results/OUTPUT.{json,md} (default scale_benchmark; e.g. a second run at 89,900)",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="sections to leave out: predict,full_text,startup,training,before_stages (comma-separated)",
    )
    args = parser.parse_args()
    after = Version("after", None)
    versions = [after] if args.before is None else [Version("before", args.before.resolve()), after]
    result: dict = {"provenance": provenance(), "runs": args.runs, "note": args.note}
    for checkout in [ROOT, *([args.before.resolve()] if args.before else [])]:
        # as pip install does; the __pycache__ folders are git-ignored
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "relclf")], check=True)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        result["stages"] = {"after": bench_stages(args.stage_copies, args.runs, tmp)}
        if args.before is not None and "before_stages" not in args.skip:  # its own script must take --skip
            result["stages"] = {
                "before": bench_stages_before(args.before.resolve(), args.runs, args.stage_copies),
                **result["stages"],
            }
        sizes = [int(s) for s in args.sizes.split(",")]
        before_sizes = [int(s) for s in args.before_sizes.split(",")]
        result["predict"] = []
        formats = args.formats.split(",")
        for copies in sizes if "predict" not in args.skip else []:
            chosen = [v for v in versions if v.name == "after" or copies in before_sizes]
            result["predict"] += bench_predict(chosen, [copies], args.runs, tmp, formats)
        if args.shard_copies:
            result["shards"] = bench_shards(args.shard_copies, args.shards, args.runs, tmp)
        if "full_text" not in args.skip:
            result["full_text"] = bench_full_text(args.runs, tmp)
        if "startup" not in args.skip:
            result["startup"] = bench_startup(versions, max(args.runs, 5))
        if "training" not in args.skip:
            result["training"] = bench_training(versions, args.runs, tmp)
    write_results(args.output, result, markdown(result), result["provenance"])
    print(markdown(result))


if __name__ == "__main__":
    main()
