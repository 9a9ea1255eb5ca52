"""Tests for relclf.workers: how workers start, results in order, dead workers, interrupted pools."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time

import pytest

from relclf import RelationExtractor, read_pubtator
from relclf.errors import WorkerError
from relclf.workers import ordered_results, process_pool, start_method
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
    out = subprocess.run([sys.executable, "-c", "from relclf.workers import start_method; print(start_method())"], capture_output=True, text=True, check=True)
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
