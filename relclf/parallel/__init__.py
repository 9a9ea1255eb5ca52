"""Running work in batches, in worker processes or on a dask cluster, with results in input order.

- :mod:`relclf.parallel.batching`: cutting a document stream into bounded batches;
- :mod:`relclf.parallel.workers`: a local process pool (joblib's loky) with ordered, bounded results;
- :mod:`relclf.parallel.distributed`: the same on a dask.distributed cluster;
- :func:`run_ordered`: the one choice between them, made here for every caller.

These modules know nothing of relation extraction: they run functions given to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from .workers import effective_n_jobs, imap_ordered

__all__ = ["run_ordered"]

T = TypeVar("T")
R = TypeVar("R")


def run_ordered(
    function: Callable[[Any, T], R],
    items: Iterable[T],
    *,
    n_jobs: int | None = 1,
    client: Any = None,
    state: Any = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, function(state, item))`` for each item, in input order: on the dask cluster of
    ``client`` when one is given (:func:`relclf.parallel.distributed.imap_ordered_dask`), else in
    ``n_jobs`` local processes, this one included (:func:`relclf.parallel.workers.imap_ordered`;
    1 or None: all here, -1: one per CPU).

    ``function`` is a module-level function (it is pickled by name); ``state`` is sent to each
    worker once. Either way, items are consumed lazily and few are in flight.

    Examples
    --------
    >>> list(run_ordered(pow, [1, 2, 3], state=2))
    [(1, 2), (2, 4), (3, 8)]
    """
    if client is not None:
        from .distributed import imap_ordered_dask  # dask is an optional extra

        return imap_ordered_dask(function, items, client=client, state=state)
    return imap_ordered(function, items, n_jobs=effective_n_jobs(n_jobs), state=state)
