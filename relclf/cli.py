"""Command-line interface: a thin layer over :mod:`relclf.api`.

Every command checks its arguments, calls one API function and prints what it returns. Errors in
the input or model end with one line ``relclf: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import faulthandler
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from tqdm import tqdm

from . import api
from ._version import __version__
from .errors import InputError, OutputError, RelclfError
from .io.files import atomic_writer
from .io.formats import INPUT_FORMATS, OUTPUT_FORMATS
from .persistence import FORMATS, format_model_card
from .progress import should_show

__all__ = ["main"]

log = logging.getLogger("relclf")

DEMO = "relclf predict examples/36727001.pubtator"


class _SkipCounter:
    """Reports each skipped invalid document as a warning line and counts them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, error: InputError) -> None:
        self.count += 1
        # tqdm.write prints above a progress bar when one is drawn, like print otherwise
        tqdm.write(f"relclf: warning: {error} (document skipped)", file=sys.stderr)

    def report(self) -> None:
        """Print the final count of skipped documents (always, so that scripts can rely on it)."""
        print(f"relclf: skipped {self.count} invalid document(s)", file=sys.stderr)


def _error_handler(args: argparse.Namespace) -> _SkipCounter | None:
    return _SkipCounter() if getattr(args, "skip_invalid", False) else None


def _cmd_train(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    params = {"random_state": args.seed, "cv": args.cv, "max_pairs_per_doc": _pair_cap(args), "n_jobs": args.n_jobs}
    if args.threshold is not None:
        params["threshold"] = args.threshold
    fmt = args.model_format or ("skops" if str(args.output).endswith(".skops") else "joblib")
    result = api.train(args.files, args.output, dev=args.dev, params=params, on_error=skipper, progress=args.progress, format=args.format, model_format=fmt)
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
    if args.plots:
        scores = _evaluate_with_plots(args, skipper)
    else:
        scores = api.evaluate(args.gold, args.model, **_evaluate_options(args, skipper))
        print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    if skipper:
        skipper.report()
    return 0


def _evaluate_options(args: argparse.Namespace, skipper: _SkipCounter | None) -> dict:
    """The keyword arguments that ``evaluate`` passes to api.evaluate / api.evaluate_details."""
    return {
        "threshold": args.threshold,
        "on_error": skipper,
        "n_jobs": args.n_jobs,
        "progress": args.progress,
        "format": args.format,
        "max_pairs_per_doc": _pair_cap(args),
    }


def _evaluate_with_plots(args: argparse.Namespace, skipper: _SkipCounter | None) -> api.Scores:
    from .evaluation import plots

    plots.require_matplotlib()  # before the work, so that a missing extra fails at once
    details = api.evaluate_details(args.gold, args.model, **_evaluate_options(args, skipper))
    print(details.scores.table())
    for path in plots.write_plots(details, args.plots, title=f"{args.gold} ({details.scores.documents:,} documents)"):
        print(f"wrote {path}")
    return details.scores


def _cmd_predict(args: argparse.Namespace) -> int:
    if args.output_dir is not None or len(args.input) > 1:
        return _cmd_predict_many(args)
    skipper = _error_handler(args)
    count = api.predict_file(args.input[0], args.output, args.model, progress=args.progress, **_predict_options(args, skipper))
    log.info("wrote %d documents", count)
    if skipper:
        skipper.report()
    return 0


def _predict_options(args: argparse.Namespace, skipper: _SkipCounter | None) -> dict:
    """The keyword arguments that ``predict`` passes to api.predict_file / api.predict_files."""
    return {
        "threshold": args.threshold,
        "with_scores": args.with_scores,
        "on_error": skipper,
        "n_jobs": args.n_jobs,
        "scheduler": args.scheduler,
        "input_format": args.format,
        "output_format": args.output_format,
        "min_score": args.min_score,
        "keep_relations": args.keep_relations,
        "max_pairs_per_doc": _pair_cap(args),
    }


def _cmd_convert(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    count = api.convert(
        args.input,
        args.output,
        input_format=args.format,
        output_format=args.output_format,
        with_scores=args.with_scores,
        on_error=skipper,
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
    results = api.predict_files(args.input, args.output_dir, args.model, **_predict_options(args, skipper))
    for result in results:
        log.info("%s -> %s: %d documents", result.source, result.output, result.documents)
    if skipper:
        skipper.report()
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    scores = api.score_files(args.gold, args.predicted, format=args.format)
    print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    if args.file is None and (args.doc or args.pair):
        raise ValueError("--doc and --pair need a FILE to read the document from")
    if args.file is not None and args.doc is None:
        raise ValueError("with a FILE, give --doc ID and --pair ID1 ID2")
    explanation = api.explain(args.model, args.file, doc=args.doc, pair=tuple(args.pair) if args.pair else None, k=args.top, format=args.format)
    print(explanation.text(args.top) if args.file else explanation.text())
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    from .download import download

    result = download(args.corpus, args.dest, sha256=args.sha256, base_url=args.base_url, url=args.url, progress=args.progress)
    print(f"downloaded {result.url} ({result.size:,} bytes), SHA-256 {result.sha256}")
    if result.verified:
        print("checksum: verified")
    else:
        print(
            f"relclf: warning: checksum NOT verified (relclf has no recorded SHA-256 for {args.corpus}); "
            f"pin this one with --sha256 {result.sha256}",
            file=sys.stderr,
        )
    for path in result.files:
        print(path)
    train, dev = result.role("train"), result.role("dev")
    if train is not None:
        print(f"train with: relclf train {train}" + (f" --dev {dev}" if dev else "") + f" -o {args.corpus}.joblib")
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


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors suggest the closest subcommand or option (Python 3.11's has no
    ``suggest_on_error``)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print usage and ``relclf: error: MESSAGE`` plus a "did you mean" hint; exit 2."""
        hint = _suggestion(self, message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}{hint}\n")


def _suggestion(parser: argparse.ArgumentParser, message: str) -> str:
    """A ``; did you mean ...?`` hint for an invalid choice or unknown option in ``message``."""
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        options = re.findall(r"'([^']*)'", choice.group(2))
        close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.6)
        return f"; did you mean '{close[0]}'?" if close else ""
    unknown = re.search(r"unrecognized arguments: (.*)", message)
    if unknown:
        known = _option_strings(parser)
        hints = {}
        for word in unknown.group(1).split():
            if word.startswith("-"):
                close = difflib.get_close_matches(word.split("=")[0], known, n=1, cutoff=0.6)
                if close:
                    hints[word] = close[0]
        if len(hints) == 1:
            return f"; did you mean '{next(iter(hints.values()))}'?"
        return f"; did you mean {', '.join(f'{v!r} (for {k!r})' for k, v in hints.items())}?" if hints else ""
    return ""


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option of ``parser`` and of the subcommand named on the command line (or of all)."""
    options = [o for a in parser._actions for o in a.option_strings]
    commands: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    argv = getattr(parser, "_argv", None) or sys.argv[1:]
    named = [commands[w] for w in argv if w in commands][:1]
    for sub in named or commands.values():
        options += [o for a in sub._actions for o in a.option_strings]
    return sorted(set(options))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="relclf",
        description="Relation extraction from entity-annotated PubMed abstracts (PubTator).",
        epilog=f"Try: {DEMO}",
    )
    parser.add_argument("--version", action="version", version=f"relclf {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars (they are shown only when stderr is a terminal)")
    # the same switches after the subcommand (relclf predict FILE -q); SUPPRESS keeps the main ones
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress details to stderr")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_parser = sub.add_parser
    sub.add_parser = lambda *a, **k: _add_parser(*a, parents=[common], **k)  # type: ignore[method-assign]

    p = sub.add_parser("train", help="train a model on PubTator files with relation lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="training files (PubTator with relations)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to save the model")
    p.add_argument("--dev", metavar="FILE", help="gold file to score the trained model on")
    p.add_argument("--threshold", type=float, help="fixed detector threshold instead of choosing it by cross-validation")
    p.add_argument("--cv", type=int, default=5, help="cross-validation folds for the threshold (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); the same files, options and seed give the same model")
    p.add_argument("--model-format", choices=FORMATS, help="model file format (default: skops if MODEL ends in .skops, else joblib)")
    p.add_argument("--n-jobs", type=int, default=1, metavar="N", help="worker processes for featurization and fitting (default 1); same model as a serial run")
    _add_formats(p, output=False)
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_train)

    p = sub.add_parser("evaluate", help="predict on a gold file (relations hidden) and score")
    p.add_argument("gold", metavar="GOLD")
    _add_model(p)
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    p.add_argument("--plots", metavar="DIR", help="also draw PNG figures into DIR (needs: pip install relclf[plots])")
    _add_formats(p, output=False)
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_evaluate)

    p = sub.add_parser("predict", help="predict relations for annotated abstracts")
    p.add_argument("input", nargs="+", metavar="INPUT", help="input file (PubTator, BioC XML or JSON), or - for stdin; several files, directories or globs with --output-dir")
    _add_model(p)
    p.add_argument("-o", "--output", metavar="OUTPUT", help="output file (default: stdout); its format follows its extension")
    p.add_argument("--output-dir", metavar="DIR", help="write one output per input file here, under the input's file name and in its format (with --output-format: that format's extension)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask.distributed scheduler (e.g. tcp://host:8786; needs relclf[dask])")
    p.add_argument("--with-scores", action="store_true", help="add each relation's score as a 6th column")
    p.add_argument("--min-score", type=float, metavar="S", help="drop predicted relations scoring below S (0-1)")
    p.add_argument("--keep-relations", action="store_true", help="keep the input's relation lines; add predictions only for pairs without one")
    _add_formats(p, output=True)
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_predict)

    p = sub.add_parser("explain", help="show a model's strongest features, or why it decided a pair")
    p.add_argument("file", nargs="?", metavar="FILE", help="file holding the document (with --doc and --pair)")
    p.add_argument("-m", "--model", metavar="MODEL", help="model file (default: the bundled BioRED model)")
    p.add_argument("--doc", metavar="ID", help="document (PMID) of FILE to explain")
    p.add_argument("--pair", nargs=2, metavar=("ID1", "ID2"), help="the entity pair to explain")
    p.add_argument("-k", "--top", type=int, default=10, metavar="K", help="features to show per list (default 10)")
    _add_formats(p, output=False)
    p.set_defaults(run=_cmd_explain)

    p = sub.add_parser("convert", help="convert between PubTator, BioC XML, BioC JSON (and to JSON Lines / TSV rows)")
    p.add_argument("input", metavar="INPUT", help="input file, or - for stdin")
    p.add_argument("-o", "--output", metavar="OUTPUT", help="output file (default: stdout); format from its extension")
    p.add_argument("--with-scores", action="store_true", help="PubTator output: write relation scores as a 6th column")
    _add_formats(p, output=True)
    _add_skip(p)
    p.set_defaults(run=_cmd_convert)

    p = sub.add_parser("download", help="fetch a public corpus (BioRED, BC5CDR) and unpack its PubTator files")
    p.add_argument("corpus", choices=("biored", "bc5cdr"), help="which corpus")
    p.add_argument("--dest", required=True, metavar="DIR", help="directory to unpack into (files go to DIR/CORPUS/)")
    p.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the archive; a mismatch keeps nothing")
    p.add_argument("--base-url", metavar="URL", help="fetch the archive from this directory URL instead (a mirror); also $RELCLF_DOWNLOAD_BASE")
    p.add_argument("--url", metavar="URL", help="fetch the archive from exactly this URL")
    p.set_defaults(run=_cmd_download)

    p = sub.add_parser("score", help="score a prediction file against a gold file")
    p.add_argument("gold", metavar="GOLD")
    p.add_argument("predicted", metavar="PRED")
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    _add_formats(p, output=False)
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


def _redirect_logging() -> contextlib.AbstractContextManager:
    from tqdm.contrib.logging import logging_redirect_tqdm

    return logging_redirect_tqdm(loggers=[logging.getLogger()])


def _add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("-m", "--model", metavar="MODEL", help="model file (default: the bundled BioRED model)")
    p.add_argument("--threshold", type=float, help="override the model's decision threshold (0-1)")
    p.add_argument("--n-jobs", type=int, default=1, metavar="N", help="worker processes (default 1); output identical to a serial run")


def _add_formats(p: argparse.ArgumentParser, *, output: bool) -> None:
    p.add_argument("--format", choices=INPUT_FORMATS, help="input format (default: from the extension, else the content)")
    if output:
        p.add_argument("--output-format", choices=OUTPUT_FORMATS, help="output format (default: from the output's extension; PubTator for stdout)")


def _add_skip(p: argparse.ArgumentParser) -> None:
    p.add_argument("--skip-invalid", action="store_true", help="skip invalid documents with a warning instead of stopping")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = _parser()
    parser._argv = list(sys.argv[1:] if argv is None else argv)  # type: ignore[attr-defined]  # for suggestions
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"relclf: a command is needed. Try: {DEMO}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="relclf: %(message)s")
    args.progress = should_show(args.quiet)
    _terminate_cleanly()
    # `kill -USR1 PID` prints where a run that seems stuck is (not when stderr is no real file)
    with contextlib.suppress(AttributeError, OSError, ValueError):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        # log lines printed while a bar is drawn go above it instead of through it
        with _redirect_logging() if args.progress else contextlib.nullcontext():
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


def entry_point() -> NoReturn:
    """The ``relclf`` command: run :func:`main` on ``sys.argv`` and exit with its status.

    An interrupted run (status 130 or 143) has already removed its temporary output; it then exits at
    once rather than wait at interpreter exit for helper threads (a worker pool's) that the
    interruption may have left unable to finish.
    """
    status = main()
    if status in (130, 143):
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)
    sys.exit(status)


class _Terminated(BaseException):
    """Raised in the main process on SIGTERM so that temporary outputs are removed on the way out."""


def _terminate_cleanly() -> None:
    """Turn SIGTERM into an exception in this process (like Ctrl-C), so atomic writers clean up.

    Worker processes never run this handler: they are forked with SIGTERM blocked and restore the
    default action before unblocking it (:mod:`relclf.parallel.workers`).
    """

    def handler(signum: int, frame: object) -> None:
        raise _Terminated

    signal.signal(signal.SIGTERM, handler)


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the exit flush does not fail again (full disk)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
