"""Tests of relclf.parallel.distributed: prediction on a dask cluster equals serial prediction."""

from __future__ import annotations

import io

import pytest

from relclf import api
from relclf.errors import RelclfError
from relclf.extract.estimator import RelationExtractor
from relclf.io.pubtator import read_pubtator
from synthetic import synthetic_corpus

distributed = pytest.importorskip("dask.distributed", reason="needs the dask extra: pip install 'relclf[dask]'")

from relclf.parallel import run_ordered  # noqa: E402
from relclf.parallel.distributed import connect, imap_ordered_dask  # noqa: E402


@pytest.fixture
def model(synthetic_model) -> RelationExtractor:
    return synthetic_model


@pytest.fixture(scope="module")
def cluster():
    # one in-process worker with two threads: starts in about a second and still runs chunks concurrently
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster


def test_cluster_prediction_equals_serial_byte_for_byte(model, cluster, tmp_path):
    source = tmp_path / "in.pubtator"
    source.write_text(synthetic_corpus(30, seed=5, start=700))
    serial, on_cluster = tmp_path / "serial.pubtator", tmp_path / "cluster.pubtator"
    api.predict_file(source, serial, model, with_scores=True)
    api.predict_file(source, on_cluster, model, with_scores=True, scheduler=cluster.scheduler_address)
    assert on_cluster.read_bytes() == serial.read_bytes()
    assert b"Correlation" in serial.read_bytes()


def _square(state: int, item: int) -> int:
    return state * item * item


def test_results_come_back_in_input_order_with_few_in_flight(cluster):
    with distributed.Client(cluster) as client:
        results = list(imap_ordered_dask(_square, range(20), client=client, state=3, in_flight=3))
    assert results == [(i, 3 * i * i) for i in range(20)]


def test_run_ordered_with_a_client_runs_on_the_cluster(cluster):
    with distributed.Client(cluster) as client:
        ran_on = list(run_ordered(_where, range(6), n_jobs=2, client=client, state=3))
    assert [(i, value) for i, (value, _) in ran_on] == [(i, 3 * i) for i in range(6)]
    assert all(worker for _, (_, worker) in ran_on)  # in a dask worker, whatever n_jobs says


def _where(state: int, item: int) -> tuple[int, bool]:
    from dask.distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return state * item, False
    return state * item, True


def test_small_batches_on_the_cluster_predict_like_serial(model, cluster):
    documents = list(read_pubtator(io.BytesIO(synthetic_corpus(12, seed=6, start=900).encode())))
    hidden = [d.with_relations(()) for d in documents]
    with distributed.Client(cluster) as client:
        predicted = list(model.predict_documents(hidden, client=client, batch_size=2))
    assert predicted == list(model.predict_documents(hidden))


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(RelclfError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        connect("tcp://127.0.0.1:9", timeout="1s")


def test_predict_files_on_the_cluster_equals_local(model, cluster, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.pubtator").write_text(synthetic_corpus(5, seed=10, start=100))
    (inputs / "b.pubtator").write_text(synthetic_corpus(4, seed=11, start=200))
    api.predict_files([inputs], tmp_path / "local", model)
    results = api.predict_files([inputs], tmp_path / "remote", model, scheduler=cluster.scheduler_address)
    assert [r.documents for r in results] == [5, 4]
    for name in ("a.pubtator", "b.pubtator"):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
