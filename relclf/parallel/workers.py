"""Worker processes for prediction and featurization: safe to start, quick to stop, results in order.

:func:`process_pool` starts ``n_jobs`` worker processes and :func:`ordered_results` runs a function
over a stream of items in them, yielding the results in input order with a bounded number in flight.

Why not a plain ``multiprocessing.Pool`` with ``fork``:

* forking a process in which other threads run (a dask client's event loop, a progress bar's
  monitor, a web server) can deadlock the child on a lock one of those threads held; workers are
  therefore forked only while this process runs a single thread, and otherwise started by a clean
  fork server, which receives the worker state (the model) once per worker;
* a worker killed from outside (the out-of-memory killer) makes ``Pool`` wait forever; here the run
  ends with :class:`~relclf.errors.WorkerError`;
* ``Pool.terminate`` can hang on a worker that holds its queue lock; here an interrupted run kills
  its workers and returns at once;
* the kernel may deliver a SIGINT or SIGTERM meant for the process to any of its threads; one that
  lands on a pool's helper thread leaves the main thread blocked, on a pipe that sends no more input,
  for instance. The pool's threads are therefore started with those signals blocked
  (:func:`signals_blocked`), so that they always reach the main thread.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..errors import WorkerError

__all__ = ["ordered_results", "process_pool", "signals_blocked", "start_method"]

Item = TypeVar("Item")

log = logging.getLogger(__name__)


def start_method() -> str:
    """The way :func:`process_pool` starts workers now: ``"fork"``, ``"forkserver"`` or ``"spawn"``.

    ``fork`` (instant, and the workers share the parent's loaded model) only on Linux and only while
    this process runs one thread, when forking is safe; otherwise a fork server where the platform
    has one, else ``spawn``.
    """
    available = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in available and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in available else "spawn"


@contextlib.contextmanager
def process_pool(
    n_jobs: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> Iterator[ProcessPoolExecutor]:
    """A ``ProcessPoolExecutor`` of ``n_jobs`` workers, each running ``initializer(*initargs)`` first.

    Workers ignore Ctrl-C (the parent handles it) and die quietly on SIGTERM. When the ``with`` block
    raises (an error, Ctrl-C, SIGTERM), queued tasks are cancelled and the workers killed before the
    exception propagates; otherwise the pool waits for its workers to finish.
    """
    method = start_method()
    log.info("%d worker processes, started by %s", n_jobs, method)
    context = multiprocessing.get_context(method)
    executor = ProcessPoolExecutor(n_jobs, mp_context=context, initializer=_start_worker, initargs=(initializer, initargs))
    try:
        with signals_blocked():
            # a first task starts the workers and the executor's helper threads, which keep this mask
            _result(executor, _submit(executor, int, 0))
        yield executor
    except BaseException:
        _stop_now(executor)
        raise
    executor.shutdown(wait=True)


# the signals that stop a run: they must reach the main thread, which turns them into exceptions
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread for the ``with`` block (where the platform can).

    Threads started inside the block inherit the mask and so never receive those signals; processes
    forked inside it unblock them in :func:`_start_worker`. Signals that arrive meanwhile wait and
    are delivered when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def ordered_results(
    executor: ProcessPoolExecutor, function: Callable[[Item], Any], items: Iterable[Item], in_flight: int
) -> Iterator[tuple[Item, Any]]:
    """Yield ``(item, function(item))`` for each item, in input order, computed in ``executor``.

    At most ``in_flight`` items are submitted and not yet yielded, so memory stays bounded however
    long ``items`` is, and the caller reads and writes while the workers compute.

    Raises
    ------
    WorkerError
        A worker process ended unexpectedly (killed, or out of memory).
    """
    pending: collections.deque[tuple[Item, Future]] = collections.deque()
    for item in items:
        pending.append((item, _submit(executor, function, item)))
        if len(pending) >= in_flight:
            done, future = pending.popleft()
            yield done, _result(executor, future)
    while pending:
        done, future = pending.popleft()
        yield done, _result(executor, future)


def _submit(executor: ProcessPoolExecutor, function: Callable[[Item], Any], item: Item) -> Future:
    try:
        return executor.submit(function, item)
    except BrokenProcessPool as error:
        raise _worker_died() from error


def _result(executor: ProcessPoolExecutor, future: Future) -> Any:
    # The executor notices most deaths itself, but not a worker killed while sending a result: its
    # manager thread then waits for the rest of the message forever. Workers never exit during a
    # run, so one that has is checked for every second.
    while True:
        try:
            return future.result(timeout=1.0)
        except BrokenProcessPool as error:
            raise _worker_died() from error
        except TimeoutError:
            if any(worker.exitcode is not None for worker in _workers(executor)):
                raise _worker_died() from None


def _workers(executor: ProcessPoolExecutor) -> list[multiprocessing.process.BaseProcess]:
    # the executor offers no public handle on its processes; _processes has been stable since 3.2
    return list((getattr(executor, "_processes", None) or {}).values())


def _worker_died() -> WorkerError:
    return WorkerError("a worker process ended unexpectedly (killed, or out of memory?); try fewer --n-jobs or a lower --max-pairs-per-doc")


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple) -> None:
    # Ctrl-C reaches the whole process group; the parent alone decides what happens next
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _exit_with_parent()
    if initializer is not None:
        initializer(*initargs)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _exit_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent dies.

    Idle workers wait on a queue whose other end they hold themselves, so a run killed with SIGKILL
    would otherwise leave them waiting forever (and holding its stderr open).
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _stop_now(executor: ProcessPoolExecutor) -> None:
    """Cancel queued tasks and kill the workers, so an interrupted run ends without waiting for them."""
    workers = _workers(executor)
    results = getattr(executor, "_result_queue", None)  # shutdown forgets it
    executor.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.kill()
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.join(5)
    # A manager thread stuck reading a result that a killed worker left half-written gets end of file
    # once this, the last write end of the result pipe, is closed; it can then end, and so can Python.
    with contextlib.suppress(Exception):
        results._writer.close()
