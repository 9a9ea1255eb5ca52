"""The functions behind the CLI: train, evaluate, predict and score, callable from Python.

Each takes paths (or documents) and returns a value; printing is left to :mod:`relclf.cli`. This
module is a façade: what the commands need from the layers below (the files that arguments name,
:mod:`relclf.io.formats`; the model a caller means and its card, :mod:`relclf.persistence`) is
defined there and re-exported here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .document import Document, document_entities
from .errors import ErrorHandler, InputError, UsageError
from .evaluation.calibration import CUTOFFS, CalibrationAccumulator
from .evaluation.metrics import EvaluationDetails, ScoreAccumulator, Scores, evaluation_details
from .extract.calibration import CurvePoint
from .extract.candidates import DEFAULT_MAX_PAIRS_PER_DOC, CandidateRecall, candidate_recall
from .extract.model import Cut, RelationModel
from .extract.passages import ALL_PASSAGES, PassageChoice
from .extract.passages import LEFT_OUT as PASSAGES_LEFT_OUT
from .io.corpus import merge_documents, merged, read_inputs
from .io.files import PathLike, check_outputs, check_writable, display_name
from .io.formats import (
    input_files,
    output_format_of,
    output_paths,
    probe_input,
    read_documents,
    write_documents,
)
from .io.pubtator import Formatted
from .persistence import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_NAME,
    DEV_IN_TRAINING,
    LoadedModel,
    build_metadata,
    card_labels,
    default_model_path,
    document_digest,
    format_model_card,
    model_files,
    resolve_model,
    save_model,
    training_digests,
)
from .persistence import read_model_card as model_info
from .pipeline import PredictOptions, predicted_documents, read_in_chunks
from .progress import count_documents, stage, track

if TYPE_CHECKING:  # imported where used: training needs scikit-learn, prediction does not
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13 on

    from .curation.decisions import CurationCounts
    from .curation.selection import Selection
    from .evaluation.explain import ModelExplanation, PairExplanation
    from .extract.estimator import RelationExtractor


__all__ = [
    "ALL_PASSAGES",
    "DEFAULT_MAX_PAIRS_PER_DOC",
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_NAME",
    "NOTE",
    "PASSAGES_LEFT_OUT",
    "CorpusStats",
    "FileResult",
    "SelectionResult",
    "TrainResult",
    "apply_decisions",
    "card_labels",
    "convert",
    "corpus_stats",
    "default_model_path",
    "evaluate",
    "evaluate_details",
    "explain",
    "format_model_card",
    "input_files",
    "model_files",
    "model_info",
    "output_paths",
    "predict_file",
    "predict_files",
    "read_corpus",
    "score_files",
    "select",
    "seen_in_training",
    "threshold_for_precision",
    "top_pairs",
    "train",
    "training_digests",
    "write_errors",
    "write_outcome_page",
]

log = logging.getLogger(__name__)
# The level of what a caller should hear on every run though it is no warning (the threshold that a
# minimum precision chose): between INFO and WARNING, so that the CLI shows it without -v.
NOTE = logging.INFO + 5


def read_corpus(
    paths: Sequence[PathLike],
    on_error: ErrorHandler | None = None,
    format: str | None = None,
    *,
    progress: bool = False,
) -> list[Document]:
    """Read the documents of several files as one corpus (any input format; detected when ``format`` is
    None), with a bar per file if ``progress``. Directories and glob patterns give their document files.

    A document ID in several files is kept once, from the last file that holds it, and a file without
    documents is said, with warnings (the rule of :mod:`relclf.io.corpus`; files of different corpora
    are read by one call each).
    """
    inputs = []
    for path in input_files(paths):
        total = count_documents(path) if progress else None
        stream = read_inputs([path], format, on_error=on_error)
        inputs.append(
            (display_name(path), list(track(stream, enabled=progress, desc=f"reading {Path(path).name}", total=total)))
        )
    return merge_documents(inputs)


@dataclass(frozen=True)
class CorpusStats:
    """Counts describing a corpus."""

    documents: int
    mentions: int
    entities: int
    relations: int
    labels: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line, e.g. ``400 documents, 13,351 mentions, 3,535 entities, 4,178 relations``."""
        labels = ", ".join(f"{k} {v:,}" for k, v in sorted(self.labels.items(), key=lambda kv: -kv[1]))
        text = (
            f"{self.documents:,} documents, {self.mentions:,} mentions, {self.entities:,} entities, "
            f"{self.relations:,} relations"
        )
        return f"{text} ({labels})" if labels else text


def corpus_stats(documents: Iterable[Document]) -> CorpusStats:
    """Count documents, mentions, distinct entities per document, relations and labels."""
    n_docs = n_mentions = n_entities = n_relations = 0
    labels: Counter[str] = Counter()
    for document in documents:
        n_docs += 1
        n_mentions += len(document.mentions)
        n_entities += len(document_entities(document))
        n_relations += len(document.relations)
        labels.update(r.label for r in document.relations)
    return CorpusStats(n_docs, n_mentions, n_entities, n_relations, dict(labels))


@dataclass(frozen=True)
class TrainResult:
    """What training produced and measured."""

    model: LoadedModel
    estimator: RelationExtractor
    stats: CorpusStats
    recall: CandidateRecall
    seconds: float
    dev_scores: Scores | None = None


def train(
    paths: Sequence[PathLike],
    output: PathLike | None = None,
    *,
    corpora: dict[str, Sequence[PathLike]] | None = None,
    dev: PathLike | None = None,
    params: dict[str, Any] | None = None,
    on_error: ErrorHandler | None = None,
    format: str | None = None,
    progress: bool = False,
) -> TrainResult:
    """Train a model on annotated files (any input format) and optionally save it and score it on a dev file.

    Before the fit, the inputs are checked (every file opened, the dev file read in full), and so is
    ``output`` (it can be written and replaces no input), so that a mistake costs no training time.

    Parameters
    ----------
    paths : sequence of path
        Training files with gold relation lines (directories and glob patterns give their document files),
        one corpus; empty when ``corpora`` is given.
    output : path, optional
        Where to save the model (with ``OUTPUT.json`` metadata beside it).
    corpora : dict of str to sequence of path, optional
        Several corpora, each annotated in its own schema: name -> its files. The model learns one schema per
        corpus on the evidence they share (:mod:`relclf.extract.schemas`); the first is its default. Each
        corpus's files are read as one corpus (a document ID in two files of one corpus is kept once), and
        the same document in two corpora is kept in both.
    dev : path, optional
        A gold file to score the trained model on (its default schema).
    params : dict, optional
        Parameters of :class:`~relclf.extract.estimator.RelationExtractor`.
    on_error : callable, optional
        Skip invalid documents, reporting each to this callback (default: raise).
    format : str, optional
        Input format of the training and dev files (see :mod:`relclf.io.formats`); detected when None.
    progress : bool, default False
        Draw progress bars on stderr (reading, fitting, scoring the dev file).
    Returns
    -------
    TrainResult
    """
    if bool(corpora) == bool(paths):
        raise UsageError("train on files, or on corpora (name -> files), not both and not neither")
    groups = [(name, input_files(files)) for name, files in corpora.items()] if corpora else [("", input_files(paths))]
    paths = [path for _, files in groups for path in files]
    check_outputs(model_files(output) if output is not None else [], [*paths, *([dev] if dev is not None else [])])
    check_writable(output)
    documents, corpus = [], []
    for name, files in groups:
        found = read_corpus(files, on_error, format, progress=progress)
        if not found:
            raise InputError(str(files[0]), 0, "no valid training documents" + (f" of corpus {name}" if name else ""))
        documents += found
        corpus += [name] * len(found)
    # the dev file is read before fitting, so that a mistake in it costs no training time
    dev_documents = list(read_inputs(input_files([dev]), format, on_error=on_error)) if dev is not None else None
    from .extract.estimator import RelationExtractor  # scikit-learn: only training needs it

    estimator = RelationExtractor(**(params or {}))
    start = time.perf_counter()
    with stage(f"fitting on {len(documents):,} documents", enabled=progress):
        estimator.fit(documents, corpus=corpus if corpora else None)
    seconds = time.perf_counter() - start
    first = [d for d, name in zip(documents, corpus, strict=True) if name == corpus[0]]
    recall = candidate_recall(first, estimator.model_.allowed_type_pairs, split_composites=estimator.split_composites_)
    scores: dict[str, Any] = {}
    dev_scores = None
    if dev is not None and dev_documents is not None:
        # dev documents that are training documents are said (a warning now, a line of the card later)
        digests = frozenset(document_digest(d.pmid) for d in documents)
        dev_scores = evaluate(
            dev_documents, estimator, progress=progress, training_documents=digests, name=display_name(dev)
        )
        # the levels that mean something for the dev file: no novelty line for gold without novelty
        dev_levels = {level: counts.as_dict() for level, counts in dev_scores.reported_levels.items()}
        scores = {"dev": dev_levels, "dev_file": Path(dev).name}
        if dev_scores.calibration is not None:
            scores["dev_calibration_error"] = round(dev_scores.calibration.ece, 4)
        seen = seen_in_training([d.pmid for d in dev_documents], digests)
        if seen:
            scores[DEV_IN_TRAINING] = {"documents": seen, "of": len(dev_documents)}
    metadata = build_metadata(
        estimator,
        list(paths),
        documents=(d.pmid for d in documents),
        scores=scores,
        extra={"training_seconds": round(seconds, 2), "candidate_recall": round(recall.recall, 4)},
    )
    loaded = LoadedModel(estimator.model_, metadata, tuple(estimator.models_))
    if output is not None:
        save_model(estimator, output, metadata)
    return TrainResult(loaded, estimator, corpus_stats(documents), recall, seconds, dev_scores)


def seen_in_training(gold_ids: Sequence[str], training: frozenset[str] | None) -> int:
    """How many of the documents ``gold_ids`` are among a model's training documents (``training``: the
    digests of their IDs, as :func:`training_digests` returns them; None or empty: unknown, 0)."""
    if not training:
        return 0
    return sum(document_digest(pmid) in training for pmid in gold_ids)


def _warn_about_gold(name: str, gold_ids: Sequence[str], scores: Scores, training: frozenset[str] | None) -> None:
    """Log a warning for each reason the scores of ``gold_ids`` could mislead: documents the model was
    trained on, or no gold relation at all."""
    if training:
        seen = seen_in_training(gold_ids, training)
        if seen:
            log.warning(
                "%s: %d of its %d documents were in the model's training data: these scores overstate how it does on "
                "new text",
                name,
                seen,
                len(gold_ids),
            )
    gold_pairs = scores.levels["pair"]
    if gold_ids and gold_pairs.tp + gold_pairs.fn == 0:
        log.warning("%s: no document has a gold relation: there is nothing to find, and every score is 0", name)


def _warn_about_labels(name: str, scores: Scores, known: Iterable[str], who: str, *, some: bool = True) -> None:
    """Warn once when the gold relation labels of ``scores`` are none of ``known``, the labels that ``who``
    predicts (the model, a prediction file), and, if ``some``, when only some of them are: a model used on
    another schema (BC5CDR's CID for a BioRED model) scores 0 at the type level, not for being wrong."""
    gold = {label: c.tp + c.fn for label, c in sorted(scores.per_label.items()) if c.tp + c.fn}
    known = sorted(set(known))
    unknown = {label: n for label, n in gold.items() if label not in known}
    if not unknown or not known:
        return
    listed = ", ".join(f"{label} {n:,}" for label, n in list(unknown.items())[:_LISTED])
    listed += f" and {len(unknown) - _LISTED} more" if len(unknown) > _LISTED else ""
    theirs = ", ".join(known[:_LISTED]) + (", ..." if len(known) > _LISTED else "")
    if len(unknown) == len(gold):
        log.warning(
            "%s: none of its relation labels (%s) is one %s predicts (%s): another schema, so every relation counts "
            "as wrong at the type level",
            name,
            listed,
            who,
            theirs,
        )
    elif some:
        log.warning(
            "%s: %d of its %d relation labels (%s) are none %s predicts (%s): those relations count as missed at the "
            "type level",
            name,
            len(unknown),
            len(gold),
            listed,
            who,
            theirs,
        )


_LISTED = 8  # labels named in a warning; the rest are counted


def _sources(inputs: PathLike | Sequence[PathLike]) -> list[PathLike]:
    """The input files that a path, or a sequence of paths, names (see :func:`input_files`)."""
    return list(input_files([inputs] if isinstance(inputs, (str, os.PathLike)) else inputs))


def _names_paths(inputs: object) -> TypeIs[PathLike | Sequence[PathLike]]:
    """Whether ``inputs`` (gold: paths or documents) is a path or a non-empty sequence of paths."""
    if isinstance(inputs, (str, os.PathLike)):
        return True
    return isinstance(inputs, Sequence) and bool(inputs) and all(isinstance(i, (str, os.PathLike)) for i in inputs)


def _inputs_name(sources: Sequence[PathLike]) -> str:
    """How warnings name several inputs: ``a.pubtator``, ``a.pubtator, b.pubtator`` or ``a.pubtator and 4 more``."""
    names = [display_name(source) for source in sources]
    return ", ".join(names) if len(names) <= 2 else f"{names[0]} and {len(names) - 1} more"


def _gold_name(gold: Any) -> str:
    return _inputs_name(_sources(gold)) if _names_paths(gold) else "the gold documents"


def _total(sources: Sequence[PathLike]) -> int | None:
    """The documents of ``sources`` for a bar's total, when they can be counted cheaply (PubTator files)."""
    counts = [count_documents(source) for source in sources]
    return None if any(n is None for n in counts) else sum(n for n in counts if n is not None)


def evaluate(
    gold: PathLike | Sequence[PathLike] | Sequence[Document],
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    min_precision: float | None = None,
    on_error: ErrorHandler | None = None,
    n_jobs: int = 1,
    format: str | None = None,
    progress: bool = False,
    max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
    training_documents: frozenset[str] | None = None,
    name: str | None = None,
    passages: PassageChoice = None,
) -> Scores:
    """Predict on gold documents with their relations hidden and score the predictions.

    ``gold`` is a path or several (any input format; ``format`` or detection decides; directories and
    globs give their document files, read as one corpus, see :mod:`relclf.io.corpus`) or a list of documents;
    ``model`` a path, a loaded model or None for the default; ``progress`` draws a bar on stderr;
    ``max_pairs_per_doc`` caps the candidates of each document (None: no cap); ``passages`` chooses the
    passages the model reads, as in :func:`predict_file`. ``threshold`` overrides the model's;
    ``min_precision`` sets it instead to the lowest at which cross-validation on the training documents
    reached that precision (:func:`threshold_for_precision`). Returns
    :class:`~relclf.evaluation.metrics.Scores`, with the calibration report (the scores' calibration
    error, and precision and recall at a few cut-offs).

    Warnings are logged when the scores could mislead: when gold documents are among the model's
    training documents (``training_documents``, digests as :func:`training_digests` returns them;
    read from the model's card when None), and when no gold document has a relation; they name the
    gold by ``name`` (default: its path, or "the gold documents").
    """
    if training_documents is None:
        training_documents = training_digests(model)
    if _names_paths(gold):  # the files of directories and globs, found (and their skipped files said) once
        gold = _sources(gold)
    fitted, documents = _evaluation_inputs(gold, model, max_pairs_per_doc, format, on_error, passages)
    cut = _cut(fitted, threshold, min_precision)
    # streaming: a gold document is held only while its prediction is in flight (one batch per
    # worker or so), then counted and dropped. The model predicts what the decision in use keeps and
    # everything down to the lowest score the calibration report reads; the scores count the first.
    in_flight: deque[Document] = deque()
    predicted = fitted.predict_documents(
        _hidden(documents, in_flight),
        threshold=cut.threshold if cut.on == "score" else None,
        floor=min(CUTOFFS),
        n_jobs=n_jobs,
    )
    accumulator, calibration = ScoreAccumulator(), CalibrationAccumulator()
    total = None
    if progress:
        total = _total(_sources(gold)) if _names_paths(gold) else len(gold) if isinstance(gold, Sequence) else None
    gold_ids = []
    for document in track(predicted, enabled=progress, desc="evaluating", total=total):
        original = in_flight.popleft()
        accumulator.add(original, [r for r in document.relations if r.score is None or cut.keeps(r.score, r.related)])
        calibration.add(original, document.relations)
        gold_ids.append(document.pmid)
    scores = dataclasses.replace(accumulator.scores(), calibration=calibration.report())
    _warn_about_gold(name or _gold_name(gold), gold_ids, scores, training_documents)
    _warn_about_labels(name or _gold_name(gold), scores, fitted.labels, "the model")
    return scores


def threshold_for_precision(
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None, min_precision: float
) -> CurvePoint:
    """The lowest threshold at which grouped cross-validation on the model's training documents reached
    ``min_precision`` (pair and label right), with the precision and recall it saw there.

    ``model`` is a path, a loaded model, a fitted estimator or None (the default model). Raises
    :class:`~relclf.errors.UsageError` when no threshold reached that precision.

    Examples
    --------
    >>> point = threshold_for_precision(None, 0.8)  # doctest: +SKIP
    >>> point.threshold, point.precision, point.recall  # doctest: +SKIP
    (0.62, 0.801, 0.32)
    """
    if not 0.0 <= min_precision <= 1.0:
        raise UsageError(f"a minimum precision is a number from 0 to 1, not {min_precision!r}")
    return resolve_model(model).threshold_for_precision(min_precision)


def _cut(fitted: RelationModel, threshold: float | None, min_precision: float | None) -> Cut:
    """The decision in use: the relations scoring at least the threshold given, or the threshold that reached
    ``min_precision`` in cross-validation (said in a record of level :data:`NOTE`), else the model's own rule
    (:meth:`~relclf.extract.model.RelationModel.cut`). The one place where a minimum precision becomes a threshold."""
    if min_precision is None:
        return fitted.cut(threshold)
    if threshold is not None:
        raise UsageError("give a threshold or a minimum precision, not both")
    point = threshold_for_precision(fitted, min_precision)
    log.log(
        NOTE,
        "threshold %.3f: in cross-validation on the training documents it reached precision %.3f (at least %g) with "
        "recall %.3f%s",
        point.threshold,
        point.precision,
        min_precision,
        point.recall,
        ""
        if point.held_out is None
        else f"; chosen this way, it kept precision {point.held_out:.3f} on documents left out of the choice",
    )
    return Cut(point.threshold)


def _evaluation_inputs(
    gold: PathLike | Sequence[PathLike] | Iterable[Document],
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None,
    max_pairs_per_doc: int | None,
    format: str | None,
    on_error: ErrorHandler | None,
    passages: PassageChoice = None,
) -> tuple[RelationModel, Iterable[Document]]:
    """The model (with its pair cap and choice of passages) and the gold documents (a stream when ``gold`` names
    files) of an evaluation."""
    fitted = _reading(resolve_model(model).with_pair_cap(max_pairs_per_doc), passages)
    if _names_paths(gold):
        return fitted, read_inputs(_sources(gold), format, on_error=on_error)
    return fitted, gold


def _reading(model: RelationModel, passages: PassageChoice) -> RelationModel:
    """``model`` reading the passages ``passages`` chooses; a :class:`UsageError` when the choice names none."""
    try:
        return model.with_passages(passages)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _hidden(documents: Iterable[Document], in_flight: deque[Document]) -> Iterator[Document]:
    """Yield each document without its relations, keeping the original in ``in_flight``."""
    for document in documents:
        in_flight.append(document)
        yield document.with_relations(())


def evaluate_details(
    gold: PathLike | Sequence[PathLike] | Sequence[Document],
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    on_error: ErrorHandler | None = None,
    n_jobs: int = 1,
    progress: bool = False,
    format: str | None = None,
    max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
    training_documents: frozenset[str] | None = None,
    min_precision: float | None = None,
    passages: PassageChoice = None,
) -> EvaluationDetails:
    """Like :func:`evaluate`, but keep every candidate pair's score and label (for plots).

    The model scores all candidates (threshold 0); the predictions at the threshold in use are those
    scored at or above it, so ``result.scores`` equals what :func:`evaluate` returns. Unlike
    :func:`evaluate` it holds the whole corpus in memory; it logs the same warnings. Returns
    :class:`~relclf.evaluation.metrics.EvaluationDetails`.
    """
    if training_documents is None:
        training_documents = training_digests(model)
    if _names_paths(gold):  # the files of directories and globs, found (and their skipped files said) once
        gold = _sources(gold)
    fitted, documents = _evaluation_inputs(gold, model, max_pairs_per_doc, format, on_error, passages)
    cut = _cut(fitted, threshold, min_precision)  # an impossible precision fails before the work
    documents = list(documents)
    hidden = (d.with_relations(()) for d in documents)
    scored: Iterable[Document] = fitted.predict_documents(hidden, threshold=0.0, n_jobs=n_jobs)
    scored = list(track(scored, enabled=progress, desc="evaluating", total=len(documents)))
    details = evaluation_details(documents, scored, cut, split_composites=fitted.split_composites)
    _warn_about_gold(_gold_name(gold), [d.pmid for d in documents], details.scores, training_documents)
    _warn_about_labels(_gold_name(gold), details.scores, fitted.labels, "the model")
    return details


def write_errors(details: EvaluationDetails, path: PathLike) -> int:
    """Write every error of an evaluation (:func:`evaluate_details`) as TSV rows to ``path``: each gold
    relation missed, prediction the gold does not have, wrong label or wrong novelty, with the names,
    labels, score and the sentence where the entities meet (see :mod:`relclf.evaluation.errors`).
    Returns the number of errors."""
    from .evaluation.errors import write_errors as write

    return write(details, path)


def write_outcome_page(details: EvaluationDetails, path: PathLike) -> int:
    """Write a review page of gold versus predictions of an evaluation (:func:`evaluate_details`) to
    ``path``: every prediction and every missed gold relation, each marked with its outcome (see
    :mod:`relclf.evaluation.errors`). Returns the number of documents."""
    from .evaluation.errors import write_outcome_page as write

    return write(details, path)


def explain(
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None = None,
    source: PathLike | None = None,
    *,
    doc: str | None = None,
    pair: tuple[str, str] | None = None,
    k: int = 10,
    format: str | None = None,
) -> ModelExplanation | PairExplanation:
    """Explain a model: its ``k`` strongest features per label, or, given a ``source`` file (any input format), a
    document ID ``doc`` and an ID ``pair``, that pair's mentions in context and its decision feature by
    feature. Returns :class:`~relclf.evaluation.explain.ModelExplanation` or
    :class:`~relclf.evaluation.explain.PairExplanation`.
    """
    from .evaluation.explain import explain_model, explain_pair, find_document

    fitted = resolve_model(model)
    if source is None:
        return explain_model(fitted, k)
    if doc is None or pair is None:
        raise UsageError(
            "explaining a pair needs the document ID (doc) and the pair of entity IDs (pair); see top_pairs"
        )
    document = find_document(read_documents(source, format), doc, str(source))
    return explain_pair(fitted, document, *pair)


def top_pairs(
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None,
    source: PathLike,
    *,
    doc: str,
    format: str | None = None,
) -> list[tuple[str, str, float]]:
    """Every candidate pair of document ``doc`` of ``source`` as (ID1, ID2, score), highest score first."""
    from .evaluation.explain import find_document, scored_pairs

    return scored_pairs(resolve_model(model), find_document(read_documents(source, format), doc, str(source)))


def predict_file(
    source: PathLike | Sequence[PathLike],
    output: PathLike | None = None,
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    with_scores: bool = False,
    on_error: ErrorHandler | None = None,
    n_jobs: int = 1,
    progress: bool = False,
    input_format: str | None = None,
    output_format: str | None = None,
    min_score: float | None = None,
    keep_relations: bool = False,
    max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
    scheduler: str | Any | None = None,
    min_precision: float | None = None,
    passages: PassageChoice = None,
) -> int:
    """Predict relations for every document of ``source`` and write them to ``output``.

    ``source`` may be ``-`` (standard input), or several files, directories or glob patterns, read as one
    corpus (:mod:`relclf.io.corpus`: a document ID once, from the last input holding it; an input
    without documents said in a warning); ``output`` None or ``-`` writes standard output. The
    output is written to a temporary file and renamed only when every document succeeded. ``n_jobs``
    worker processes share the work; ``scheduler`` (a dask scheduler address or an open
    ``dask.distributed.Client``) runs it on a dask cluster instead. Either way the output is
    identical to a serial run's. Every input document is written, in input order, mentions
    unchanged. ``progress`` draws a bar on stderr (its total is counted from a PubTator file first;
    unknown otherwise).

    ``input_format``/``output_format`` are detected from the file names (and the input's content)
    when None (see :mod:`relclf.io.formats`). ``min_score`` drops predicted relations scoring below it;
    ``keep_relations`` keeps the documents' existing relations (see :mod:`relclf.extract.predictions`).
    ``max_pairs_per_doc`` caps the candidate pairs of each document, keeping those whose mentions are
    closest, with a warning naming the document (None: no cap). ``min_precision`` sets the threshold
    to the lowest at which cross-validation on the training documents reached that precision (see
    :func:`threshold_for_precision`; logged). ``passages`` chooses the passages of a full text the model
    reads (:mod:`relclf.extract.passages`): None reads all but references, tables, figures, supplementary
    material and front matter, ``"all"`` every passage, a collection of kinds (``{"title", "abstract"}``,
    matched against each passage's ``section_type`` and ``type`` infons) only those; a long document is
    read in sections. The output holds every passage whatever is read. Returns the number of documents written.
    """
    sources = _sources(source)
    check_outputs([output], [*sources, *model_files(model)])
    output_format = output_format_of(output, output_format)  # a format that cannot be written fails before the work
    fitted = _reading(resolve_model(model).with_pair_cap(max_pairs_per_doc), passages)
    if min_precision is not None:
        threshold = _cut(fitted, threshold, min_precision).threshold
    options = PredictOptions(
        threshold, min_score, keep_relations, render=output_format == "pubtator", with_scores=with_scores
    )
    total = _total(sources) if progress else None
    with _dask_client(scheduler) as client:

        def predict(path: PathLike) -> Iterator[Document | Formatted]:
            return predicted_documents(
                path,
                fitted,
                input_format=input_format,
                options=options,
                on_error=on_error,
                n_jobs=n_jobs,
                client=client,
                allow_empty=True,
            )

        predicted = merged(sources, predict, format=input_format, on_error=on_error, content=_content)
        tracked = track(predicted, enabled=progress, desc="predicting", total=total)
        if output_format == "html":  # the page offers the model's labels for corrections
            return _write_page(tracked, output, labels=fitted.labels, novelty=fitted.novelty_labels)
        return write_documents(tracked, output, output_format, with_scores=with_scores)


def _write_page(documents: Iterable[Any], output: PathLike | None, **known: Any) -> int:
    """Write a review page (:func:`relclf.io.html.write_html`, with ``known`` labels and novelty values) to
    ``output`` atomically, as :func:`write_documents` writes files; return the documents written."""
    from .io.files import atomic_writer, is_gzip_name
    from .io.html import write_html

    with atomic_writer(output, compress=is_gzip_name(output)) as handle:
        return write_html(documents, handle, **known)


def _content(item: Document | Formatted) -> object:
    """What tells two copies of a predicted document apart: the document, or the text it was rendered to."""
    return item.text if isinstance(item, Formatted) else item


@contextlib.contextmanager
def _dask_client(scheduler: str | Any | None) -> Iterator[Any]:
    """None for a local run; an open ``dask.distributed.Client`` as given; or a client of an address, closed after."""
    if scheduler is None or not isinstance(scheduler, str):
        yield scheduler
        return
    from .parallel.distributed import connect  # dask is an optional extra

    client = connect(scheduler)
    try:
        yield client
    finally:
        client.close()


@dataclass(frozen=True)
class FileResult:
    """One input of :func:`predict_files`: where it was written and how many documents it held."""

    source: Path
    output: Path
    documents: int


def predict_files(
    inputs: Sequence[PathLike],
    output_dir: PathLike,
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None = None,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    scheduler: str | Any | None = None,
    **options: Any,
) -> list[FileResult]:
    """Predict every input file into a file of the same name in ``output_dir``, the way bulk dumps are processed.

    ``inputs`` are files, directories or glob patterns (see :func:`output_paths`); every clash is
    reported, and every input opened and its format found, before anything is written. Each output is in its input's
    format unless ``output_format`` is given (then it takes that format's extension). Each input goes through
    :func:`predict_file` with ``options`` (``threshold``, ``min_precision``, ``with_scores``, ``min_score``,
    ``keep_relations``, ``max_pairs_per_doc``, ``passages``, ``on_error``, ``n_jobs``), so each output is written
    atomically and is identical to a single-file run's. ``output_dir`` is created if needed. Returns
    one :class:`FileResult` per input, in order.
    """
    pairs = output_paths(inputs, output_dir, output_format)
    check_outputs([t for _, t in pairs], model_files(model))
    # every input is opened and its format found before any output is written
    formats = [probe_input(source, input_format)[0] for source, _ in pairs]
    fitted = resolve_model(model)  # loaded once for all inputs
    if options.get("min_precision") is not None:  # chosen (and said) once for all inputs
        options["threshold"] = _cut(fitted, options.get("threshold"), options.pop("min_precision")).threshold
    Path(output_dir).mkdir(parents=True, exist_ok=True)

    def one(source: Path, target: Path, in_format: str, client: Any) -> FileResult:
        out_format = output_format or in_format  # a bulk dump stays in its format
        count = predict_file(
            source, target, fitted, input_format=in_format, output_format=out_format, scheduler=client, **options
        )
        return FileResult(source, target, count)

    with _dask_client(scheduler) as client:  # one connection for all inputs
        return [one(s, t, f, client) for (s, t), f in zip(pairs, formats, strict=True)]


def convert(
    source: PathLike | Sequence[PathLike],
    output: PathLike | None = None,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    with_scores: bool = False,
    on_error: ErrorHandler | None = None,
    n_jobs: int = 1,
) -> int:
    """Convert ``source`` to ``output`` between formats (no model involved); return the number of documents.

    Formats are detected when None (see :mod:`relclf.io.formats`); the output is written atomically.
    PubTator converted to BioC XML or JSON and back is byte-identical. ``source`` may be several files,
    directories or glob patterns, read as one corpus (:mod:`relclf.io.corpus`). ``n_jobs`` processes share
    the parsing (and, for PubTator output, the rendering): the output is the same as a serial run's.
    """
    sources = _sources(source)
    check_outputs([output], sources)
    output_format = output_format_of(output, output_format)
    documents = merged(
        sources,
        lambda one: read_in_chunks(
            one,
            input_format=input_format,
            on_error=on_error,
            n_jobs=n_jobs,
            render=output_format == "pubtator",
            with_scores=with_scores,
            allow_empty=True,
        ),
        format=input_format,
        on_error=on_error,
        content=_content,
    )
    return write_documents(documents, output, output_format, with_scores=with_scores)


def score_files(
    gold: PathLike | Sequence[PathLike],
    predicted: PathLike | Sequence[PathLike],
    *,
    on_error: ErrorHandler | None = None,
    format: str | None = None,
    training_documents: frozenset[str] | None = None,
    labels: Iterable[str] | None = None,
) -> Scores:
    """Score a prediction file against a gold file (any input format; ``format`` None: detected); no model needed.

    Each of ``gold`` and ``predicted`` may be several files, directories or glob patterns, read as one
    corpus (:mod:`relclf.io.corpus`).

    Warnings are logged when the scores could mislead: no gold document has a relation; gold and
    predictions share no document (by ID); gold documents are among ``training_documents`` (the
    digests of the training documents of the model that predicted, see :func:`training_digests`);
    the gold relation labels are none of ``labels`` (those of the model that predicted, see
    :func:`card_labels`), or only some; without ``labels``, when they are none of the labels predicted.
    """
    gold_files, predicted_files = _sources(gold), _sources(predicted)
    gold_name, predicted_name = _inputs_name(gold_files), _inputs_name(predicted_files)
    predictions = {d.pmid: d.relations for d in read_inputs(predicted_files, format, on_error=on_error)}
    accumulator = ScoreAccumulator()
    gold_ids = []
    for document in read_inputs(gold_files, format, on_error=on_error):
        accumulator.add(document, predictions.get(document.pmid, ()))
        gold_ids.append(document.pmid)
    scores = accumulator.scores()
    _warn_about_gold(gold_name, gold_ids, scores, training_documents)
    if labels is not None:
        _warn_about_labels(gold_name, scores, labels, "the model")
    else:
        predicted_labels = {r.label for relations in predictions.values() for r in relations}
        _warn_about_labels(gold_name, scores, predicted_labels, predicted_name, some=False)
    if gold_ids and not any(pmid in predictions for pmid in gold_ids):
        log.warning(
            "%s and %s share no document (by ID): every gold relation counts as missed; are they the same documents?",
            gold_name,
            predicted_name,
        )
    return scores


# -- curation: the decisions of the review page, and what to annotate next ----------------------------


def apply_decisions(
    predictions: PathLike,
    decisions: PathLike,
    output: PathLike | None = None,
    *,
    undecided_as_rejected: bool = False,
    input_format: str | None = None,
    output_format: str | None = None,
    on_error: ErrorHandler | None = None,
) -> CurationCounts:
    """Write the gold documents a curator's decisions make of ``predictions`` (the file the review page showed).

    ``decisions`` is a decisions file the review page exported (see :mod:`relclf.curation.decisions`:
    accepted, corrected, rejected and added relations); each complete document of ``predictions`` (every
    relation decided) is written to ``output`` (any output format, atomically) with exactly the curator's
    relations, ready for :func:`train`. With ``undecided_as_rejected`` every document is written, its
    undecided relations left out. Returns the counts; rows that decided nothing (their document or
    relation is not in ``predictions``) are counted and named in a warning.
    """
    from .curation.decisions import Decisions

    check_outputs([output], [predictions, decisions])
    output_format = output_format_of(output, output_format)
    curator = Decisions.read(decisions)  # a bad decisions file fails before anything is written
    documents = read_documents(predictions, input_format, on_error=on_error)
    write_documents(curator.apply(documents, undecided_as_rejected=undecided_as_rejected), output, output_format)
    counts = curator.counts
    if counts.unmatched:
        lines = ", ".join(map(str, counts.unmatched[:5])) + (", ..." if len(counts.unmatched) > 5 else "")
        log.warning(
            "%s: %d decision row(s) matched no relation of %s (line %s): decisions about other documents or other "
            "predictions",
            display_name(decisions),
            len(counts.unmatched),
            display_name(predictions),
            lines,
        )
    return counts


@dataclass(frozen=True)
class SelectionResult:
    """What :func:`select` chose: the selections in order, the pool's size and the documents left out of it."""

    selections: list[Selection]
    pool: int
    trained_on: int
    excluded: int
    strategy: str
    diversity: bool


def select(
    pool: PathLike | Sequence[PathLike],
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None = None,
    output: PathLike | None = None,
    *,
    n: int = 50,
    strategy: str = "margin",
    diversity: bool = True,
    seed: int = 0,
    exclude: Sequence[PathLike] = (),
    threshold: float | None = None,
    min_precision: float | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    on_error: ErrorHandler | None = None,
    n_jobs: int = 1,
    max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
    progress: bool = False,
    training_documents: frozenset[str] | None = None,
) -> SelectionResult:
    """Choose the ``n`` documents of ``pool`` whose annotation should teach ``model`` most, and write them to
    ``output`` with the model's predictions, most valuable first, ready for review.

    ``strategy`` is ``margin``, ``uncertainty`` or ``random`` and ``diversity`` keeps near-duplicates apart
    (see :mod:`relclf.curation.selection`); ``seed`` draws ``random``. Documents the model was trained on
    (``training_documents``, digests as :func:`training_digests` returns them; read from the model's card
    when None) and those of the ``exclude`` files (by ID) are never chosen. A review page
    (``output`` ``.html``) shows each document's rank and reason and sorts by them. ``threshold``
    overrides the model's for the predictions written (``min_precision`` chooses it as
    :func:`predict_file` does); ``n_jobs`` processes score the pool. Returns a
    :class:`SelectionResult` (each selection's reason in words).
    """
    from .curation.selection import select_documents
    from .io.html import Annotated

    pools = input_files([pool] if isinstance(pool, (str, os.PathLike)) else pool)
    check_outputs([output], [*pools, *exclude, *model_files(model)])
    output_format = output_format_of(output, output_format)
    fitted = resolve_model(model).with_pair_cap(max_pairs_per_doc)
    if min_precision is not None:
        threshold = _cut(fitted, threshold, min_precision).threshold
    trained = (training_digests(model) if training_documents is None else training_documents) or frozenset()
    excluded_ids = (
        {d.pmid for path in input_files(exclude) for d in read_documents(path, on_error=on_error)} if exclude else set()
    )
    documents = read_corpus(pools, on_error, input_format, progress=progress)
    candidates = []
    trained_on = left_out = 0
    for document in documents:
        if document.pmid in excluded_ids:
            left_out += 1
        elif trained and document_digest(document.pmid) in trained:
            trained_on += 1
        else:
            candidates.append(document.with_relations(()))
    if not candidates:
        raise UsageError(
            f"{display_name(pools[0])}: no document left to choose from (the model was trained on "
            f"{trained_on:,} of them, {left_out:,} are excluded)"
        )
    with stage(f"scoring {len(candidates):,} documents", enabled=progress):
        selections = select_documents(
            fitted, candidates, n, strategy=strategy, diversity=diversity, seed=seed, n_jobs=n_jobs
        )
    predicted = fitted.predict_documents([s.document for s in selections], threshold=threshold)
    if output_format == "html":
        notes = (
            Annotated(document, {"rank": s.rank, "value": s.value, "why": s.reason, "strategy": strategy})
            for s, document in zip(selections, predicted, strict=True)
        )
        _write_page(notes, output, labels=fitted.labels, novelty=fitted.novelty_labels)
    else:
        write_documents(predicted, output, output_format)
    return SelectionResult(
        selections, len(documents), trained_on, left_out, strategy, diversity and strategy != "random"
    )
