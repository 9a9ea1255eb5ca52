"""Command-line interface: a thin layer over :mod:`relclf.api`.

Every command checks its arguments, calls one API function and prints what it returns. Errors in
the input or model end with one line ``relclf: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence

from . import __version__, api
from .errors import InputError, OutputError, RelclfError
from .files import atomic_writer
from .persistence import FORMATS, format_model_card

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
    params = {"random_state": args.seed, "cv": args.cv, "max_pairs_per_doc": _pair_cap(args)}
    if args.threshold is not None:
        params["threshold"] = args.threshold
    fmt = args.format or ("skops" if str(args.output).endswith(".skops") else "joblib")
    result = api.train(args.files, args.output, dev=args.dev, params=params, on_error=skipper, fmt=fmt)
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
    scores = api.evaluate(
        args.gold, args.model, threshold=args.threshold, on_error=skipper, n_jobs=args.n_jobs, max_pairs_per_doc=_pair_cap(args)
    )
    print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    if skipper:
        skipper.report()
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    count = api.predict_file(
        args.input,
        args.output,
        args.model,
        threshold=args.threshold,
        with_scores=args.with_scores,
        on_error=skipper,
        n_jobs=args.n_jobs,
        max_pairs_per_doc=_pair_cap(args),
    )
    log.info("wrote %d documents", count)
    if skipper:
        skipper.report()
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    scores = api.score_files(args.gold, args.predicted)
    print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    card = api.model_info(args.model)
    if args.json:
        print(json.dumps(card, indent=2, sort_keys=True))
    else:
        print(format_model_card(card))
    if card.get("verified") is False:
        print(f"relclf: error: {args.model}: does not match the sha256 recorded beside it; it would be refused", file=sys.stderr)
        return 2
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    fmt = args.format or ("skops" if str(args.output).endswith(".skops") else "joblib")
    api.export(args.model, args.output, fmt=fmt)
    print(f"model saved to {args.output} ({fmt}), with {args.output}.json and {args.output}.sha256")
    return 0


def _pair_cap(args: argparse.Namespace) -> int | None:
    return None if args.max_pairs_per_doc == 0 else args.max_pairs_per_doc


def _add_pair_cap(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-pairs-per-doc", type=int, default=api.DEFAULT_MAX_PAIRS_PER_DOC, metavar="N",
        help=f"keep at most N candidate pairs per document, those whose mentions are closest, with a warning "
        f"naming the document (default {api.DEFAULT_MAX_PAIRS_PER_DOC:,}; 0: no cap)",
    )


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
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same files, options and seed give the same model")
    p.add_argument("--format", choices=FORMATS, help="model file format (default: skops if MODEL ends in .skops, else joblib)")
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_train)

    p = sub.add_parser("evaluate", help="predict on a gold file (relations hidden) and score")
    p.add_argument("gold", metavar="GOLD")
    _add_model(p)
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_evaluate)

    p = sub.add_parser("predict", help="predict relations for annotated abstracts")
    p.add_argument("input", metavar="INPUT", help="PubTator file, or - for stdin")
    _add_model(p)
    p.add_argument("-o", "--output", metavar="OUTPUT", help="output PubTator file (default: stdout)")
    p.add_argument("--with-scores", action="store_true", help="add each relation's score as a 6th column")
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_predict)

    p = sub.add_parser("score", help="score a prediction file against a gold file")
    p.add_argument("gold", metavar="GOLD")
    p.add_argument("predicted", metavar="PRED")
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    p.set_defaults(run=_cmd_score)

    p = sub.add_parser("info", help="print a model's card (read without loading the model)")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--json", action="store_true", help="print the card as JSON")
    p.set_defaults(run=_cmd_info)

    p = sub.add_parser("export", help="save a model in another format (skops: safe to share)")
    p.add_argument("model", metavar="MODEL", help="model to export (verified and loaded)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="where to save it, e.g. model.skops")
    p.add_argument("--format", choices=FORMATS, help="default: skops if OUT ends in .skops, else joblib")
    p.set_defaults(run=_cmd_export)
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
    _terminate_cleanly()
    try:
        return args.run(args)
    except OutputError as error:
        print(f"relclf: error: {error}", file=sys.stderr)
        if error.path == "<stdout>":
            _discard_stdout()
        return 2
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
    except _Terminated:
        print("relclf: terminated", file=sys.stderr)
        return 143


class _Terminated(BaseException):
    """Raised in the main process on SIGTERM so that temporary outputs are removed on the way out."""


def _terminate_cleanly() -> None:
    """Turn SIGTERM into an exception in this process (like Ctrl-C), so atomic writers clean up.

    Forked worker processes inherit the handler; there it restores the default and dies at once,
    as the pool that terminates them expects.
    """
    main_pid = os.getpid()

    def handler(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise _Terminated

    signal.signal(signal.SIGTERM, handler)


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the exit flush does not fail again (full disk)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
