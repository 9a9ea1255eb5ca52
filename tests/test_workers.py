"""Tests for relclf.parallel.workers: how workers start, results in order, dead workers, interrupted pools."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from relclf import RelationExtractor, read_pubtator
from relclf.errors import WorkerError
from relclf.parallel.workers import ordered_results, process_pool, signals_blocked, start_method
from synthetic import synthetic_corpus

LINUX = sys.platform.startswith("linux")


@pytest.fixture
def another_thread():
    """A second thread running in this process while the test body runs (as a dask client's would)."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join()


@pytest.mark.skipif(not LINUX, reason="workers fork only on Linux")
def test_workers_fork_only_while_this_process_runs_one_thread(another_thread):
    assert start_method() == "forkserver"
    # threads other tests left behind (a dask client's event loop) may still run here: ask a fresh
    # interpreter, whose only thread is its main one
    out = subprocess.run([sys.executable, "-c", "from relclf.parallel.workers import start_method; print(start_method())"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "fork"


def test_results_come_in_input_order_with_a_bounded_number_in_flight():
    consumed = []

    def items():
        for i in range(40):
            consumed.append(i)
            yield i

    seen = []
    with process_pool(2) as pool:
        for item, root in ordered_results(pool, math.sqrt, items(), in_flight=3):
            assert len(consumed) - len(seen) <= 3
            seen.append(item)
            assert root == math.sqrt(item)
    assert seen == list(range(40))


def test_a_worker_that_dies_ends_the_run_with_a_worker_error():
    with pytest.raises(WorkerError, match="a worker process ended unexpectedly"):
        with process_pool(2) as pool:
            list(ordered_results(pool, os._exit, [3, 3, 3, 3], in_flight=2))


def test_an_interrupted_pool_kills_its_workers_at_once():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with process_pool(2) as pool:
            futures = [pool.submit(time.sleep, 60) for _ in range(4)]
            time.sleep(0.5)  # the first two are running
            raise KeyboardInterrupt
    # the queued tasks were cancelled and the running ones ended with their killed workers
    while not all(f.done() for f in futures) and time.monotonic() - started < 15:
        time.sleep(0.05)
    assert all(f.done() for f in futures)
    assert time.monotonic() - started < 15


def test_parallel_prediction_with_another_thread_running_equals_serial(tmp_path, another_thread):
    train = tmp_path / "train.pubtator"
    train.write_text(synthetic_corpus(40, seed=1))
    model = RelationExtractor(min_df=1, cv=3).fit(read_pubtator(train))
    test = tmp_path / "test.pubtator"
    test.write_text(synthetic_corpus(120, seed=2, start=500))
    documents = list(read_pubtator(test))
    serial = list(model.predict_documents(documents))
    assert start_method() != "fork"  # the worker gets the model through the fork server
    parallel = list(model.predict_documents(documents, n_jobs=2, batch_size=16))
    assert parallel == serial
    assert sum(len(d.relations) for d in serial) > 0


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
def test_pool_threads_leave_stop_signals_to_the_main_thread_and_workers_ignore_ctrl_c():
    before = {t.native_id for t in threading.enumerate()}
    with process_pool(2) as pool:
        helpers = [t.native_id for t in threading.enumerate() if t.native_id not in before]
        workers = list(pool._processes)  # the worker PIDs (a fork server starts them as tasks come)
        assert helpers and workers
        for tid in helpers:
            assert {signal.SIGINT, signal.SIGTERM} <= _signal_set(Path(f"/proc/self/task/{tid}/status").read_text(), "SigBlk:")
        for pid in workers:
            deadline = time.monotonic() + 10  # a worker may still be running its initializer
            while signal.SIGINT not in _signal_set(Path(f"/proc/{pid}/status").read_text(), "SigIgn:") and time.monotonic() < deadline:
                time.sleep(0.02)
            status = Path(f"/proc/{pid}/status").read_text()
            assert signal.SIGINT in _signal_set(status, "SigIgn:")
            assert not {signal.SIGINT, signal.SIGTERM} & _signal_set(status, "SigBlk:")
