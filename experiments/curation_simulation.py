"""Simulated curation: does choosing what to annotate next (relclf select) beat annotating at random?

For each corpus (BioRED, BC5CDR), strategy (random, margin, uncertainty; the last two with diversity, as
``relclf select`` does by default) and seed: start from ``--start`` documents of Train drawn at random
(the same ones for every strategy of a seed), then, round after round, train a model on the documents
annotated so far, score it on Dev, and let the strategy choose the next ``--step`` documents from the rest
of Train, until all of Train is annotated. The gold relations play the curator: the chosen documents are
predicted by the round's model, the decisions a curator who knows the gold would make are derived
(:func:`relclf.curation.decisions.simulated_decisions`: accept, correct, reject, add) and applied
(:class:`relclf.curation.decisions.Decisions`), exactly as ``relclf apply-decisions`` does with a review
page's decisions file, and the reviewed documents join the training set.

Each round's result (the documents annotated, the Dev scores, the documents chosen next) is cached as one
JSON file under ``--cache``, so that an interrupted run resumes where it stopped; ``--jobs`` runs the
(strategy, seed) sequences in parallel processes. The table (mean and standard deviation over seeds of
type F1, CID F1 on BC5CDR, against documents annotated) and the plot are written to
experiments/results/curation_simulation.{json,md} and docs/plots/curation_{corpus}.png, with the
target of issue 23: how many documents random selection needs to reach what the best strategy reaches
with 150.

Usage (from the project root):
    python experiments/curation_simulation.py --corpora biored,bc5cdr --jobs 2     # the full run
    python experiments/curation_simulation.py --corpora biored --rounds 2 --seeds 0  # a quick check
BioRED: about 10-15 s of training per round at 400 documents, 16 rounds x 3 strategies x 3 seeds;
BC5CDR about 1 s per round, 20 rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py
from relclf import RelationExtractor, api, read_pubtator
from relclf.curation.decisions import Decisions, simulated_decisions
from relclf.curation.selection import select_documents
from relclf.document import Relation

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CACHE = ROOT / "experiments" / "cache" / "curation"  # ignored by git
PLOTS = ROOT / "docs" / "plots"
STRATEGIES = ("random", "margin", "uncertainty")
NAMES = {"biored": "BioRED", "bc5cdr": "BC5CDR"}
TARGET = 150  # documents at which the best strategy is compared with random (issue 23)


def load(data: Path, corpus: str) -> tuple[list, list]:
    """Train and Dev of ``corpus``."""
    return list(read_pubtator(data / corpus / "Train.PubTator")), list(read_pubtator(data / corpus / "Dev.PubTator"))


def start_set(train: list, size: int, seed: int) -> list[str]:
    """The PMIDs of the ``size`` documents every strategy of ``seed`` starts from."""
    order = np.random.default_rng(seed).permutation(len(train))
    return [train[i].pmid for i in order[:size]]


def curated(model: Any, documents: list) -> list:
    """What a curator who knows the gold makes of the model's predictions for ``documents`` (through the
    decisions file's rules, as ``relclf apply-decisions`` applies them)."""
    predicted = list(model.predict_documents([d.with_relations(()) for d in documents]))
    decisions = [d for p, g in zip(predicted, documents, strict=True) for d in simulated_decisions(p, g)]
    return list(Decisions(decisions, "simulated").apply(predicted))


def _document(gold: Any, rows: list[list[str | None]]) -> Any:
    """``gold`` with the reviewed relations a cached round recorded."""
    return gold.with_relations([Relation(label, id1, id2, novelty) for label, id1, id2, novelty in rows])


def round_file(cache: Path, corpus: str, strategy: str, seed: int, k: int) -> Path:
    return cache / corpus / strategy / f"seed{seed}" / f"round{k:03d}.json"


def run_sequence(task: dict) -> list[dict]:
    """One (corpus, strategy, seed) sequence of rounds; each round read from the cache when it is there."""
    corpus, strategy, seed, cache = task["corpus"], task["strategy"], task["seed"], Path(task["cache"])
    train, dev = load(Path(task["data"]), corpus)
    by_pmid = {d.pmid: d for d in train}
    annotated = start_set(train, task["start"], seed)
    reviewed: dict[str, Any] = {}
    rounds: list[dict] = []
    k = 0
    while True:
        path = round_file(cache, corpus, strategy, seed, k)
        if path.exists():
            result = {**json.loads(path.read_text()), "cached": True}
            reviewed.update((pmid, _document(by_pmid[pmid], rows)) for pmid, rows in result["reviewed"].items())
        else:
            result = {**one_round(task, k, annotated, reviewed, by_pmid, train, dev, path), "cached": False}
        rounds.append(result)
        print(
            f"{corpus} {strategy} seed {seed} round {k}: {result['documents']} documents, type F1 "
            f"{result['f1']['type']:.4f}",
            flush=True,
        )
        annotated = annotated + result["next"]
        k += 1
        if not result["next"] or (task["rounds"] is not None and k >= task["rounds"]):
            return rounds


def one_round(
    task: dict, k: int, annotated: list[str], reviewed: dict, by_pmid: dict, train: list, dev: list, path: Path
) -> dict:
    """Train on the annotated documents, score Dev, choose the next ones; cache and return the result."""
    strategy, seed = task["strategy"], task["seed"]
    documents = [reviewed.get(pmid, by_pmid[pmid]) for pmid in annotated]
    start = time.perf_counter()
    model = RelationExtractor(random_state=seed).fit(documents)
    seconds = time.perf_counter() - start
    scores = api.evaluate(dev, model, training_documents=frozenset())
    pool = [d for d in train if d.pmid not in set(annotated)]
    chosen = select_documents(model.model_, pool, task["step"], strategy=strategy, seed=seed * 1000 + k) if pool else []
    next_documents = [s.document for s in chosen]
    new = curated(model.model_, [by_pmid[d.pmid] for d in next_documents]) if next_documents else []
    reviewed.update((d.pmid, d) for d in new)  # the curator reviewed the predictions for the chosen documents
    result = {
        "round": k,
        "documents": len(documents),
        "f1": {level: round(c.f1, 4) for level, c in scores.levels.items()},
        "train_seconds": round(seconds, 1),
        "next": [d.pmid for d in next_documents],
        "reviewed": {d.pmid: [[r.label, r.id1, r.id2, r.novelty] for r in d.relations] for d in new},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(result) + "\n")
    temporary.replace(path)  # a round is cached whole or not at all
    return result


def curves(results: dict) -> dict:
    """Per corpus and strategy: documents -> (mean, sd) of type F1 over seeds."""
    out: dict = {}
    for corpus, by_strategy in results.items():
        out[corpus] = {}
        for strategy, by_seed in by_strategy.items():
            points: dict[int, list[float]] = {}
            for rounds in by_seed.values():
                for r in rounds:
                    points.setdefault(r["documents"], []).append(r["f1"]["type"])
            out[corpus][strategy] = {
                n: (statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v))
                for n, v in sorted(points.items())
            }
    return out


def documents_needed(curve: dict, f1: float) -> float | None:
    """The documents at which ``curve`` (documents -> (mean, ...)) first reaches ``f1``, interpolated linearly
    between its points; None when it never does."""
    points = sorted(curve.items())
    for (n0, (f0, *_)), (n1, (f1_, *_)) in zip(points, points[1:], strict=False):
        if f0 >= f1:
            return n0
        if f1_ >= f1:
            return n0 + (n1 - n0) * (f1 - f0) / (f1_ - f0)
    return points[-1][0] if points and points[-1][1][0] >= f1 else None


def target(curve_by_strategy: dict) -> dict | None:
    """Issue 23's target: the best strategy's type F1 at TARGET documents, and what random needs for it."""
    at = {s: c[TARGET][0] for s, c in curve_by_strategy.items() if TARGET in c and s != "random"}
    if not at or "random" not in curve_by_strategy:
        return None
    best = max(at, key=at.get)
    return {
        "best": best,
        "f1": round(at[best], 4),
        "random_f1": round(curve_by_strategy["random"].get(TARGET, (float("nan"),))[0], 4),
        "random_needs": documents_needed(curve_by_strategy["random"], at[best]),
    }


def to_markdown(results: dict, load: tuple[float, float], elapsed: float, computed: tuple[int, int]) -> str:
    """The tables and the target of ``results``; ``computed``: (rounds computed by this run, all rounds)."""
    parts = [
        "# Simulated curation: documents chosen by relclf select against documents chosen at random\n\n",
        "Each strategy starts from the same random documents of Train (per seed), adds the documents it chooses "
        "round after round (the gold relations play the curator, through the decisions file's rules), retrains and "
        "is scored on Dev. Type F1 (BC5CDR: CID F1), mean and standard deviation over the seeds; `margin` and "
        "`uncertainty` choose with diversity, as `relclf select` does by default. "
        f"This run computed {computed[0]} of the {computed[1]} rounds (the others were read from the cache) in "
        f"{elapsed / 60:.0f} minutes; load average {load[0]:.2f} at the start, {load[1]:.2f} at the end (2 cores).\n",
    ]
    summary = curves(results)
    for corpus, by_strategy in summary.items():
        strategies = [s for s in STRATEGIES if s in by_strategy]
        sizes = sorted({n for c in by_strategy.values() for n in c})
        seeds = max(v[2] for c in by_strategy.values() for v in c.values())
        parts.append(f"\n## {NAMES.get(corpus, corpus)} ({seeds} seed{'s' * (seeds != 1)})\n\n")
        parts.append("| documents | " + " | ".join(strategies) + " |\n|---|" + "---|" * len(strategies) + "\n")
        for n in sizes:
            cells = [
                f"{by_strategy[s][n][0]:.4f} ± {by_strategy[s][n][1]:.4f}" if n in by_strategy[s] else "-"
                for s in strategies
            ]
            parts.append(f"| {n} | " + " | ".join(cells) + " |\n")
        goal = target(by_strategy)
        if goal:
            needs = goal["random_needs"]
            parts.append(
                f"\nAt {TARGET} documents the best strategy, `{goal['best']}`, reaches type F1 {goal['f1']:.4f} "
                f"(random: {goal['random_f1']:.4f}); random selection reaches it at "
                + (f"about {needs:.0f} documents" if needs is not None else "no point of its curve")
                + " (the target: at least 250).\n"
            )
    parts.append(
        "\nReproduce: `python experiments/curation_simulation.py --corpora biored,bc5cdr --jobs 2` (rounds cached in "
        "experiments/cache/curation/, so an interrupted run resumes).\n"
    )
    return "".join(parts)


def plot(summary: dict, corpus: str, path: Path) -> None:
    """Type F1 against documents annotated, one line per strategy with its band of one standard deviation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for strategy, style in zip(STRATEGIES, ("--", "-", "-."), strict=True):
        if strategy not in summary[corpus]:
            continue
        curve = summary[corpus][strategy]
        n = np.array(sorted(curve))
        mean = np.array([curve[k][0] for k in n])
        sd = np.array([curve[k][1] for k in n])
        axes.plot(n, mean, style, marker="o", markersize=3, label=strategy)
        axes.fill_between(n, mean - sd, mean + sd, alpha=0.15)
    axes.axvline(TARGET, color="#999", linewidth=0.8)
    axes.set_xlabel("documents annotated")
    axes.set_ylabel("CID F1 on Dev" if corpus == "bc5cdr" else "type F1 on Dev")
    axes.set_title(f"{NAMES.get(corpus, corpus)}: simulated curation, chosen vs random documents")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--corpora", default="biored,bc5cdr")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--start", type=int, default=25, help="documents annotated before the first round")
    parser.add_argument("--step", type=int, default=25, help="documents chosen per round")
    parser.add_argument("--rounds", type=int, default=None, help="stop after this many rounds (default: all of Train)")
    parser.add_argument("--jobs", type=int, default=1, help="(strategy, seed) sequences run in parallel")
    parser.add_argument("--cache", default=str(CACHE), help="where each round's result is kept (not committed)")
    parser.add_argument("--output", default=str(RESULTS / "curation_simulation"), help="results: OUTPUT.{json,md}")
    parser.add_argument("--plots", default=str(PLOTS), help="directory of the plots (curation_CORPUS.png)")
    args = parser.parse_args()
    tasks = [
        {
            "corpus": corpus,
            "strategy": strategy,
            "seed": seed,
            "data": args.data,
            "cache": args.cache,
            "start": args.start,
            "step": args.step,
            "rounds": args.rounds,
        }
        for corpus in args.corpora.split(",")
        for seed in args.seeds
        for strategy in args.strategies.split(",")
    ]
    load_start, started = os.getloadavg()[0], time.perf_counter()
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            done = list(pool.map(run_sequence, tasks))
    else:
        done = [run_sequence(task) for task in tasks]
    results: dict = {}
    for task, rounds in zip(tasks, done, strict=True):
        # the documents chosen and their reviewed relations stay in the cache; the results keep the scores
        kept = [{k: v for k, v in r.items() if k not in ("next", "reviewed", "cached")} for r in rounds]
        results.setdefault(task["corpus"], {}).setdefault(task["strategy"], {})[str(task["seed"])] = kept
    load = (load_start, os.getloadavg()[0])
    elapsed = time.perf_counter() - started
    computed = sum(not r["cached"] for rounds in done for r in rounds)
    summary = curves(results)
    record = provenance()
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "settings": {k: getattr(args, k) for k in ("corpora", "strategies", "seeds", "start", "step", "rounds")},
        "load_average": load,
        "rounds_computed": computed,
        "targets": {corpus: target(by_strategy) for corpus, by_strategy in summary.items()},
        "results": results,
    }
    output.with_suffix(".json").write_text(json.dumps(stamp_json(report, record), indent=2) + "\n")
    output.with_suffix(".md").write_text(
        stamp_markdown(to_markdown(results, load, elapsed, (computed, sum(map(len, done)))), record)
    )
    for corpus in summary:
        plot(summary, corpus, Path(args.plots) / f"curation_{corpus}.png")


if __name__ == "__main__":
    main()
