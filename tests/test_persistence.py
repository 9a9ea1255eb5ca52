"""Tests of relclf.persistence: saving, loading, metadata and refusal of bad model files."""

from __future__ import annotations

import copy
import decimal
import io
import json
import logging
import os
import shutil
import subprocess

import joblib
import pytest
from sklearn.linear_model import LogisticRegression

from relclf import RelationExtractor, read_pubtator
from relclf.cli import format_model_card
from relclf.errors import ModelError
from relclf.extract.vectorizer import PairVectorizer
from relclf.persistence import (
    build_metadata,
    export_model,
    file_sha256,
    load_model,
    model_format,
    read_model_card,
    save_model,
)
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def saved(tmp_path_factory, synthetic_model, synthetic_train):
    """The shared synthetic model saved with a card here; (model file, training file, model, training documents)."""
    model, train = synthetic_model, synthetic_train
    target = tmp_path_factory.mktemp("model") / "m.joblib"
    save_model(model, target, build_metadata(model, [train], scores={"dev": {"pair": 1.0}}))
    return target, train, model, list(read_pubtator(train))


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
    assert card["parameters"]["vectorizer"] == "PairVectorizer(min_df=1)"
    assert card["parameters"]["cv"] == model.cv
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
    model = RelationExtractor(vectorizer=PairVectorizer(min_df=1), cv=2).fit(docs)
    meta = build_metadata(model, [])
    assert meta["training_files"] == [] and meta["threshold"] == model.threshold_


# --- integrity: sha256 beside every model, verified on load ------------------------------------------


def _copy_with_sidecars(source, directory, name="copy.joblib"):
    """Copy a model and its .json/.sha256 files under another name (the .sha256 line names the copy)."""
    target = directory / name
    target.write_bytes(source.read_bytes())
    target.with_name(name + ".json").write_bytes(source.with_name(source.name + ".json").read_bytes())
    digest = source.with_name(source.name + ".sha256").read_text().split()[0]
    target.with_name(name + ".sha256").write_text(f"{digest}  {name}\n")
    return target


def test_sha256_file_in_sha256sum_format_and_seed_recorded(saved):
    target = saved[0]
    line = target.with_name(target.name + ".sha256").read_text()
    assert line == f"{file_sha256(target)}  {target.name}\n"
    card = json.loads(target.with_name(target.name + ".json").read_text())
    assert card["seed"] == 0 and card["size"] == target.stat().st_size
    assert card["format_version"] == 1 and card["model_format"] == "joblib"
    if shutil.which("sha256sum"):
        check = subprocess.run(["sha256sum", "-c", target.name + ".sha256"], cwd=target.parent, capture_output=True, text=True)
        assert check.returncode == 0 and "OK" in check.stdout


def test_truncated_model_with_card_is_refused_as_truncated(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    copy.write_bytes(copy.read_bytes()[:1000])
    with pytest.raises(ModelError, match=r"1,000 bytes where copy.joblib.json records [\d,]+: the file is truncated or was replaced"):
        load_model(copy)


def test_flipped_bytes_are_refused_by_digest(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match .* recorded beside it: the file is corrupted or was replaced"):
        load_model(copy)


def test_a_valid_model_put_in_place_of_another_is_refused(saved, tmp_path):
    target, train, _, docs = saved
    other = RelationExtractor(vectorizer=PairVectorizer(min_df=1), cv=3, detector=LogisticRegression(C=0.5, solver="liblinear")).fit(docs)
    save_model(other, tmp_path / "other.joblib", build_metadata(other, [train]))
    copy = _copy_with_sidecars(target, tmp_path)
    copy.write_bytes((tmp_path / "other.joblib").read_bytes())  # a working model, but not the one recorded
    with pytest.raises(ModelError, match="(does not match|bytes where copy.joblib.json records)"):
        load_model(copy)
    copy.with_name("copy.joblib.json").unlink()  # the .sha256 file alone catches it too
    with pytest.raises(ModelError, match="does not match .* recorded beside it"):
        load_model(copy)
    assert load_model(tmp_path / "other.joblib").estimator.detector_.C == 0.5  # it loads under its own name


def test_sidecars_that_disagree_are_refused(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    copy.with_name("copy.joblib.sha256").write_text("0" * 64 + "  copy.joblib\n")
    with pytest.raises(ModelError, match="record different digests"):
        load_model(copy)


def test_model_without_card_loads_with_a_warning_unless_checksum_required(saved, tmp_path, caplog):
    bare = tmp_path / "bare.joblib"
    bare.write_bytes(saved[0].read_bytes())
    with caplog.at_level(logging.WARNING, logger="relclf"):
        assert isinstance(load_model(bare).estimator, RelationExtractor)
    assert "bare.joblib has no bare.joblib.json or bare.joblib.sha256: its integrity cannot be checked" in caplog.text
    with pytest.raises(ModelError, match="refusing to load the default model unverified"):
        load_model(bare, require_checksum=True)
    assert isinstance(load_model(saved[0], require_checksum=True).estimator, RelationExtractor)


def test_versions_in_the_card_are_checked_before_unpickling_and_info_still_reads_it(saved, tmp_path):
    # the bytes are not a loadable pickle at all: only the card's versions can explain the refusal
    old = tmp_path / "old.joblib"
    old.write_bytes(b"pickle from another era")
    card = dict(json.loads(saved[0].with_name(saved[0].name + ".json").read_text()), sklearn_version="0.24.2")
    card.update(sha256=file_sha256(old), size=old.stat().st_size)
    old.with_name("old.joblib.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"made with scikit-learn 0\.24\.2, but .* is installed"):
        load_model(old)
    info = read_model_card(old)
    assert info["sklearn_version"] == "0.24.2" and info["verified"] is True and info["labels"] == card["labels"]
    text = format_model_card(info)
    assert "loadable here: no: made with scikit-learn 0.24.2" in text
    assert "seed: 0" in text and "train.pubtator  sha256 " in text


def test_info_reports_a_digest_mismatch_without_loading(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    copy.write_bytes(copy.read_bytes()[:-10])
    info = read_model_card(copy)
    assert info["verified"] is False and "DOES NOT MATCH" in format_model_card(info)


def test_info_without_any_card_is_refused(saved, tmp_path):
    bare = tmp_path / "bare.joblib"
    bare.write_bytes(saved[0].read_bytes())
    with pytest.raises(ModelError, match="no model card"):
        read_model_card(bare)


# --- skops: a format that runs no code from the file when loaded ---------------------------------------


def test_skops_round_trip_predicts_the_same(saved, tmp_path):
    target, _, model, docs = saved
    export_model(target, tmp_path / "m.skops")
    assert model_format(tmp_path / "m.skops") == "skops"
    loaded = load_model(tmp_path / "m.skops")
    hidden = [d.with_relations(()) for d in docs]
    assert loaded.estimator.predict(hidden) == model.predict(hidden)
    assert loaded.metadata["labels"] == model.labels_
    card = json.loads((tmp_path / "m.skops.json").read_text())
    assert card["model_format"] == "skops" and card["sha256"] == file_sha256(tmp_path / "m.skops")
    # the card is also inside the archive: info works on the file alone
    alone = tmp_path / "alone.skops"
    alone.write_bytes((tmp_path / "m.skops").read_bytes())
    info = read_model_card(alone)
    assert info["labels"] == model.labels_ and info["model_format"] == "skops" and info["verified"] is None


def _skops_payload_with(model, metadata, smuggled):
    """A relclf skops file whose estimator carries one more attribute (written with skops itself)."""
    import skops.io as sio

    evil = copy.copy(model)
    evil.smuggled_ = smuggled
    return sio.dumps({"format": "relclf-model", "format_version": 1, "metadata": metadata, "estimator": evil})


def test_skops_file_with_an_untrusted_type_is_refused(saved, tmp_path):
    target, _, model, _ = saved
    bad = tmp_path / "bad.skops"
    bad.write_bytes(_skops_payload_with(model, load_model(target).metadata, os.system))
    with pytest.raises(ModelError, match=r"refusing to load: it contains types relclf does not trust: (posix|os)\.system"):
        load_model(bad)


def test_saving_as_skops_refuses_types_outside_the_allow_list(saved, tmp_path):
    _, train, model, _ = saved
    evil = copy.copy(model)
    evil.smuggled_ = decimal.Decimal("1.5")
    with pytest.raises(ModelError, match=r"skops cannot represent this model without trusting decimal\.Decimal"):
        save_model(evil, tmp_path / "evil.skops", build_metadata(model, [train]), fmt="skops")
    assert list(tmp_path.iterdir()) == []
