"""Streamed prediction of a document file: read, predict, combine with existing relations, render.

:func:`predicted_documents` is what ``relclf predict`` does between opening its input and writing
its output. In a parallel run the units of work are raw chunks of the file, whatever its format
(:func:`relclf.io.chunks.read_chunks`): each chunk is parsed, predicted and, for PubTator output,
rendered as text where it is processed, in a worker process (``n_jobs`` > 1) or on a dask cluster,
so that this process only splits the input and writes the output, and no parsed document is pickled
on its way to a worker. A serial run, and an input whose format is found only while it is read (a
FIFO), are parsed here and their documents sent to the model
(:meth:`~relclf.extract.model.RelationModel.predict_documents`). Either way documents come back in
input order, the checks and error handling are those of the readers
(:func:`relclf.io.validation.valid_documents`), and the output is the same as a serial run's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .document import Document
from .errors import ErrorHandler, InputError
from .extract.model import RelationModel
from .extract.predictions import combine_relations, predict_with_existing
from .io.chunks import EMPTY_REASONS, DocumentChunk, Fatal, read_chunks, unless_fatal
from .io.files import PathLike, display_name
from .io.formats import known_format, read_documents
from .io.pubtator import Formatted, format_document
from .io.validation import Repaired, valid_documents
from .parallel import run_ordered
from .parallel.workers import effective_n_jobs

__all__ = ["PredictOptions", "predicted_documents", "read_in_chunks"]


@dataclass(frozen=True)
class PredictOptions:
    """What to predict and how to return it.

    threshold : the detector threshold (None: the model's); min_score : drop predicted relations
    scoring below it; keep_existing : keep each document's relations and add predictions for the
    other pairs (see :mod:`relclf.extract.predictions`); render : return PubTator text
    (:class:`~relclf.io.pubtator.Formatted`) instead of documents, with each relation's score when
    ``with_scores``.
    """

    threshold: float | None = None
    min_score: float | None = None
    keep_existing: bool = False
    render: bool = False
    with_scores: bool = False


def predicted_documents(
    source: PathLike,
    model: RelationModel,
    *,
    input_format: str | None = None,
    options: PredictOptions = PredictOptions(),
    on_error: ErrorHandler | None = None,
    n_jobs: int | None = 1,
    client: Any = None,
    batch_size: int = 256,
    allow_empty: bool = False,
) -> Iterator[Document | Formatted]:
    """Stream the documents of ``source`` with predicted relations, in input order.

    Parameters
    ----------
    source : path or ``"-"``
        Read as the result is iterated; ``input_format`` as :func:`relclf.io.formats.read_documents` takes it.
    model : RelationModel
    options : PredictOptions
        With ``render``, a parallel run of PubTator input gives :class:`~relclf.io.pubtator.Formatted`
        text (other runs give documents, which the PubTator writer renders the same way).
    on_error : callable, optional
        As the readers take it: skip invalid documents and lines, reporting each error (default: raise).
    n_jobs : int, default 1
        Processes sharing the work, this one included (-1: one per CPU); ignored with ``client``.
    client : dask.distributed.Client, optional
        Run on this dask cluster.
    batch_size : int, default 256
        Documents per unit of work.
    allow_empty : bool, default False
        Accept a source without documents (as the readers take it).
    """
    n_jobs = effective_n_jobs(n_jobs)
    # chunks pay off only where documents would otherwise be pickled: in a parallel run (and a
    # format known before reading: a FIFO's is found while it is read)
    format = None if client is None and n_jobs == 1 else known_format(source, input_format)
    if format is None:
        documents = read_documents(source, input_format, on_error=on_error, allow_empty=allow_empty)

        def predict(stream: Iterable[Document]) -> Iterator[Document]:
            return model.predict_documents(
                stream, threshold=options.threshold, n_jobs=n_jobs, client=client, batch_size=batch_size
            )

        return predict_with_existing(
            predict, documents, min_score=options.min_score, keep_existing=options.keep_existing
        )
    task = functools.partial(_predict_chunk, options=options, lenient=on_error is not None)
    results = run_ordered(task, read_chunks(source, format, batch_size), n_jobs=n_jobs, client=client, state=model)
    return _checked(results, source, format, on_error, allow_empty)


def _checked(
    results: Iterable[tuple[Any, list[Any]]],
    source: PathLike,
    format: str,
    on_error: ErrorHandler | None,
    allow_empty: bool,
) -> Iterator[Any]:
    """The workers' items of each chunk of ``source``, in file order, through the reader's checks across documents
    (:func:`valid_documents`: duplicate IDs, empty input) as a serial read of ``format`` would make them."""
    items = (item for _, chunk_items in results for item in chunk_items)
    return valid_documents(
        unless_fatal(items),
        display_name(source),
        on_error=on_error,
        allow_empty=allow_empty,
        empty_reason=EMPTY_REASONS[format],
    )


def _predict_chunk(
    model: RelationModel, chunk: DocumentChunk, options: PredictOptions, lenient: bool
) -> list[Document | Formatted | Repaired[Document | Formatted] | InputError | Fatal]:
    """A worker's task: parse ``chunk``, predict its valid documents, and return what the reader made
    of each of its documents, predicted documents (or their text) in place of the documents read."""
    items = chunk.parse(lenient=lenient)
    read = [
        item.document if isinstance(item, Repaired) else item
        for item in items
        if not isinstance(item, (InputError, Fatal))
    ]
    predicted = iter(
        model.predict(
            [document.with_relations(()) for document in read],  # the model never sees the existing relations
            threshold=options.threshold,
        )
    )
    done: list[Document | Formatted | Repaired[Document | Formatted] | InputError | Fatal] = []
    for item in items:
        if isinstance(item, (InputError, Fatal)):
            done.append(item)
            continue
        document = item.document if isinstance(item, Repaired) else item
        relations = combine_relations(
            document.relations, next(predicted), min_score=options.min_score, keep_existing=options.keep_existing
        )
        relabeled = document.with_relations(relations)
        result: Document | Formatted = relabeled
        if options.render:
            result = Formatted(
                document.pmid, document.line, format_document(relabeled, with_scores=options.with_scores)
            )
        done.append(Repaired(result, item.dropped) if isinstance(item, Repaired) else result)
    return done


def read_in_chunks(
    source: PathLike,
    *,
    input_format: str | None = None,
    on_error: ErrorHandler | None = None,
    n_jobs: int | None = 1,
    render: bool = False,
    with_scores: bool = False,
    allow_empty: bool = False,
) -> Iterator[Document | Formatted]:
    """The documents of ``source``, as :func:`relclf.io.formats.read_documents` gives them; with ``n_jobs`` > 1
    parsed in that many processes (this one included) from raw chunks of the file, in input order.

    With ``render`` (and ``n_jobs`` > 1) the workers also render each document as PubTator text
    (:class:`~relclf.io.pubtator.Formatted`, ``with_scores`` as the PubTator writer takes it), so that nothing
    parsed travels back either. Either way the writers write the same bytes as from a serial read.
    """
    n_jobs = effective_n_jobs(n_jobs)
    format = None if n_jobs == 1 else known_format(source, input_format)
    if format is None:
        return read_documents(source, input_format, on_error=on_error, allow_empty=allow_empty)
    task = functools.partial(_read_chunk, lenient=on_error is not None, render=render, with_scores=with_scores)
    results = run_ordered(task, read_chunks(source, format), n_jobs=n_jobs)
    return _checked(results, source, format, on_error, allow_empty)


def _read_chunk(
    state: Any, chunk: DocumentChunk, lenient: bool, render: bool, with_scores: bool
) -> list[Document | Formatted | Repaired[Document | Formatted] | InputError | Fatal]:
    """A worker's task: what the reader makes of each document of ``chunk``, rendered as PubTator text if ``render``."""
    items = chunk.parse(lenient=lenient)
    if not render:
        return items
    done: list[Document | Formatted | Repaired[Document | Formatted] | InputError | Fatal] = []
    for item in items:
        if isinstance(item, (InputError, Fatal)):
            done.append(item)
            continue
        document = item.document if isinstance(item, Repaired) else item
        text = Formatted(document.pmid, document.line, format_document(document, with_scores=with_scores))
        done.append(Repaired(text, item.dropped) if isinstance(item, Repaired) else text)
    return done
