"""The functions behind the CLI: train, evaluate, predict and score, callable from Python.

Each takes paths (or documents) and returns a value; printing is left to :mod:`relclf.cli`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .candidates import CandidateRecall, candidate_recall, document_entities
from .document import Document
from .errors import InputError, ModelError
from .files import PathLike
from .formats import read_documents, write_documents
from .metrics import Scores, score_documents
from .model import RelationExtractor
from .persistence import LoadedModel, build_metadata, load_model, save_model
from .predictions import predict_with_existing

__all__ = [
    "DEFAULT_MODEL",
    "CorpusStats",
    "TrainResult",
    "convert",
    "corpus_stats",
    "default_model_path",
    "evaluate",
    "predict_file",
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
    return load_model(path).estimator


def read_corpus(paths: Sequence[PathLike], on_error: ErrorHandler = None, format: str | None = None) -> list[Document]:
    """Read and concatenate the documents of several files (any input format; detected when ``format`` is None)."""
    documents: list[Document] = []
    for path in paths:
        documents.extend(read_documents(path, format, on_error=on_error))
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
    format: str | None = None,
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
    format : str, optional
        Input format of the training and dev files (see :mod:`relclf.formats`); detected when None.

    Returns
    -------
    TrainResult
    """
    documents = read_corpus(paths, on_error, format)
    if not documents:
        raise InputError(str(paths[0]), 0, "no valid training documents")
    estimator = RelationExtractor(**(params or {}))
    start = time.perf_counter()
    estimator.fit(documents)
    seconds = time.perf_counter() - start
    recall = candidate_recall(documents, estimator.type_pairs_, split_composites=estimator.split_composites_)
    dev_scores = evaluate(dev, estimator, on_error=on_error, format=format) if dev is not None else None
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
    format: str | None = None,
) -> Scores:
    """Predict on gold documents with their relations hidden and score the predictions.

    ``gold`` is a path (any input format; ``format`` or detection decides) or a list of documents;
    ``model`` a path, a loaded model or None for the default. Returns :class:`~relclf.metrics.Scores`.
    """
    estimator = resolve_model(model)
    documents = list(read_documents(gold, format, on_error=on_error)) if isinstance(gold, (str, os.PathLike)) else list(gold)
    hidden = (d.with_relations(()) for d in documents)
    predicted = estimator.predict_documents(hidden, threshold=threshold, n_jobs=n_jobs)
    return score_documents(documents, predicted)


def predict_file(
    source: PathLike,
    output: PathLike | None = None,
    model: LoadedModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    with_scores: bool = False,
    on_error: ErrorHandler = None,
    n_jobs: int = 1,
    input_format: str | None = None,
    output_format: str | None = None,
    min_score: float | None = None,
    keep_relations: bool = False,
) -> int:
    """Predict relations for every document of ``source`` and write them to ``output``.

    ``source`` may be ``-`` (standard input); ``output`` None or ``-`` writes standard output. The
    output is written to a temporary file and renamed only when every document succeeded. ``n_jobs``
    worker processes share the work; the output is identical to a serial run's. Every input document
    is written, in input order, mentions unchanged.

    ``input_format``/``output_format`` are detected from the file names (and the input's content)
    when None (see :mod:`relclf.formats`). ``min_score`` drops predicted relations scoring below it;
    ``keep_relations`` keeps the documents' existing relations (see :mod:`relclf.predictions`).
    Returns the number of documents written.
    """
    estimator = resolve_model(model)
    documents = read_documents(source, input_format, on_error=on_error)

    def predict(stream: Iterable[Document]) -> Iterable[Document]:
        return estimator.predict_documents(stream, threshold=threshold, n_jobs=n_jobs)

    predicted = predict_with_existing(predict, documents, min_score=min_score, keep_existing=keep_relations)
    return write_documents(predicted, output, output_format, with_scores=with_scores)


def convert(
    source: PathLike,
    output: PathLike | None = None,
    *,
    input_format: str | None = None,
    output_format: str | None = None,
    with_scores: bool = False,
    on_error: ErrorHandler = None,
) -> int:
    """Convert ``source`` to ``output`` between formats (no model involved); return the number of documents.

    Formats are detected when None (see :mod:`relclf.formats`); the output is written atomically.
    PubTator converted to BioC XML or JSON and back is byte-identical.
    """
    documents = read_documents(source, input_format, on_error=on_error)
    return write_documents(documents, output, output_format, with_scores=with_scores)


def score_files(gold: PathLike, predicted: PathLike, *, on_error: ErrorHandler = None, format: str | None = None) -> Scores:
    """Score a prediction file against a gold file (any input formats, detected when ``format`` is None); no model needed."""
    return score_documents(read_documents(gold, format, on_error=on_error), read_documents(predicted, format, on_error=on_error, allow_empty=True))
