"""Worker processes: a function mapped over a stream, results in input order, on joblib's loky executor.

:func:`imap_ordered` runs ``function(state, item)`` for each item in ``n_jobs`` worker processes and
yields the results in input order, with a bounded number of items in flight, so that memory stays
flat on long inputs and the caller reads and writes while the workers compute. ``state`` (a fitted
model) is sent to each worker once, when it starts.

The pool is loky's (``joblib.externals.loky``, maintained with joblib for the scientific Python
stack), in its default start method, fork + exec, which is safe whatever threads this process runs
(a dask client's event loop, a web server, a notebook kernel). Loky detects a worker killed from
outside (the out-of-memory killer) and ends the run, here with :class:`~relclf.errors.WorkerError`,
and it kills its workers on demand. What relclf adds to it:

* workers ignore SIGINT and SIGTERM: Ctrl-C in a terminal (or a SIGTERM to the process group, as
  service managers send) reaches every process of the group, and the parent alone decides what
  happens (it kills the workers with SIGKILL). A worker that died of the signal on its own could do
  so halfway through sending a result, and loky's manager thread would then wait forever for the
  rest of it. This holds once a worker has started (a fraction of a second: a signal before then may
  also print the worker's own traceback), so the worker sets it up before it reads the state;
* workers die with their parent, even one killed outright (Linux ``PR_SET_PDEATHSIG``), and pools
  left running by an interrupted caller are killed at interpreter exit;
* the executor's helper threads start with SIGINT and SIGTERM blocked, so those signals always reach
  the main thread, which turns them into exceptions;
* what a task logs (a warning about a document) is passed back with its result and logged here, in
  order, through this process's handlers.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ctypes
import logging
import os
import pickle
import signal
import sys
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import BrokenExecutor, Future
from pathlib import Path
from typing import Any, TypeVar

from ..errors import WorkerError

__all__ = ["effective_n_jobs", "imap_ordered", "signals_blocked"]

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)
# the package's logger: what tasks log under it travels back to the parent
_PACKAGE_LOGGER = __name__.split(".")[0]
# the signals that stop a run: they must reach the main thread, which turns them into exceptions
_STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def effective_n_jobs(n_jobs: int | None) -> int:
    """The number of worker processes ``n_jobs`` asks for, as joblib counts them.

    ``None`` and ``1`` mean one (serial), ``-1`` all CPUs, ``-2`` all but one, and so on. Zero is an error.

    >>> effective_n_jobs(None), effective_n_jobs(3)
    (1, 3)
    """
    if n_jobs is None or n_jobs == 1:
        return 1
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use 1 for serial, -1 for all CPUs")
    import joblib  # only parallel runs pay for it

    return joblib.effective_n_jobs(n_jobs)


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread for the ``with`` block (where the platform can).

    Threads started inside the block inherit the mask, so those signals never land on them; signals
    that arrive meanwhile wait and are delivered when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def imap_ordered(
    function: Callable[[Any, T], R],
    items: Iterable[T],
    *,
    n_jobs: int = 1,
    state: Any = None,
    in_flight: int | None = None,
) -> Iterator[tuple[T, R]]:
    """Yield ``(item, function(state, item))`` for each item, in input order.

    ``n_jobs`` processes share the work: this one and ``n_jobs - 1`` workers. This process hands items
    to the workers, two at a time each (the one they compute and the next, so that none waits for
    this process), and whenever they all have two, computes the next item itself instead of waiting
    (on a machine with ``n_jobs`` cores, a process that only waited would leave one idle; and it
    also reads and writes between items).

    Parameters
    ----------
    function : callable
        A module-level function (it is pickled by name) taking the state and one item.
    items : iterable
        Consumed lazily, at most ``in_flight`` ahead of what has been yielded.
    n_jobs : int, default 1
        Processes, this one included; 1 runs everything here, with no pool.
    state : object, optional
        Passed to every call; sent to each worker once, when it starts.
    in_flight : int, optional
        Items handed out but not yet yielded (default ``4 * n_jobs``).

    Raises
    ------
    WorkerError
        A worker process ended unexpectedly (killed, or out of memory).
    """
    if n_jobs == 1:
        for item in items:
            yield item, function(state, item)
        return
    workers = n_jobs - 1
    limit = in_flight or 4 * n_jobs
    with _executor(workers, state) as executor:
        pending: collections.deque[tuple[T, Future[Any] | _Done]] = collections.deque()
        for item in items:
            busy = sum(1 for _, f in pending if isinstance(f, Future) and not f.done())
            if busy >= 2 * workers:  # every worker has an item and the next one: this process takes this one
                pending.append((item, _computed_here(function, state, item)))
            else:
                pending.append((item, _submit(executor, function, item)))
            while pending and (len(pending) >= limit or pending[0][1].done()):
                done, future = pending.popleft()
                yield done, _result(future)
        while pending:
            done, future = pending.popleft()
            yield done, _result(future)


class _Done:
    """A result computed in this process, and what its computation logged, queued among the workers'
    futures to keep the input order."""

    def __init__(self, value: Any, records: list[logging.LogRecord]) -> None:
        self.value, self.records = value, records

    def done(self) -> bool:
        return True


def _computed_here(function: Callable[[Any, T], R], state: Any, item: T) -> _Done:
    """``function(state, item)`` run in this process, its log records held back like a worker's, so
    that every record is logged when its item's result is yielded, in input order."""
    logger = logging.getLogger(_PACKAGE_LOGGER)
    handlers, propagate = logger.handlers[:], logger.propagate
    collector = _Collector()
    logger.handlers[:], logger.propagate = [collector], False
    try:
        return _Done(function(state, item), collector.records)
    finally:
        logger.handlers[:], logger.propagate = handlers, propagate


@contextlib.contextmanager
def _executor(n_jobs: int, state: Any) -> Iterator[Any]:
    """A loky executor of ``n_jobs`` worker processes holding ``state``; workers killed at once if the block fails."""
    from joblib.externals.loky import ProcessPoolExecutor

    log.info("this process and %d worker process%s", n_jobs, "" if n_jobs == 1 else "es")
    level = logging.getLogger(_PACKAGE_LOGGER).getEffectiveLevel()
    with tempfile.TemporaryDirectory(prefix="relclf-") as directory:
        # The state goes through a file, pickled once: a worker reads it after its start, once it
        # ignores Ctrl-C, and starting a worker only sends a few bytes down its pipe (a large payload
        # would block this process until the worker had read it, and an interruption then would
        # leave a worker waiting forever for the rest).
        state_file = Path(directory, "state.pickle")
        with state_file.open("wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
        executor = ProcessPoolExecutor(n_jobs, initializer=_start_worker, initargs=(str(state_file), level))
        _LIVE.add(executor)
        try:
            yield executor
        except BaseException:
            _kill(executor)
            raise
        finally:
            _LIVE.discard(executor)
        executor.shutdown(wait=True)


# Executors whose generator was left suspended (an interruption raised while the caller was writing,
# not waiting for a result): killed at interpreter exit, before multiprocessing's own exit handler
# (registered earlier, so run later) would wait for their idle workers forever.
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()


@atexit.register
def _kill_live_executors() -> None:
    for executor in list(_LIVE):
        _kill(executor)


def _kill(executor: Any) -> None:
    """Shut ``executor`` down at once: cancel what waits, kill the workers.

    Loky's manager thread can then fail on an item submitted just before (its id still queued, its
    entry already cancelled: a KeyError); nothing is lost, as the workers are being killed anyway,
    but the thread's traceback would reach the user, so it is kept quiet for this shutdown.
    """
    with _quiet_manager_thread():
        executor.shutdown(wait=True, kill_workers=True)


@contextlib.contextmanager
def _quiet_manager_thread() -> Iterator[None]:
    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is KeyError and args.thread is not None and args.thread.name == "ExecutorManagerThread":
            log.debug("loky's manager thread failed while its workers were killed: %r", args.exc_value)
            return
        previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous


def _submit(executor: Any, function: Callable[[Any, T], R], item: T) -> Future[Any]:
    try:
        with signals_blocked():  # the executor's threads start during a submit
            return executor.submit(_call, function, item)
    except BrokenExecutor as error:
        raise _worker_died() from error


def _result(future: Future[Any] | _Done) -> Any:
    if isinstance(future, _Done):
        result, records = future.value, future.records
    else:
        try:
            result, records = future.result()
        except BrokenExecutor as error:
            raise _worker_died() from error
    for record in records:
        logging.getLogger(record.name).handle(record)
    return result


def _worker_died() -> WorkerError:
    return WorkerError("a worker process ended unexpectedly (killed, or out of memory?)")


# -- in the worker -----------------------------------------------------------------------------------
# The state of this process when it is a worker, installed once by _start_worker.
_STATE: Any = None


def _start_worker(state_file: str, level: int) -> None:
    global _STATE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # a worker may start with the parent's blocked mask
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _exit_with_parent()
    logger = logging.getLogger(_PACKAGE_LOGGER)
    logger.setLevel(level)
    logger.propagate = False  # records go back to the parent (_call), not to this worker's stderr
    with open(state_file, "rb") as handle:
        _STATE = pickle.load(handle)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _exit_with_parent() -> None:
    """On Linux, have the kernel kill this worker when its parent dies (even by SIGKILL).

    An idle worker waits for tasks and would otherwise outlive a parent killed outright, keeping its
    stderr open.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


class _Collector(logging.Handler):
    """Keeps the records a task logs, formatted and picklable, to send back with its result."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)


def _call(function: Callable[[Any, T], R], item: T) -> tuple[R, list[logging.LogRecord]]:
    collector = _Collector()
    logger = logging.getLogger(_PACKAGE_LOGGER)
    logger.addHandler(collector)
    try:
        return function(_STATE, item), collector.records
    finally:
        logger.removeHandler(collector)
