"""Prediction on a dask.distributed cluster: documents go out in chunks, the model once.

Needs the optional extra ``relclf[dask]`` (``pip install "relclf[dask]"``) here and relclf itself on
every worker. The output is the same as :meth:`RelationExtractor.predict_documents` run serially:
documents come back in input order, and at most a few chunks per worker thread are in flight, so
memory stays bounded however long the input is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..document import Document
from ..errors import RelclfError
from .workers import signals_blocked

if TYPE_CHECKING:
    from ..extract.estimator import RelationExtractor

__all__ = ["connect", "predict_documents_dask"]


def connect(scheduler: str, timeout: str = "20s") -> Any:
    """Return a ``dask.distributed.Client`` connected to the scheduler at ``scheduler`` (e.g. ``tcp://host:8786``).

    ``timeout`` is how long to try to reach it (a dask duration such as ``"20s"``).

    Raises :class:`RelclfError` when dask is not installed or the scheduler cannot be reached.
    Ctrl-C pressed while connecting takes effect when the attempt ends.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise RelclfError('--scheduler needs dask.distributed: pip install "relclf[dask]"') from None
    try:
        # the client's threads must not take the Ctrl-C meant for the main thread (relclf.parallel.workers)
        with signals_blocked():
            return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise RelclfError(f"cannot reach the dask scheduler at {scheduler}: {error}") from None


def _predict_chunk(model: RelationExtractor, documents: list[Document], threshold: float | None) -> list[Document]:
    """Run on a worker: predict one chunk serially."""
    return list(model.predict_documents(documents, threshold=threshold, n_jobs=1))


def _chunks(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    for document in documents:
        chunk.append(document)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def predict_documents_dask(
    model: RelationExtractor,
    documents: Iterable[Document],
    *,
    client: Any = None,
    scheduler: str | None = None,
    threshold: float | None = None,
    chunk_size: int = 256,
    max_in_flight: int | None = None,
) -> Iterator[Document]:
    """Stream documents back, in input order, with relations predicted on a dask cluster.

    Parameters
    ----------
    model : RelationExtractor
        A fitted model; it is sent to every worker once (``client.scatter(broadcast=True)``).
    documents : iterable of Document
    client : dask.distributed.Client, optional
        An open client; otherwise one is opened to ``scheduler`` and closed at the end.
    scheduler : str, optional
        Scheduler address, used when no client is given.
    threshold : float, optional
        Overrides the model's detector threshold.
    chunk_size : int, default 256
        Documents per task.
    max_in_flight : int, optional
        Tasks submitted but not yet collected; default twice the cluster's worker threads.

    Yields
    ------
    Document
        Each input document with its predicted relations, in input order.
    """
    if client is None and scheduler is None:
        raise ValueError("give a dask client or a scheduler address")
    own = client is None
    if own:
        client = connect(scheduler)
    try:
        # the model travels once per worker, not per task; under a fresh key (hash=False), so that a
        # second call on the same client never picks up a copy whose release is still under way
        shipped = client.scatter(model, broadcast=True, hash=False)
        threads = sum(client.nthreads().values()) or 1
        limit = max_in_flight or 2 * threads
        pending: deque = deque()
        for chunk in _chunks(documents, chunk_size):
            pending.append(client.submit(_predict_chunk, shipped, chunk, threshold, pure=False))
            if len(pending) >= limit:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        if own:
            client.close()
