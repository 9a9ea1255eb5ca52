"""Tests for relclf.parallel.workers: results in order, dead workers, interrupted runs, signal masks."""

from __future__ import annotations

import math
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from relclf.errors import WorkerError
from relclf.parallel import run_ordered
from relclf.parallel.workers import effective_n_jobs, imap_ordered, signals_blocked


def _root(state: float, item: int) -> float:
    return state * math.sqrt(item)


def _exit_in_a_worker(parent: int, item: int) -> int:
    if os.getpid() != parent:  # this process computes some items itself: only a worker dies
        os._exit(3)
    time.sleep(0.5)
    return item


def _note_pid_and_sleep(directory: str, seconds: float) -> None:
    Path(directory, str(os.getpid())).touch()
    time.sleep(seconds)


def _status(state: None, item: int) -> str:
    time.sleep(0.05)  # keep the workers busy, so that both start
    return f"{os.getpid()} " + Path("/proc/self/status").read_text()


def test_effective_n_jobs_follows_joblib():
    assert effective_n_jobs(None) == effective_n_jobs(1) == 1
    assert effective_n_jobs(-1) == os.cpu_count() == effective_n_jobs(os.cpu_count())
    with pytest.raises(ValueError, match="n_jobs == 0"):
        effective_n_jobs(0)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_results_come_in_input_order_with_a_bounded_number_in_flight(n_jobs):
    consumed = []

    def items():
        for i in range(40):
            consumed.append(i)
            yield i

    seen = []
    for item, root in imap_ordered(_root, items(), n_jobs=n_jobs, state=2.0, in_flight=3):
        assert len(consumed) - len(seen) <= 3
        seen.append(item)
        assert root == 2.0 * math.sqrt(item)
    assert seen == list(range(40))


@pytest.mark.parametrize("n_jobs", [None, 1, 2, -1])
def test_run_ordered_without_a_client_runs_in_local_processes(n_jobs):
    expected = [(i, 2.0 * math.sqrt(i)) for i in range(12)]
    assert list(run_ordered(_root, iter(range(12)), n_jobs=n_jobs, state=2.0)) == expected


def test_a_worker_that_dies_ends_the_run_with_a_worker_error():
    with pytest.raises(WorkerError, match="a worker process ended unexpectedly"):
        list(imap_ordered(_exit_in_a_worker, range(6), n_jobs=2, state=os.getpid()))


@pytest.fixture
def interruptible():
    """Ctrl-C raises KeyboardInterrupt here even where the test run inherited SIGINT as ignored (a
    shell's background job does that), as it does in a relclf command started from a terminal."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_an_interrupted_run_kills_its_workers_at_once(tmp_path, interruptible):
    started = time.monotonic()
    # each worker takes two items (one to run, one queued), so the fifth is this process's
    results = imap_ordered(_note_pid_and_sleep, [60] * 6, n_jobs=3, state=str(tmp_path))

    def interrupt() -> None:
        while len(list(tmp_path.iterdir())) < 3:  # both workers run a task, and so does this process
            time.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        next(results)
    assert time.monotonic() - started < 20
    pids = [int(p.name) for p in tmp_path.iterdir() if int(p.name) != os.getpid()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _signal_set(status: str, field: str) -> set[int]:
    """The signals in a ``SigBlk:``/``SigIgn:`` line of a /proc status file (a hexadecimal bit mask)."""
    mask = int(next(line for line in status.splitlines() if line.startswith(field)).split()[1], 16)
    return {number for number in range(1, 65) if mask >> (number - 1) & 1}


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="needs POSIX signal masks")
def test_threads_started_with_signals_blocked_never_take_ctrl_c():
    masks = {}
    thread = threading.Thread(target=lambda: masks.update(inside=signal.pthread_sigmask(signal.SIG_BLOCK, [])))
    with signals_blocked():
        thread.start()
        thread.join()
    assert {signal.SIGINT, signal.SIGTERM} <= masks["inside"]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # restored here


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads thread and process signal masks from /proc")
def test_executor_threads_leave_stop_signals_to_the_main_thread_and_workers_ignore_them():
    before = {t.native_id for t in threading.enumerate()}
    statuses = {}
    helpers = []
    for _, status in imap_ordered(_status, range(12), n_jobs=3):
        pid, text = status.split(" ", 1)
        if int(pid) != os.getpid():  # this process takes items too when the workers are busy
            statuses[pid] = text
        helpers = helpers or [t.native_id for t in threading.enumerate() if t.native_id not in before]
    assert len(statuses) == 2 and helpers
    for tid in helpers:
        task = Path(f"/proc/self/task/{tid}/status")
        if task.exists():  # a helper thread may have ended already
            assert {signal.SIGINT, signal.SIGTERM} <= _signal_set(task.read_text(), "SigBlk:")
    for status in statuses.values():
        assert {signal.SIGINT, signal.SIGTERM} <= _signal_set(status, "SigIgn:")  # the parent kills them
        assert not {signal.SIGINT, signal.SIGTERM} & _signal_set(status, "SigBlk:")
