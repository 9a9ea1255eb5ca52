"""Running a function over a stream on a dask.distributed cluster: items go out as tasks, the state once.

Needs the optional extra ``relclf[dask]`` (``pip install "relclf[dask]"``) here and relclf itself on
every worker. Like :func:`relclf.parallel.workers.imap_ordered`, results come back in input order
and at most a few tasks per worker thread are in flight, so memory stays bounded however long the
input is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ..errors import RelclfError
from .workers import signals_blocked

__all__ = ["connect", "imap_ordered_dask"]

T = TypeVar("T")
R = TypeVar("R")


def connect(scheduler: str, timeout: str = "20s") -> Any:
    """Return a ``dask.distributed.Client`` connected to the scheduler at ``scheduler`` (e.g. ``tcp://host:8786``).

    ``timeout`` is how long to try to reach it (a dask duration such as ``"20s"``).

    Raises :class:`RelclfError` when dask is not installed or the scheduler cannot be reached.
    Ctrl-C pressed while connecting takes effect when the attempt ends.
    """
    try:
        from dask.distributed import Client
    except ImportError:
        raise RelclfError('running on a dask scheduler needs dask.distributed: pip install "relclf[dask]"') from None
    try:
        # the client's threads must not take the Ctrl-C meant for the main thread (relclf.parallel.workers)
        with signals_blocked():
            return Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise RelclfError(f"cannot reach the dask scheduler at {scheduler}: {error}") from None


def imap_ordered_dask(
    function: Callable[[Any, T], R], items: Iterable[T], *, client: Any, state: Any = None, in_flight: int | None = None
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, function(state, item))`` for each item, in input order, computed on a dask cluster.

    Parameters
    ----------
    function : callable
        A module-level function (workers import it by name: relclf must be installed on them).
    items : iterable
        Consumed lazily; each item is one task (batch the input first).
    client : dask.distributed.Client
        An open client (see :func:`connect`).
    state : object, optional
        Passed to every call; sent to every worker once, not with each task.
    in_flight : int, optional
        Tasks submitted but not yet yielded; default twice the cluster's worker threads.
    """
    # the state travels once per worker, not per task; under a fresh key (hash=False), so that a
    # second call on the same client never picks up a copy whose release is still under way
    shipped = client.scatter(state, broadcast=True, hash=False)
    limit = in_flight or 2 * (sum(client.nthreads().values()) or 1)
    pending: deque[tuple[T, Any]] = deque()
    for item in items:
        pending.append((item, client.submit(function, shipped, item, pure=False)))
        if len(pending) >= limit:
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()
