"""A curator who knows the gold: the decisions file a review page would export, made from a gold file.

For the first ``--documents`` documents of PREDICTIONS (all by default), every predicted relation is
accepted, corrected or rejected and every missed gold relation added, as
:func:`relclf.curation.decisions.simulated_decisions` decides; the rows are written as the review page's
"All decisions as TSV" export writes them, so that ``relclf apply-decisions PREDICTIONS DECISIONS`` makes the
gold documents of them. ``--rest FILE`` writes the gold of the other documents (those not reviewed), to
evaluate on. docs/review.md uses it to run the curation loop on BioRED Dev without a person at the page.

Usage (from the project root):
    python experiments/simulated_curator.py GOLD PREDICTIONS -o DECISIONS [--documents N] [--rest REST]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relclf import read_documents, write_documents  # noqa: E402
from relclf.curation.decisions import simulated_decisions, write_decisions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", type=Path)
    parser.add_argument("predictions", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True, help="the decisions file to write")
    parser.add_argument("--documents", type=int, default=None, help="review only the first N documents")
    parser.add_argument("--rest", type=Path, help="write the gold of the documents not reviewed here")
    args = parser.parse_args()
    gold = {d.pmid: d for d in read_documents(args.gold)}
    predicted = list(read_documents(args.predictions))
    reviewed = predicted if args.documents is None else predicted[: args.documents]
    with args.output.open("w", encoding="utf-8") as handle:
        rows = write_decisions(((d, simulated_decisions(d, gold[d.pmid])) for d in reviewed), handle)
    print(f"{rows} decisions about {len(reviewed)} documents written to {args.output}")
    if args.rest is not None:
        rest = [gold[d.pmid] for d in predicted[len(reviewed) :]]
        write_documents(rest, args.rest)
        print(f"the gold of the {len(rest)} other documents written to {args.rest}")


if __name__ == "__main__":
    main()
