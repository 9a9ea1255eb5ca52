"""The functions behind the CLI: train, evaluate, predict and score, callable from Python.

Each takes paths (or documents) and returns a value; printing is left to :mod:`relclf.cli`.
"""

from __future__ import annotations

import copy
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
from .files import PathLike, atomic_writer
from .metrics import Scores, score_documents
from .model import RelationExtractor
from .persistence import LoadedModel, build_metadata, export_model, load_model, read_model_card, save_model
from .pubtator import read_pubtator, write_pubtator

__all__ = [
    "DEFAULT_MAX_PAIRS_PER_DOC",
    "DEFAULT_MODEL",
    "CorpusStats",
    "TrainResult",
    "corpus_stats",
    "default_model_path",
    "evaluate",
    "export",
    "model_info",
    "predict_file",
    "read_corpus",
    "score_files",
    "train",
    "with_pair_cap",
]

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "relclf-biored.joblib"
ErrorHandler = Callable[[InputError], None] | None
# Cap on candidate pairs per document when predicting: 9 times the most pairs of any abstract of
# BioRED Train/Dev or the 900 BC8 abstracts (1,118), so real abstracts are never capped, while a
# pathological document costs at most ~0.2 GB and a few seconds instead of growing without bound.
DEFAULT_MAX_PAIRS_PER_DOC = 10_000


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
    # the default model is always verified against its recorded sha256; others when it is recorded
    return load_model(path, require_checksum=model is None).estimator


def with_pair_cap(estimator: RelationExtractor, max_pairs_per_doc: int | None) -> RelationExtractor:
    """Return ``estimator`` predicting with at most ``max_pairs_per_doc`` candidates per document.

    A shallow copy when the cap differs (the fitted parts are shared, not copied); None means no cap.
    """
    if max_pairs_per_doc == estimator.max_pairs_per_doc:
        return estimator
    capped = copy.copy(estimator)
    capped.max_pairs_per_doc = max_pairs_per_doc
    return capped


def model_info(path: PathLike) -> dict[str, Any]:
    """The card of the model at ``path``, read without loading it (see :func:`relclf.persistence.read_model_card`)."""
    return read_model_card(path)


def export(source: PathLike, target: PathLike, *, fmt: str = "skops") -> LoadedModel:
    """Verify and load the model at ``source`` and save it to ``target`` as ``fmt`` (default skops)."""
    return export_model(source, target, fmt=fmt)


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
    fmt: str = "joblib",
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
    fmt : {"joblib", "skops"}
        Format of the saved model (skops is safe to share; see :mod:`relclf.persistence`).

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
        save_model(estimator, output, metadata, fmt=fmt)
    return TrainResult(loaded, corpus_stats(documents), recall, seconds, dev_scores)


def evaluate(
    gold: PathLike | Sequence[Document],
    model: LoadedModel | RelationExtractor | PathLike | None = None,
    *,
    threshold: float | None = None,
    on_error: ErrorHandler = None,
    n_jobs: int = 1,
    max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
) -> Scores:
    """Predict on gold documents with their relations hidden and score the predictions.

    ``gold`` is a PubTator path or a list of documents; ``model`` a path, a loaded model or None for
    the default; ``max_pairs_per_doc`` caps the candidates of each document (None: no cap). Returns
    :class:`~relclf.metrics.Scores`.
    """
    estimator = with_pair_cap(resolve_model(model), max_pairs_per_doc)
    documents = list(read_pubtator(gold, on_error=on_error)) if isinstance(gold, (str, os.PathLike)) else list(gold)
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
    max_pairs_per_doc: int | None = DEFAULT_MAX_PAIRS_PER_DOC,
) -> int:
    """Predict relations for every document of ``source`` and write PubTator to ``output``.

    ``source`` may be ``-`` (standard input); ``output`` None or ``-`` writes standard output. The
    output is written to a temporary file and renamed only when every document succeeded. ``n_jobs``
    worker processes share the work; the output is identical to a serial run's. ``max_pairs_per_doc``
    caps the candidate pairs of each document, keeping those whose mentions are closest, with a
    warning naming the document (None: no cap). Returns the number of documents written.
    """
    estimator = with_pair_cap(resolve_model(model), max_pairs_per_doc)
    documents = read_pubtator(source, on_error=on_error)
    with atomic_writer(output) as handle:
        predicted = estimator.predict_documents(documents, threshold=threshold, n_jobs=n_jobs)
        return write_pubtator(predicted, handle, with_scores=with_scores)


def score_files(gold: PathLike, predicted: PathLike, *, on_error: ErrorHandler = None) -> Scores:
    """Score a prediction file against a gold file; no model needed."""
    return score_documents(read_pubtator(gold, on_error=on_error), read_pubtator(predicted, on_error=on_error, allow_empty=True))
