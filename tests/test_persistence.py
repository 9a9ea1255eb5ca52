"""Tests of relclf.persistence: saving, loading, metadata and refusal of bad model files."""

from __future__ import annotations

import io
import json

import joblib
import pytest

from relclf import RelationExtractor, read_pubtator
from relclf.errors import ModelError
from relclf.persistence import build_metadata, file_sha256, load_model, save_model
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("model")
    train = path / "train.pubtator"
    train.write_text(synthetic_corpus(20, seed=5))
    docs = list(read_pubtator(train))
    model = RelationExtractor(min_df=1, cv=3).fit(docs)
    target = path / "m.joblib"
    save_model(model, target, build_metadata(model, [train], scores={"dev": {"pair": 1.0}}))
    return target, train, model, docs


def test_round_trip_predicts_the_same(saved):
    target, _, model, docs = saved
    loaded = load_model(target)
    hidden = [d.with_relations(()) for d in docs]
    assert loaded.estimator.predict(hidden) == model.predict(hidden)


def test_metadata_beside_the_model(saved):
    target, train, model, _ = saved
    card = json.loads(target.with_name(target.name + ".json").read_text())
    assert card["sha256"] == file_sha256(target)
    assert card["training_files"] == [{"name": "train.pubtator", "sha256": file_sha256(train)}]
    assert card["labels"] == model.labels_
    assert card["type_pairs"] == model.type_pairs_
    assert card["parameters"]["min_df"] == 1
    assert card["scores"] == {"dev": {"pair": 1.0}}
    assert load_model(target).metadata["labels"] == model.labels_


def test_not_a_model_is_refused(tmp_path):
    junk = tmp_path / "junk.joblib"
    junk.write_bytes(b"\x00\x01 definitely not a pickle")
    with pytest.raises(ModelError, match="not a readable relclf model"):
        load_model(junk)
    other = tmp_path / "other.joblib"
    joblib.dump({"something": "else"}, other)
    with pytest.raises(ModelError, match="not a relclf model"):
        load_model(other)
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "missing.joblib")


def test_truncated_model_is_refused(saved, tmp_path):
    target = saved[0]
    cut = tmp_path / "cut.joblib"
    cut.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(ModelError):
        load_model(cut)


def test_other_sklearn_version_is_refused_with_versions_named(saved, tmp_path):
    target = saved[0]
    payload = joblib.load(target)
    payload["metadata"] = dict(payload["metadata"], sklearn_version="0.24.2")
    old = tmp_path / "old.joblib"
    joblib.dump(payload, old)
    with pytest.raises(ModelError, match=r"made with scikit-learn 0\.24\.2, but .* is installed"):
        load_model(old)


def test_other_format_version_is_refused(saved, tmp_path):
    payload = joblib.load(saved[0])
    payload["format_version"] = 999
    future = tmp_path / "future.joblib"
    joblib.dump(payload, future)
    with pytest.raises(ModelError, match="model format 999"):
        load_model(future)


def test_save_leaves_no_temporary_files(saved):
    target = saved[0]
    assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".")) == []


def test_metadata_read_from_bytes_stream_fixture():
    """Documents from an in-memory stream train too (no file needed for fit)."""
    docs = list(read_pubtator(io.BytesIO(synthetic_corpus(8, seed=6).encode())))
    model = RelationExtractor(min_df=1, cv=2).fit(docs)
    meta = build_metadata(model, [])
    assert meta["training_files"] == [] and meta["threshold"] == model.threshold_
