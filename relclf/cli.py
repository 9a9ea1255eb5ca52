"""Command-line interface: a thin layer over :mod:`relclf.api`.

Every command checks its arguments, calls one API function and prints what it returns. Errors in
the input or model end with one line ``relclf: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from . import __version__, api
from .errors import InputError, RelclfError
from .files import atomic_writer

__all__ = ["main"]

log = logging.getLogger("relclf")

DEMO = "relclf predict examples/36727001.pubtator"


class _SkipCounter:
    """Reports each skipped invalid document as a warning line and counts them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: InputError) -> None:
        self.count += 1
        print(f"relclf: warning: {error} (document skipped)", file=sys.stderr)

    def report(self) -> None:
        """Print the final count of skipped documents (always, so that scripts can rely on it)."""
        print(f"relclf: skipped {self.count} invalid document(s)", file=sys.stderr)


def _error_handler(args: argparse.Namespace) -> _SkipCounter | None:
    return _SkipCounter() if getattr(args, "skip_invalid", False) else None


def _cmd_train(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    params = {"random_state": args.seed, "cv": args.cv, "n_jobs": args.n_jobs}
    if args.threshold is not None:
        params["threshold"] = args.threshold
    result = api.train(args.files, args.output, dev=args.dev, params=params, on_error=skipper)
    est = result.model.estimator
    r = result.recall
    print(f"corpus: {result.stats.summary()}")
    print(f"type pairs: {', '.join(est.type_pairs_)}")
    print(f"candidates: {est.n_training_candidates_:,}; candidate recall {r.recall:.4f} ({r.covered:,} of {r.gold - r.self_relations:,} gold relations between distinct IDs; {r.self_relations} self-relations)")
    print(f"threshold: {est.threshold_:.3f} (chosen by {args.cv}-fold cross-validation)" if args.threshold is None else f"threshold: {est.threshold_:.3f}")
    print(f"training time: {result.seconds:.1f} s")
    if result.dev_scores is not None:
        print(f"scores on {args.dev}:")
        print(result.dev_scores.table())
    print(f"model saved to {args.output}")
    if skipper:
        skipper.report()
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    scores = api.evaluate(args.gold, args.model, threshold=args.threshold, on_error=skipper, n_jobs=args.n_jobs)
    print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    if skipper:
        skipper.report()
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    if args.output_dir is not None or len(args.input) > 1:
        return _cmd_predict_many(args)
    skipper = _error_handler(args)
    count = api.predict_file(
        args.input[0],
        args.output,
        args.model,
        threshold=args.threshold,
        with_scores=args.with_scores,
        on_error=skipper,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
    )
    log.info("wrote %d documents", count)
    if skipper:
        skipper.report()
    return 0


def _cmd_predict_many(args: argparse.Namespace) -> int:
    """Several inputs (files, directories, globs): one output per input in --output-dir."""
    if args.output_dir is None:
        raise InputError(args.input[1], 0, "several inputs need --output-dir DIR (one output file per input)")
    if args.output is not None:
        raise InputError(args.output, 0, "-o/--output names one file; with --output-dir leave it out")
    if "-" in args.input:
        raise InputError("-", 0, "standard input cannot be used with --output-dir")
    skipper = _error_handler(args)
    results = api.predict_files(
        args.input,
        args.output_dir,
        args.model,
        threshold=args.threshold,
        with_scores=args.with_scores,
        on_error=skipper,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
    )
    for result in results:
        log.info("%s -> %s: %d documents", result.source, result.output, result.documents)
    if skipper:
        skipper.report()
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    scores = api.score_files(args.gold, args.predicted)
    print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    return 0


def _write_json(path: str, data: dict) -> None:
    with atomic_writer(path) as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="relclf",
        description="Relation extraction from entity-annotated PubMed abstracts (PubTator).",
        epilog=f"Try: {DEMO}",
    )
    parser.add_argument("--version", action="version", version=f"relclf {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("train", help="train a model on PubTator files with relation lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="training files (PubTator with relations)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to save the model")
    p.add_argument("--dev", metavar="FILE", help="gold file to score the trained model on")
    p.add_argument("--threshold", type=float, help="fixed detector threshold instead of choosing it by cross-validation")
    p.add_argument("--cv", type=int, default=5, help="cross-validation folds for the threshold (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--n-jobs", type=int, default=1, metavar="N", help="worker processes for featurization and fitting (default 1); same model as a serial run")
    _add_skip(p)
    p.set_defaults(run=_cmd_train)

    p = sub.add_parser("evaluate", help="predict on a gold file (relations hidden) and score")
    p.add_argument("gold", metavar="GOLD")
    _add_model(p)
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    _add_skip(p)
    p.set_defaults(run=_cmd_evaluate)

    p = sub.add_parser("predict", help="predict relations for annotated abstracts")
    p.add_argument("input", nargs="+", metavar="INPUT", help="PubTator file, or - for stdin; several files, directories or globs with --output-dir")
    _add_model(p)
    p.add_argument("-o", "--output", metavar="OUTPUT", help="output PubTator file (default: stdout)")
    p.add_argument("--output-dir", metavar="DIR", help="write one output per input file here, under the input's file name")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask.distributed scheduler (e.g. tcp://host:8786; needs relclf[dask])")
    p.add_argument("--with-scores", action="store_true", help="add each relation's score as a 6th column")
    _add_skip(p)
    p.set_defaults(run=_cmd_predict)

    p = sub.add_parser("score", help="score a prediction file against a gold file")
    p.add_argument("gold", metavar="GOLD")
    p.add_argument("predicted", metavar="PRED")
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    p.set_defaults(run=_cmd_score)
    return parser


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("-m", "--model", metavar="MODEL", help="model file (default: the bundled BioRED model)")
    p.add_argument("--threshold", type=float, help="override the model's decision threshold (0-1)")
    p.add_argument("--n-jobs", type=int, default=1, metavar="N", help="worker processes (default 1); output identical to a serial run")


def _add_skip(p: argparse.ArgumentParser) -> None:
    p.add_argument("--skip-invalid", action="store_true", help="skip invalid documents with a warning instead of stopping")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"relclf: a command is needed. Try: {DEMO}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="relclf: %(message)s")
    try:
        return args.run(args)
    except RelclfError as error:
        print(f"relclf: error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # invalid training data or parameters reported by the estimator
        print(f"relclf: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 141
    except KeyboardInterrupt:
        print("relclf: interrupted", file=sys.stderr)
        return 130
