"""Check that training is reproducible on BioRED: train twice, predict Dev, compare byte for byte.

Both trainings run the real CLI in fresh processes with the same files, options and --seed, but
different PYTHONHASHSEED values (so that any dependence on set/dict order of strings would show).
Writes experiments/results/reproducibility.{json,md}.

Usage (from the project root, with the corpus at ../shared/data/biored):
    python experiments/reproducibility.py [--seed 0] [--data ../shared/data/biored]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import provenance, stamp_json, stamp_markdown  # experiments/machine.py

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "biored"
RESULTS = ROOT / "experiments" / "results"


def _relclf(args: list[str], hash_seed: int) -> None:
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    subprocess.run([sys.executable, "-m", "relclf", *args], check=True, capture_output=True, cwd=ROOT, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA, help="folder holding Train.PubTator and Dev.PubTator")
    args = parser.parse_args()
    digests = []
    with tempfile.TemporaryDirectory() as tmp:
        outputs = []
        for run, hash_seed in enumerate((1, 2), start=1):
            model = Path(tmp) / f"m{run}.joblib"
            out = Path(tmp) / f"dev{run}.pubtator"
            _relclf(["train", str(args.data / "Train.PubTator"), "-o", str(model), "--seed", str(args.seed)], hash_seed)
            _relclf(
                ["predict", str(args.data / "Dev.PubTator"), "-m", str(model), "--with-scores", "-o", str(out)],
                hash_seed,
            )
            outputs.append(out.read_bytes())
            digests.append(hashlib.sha256(outputs[-1]).hexdigest())
        identical = outputs[0] == outputs[1]
        relations = sum(
            1
            for line in outputs[0].decode().splitlines()
            if line.count("\t") == 5 and not line.split("\t")[1].isdigit()
        )
    result = {
        "seed": args.seed,
        "identical": identical,
        "sha256": digests,
        "bytes": len(outputs[0]),
        "scored_relations": relations,
    }
    record = provenance()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reproducibility.json").write_text(json.dumps(stamp_json(result, record), indent=2) + "\n")
    text = (
        "# Reproducible training on BioRED\n\n"
        f"`relclf train Train.PubTator --seed {args.seed}` twice (fresh processes, PYTHONHASHSEED 1 and 2), then "
        "`relclf predict Dev.PubTator --with-scores` with each model.\n\n"
        f"Predictions byte-identical: **{'yes' if identical else 'NO'}** ({len(outputs[0]):,} bytes, "
        f"{relations:,} scored relations; sha256 {digests[0]} and {digests[1]}).\n"
    )
    text = stamp_markdown(text, record)
    (RESULTS / "reproducibility.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
