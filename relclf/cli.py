"""Command-line interface: a thin layer over :mod:`relclf.api`.

Every command checks its arguments, calls one API function and prints what it returns. The errors
relclf raises for users (:class:`~relclf.errors.RelclfError`) and the I/O errors of the environment
end with one line ``relclf: error: ...`` and the exit status of :data:`EXIT_STATUSES`; any other
exception is a bug, reported as one line that says so (status 70), with its traceback under
``--traceback`` or ``RELCLF_TRACEBACK=1``. Everything that
concerns the process rather than the work (logging to stderr, signals, exit statuses, ``gc.freeze``,
option names in messages) is decided here, never in the library.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import difflib
import faulthandler
import gc
import json
import logging
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

from . import api
from ._version import __version__
from .errors import DownloadError, InputError, OutputError, RelclfError, UsageError, WorkerError
from .extract.model import DECISION_RULES
from .io.files import check_outputs, check_writable
from .io.formats import INPUT_FORMATS, OUTPUT_FORMATS, output_format_of
from .persistence import cross_validation_lines

__all__ = ["build_parser", "entry_point", "main"]

DEMO = "relclf predict examples/36727001.pubtator"
# what the library cannot say about a dead worker: which options make a run lighter
WORKER_HINT = "try fewer --n-jobs or a lower --max-pairs-per-doc"
CORPORA = ("biored", "bc5cdr")
# The exit statuses, as `relclf -h` and docs/cli.md list them. A runtime failure is one of the
# environment while the work is done (an output that cannot be written, the network, a worker
# process killed); usage errors and invalid inputs or models are the user's to fix.
# An internal error (a bug) exits with EX_SOFTWARE of sysexits.h.
EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_CLOSED_PIPE, EXIT_TERMINATED = 0, 1, 2, 130, 141, 143
EXIT_INTERNAL = 70
EXIT_STATUSES = f"""exit status:
  {EXIT_OK}    done
  {EXIT_RUNTIME}    runtime failure: an output cannot be written (disk full, read-only), the network,
       a worker process died
  {EXIT_USAGE}    usage error, or invalid input or model (the message names the file and line)
  {EXIT_INTERNAL}   internal error: a bug in relclf (--traceback shows where; please report it)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
  {EXIT_CLOSED_PIPE}  the reader of the output went away (relclf predict ... | head), as SIGPIPE would;
       0 when everything was written
  {EXIT_TERMINATED}  terminated (SIGTERM)"""
# errors of the environment rather than of the user's input
_RUNTIME_ERRORS = (OutputError, WorkerError, DownloadError)
# the environment variable that asks for tracebacks, as --traceback does
TRACEBACK_VARIABLE = "RELCLF_TRACEBACK"

log = logging.getLogger("relclf")


# -- the commands ------------------------------------------------------------------------------------
class _SkipCounter:
    """Reports each skipped invalid unit (document, mention or relation) as a warning line and counts them."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {"document": 0, "mention": 0, "relation": 0}

    @property
    def count(self) -> int:
        """Documents skipped."""
        return self.counts["document"]

    def __call__(self, error: InputError) -> None:
        from tqdm import tqdm

        scope = getattr(error, "scope", "document")
        self.counts[scope] = self.counts.get(scope, 0) + 1
        # tqdm.write prints above a progress bar when one is drawn, like print otherwise
        tqdm.write(f"relclf: warning: {error} ({scope} skipped)", file=sys.stderr)

    def report(self) -> None:
        """Print the final count of skipped documents (always, so that scripts can rely on it), then of
        mentions and relations when some were skipped."""
        parts = [f"{n} invalid {scope}(s)" for scope, n in self.counts.items() if n or scope == "document"]
        print(f"relclf: skipped {', '.join(parts)}", file=sys.stderr)


def _error_handler(args: argparse.Namespace) -> _SkipCounter | None:
    return _SkipCounter() if getattr(args, "skip_invalid", False) else None


def _corpora(specs: list[str] | None) -> dict[str, Sequence[str | os.PathLike[str]]] | None:
    """``--corpus NAME=FILE`` options as name -> files, in the order the names first come (None without any)."""
    if not specs:
        return None
    corpora: dict[str, list[str | os.PathLike[str]]] = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        if not name.strip() or not path:
            raise UsageError(f"--corpus takes NAME=FILE (a corpus name, then its file), not {spec!r}")
        corpora.setdefault(name.strip(), []).append(path)
    return dict(corpora)


def _load_model(args: argparse.Namespace) -> Any:
    """Load (and verify) the model a command names, then take it out of the garbage collector's reach.

    The model lives as long as the process: freezing it (and the imported libraries) stops full
    collections from rescanning its large vocabularies again and again (about 10% of prediction time).
    """
    model = api.resolve_model(args.model, schema=getattr(args, "schema", None))
    gc.freeze()
    return model


def _cmd_train(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    params = {
        "random_state": args.seed,
        "cv": args.cv,
        "max_pairs_per_doc": _pair_cap(args),
        "n_jobs": args.n_jobs,
        "rule": args.rule,
    }
    if args.threshold is not None:
        params["threshold"] = args.threshold
    result = api.train(
        args.files,
        args.output,
        corpora=_corpora(args.corpus),
        dev=args.dev,
        params=params,
        on_error=skipper,
        progress=args.progress,
        format=args.format,
    )
    est = result.estimator
    r = result.recall
    print(f"corpus: {result.stats.summary()}")
    print(f"type pairs: {', '.join(est.type_pairs_)}")
    print(
        f"candidates: {est.n_training_candidates_:,}; candidate recall {r.recall:.4f} ({r.covered:,} of "
        f"{r.gold - r.self_relations:,} gold relations between distinct IDs; {r.self_relations} self-relations)"
    )
    on = "the probability of being related" if est.rule_ == "pair" and args.threshold is None else "the score"
    print(
        f"threshold: {est.threshold_:.3f} on {on} (chosen by {args.cv}-fold cross-validation)"
        if args.threshold is None
        else f"threshold: {est.threshold_:.3f} on {on}"
    )
    for line in cross_validation_lines(est.cv_scores_):
        print(line)
    if len(est.schemas_) > 1:
        for name, fitted in est.schemas_.items():
            print(
                f"schema {name}: labels {', '.join(fitted.labels)}; type pairs {', '.join(fitted.type_pairs)}; "
                f"threshold {fitted.choices.threshold:.3f}"
            )
    print(f"training time: {result.seconds:.1f} s")
    if result.dev_scores is not None:
        print(f"scores on {args.dev}:")
        print(result.dev_scores.table())
    print(f"model saved to {args.output}")
    if skipper:
        skipper.report()
    return 0


def _evaluate_options(args: argparse.Namespace, skipper: _SkipCounter | None) -> dict[str, Any]:
    """The keyword arguments that ``evaluate`` passes to api.evaluate / api.evaluate_details."""
    return {
        "training_documents": api.training_digests(args.model),
        "threshold": args.threshold,
        "min_precision": args.min_precision,
        "on_error": skipper,
        "n_jobs": args.n_jobs,
        "progress": args.progress,
        "format": args.format,
        "max_pairs_per_doc": _pair_cap(args),
        "passages": args.passages,
    }


def _cmd_evaluate(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    plot_files = []
    if args.plots:
        from .evaluation import plots

        plots.require_matplotlib()  # before the work, so that a missing extra fails at once
        plot_files = [os.path.join(args.plots, name) for name in plots.PLOTS]
    if args.output is not None and output_format_of(args.output) != "html":
        raise UsageError(
            f"{args.output}: -o/--output writes a review page of gold versus predictions: name it .html (predictions "
            "in other formats: relclf predict)"
        )
    outputs = [args.json, args.errors, args.output]
    check_outputs([*outputs, *plot_files], [*args.gold, *api.model_files(args.model)])
    for output in outputs:
        check_writable(output)
    model = _load_model(args)
    if args.plots or args.errors or args.output:  # every pair's outcome is needed
        details = api.evaluate_details(args.gold, model, **_evaluate_options(args, skipper))
        scores = details.scores
        print(scores.table())
        title = f"{', '.join(args.gold)} ({_plural(scores.documents, 'document')})"
        for path in plots.write_plots(details, args.plots, title=title) if args.plots else []:
            print(f"wrote {path}")
        if args.errors:
            print(f"wrote {args.errors}: {_plural(api.write_errors(details, args.errors), 'error')}")
        if args.output:
            api.write_outcome_page(details, args.output)
            print(f"wrote {args.output}: gold versus predictions, each relation marked right, wrong or missed")
    else:
        scores = api.evaluate(args.gold, model, **_evaluate_options(args, skipper))
        print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    if skipper:
        skipper.report()
    return 0


def _predict_options(args: argparse.Namespace, skipper: _SkipCounter | None) -> dict[str, Any]:
    """The keyword arguments that ``predict`` passes to api.predict_file / api.predict_files."""
    return {
        "threshold": args.threshold,
        "min_precision": args.min_precision,
        "with_scores": args.with_scores,
        "on_error": skipper,
        "n_jobs": args.n_jobs,
        "scheduler": args.scheduler,
        "input_format": args.format,
        "output_format": args.output_format,
        "min_score": args.min_score,
        "keep_relations": args.keep_relations,
        "max_pairs_per_doc": _pair_cap(args),
        "passages": args.passages,
    }


def _cmd_predict(args: argparse.Namespace) -> int:
    if args.output_dir is not None:
        return _cmd_predict_many(args)
    skipper = _error_handler(args)
    sources = api.input_files(args.input)  # the files of directories and globs, found (and said) once
    check_outputs([args.output], [*sources, *api.model_files(args.model)])  # before the model is loaded
    output_format_of(args.output, args.output_format)  # an output relclf cannot write, too
    model = _load_model(args)
    count = api.predict_file(sources, args.output, model, progress=args.progress, **_predict_options(args, skipper))
    log.info("wrote %s", _plural(count, "document"))
    if skipper:
        skipper.report()
    return 0


def _cmd_predict_many(args: argparse.Namespace) -> int:
    """Inputs (files, directories, globs): one output per input file in --output-dir."""
    if args.output is not None:
        raise InputError(args.output, 0, "-o/--output names one file; with --output-dir leave it out")
    if "-" in args.input:
        raise InputError("-", 0, "standard input cannot be used with --output-dir")
    skipper = _error_handler(args)
    # the inputs are found (directories warn about the files they leave out) and checked before the model is loaded
    pairs = api.output_paths(args.input, args.output_dir, args.output_format)
    check_outputs([target for _, target in pairs], api.model_files(args.model))
    model = _load_model(args)
    results = api.predict_files(
        [source for source, _ in pairs], args.output_dir, model, **_predict_options(args, skipper)
    )
    for result in results:
        log.info("%s -> %s: %s", result.source, result.output, _plural(result.documents, "document"))
    if skipper:
        skipper.report()
    return 0


def _cmd_convert(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    count = api.convert(
        args.input,
        args.output,
        input_format=args.format,
        output_format=args.output_format,
        with_scores=args.with_scores,
        on_error=skipper,
        n_jobs=args.n_jobs,
    )
    log.info("wrote %s", _plural(count, "document"))
    if skipper:
        skipper.report()
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    check_outputs([args.json], [args.gold, args.predicted])
    check_writable(args.json)
    training = api.training_digests(args.model) if args.model else None
    labels = api.card_labels(args.model) if args.model else None
    scores = api.score_files(args.gold, args.predicted, format=args.format, training_documents=training, labels=labels)
    print(scores.table())
    if args.json:
        _write_json(args.json, scores.as_dict())
    return 0


def _cmd_apply_decisions(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    counts = api.apply_decisions(
        args.predictions,
        args.decisions,
        args.output,
        undecided_as_rejected=args.undecided_as_rejected,
        input_format=args.format,
        output_format=args.output_format,
        on_error=skipper,
    )
    where = "standard output" if args.output in (None, "-") else args.output
    undecided = f", {counts.undecided:,} undecided left out as rejected" if args.undecided_as_rejected else ""
    print(
        f"wrote {counts.documents:,} reviewed document{'s' * (counts.documents != 1)} to {where}: "
        f"{counts.relations:,} relation{'s' * (counts.relations != 1)} ({counts.accepted:,} accepted, "
        f"{counts.corrected:,} corrected, {counts.added:,} added; {counts.rejected:,} rejected{undecided})",
        file=sys.stderr if args.output in (None, "-") else sys.stdout,
    )
    if counts.incomplete:
        print(
            f"relclf: warning: left out {counts.incomplete:,} document(s) with undecided relations (decide them on the "
            "page, or write them with --undecided-as-rejected)",
            file=sys.stderr,
        )
    if skipper:
        skipper.report()
    return 0


def _cmd_select(args: argparse.Namespace) -> int:
    skipper = _error_handler(args)
    check_outputs([args.output], [*args.pool, *args.exclude, *api.model_files(args.model)])
    model = _load_model(args)
    result = api.select(
        args.pool,
        model,
        args.output,
        n=args.n,
        strategy=args.strategy,
        diversity=not args.no_diversity,
        seed=args.seed,
        exclude=args.exclude,
        threshold=args.threshold,
        min_precision=args.min_precision,
        input_format=args.format,
        output_format=args.output_format,
        on_error=skipper,
        n_jobs=args.n_jobs,
        max_pairs_per_doc=_pair_cap(args),
        progress=args.progress,
        training_documents=api.training_digests(args.model),
    )
    report = sys.stderr if args.output == "-" else sys.stdout  # the documents themselves may go to stdout
    how = f"{args.strategy} sampling{' with diversity' if result.diversity else ''}"
    left = []
    if result.trained_on:
        left.append(f"{result.trained_on:,} the model was trained on")
    if result.excluded:
        left.append(f"{result.excluded:,} excluded")
    print(
        f"chose {len(result.selections):,} of {result.pool:,} documents by {how}"
        + (f" (left out: {', '.join(left)})" if left else "")
        + f"; wrote them with the model's predictions to {'standard output' if report is sys.stderr else args.output}",
        file=report,
    )
    print("rank\tdocument\tvalue\twhy", file=report)
    for s in result.selections:
        print(f"{s.rank}\t{s.document.pmid}\t{s.value:.3f}\t{s.reason}", file=report)
    if skipper:
        skipper.report()
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    if args.file is None and (args.doc or args.pair):
        raise UsageError("--doc and --pair need a FILE to read the document from")
    if args.file is not None and args.doc is None:
        raise UsageError("with a FILE, give --doc ID and --pair ID1 ID2")
    model = _load_model(args)
    if args.file is not None and args.pair is None:
        pairs = api.top_pairs(model, args.file, doc=args.doc, format=args.format)
        top = ", ".join(f"{a} {b} ({score:.3f})" for a, b, score in pairs[:5])
        raise UsageError(
            f"give the pair to explain with --pair ID1 ID2; the top-scored pairs of document {args.doc}: "
            f"{top or 'none'}"
        )
    explanation = api.explain(
        model, args.file, doc=args.doc, pair=tuple(args.pair) if args.pair else None, k=args.top, format=args.format
    )
    from .evaluation.explain import PairExplanation  # loaded by api.explain already

    print(explanation.text(args.top) if isinstance(explanation, PairExplanation) else explanation.text())
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    from .download import download

    result = download(
        args.corpus, args.dest, sha256=args.sha256, base_url=args.base_url, url=args.url, progress=args.progress
    )
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
        print(f"train with: relclf train {train}" + (f" --dev {dev}" if dev else "") + f" -o {args.corpus}.npz")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    card = api.model_info(args.model)
    if args.json:
        print(json.dumps(card, indent=2, sort_keys=True))
    else:
        print(api.format_model_card(card))
    if card.get("verified") is False:
        print(
            f"relclf: error: {args.model}: does not match the sha256 recorded beside it; it would be refused",
            file=sys.stderr,
        )
        return 2
    return 0


def _pair_cap(args: argparse.Namespace) -> int | None:
    return args.max_pairs_per_doc  # None: no cap (the parser turns "none" into None)


def _write_json(path: str, data: dict[str, Any]) -> None:
    from .io.files import atomic_writer, is_gzip_name

    with atomic_writer(path, compress=is_gzip_name(path)) as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


# -- the parser ------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that remembers the option strings added to it (for "did you mean" hints)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.option_names: list[str] = []  # before argparse's __init__, which adds -h
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """Add an argument as argparse does, and remember its option strings."""
        action = super().add_argument(*args, **kwargs)
        self.option_names.extend(action.option_strings)
        return action

    def add_mutually_exclusive_group(self, **kwargs: Any) -> argparse._MutuallyExclusiveGroup:
        """A group of arguments of which one may be given; their option strings are remembered too."""
        group = super().add_mutually_exclusive_group(**kwargs)
        add = group.add_argument

        def remembering(*args: Any, **more: Any) -> argparse.Action:
            action = add(*args, **more)
            self.option_names.extend(action.option_strings)
            return action

        group.add_argument = remembering  # type: ignore[method-assign]  # replacing it is the point
        return group


# train --rule: the model's decision rules, or the one of best cross-validated type F1
RULES = (*DECISION_RULES, "auto")


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    """An argparse ``type`` accepting one of ``options`` and suggesting the closest on a typo."""

    def check(value: str) -> str:
        if value in options:
            return value
        raise argparse.ArgumentTypeError(
            f"invalid choice: {value!r} (choose from {', '.join(options)}){_did_you_mean(value, options)}"
        )

    return check


def _probability(text: str) -> float:
    """An argparse ``type``: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text!r} is not a probability between 0 and 1")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number >= ``minimum``."""

    def check(text: str) -> int:
        value = _whole(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number >= {minimum}")
        return value

    check.__name__ = f"at_least_{minimum}"
    return check


def _pair_cap_value(text: str) -> int | None:
    """An argparse ``type`` for --max-pairs-per-doc: a whole number >= 1, or ``none`` for no cap."""
    if text.strip().lower() == "none":
        return None
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number >= 1, or 'none' for no cap")
    return value


def _n_jobs(text: str) -> int:
    """An argparse ``type`` for --n-jobs: a number of processes >= 1, or -1 for all CPUs."""
    value = _whole(text)
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of worker processes >= 1, or -1 for all CPUs")
    return value


def _seed(text: str) -> int:
    """An argparse ``type`` for --seed: what numpy accepts, 0 to 2**32 - 1."""
    value = _whole(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from 0 to {2**32 - 1}")
    return value


def _did_you_mean(word: str, options: Sequence[str]) -> str:
    """``; did you mean 'OPTION'?`` for the option ``word`` was likely meant as, or nothing.

    An option whose last part is the word (``xml`` for ``bioc-xml``) is meant before a close spelling.
    """
    close = [o for o in options if o.endswith(f"-{word}")] or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _plural(count: int, noun: str) -> str:
    """``1 document``, ``2 documents``: a count and its noun, in the singular or the plural."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _common_options() -> argparse.ArgumentParser:
    """-v, -q and --traceback, accepted after the command too (relclf predict FILE -q); SUPPRESS keeps the main ones."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log progress details to stderr"
    )
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS, help=_TRACEBACK_HELP)
    return common


def _add_schema(p: _Parser) -> None:
    p.add_argument(
        "--schema",
        metavar="NAME",
        help="answer in this schema of a model trained on several corpora (default: its first; relclf info lists them)",
    )


def _add_model(p: _Parser) -> None:
    p.add_argument("-m", "--model", metavar="MODEL", help="model file (default: the bundled BioRED model)")
    _add_schema(p)
    cut = p.add_mutually_exclusive_group()
    cut.add_argument(
        "--threshold", type=_probability, help="override the model's decision threshold (0-1): a calibrated score"
    )
    cut.add_argument(
        "--min-precision",
        type=_probability,
        metavar="P",
        help="use the lowest threshold at which cross-validation on the training documents reached precision P (pair "
        "and label right); says which, and the recall expected",
    )
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="processes sharing the work, this one included (default 1; -1: one per CPU); output identical to a "
        "serial run",
    )


def _add_formats(p: _Parser, *, output: bool) -> None:
    p.add_argument(
        "--format",
        type=_choice(INPUT_FORMATS),
        metavar="{" + ",".join(INPUT_FORMATS) + "}",
        help="input format (default: from the extension, else the content)",
    )
    if output:
        p.add_argument(
            "--output-format",
            type=_choice(OUTPUT_FORMATS),
            metavar="{" + ",".join(OUTPUT_FORMATS) + "}",
            help="output format (default: from the output's extension; PubTator for stdout)",
        )


def _add_pair_cap(p: _Parser) -> None:
    p.add_argument(
        "--max-pairs-per-doc",
        type=_pair_cap_value,
        default=api.DEFAULT_MAX_PAIRS_PER_DOC,
        metavar="N",
        help=f"keep at most N candidate pairs per document, those whose mentions are closest, with a warning "
        f"naming the document (default {api.DEFAULT_MAX_PAIRS_PER_DOC:,}; 'none': no cap)",
    )


def _passage_kinds(text: str) -> frozenset[str] | str:
    """An argparse ``type`` for --passages: kinds separated by commas, or ``all``."""
    if text.strip().lower() == api.ALL_PASSAGES:
        return api.ALL_PASSAGES
    kinds = frozenset(k.strip().lower() for k in text.split(",") if k.strip())
    if not kinds:
        raise argparse.ArgumentTypeError(f"{text!r}: give passage types separated by commas, or 'all'")
    return kinds


def _add_passages(p: _Parser) -> None:
    p.add_argument(
        "--passages",
        type=_passage_kinds,
        metavar="KINDS",
        help="the passages of a full text the model reads: types separated by commas (title,abstract,intro,methods,"
        "results,discuss,concl...), matched against each passage's section_type and type infons, or 'all' "
        "(default: all but " + ", ".join(sorted(api.PASSAGES_LEFT_OUT)) + "); the output keeps every passage",
    )


def _add_skip(p: _Parser) -> None:
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="skip what is invalid with a warning instead of stopping: a bad mention or relation line alone, else its "
        "document",
    )


def _train_parser(p: _Parser) -> None:
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="training files (PubTator or BioC with relations; directories and globs give their document files)",
    )
    p.add_argument(
        "--corpus",
        action="append",
        metavar="NAME=FILE",
        help="train on several corpora, each in its own schema (labels, type pairs): a file of corpus NAME "
        "(repeat it for every file of every corpus; no FILE arguments then); the first corpus is the model's "
        "default schema, --dev scores it",
    )
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to save the model")
    p.add_argument("--dev", metavar="FILE", help="gold file to score the trained model on")
    p.add_argument(
        "--threshold", type=_probability, help="fixed detector threshold instead of choosing it by cross-validation"
    )
    p.add_argument(
        "--cv",
        type=_at_least(2),
        default=5,
        metavar="K",
        help="cross-validation folds for the threshold (default 5; at least 2)",
    )
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="random seed (default 0); the same files, options and seed give the same model",
    )
    p.add_argument(
        "--rule",
        type=_choice(RULES),
        default="pair",
        help="which pairs are predicted: pair (default: those whose probability of being related reaches a threshold "
        "chosen for pair F1, whatever their label), detector_x_label or detector (those whose score reaches a "
        "threshold chosen for type F1), auto (the rule of best cross-validated type F1)",
    )
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="processes for cross-validation and fitting (default 1; -1: one per CPU); same model as a serial run",
    )
    _add_formats(p, output=False)
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_train)


def _evaluate_parser(p: _Parser) -> None:
    p.add_argument(
        "gold",
        nargs="+",
        metavar="GOLD",
        help="gold files with relation lines (directories and globs give their document files; several are one corpus)",
    )
    _add_model(p)
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    p.add_argument(
        "--errors",
        metavar="TSV",
        help="also write every error (missed, spurious, wrong label or novelty) as TSV rows with the entities' names, "
        "the labels, the score and the sentence where the entities meet",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="HTML",
        help="also write a review page of gold versus predictions, each relation marked right, wrong label or "
        "novelty, missed or spurious",
    )
    p.add_argument("--plots", metavar="DIR", help='also draw PNG figures into DIR (needs: pip install "relclf[plots]")')
    _add_formats(p, output=False)
    _add_pair_cap(p)
    _add_passages(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_evaluate)


def _predict_parser(p: _Parser) -> None:
    p.add_argument(
        "input",
        nargs="*",
        metavar="INPUT",
        help="input files (PubTator, BioC XML or JSON; gzip too), directories or globs, predicted into one output; "
        "or - for stdin (the default when stdin is not a terminal); with --output-dir: one output per input file",
    )
    _add_model(p)
    p.add_argument(
        "-o", "--output", metavar="OUTPUT", help="output file (default: stdout); its format follows its extension"
    )
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write one output per input file here, under the input's file name and in its format (with "
        "--output-format: that format's extension)",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help='run on this dask.distributed scheduler (e.g. tcp://host:8786; needs: pip install "relclf[dask]")',
    )
    p.add_argument("--with-scores", action="store_true", help="add each relation's score as a 6th column")
    p.add_argument("--min-score", type=_probability, metavar="S", help="drop predicted relations scoring below S (0-1)")
    p.add_argument(
        "--keep-relations",
        action="store_true",
        help="keep the input's relation lines; add predictions only for pairs without one",
    )
    _add_formats(p, output=True)
    _add_pair_cap(p)
    _add_passages(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_predict)


def _explain_parser(p: _Parser) -> None:
    p.add_argument("file", nargs="?", metavar="FILE", help="file holding the document (with --doc and --pair)")
    p.add_argument("-m", "--model", metavar="MODEL", help="model file (default: the bundled BioRED model)")
    _add_schema(p)
    p.add_argument("--doc", metavar="ID", help="document (PMID) of FILE to explain")
    p.add_argument("--pair", nargs=2, metavar=("ID1", "ID2"), help="the entity pair to explain")
    p.add_argument(
        "-k", "--top", type=_at_least(1), default=10, metavar="K", help="features to show per list (default 10)"
    )
    _add_formats(p, output=False)
    p.set_defaults(run=_cmd_explain)


def _convert_parser(p: _Parser) -> None:
    p.add_argument(
        "input",
        nargs="*",
        metavar="INPUT",
        help="input files (gzip too), directories or globs, converted into one output; or - for stdin (the default "
        "when stdin is not a terminal)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="output file (default: stdout); format from its extension (.gz: compressed)",
    )
    p.add_argument("--with-scores", action="store_true", help="PubTator output: write relation scores as a 6th column")
    p.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        metavar="N",
        help="processes parsing the input (default 1; -1: one per CPU); the same output as a serial run",
    )
    _add_formats(p, output=True)
    _add_skip(p)
    p.set_defaults(run=_cmd_convert)


def _apply_decisions_parser(p: _Parser) -> None:
    p.add_argument("predictions", metavar="PREDICTIONS", help="the file the review page was made from")
    p.add_argument("decisions", metavar="DECISIONS", help="the page's decisions file (All decisions as TSV)")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUTPUT",
        help="the reviewed documents (default: stdout, PubTator); its format follows its extension",
    )
    p.add_argument(
        "--undecided-as-rejected",
        action="store_true",
        help="write every document, leaving out its undecided relations as rejected ones (default: only the "
        "documents whose every relation is decided)",
    )
    _add_formats(p, output=True)
    _add_skip(p)
    p.set_defaults(run=_cmd_apply_decisions)


def _select_parser(p: _Parser) -> None:
    from .curation.selection import STRATEGIES

    p.add_argument(
        "pool",
        nargs="+",
        metavar="POOL",
        help="documents to choose from (files, directories or globs; PubTator or BioC)",
    )
    _add_model(p)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="the chosen documents with the model's predictions, most informative first (.html: a review page "
        "that shows why each was chosen; -: stdout, PubTator, the report then on stderr)",
    )
    p.add_argument("-n", type=_at_least(1), default=50, metavar="N", help="how many documents to choose (default 50)")
    p.add_argument(
        "--strategy",
        type=_choice(STRATEGIES),
        default="margin",
        metavar="{" + ",".join(STRATEGIES) + "}",
        help="margin (default): pairs whose two likeliest outcomes are close; uncertainty: pairs whose score is "
        "near 0.5; random: a baseline",
    )
    p.add_argument(
        "--no-diversity",
        action="store_true",
        help="choose by value alone (default: keep near-duplicate documents apart)",
    )
    p.add_argument("--seed", type=_seed, default=0, help="random seed of --strategy random and of ties (default 0)")
    p.add_argument(
        "--exclude",
        nargs="+",
        default=[],
        metavar="FILE",
        help="never choose documents whose IDs are in these files (those annotated already); documents the model "
        "was trained on are never chosen",
    )
    _add_formats(p, output=True)
    _add_pair_cap(p)
    _add_skip(p)
    p.set_defaults(run=_cmd_select)


def _download_parser(p: _Parser) -> None:
    p.add_argument("corpus", type=_choice(CORPORA), metavar="{" + ",".join(CORPORA) + "}", help="which corpus")
    p.add_argument("--dest", required=True, metavar="DIR", help="directory to unpack into (files go to DIR/CORPUS/)")
    p.add_argument("--sha256", metavar="HEX", help="expected SHA-256 of the archive; a mismatch keeps nothing")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="fetch the archive from this directory URL instead (a mirror); also $RELCLF_DOWNLOAD_BASE",
    )
    p.add_argument("--url", metavar="URL", help="fetch the archive from exactly this URL")
    p.set_defaults(run=_cmd_download)


def _score_parser(p: _Parser) -> None:
    # one argument each, so that it is clear which is which: several files are a directory or a quoted glob
    p.add_argument("gold", metavar="GOLD", help="gold file, directory or quoted glob")
    p.add_argument("predicted", metavar="PRED", help="prediction file, directory or quoted glob")
    p.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help="the model that predicted PRED: warn if GOLD holds documents it was trained on",
    )
    p.add_argument("--json", metavar="OUT", help="also write the scores as JSON")
    _add_formats(p, output=False)
    p.set_defaults(run=_cmd_score)


def _info_parser(p: _Parser) -> None:
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--json", action="store_true", help="print the card as JSON")
    p.set_defaults(run=_cmd_info)


# command -> (help, the function that adds its arguments)
COMMANDS: dict[str, tuple[str, Callable[[_Parser], None]]] = {
    "train": ("train a model on PubTator files with relation lines", _train_parser),
    "evaluate": ("predict on a gold file (relations hidden) and score", _evaluate_parser),
    "predict": ("predict relations for annotated abstracts", _predict_parser),
    "explain": ("show a model's strongest features, or why it decided a pair", _explain_parser),
    "convert": ("convert between PubTator, BioC XML, BioC JSON (and to JSON Lines / TSV rows)", _convert_parser),
    "download": ("fetch a public corpus (BioRED, BC5CDR) and unpack its PubTator files", _download_parser),
    "score": ("score a prediction file against a gold file", _score_parser),
    "info": ("print a model's card (read without loading the model)", _info_parser),
    "select": ("choose the documents to annotate next (uncertainty or margin sampling)", _select_parser),
    "apply-decisions": (
        "write the reviewed documents a review page's decisions file makes of its predictions",
        _apply_decisions_parser,
    ),
}
# options of the main parser, which may come before the command
_GLOBAL_OPTIONS = ("-h", "--help", "--version", "-v", "--verbose", "-q", "--quiet", "--traceback")
_TRACEBACK_HELP = f"print the traceback of an error that ends the run (or set {TRACEBACK_VARIABLE}=1)"


def build_parser() -> tuple[_Parser, dict[str, _Parser]]:
    """The argument parser and, by command name, each command's parser."""
    parser = _Parser(
        prog="relclf",
        description="Relation extraction from entity-annotated PubMed abstracts (PubTator, BioC).",
        epilog=f"{EXIT_STATUSES}\n\nTry: {DEMO}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"relclf {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars (they are shown only when stderr is a terminal)"
    )
    parser.add_argument("--traceback", action="store_true", help=_TRACEBACK_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _common_options()
    commands = {}
    for name, (help_text, add_arguments) in COMMANDS.items():
        # typeshed wants parents of the subparsers' class (_Parser); argparse takes any ArgumentParser
        commands[name] = sub.add_parser(name, help=help_text, parents=[common])  # type: ignore[list-item]
        add_arguments(commands[name])
    return parser, commands


def _command_word(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: its first word that is not a main-parser option."""
    for word in argv:
        if word not in _GLOBAL_OPTIONS:
            return word
    return None


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv``; a mistyped command or option ends with argparse's usage error and a "did you mean" hint."""
    parser, commands = build_parser()
    word = _command_word(argv)
    if word is not None and not word.startswith("-") and word not in commands:
        parser.error(
            f"argument COMMAND: invalid choice: {word!r} (choose from "
            f"{', '.join(commands)}){_did_you_mean(word, list(commands))}"
        )
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        known = parser.option_names + (commands[args.command].option_names if args.command else [])
        hints = {
            w: close[0]
            for w in unknown
            if w.startswith("-") and (close := difflib.get_close_matches(w.split("=")[0], known, n=1, cutoff=0.6))
        }
        hint = ""
        if len(hints) == 1:
            hint = f"; did you mean {next(iter(hints.values()))!r}?"
        elif hints:
            hint = f"; did you mean {', '.join(f'{v!r} (for {k!r})' for k, v in hints.items())}?"
        parser.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")  # as argparse reports them
    if args.command in _READS_STDIN and getattr(args, "input", None) in (None, []):
        if _stdin_is_terminal():
            commands[args.command].error(
                "the following arguments are required: INPUT (or pipe documents into standard input)"
            )
        args.input = ["-"] if isinstance(args.input, list) else "-"
    return args


# commands whose INPUT is standard input when it is left out and standard input is not a terminal
_READS_STDIN = ("predict", "convert")


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced: nothing to read from
        return True


# -- running -----------------------------------------------------------------------------------------
class _Formatter(logging.Formatter):
    """``relclf: message``, and ``relclf: warning: message`` for warnings and worse."""

    def format(self, record: logging.LogRecord) -> str:
        message = super().format(record)
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return f"relclf: {level}{message}"


@contextlib.contextmanager
def _logging_to_stderr(verbose: bool) -> Iterator[None]:
    """Send the library's log records (``relclf.*`` loggers) to stderr for one run, then restore."""
    logger = logging.getLogger("relclf")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    saved = logger.level, logger.propagate
    logger.setLevel(logging.INFO if verbose else api.NOTE)  # notes (the threshold chosen) always
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _progress_redirect(enabled: bool) -> contextlib.AbstractContextManager[Any]:
    """While bars are drawn, log lines go above them instead of through them."""
    if not enabled:
        return contextlib.nullcontext()
    from tqdm.contrib.logging import logging_redirect_tqdm

    return logging_redirect_tqdm(loggers=[logging.getLogger("relclf")])


class _Terminated(BaseException):
    """Raised in the main process on SIGTERM so that temporary outputs are removed on the way out."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Safe to call repeatedly in one process (tests do): logging is configured for the run only.
    """
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        build_parser()[0].print_usage(sys.stderr)
        print(f"relclf: a command is needed. Try: {DEMO}", file=sys.stderr)
        return EXIT_USAGE
    from .progress import should_show

    args.progress = should_show(args.quiet)
    show = args.traceback or os.environ.get(TRACEBACK_VARIABLE, "") not in ("", "0")
    try:
        with _logging_to_stderr(args.verbose), _progress_redirect(args.progress):
            return args.run(args)
    except BrokenPipeError:  # the reader of our output went away (| head): not a failure, and nothing to say
        return EXIT_CLOSED_PIPE
    except _RUNTIME_ERRORS as error:
        hint = f"; {WORKER_HINT}" if isinstance(error, WorkerError) else ""
        return _error(error, f"{error}{hint}", EXIT_RUNTIME, show)
    except RelclfError as error:  # bad input, model or request: one line
        return _error(error, str(error), EXIT_USAGE, show)
    except OSError as error:  # reading failed under us (a device error, a file that vanished)
        where = f"{error.filename}: " if error.filename else ""
        return _error(error, f"{where}{error.strerror or error}", EXIT_RUNTIME, show)
    except MemoryError as error:
        return _error(error, "out of memory; try fewer --n-jobs or a lower --max-pairs-per-doc", EXIT_RUNTIME, show)
    except KeyboardInterrupt:
        print("relclf: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except _Terminated:
        print("relclf: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as error:  # anything else is a bug of relclf: said as such, its traceback kept
        if _STOPPED_BY:
            # A stop signal that lands while an import runs comes out of it as another exception: Ctrl-C or
            # SIGTERM in a compiled extension's initialization (scipy's, imported as training starts) as
            # "ImportError: initialization failed", in a class body as "RuntimeError: Error calling
            # __set_name__". The user asked to stop: say that, not "internal error".
            return _stopped()
        return _internal_error(error, show)
    finally:
        gc.unfreeze()


def _stopped() -> int:
    """Say that the last stop signal received (:data:`_STOPPED_BY`) ended the run; return its exit status."""
    if _STOPPED_BY[-1] == signal.SIGTERM:
        print("relclf: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    print("relclf: interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _error(error: BaseException, message: str, status: int, show: bool) -> int:
    """Print ``relclf: error: MESSAGE`` (after the traceback of ``error`` when ``show``); return ``status``."""
    if show:
        traceback.print_exception(error, file=sys.stderr)
    print(f"relclf: error: {message}", file=sys.stderr)
    return status


def _internal_error(error: BaseException, show: bool) -> int:
    """Report an exception relclf did not raise for the user: a bug. One line saying so and how to report
    it, after the traceback when ``show``; return :data:`EXIT_INTERNAL`."""
    if show:
        traceback.print_exception(error, file=sys.stderr)
        how = "please report it with this traceback"
    else:
        how = "please report it with the output of the same command run with --traceback"
    what = " ".join(f"{type(error).__name__}: {error}".split())  # one line, however many the message has
    print(f"relclf: internal error: {what} (this is a bug in relclf; {how})", file=sys.stderr)
    return EXIT_INTERNAL


def entry_point() -> NoReturn:
    """The ``relclf`` command: run :func:`main` on ``sys.argv`` in this process and exit with its status.

    The process-wide set-up lives here, not in :func:`main`: SIGTERM becomes an exception (so that
    temporary outputs are removed and workers stopped on the way out), and ``kill -USR1 PID`` prints
    where a run that seems stuck is.
    """
    signal.signal(signal.SIGTERM, _raise_terminated)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # an ignored Ctrl-C stays ignored
        signal.signal(signal.SIGINT, _raise_interrupted)
    with contextlib.suppress(AttributeError, OSError, ValueError):  # not when stderr is no real file
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    _keep_freed_memory()
    status = main()
    sys.exit(_flush_stdout(status))


# glibc's malloc tunables (mallopt parameters, and the environment variables that set them at start-up)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MALLOC_TUNING = {_M_MMAP_THRESHOLD: 64 << 20, _M_TRIM_THRESHOLD: 256 << 20, _M_TOP_PAD: 64 << 20}
_MALLOC_ENVIRONMENT = {
    "MALLOC_MMAP_THRESHOLD_": _M_MMAP_THRESHOLD,
    "MALLOC_TRIM_THRESHOLD_": _M_TRIM_THRESHOLD,
    "MALLOC_TOP_PAD_": _M_TOP_PAD,
}


def _keep_freed_memory() -> None:
    """Have glibc keep freed memory for reuse, in this process and the workers it starts.

    Prediction allocates and frees numpy arrays of a few hundred KB to a few MB per batch; glibc maps
    each one afresh from the kernel and unmaps it when freed (above 128 KB), and the page faults of
    touching new memory took 5-8% of a prediction's time. Kept memory is reused instead; the peak
    resident size does not change. Nothing happens where the C library is not glibc.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return
    for parameter, value in _MALLOC_TUNING.items():
        mallopt(parameter, value)
    for name, parameter in _MALLOC_ENVIRONMENT.items():  # worker processes read these when they start
        os.environ.setdefault(name, str(_MALLOC_TUNING[parameter]))


#: The stop signals (SIGINT, SIGTERM) that reached the relclf command, whatever exception they became.
_STOPPED_BY: list[int] = []


def _raise_terminated(signum: int, frame: object) -> None:
    _STOPPED_BY.append(signum)
    raise _Terminated


def _raise_interrupted(signum: int, frame: object) -> None:
    """Python's own Ctrl-C handler (raise KeyboardInterrupt), noting that it ran."""
    _STOPPED_BY.append(signum)
    raise KeyboardInterrupt


def _flush_stdout(status: int) -> int:
    """Flush standard output before exiting; return the exit status.

    When that fails (the reader went away, the disk is full), standard output is pointed at
    /dev/null so that the interpreter's own flush at exit does not print a traceback; a run that
    succeeded but whose output could not all be delivered ends with the closed-pipe status.
    """
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_CLOSED_PIPE if status == EXIT_OK else status
    except OSError:
        _discard_stdout()
        return EXIT_RUNTIME if status == EXIT_OK else status
    return status


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that the exit flush does not fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
