"""The functions behind the CLI: train, evaluate, predict and score, callable from Python.

Each takes paths (or documents) and returns a value; printing is left to :mod:`relclf.cli`.
"""

from __future__ import annotations

import gc
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .candidates import CandidateRecall, candidate_recall, document_entities
from .document import Document
from .errors import InputError, ModelError
from .files import PathLike, atomic_writer, expand_inputs
from .metrics import ScoreAccumulator, Scores, score_documents
from .model import RelationExtractor
from .persistence import LoadedModel, build_metadata, load_model, save_model
from .pubtator import read_pubtator, write_pubtator

__all__ = [
    "DEFAULT_MODEL",
    "CorpusStats",
    "FileResult",
    "TrainResult",
    "corpus_stats",
    "default_model_path",
    "evaluate",
    "output_paths",
    "predict_file",
    "predict_files",
    "read_corpus",
    "score_files",
    "train",
]

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "relclf-biored.joblib"
ErrorHandler = Callable[[InputError], None] | None


def default_model_path() -> Path:
    """The bundled model, or the file named by the ``RELCLF_MODEL`` environment variable."""
    return Path(os.environ.get("RELCLF_MODEL", DEFAULT_MODEL))


def resolve_model(model: LoadedModel | RelationExtractor | PathLike | None) -> RelationExtractor:
    """Turn a model argument (None for the default, a path, or a model) into a fitted estimator."""
    if isinstance(model, RelationExtractor):
        return model
    if isinstance(model, LoadedModel):
        return model.estimator
    path = default_model_path() if model is None else Path(model)
    if model is None and not path.is_file():
        raise ModelError(f"{path}: the default model is missing; build it with experiments/build_default_model.sh or pass -m MODEL")
    estimator = load_model(path).estimator
    # the model lives as long as the process: moving it (and the imported libraries) out of the
    # cyclic garbage collector's reach stops full collections from rescanning its large
    # vocabularies again and again (about 10% of prediction time) and keeps its pages shared with
    # forked workers
    gc.freeze()
    return estimator


def read_corpus(paths: Sequence[PathLike], on_error: ErrorHandler = None) -> list[Document]:
    """Read and concatenate the documents of several PubTator files."""
    documents: list[Document] = []
    for path in paths:
        documents.extend(read_pubtator(path, on_error=on_error))
    return documents


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
        text = f"{self.documents:,} documents, {self.mentions:,} mentions, {self.entities:,} entities, {self.relations:,} relations"
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
    stats: CorpusStats
    recall: CandidateRecall
    seconds: float
    dev_scores: Scores | None = None


def train(
    paths: Sequence[PathLike],
    output: PathLike | None = None,
    *,
    dev: PathLike | None = None,
    params: dict[str, Any] | None = None,
    on_error: ErrorHandler = None,
) -> TrainResult:
    """Train a model on PubTator files and optionally save it and score it on a dev file.

    Parameters
    ----------
    paths : sequence of path
        Training files with gold relation lines.
    output : path, optional
        Where to save the model (with ``OUTPUT.json`` metadata beside it).
    dev : path, optional
        A gold file to score the trained model on.
    params : dict, optional
        Parameters of :class:`~relclf.model.RelationExtractor`.
    on_error : callable, optional
        Skip invalid documents, reporting each to this callback (default: raise).

    Returns
    -------
    TrainResult
    """
    documents = read_corpus(paths, on_error)
    if not documents:
        raise InputError(str(paths[0]), 0, "no valid training documents")
    estimator = RelationExtractor(**(params or {}))
    start = time.perf_counter()
    estimator.fit(documents)
    seconds = time.perf_counter() - start
    recall = candidate_recall(documents, estimator.type_pairs_, split_composites=estimator.split_composites_)
    dev_scores = evaluate(dev, estimator, on_error=on_error) if dev is not None else None
    scores = {"dev": dev_scores.as_dict()["levels"], "dev_file": Path(dev).name} if dev_scores else {}
    metadata = build_metadata(
        estimator,
        list(paths),
        scores=scores,
        extra={"training_seconds": round(seconds, 2), "candidate_recall": round(recall.recall, 4)},
    )
    loaded = LoadedModel(estimator, metadata)
    if output is not None:
        save_model(estimator, output, metadata)
    return TrainResult(loaded, corpus_stats(documents), recall, seconds, dev_scores)


def evaluate(
    gold: PathLike | Sequence[Document],
    model: LoadedModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    on_error: ErrorHandler = None,
    n_jobs: int = 1,
) -> Scores:
    """Predict on gold documents with their relations hidden and score the predictions.

    ``gold`` is a PubTator path or a list of documents; ``model`` a path, a loaded model or None for
    the default. Returns :class:`~relclf.metrics.Scores`.
    """
    estimator = resolve_model(model)
    documents = read_pubtator(gold, on_error=on_error) if isinstance(gold, (str, os.PathLike)) else gold
    # streaming: a gold document is held only while its prediction is in flight (one batch per
    # worker or so), then counted and dropped
    in_flight: deque[Document] = deque()
    predicted = estimator.predict_documents(_hidden(documents, in_flight), threshold=threshold, n_jobs=n_jobs)
    accumulator = ScoreAccumulator()
    for document in predicted:
        accumulator.add(in_flight.popleft(), document.relations)
    return accumulator.scores()


def _hidden(documents: Iterable[Document], in_flight: deque[Document]) -> Iterator[Document]:
    """Yield each document without its relations, keeping the original in ``in_flight``."""
    for document in documents:
        in_flight.append(document)
        yield document.with_relations(())


def predict_file(
    source: PathLike,
    output: PathLike | None = None,
    model: LoadedModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    with_scores: bool = False,
    on_error: ErrorHandler = None,
    n_jobs: int = 1,
    scheduler: str | Any | None = None,
) -> int:
    """Predict relations for every document of ``source`` and write PubTator to ``output``.

    ``source`` may be ``-`` (standard input); ``output`` None or ``-`` writes standard output. The
    output is written to a temporary file and renamed only when every document succeeded. ``n_jobs``
    worker processes share the work; ``scheduler`` (a dask scheduler address or an open
    ``dask.distributed.Client``) runs it on a dask cluster instead. Either way the output is
    identical to a serial run's. Returns the number of documents written.
    """
    estimator = resolve_model(model)
    documents = read_pubtator(source, on_error=on_error)
    with atomic_writer(output) as handle:
        predicted = _predict_stream(estimator, documents, threshold=threshold, n_jobs=n_jobs, scheduler=scheduler)
        return write_pubtator(predicted, handle, with_scores=with_scores)


def _predict_stream(
    estimator: RelationExtractor, documents: Iterable[Document], *, threshold: float | None, n_jobs: int, scheduler: str | Any | None
) -> Iterator[Document]:
    """Predicted documents in input order: locally with ``n_jobs`` processes, or on a dask cluster."""
    if scheduler is None:
        return estimator.predict_documents(documents, threshold=threshold, n_jobs=n_jobs)
    from .distributed import predict_documents_dask  # dask is an optional extra

    if isinstance(scheduler, str):
        return predict_documents_dask(estimator, documents, scheduler=scheduler, threshold=threshold)
    return predict_documents_dask(estimator, documents, client=scheduler, threshold=threshold)


@dataclass(frozen=True)
class FileResult:
    """One input of :func:`predict_files`: where it was written and how many documents it held."""

    source: Path
    output: Path
    documents: int


def output_paths(inputs: Sequence[PathLike], output_dir: PathLike) -> list[tuple[Path, Path]]:
    """Pair each input file (see :func:`relclf.files.expand_inputs`) with its output in ``output_dir``.

    The output keeps the input's file name. Raises :class:`InputError` when two inputs share a file
    name (their outputs would clash) or an output would overwrite its own input.
    """
    files = expand_inputs(inputs)
    if not files:
        raise InputError(str(inputs[0]) if inputs else "-", 0, "no input files")
    directory = Path(output_dir)
    by_name: dict[str, Path] = {}
    pairs = []
    for source in files:
        if source.name in by_name:
            raise InputError(str(source), 0, f"has the same file name as {by_name[source.name]}; their outputs in {directory} would clash")
        by_name[source.name] = source
        target = directory / source.name
        if target.resolve() == source.resolve():
            raise InputError(str(source), 0, f"the output {target} would overwrite this input; choose another --output-dir")
        pairs.append((source, target))
    return pairs


def predict_files(
    inputs: Sequence[PathLike],
    output_dir: PathLike,
    model: LoadedModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    with_scores: bool = False,
    on_error: ErrorHandler = None,
    n_jobs: int = 1,
    scheduler: str | Any | None = None,
) -> list[FileResult]:
    """Predict every input file into a file of the same name in ``output_dir``, the way bulk dumps are processed.

    ``inputs`` are files, directories or glob patterns (:func:`relclf.files.expand_inputs`); every
    clash is reported before anything is written. Each input goes through :func:`predict_file`, so
    each output is written atomically and is identical to a single-file run's. ``output_dir`` is
    created if needed. Returns one :class:`FileResult` per input, in order.
    """
    pairs = output_paths(inputs, output_dir)
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    estimator = resolve_model(model)  # loaded once for all inputs
    if isinstance(scheduler, str):  # one connection (and one shipping of the model per file) for all inputs
        from .distributed import connect

        client = connect(scheduler)
        try:
            return [_predict_one(s, t, estimator, threshold, with_scores, on_error, n_jobs, client) for s, t in pairs]
        finally:
            client.close()
    return [_predict_one(s, t, estimator, threshold, with_scores, on_error, n_jobs, scheduler) for s, t in pairs]


def _predict_one(
    source: Path, target: Path, estimator: RelationExtractor, threshold: float | None, with_scores: bool,
    on_error: ErrorHandler, n_jobs: int, scheduler: Any,
) -> FileResult:
    count = predict_file(
        source, target, estimator, threshold=threshold, with_scores=with_scores, on_error=on_error, n_jobs=n_jobs, scheduler=scheduler
    )
    return FileResult(source, target, count)


def score_files(gold: PathLike, predicted: PathLike, *, on_error: ErrorHandler = None) -> Scores:
    """Score a prediction file against a gold file; no model needed."""
    return score_documents(read_pubtator(gold, on_error=on_error), read_pubtator(predicted, on_error=on_error, allow_empty=True))
