"""Tests of relclf.persistence: model files are data (arrays and JSON), verified, and refused when bad."""

from __future__ import annotations

import io
import json
import logging
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from relclf import RelationExtractor, read_pubtator
from relclf.errors import ModelError
from relclf.extract.model import RelationModel
from relclf.extract.vectorizer import PairVectorizer
from relclf.persistence import (
    FORMAT_VERSION,
    READABLE_FORMATS,
    build_metadata,
    file_sha256,
    format_model_card,
    load_model,
    model_arrays,
    read_model_card,
    save_model,
)
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def saved(tmp_path_factory, synthetic_model, synthetic_train):
    """The shared synthetic model saved with a card here; (model file, training file, model, training documents)."""
    model, train = synthetic_model, synthetic_train
    target = tmp_path_factory.mktemp("model") / "m.npz"
    save_model(model, target, build_metadata(model, [train], scores={"dev": {"pair": 1.0}}))
    return target, train, model, list(read_pubtator(train))


def test_round_trip_predicts_the_same(saved):
    target, _, model, docs = saved
    loaded = load_model(target)
    assert isinstance(loaded.model, RelationModel)
    hidden = [d.with_relations(()) for d in docs]
    assert loaded.model.predict(hidden) == model.predict(hidden)
    assert loaded.model.labels == model.labels_ and loaded.model.threshold == model.threshold_


def test_the_file_holds_plain_arrays_only(saved):
    """Every member loads with allow_pickle=False: nothing in the file is code."""
    with np.load(saved[0], allow_pickle=False) as archive:
        assert {archive[name].dtype.kind for name in archive.files} <= {"i", "u", "f", "U", "b"}
        meta = json.loads(str(archive["meta"]))
    assert meta["format_version"] == FORMAT_VERSION and meta["type_pairs"] == saved[2].type_pairs_


def test_loading_a_model_imports_no_scikit_learn(saved):
    code = (
        "import sys; from relclf.persistence import load_model; from relclf.io.pubtator import read_pubtator; "
        f"m = load_model({str(saved[0])!r}).model; m.predict(list(read_pubtator({str(saved[1])!r}))); "
        "print(sorted(k for k in sys.modules if k.split('.')[0] in ('sklearn', 'joblib')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_predict_command_imports_no_scikit_learn(saved, tmp_path):
    out_file = tmp_path / "out.pubtator"
    code = (
        "import sys; from relclf.cli import main; "
        f"status = main(['predict', {str(saved[1])!r}, '-m', {str(saved[0])!r}, '-o', {str(out_file)!r}]); "
        "print(status, sorted(k for k in sys.modules if k.split('.')[0] == 'sklearn'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 []" and out_file.stat().st_size > 0


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
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"\x00\x01 definitely not a model")
    with pytest.raises(ModelError, match="not a relclf model"):
        load_model(junk)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.arange(3))  # an npz, but not relclf's
    with pytest.raises(ModelError, match="not a relclf model"):
        load_model(other)
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "missing.npz")


def test_an_old_pickle_model_is_refused_with_how_to_retrain(tmp_path):
    old = tmp_path / "old.joblib"
    old.write_bytes(pickle.dumps({"format": "relclf-model", "format_version": 1}))  # never unpickled
    with pytest.raises(ModelError, match=r"a \.joblib or \.skops model of relclf 0\.2 or earlier must be retrained"):
        load_model(old)


def test_a_pickle_inside_the_archive_is_refused_without_running_it(saved, tmp_path):
    arrays = dict(model_arrays(load_model(saved[0]).model))
    arrays["vocabulary"] = np.array([object()], dtype=object)  # an object array is stored as a pickle
    hostile = tmp_path / "hostile.npz"
    np.savez(hostile, **arrays)
    with pytest.raises(ModelError, match=r"damaged or incompatible model \(member 'vocabulary' holds Python objects"):
        load_model(hostile)


def test_a_member_larger_than_any_model_is_refused_before_reading(saved, tmp_path, monkeypatch):
    import relclf.persistence.archive as archive

    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 1000)  # the fixture's weights are larger
    with pytest.raises(ModelError, match="members larger than relclf models ever are"):
        load_model(saved[0])


def test_a_model_whose_arrays_disagree_is_refused(saved, tmp_path):
    arrays = dict(model_arrays(load_model(saved[0]).model))
    arrays["vocabulary"] = arrays["vocabulary"][:10]  # fewer words than the model counts
    broken = tmp_path / "broken.npz"
    np.savez(broken, **arrays)
    with pytest.raises(ModelError, match="damaged or incompatible model"):
        load_model(broken)


def test_truncated_model_is_refused(saved, tmp_path):
    target = saved[0]
    cut = tmp_path / "cut.npz"
    cut.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    with pytest.raises(ModelError):
        load_model(cut)


def test_other_format_version_is_refused(saved, tmp_path):
    arrays = dict(model_arrays(load_model(saved[0]).model))
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps(dict(meta, format_version=999)))
    future = tmp_path / "future.npz"
    np.savez(future, **arrays)
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


def _copy_with_sidecars(source, directory, name="copy.npz"):
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


def test_truncated_model_with_card_is_refused_as_truncated(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    copy.write_bytes(copy.read_bytes()[:-100])
    with pytest.raises(ModelError, match="truncated or was replaced"):
        load_model(copy)


def test_flipped_bytes_are_refused_by_digest(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match .* recorded beside it"):
        load_model(copy)


def test_a_valid_model_put_in_place_of_another_is_refused(saved, tmp_path):
    target, train, _, docs = saved
    other = RelationExtractor(vectorizer=PairVectorizer(min_df=1), cv=3, threshold=0.2).fit(docs)
    save_model(other, tmp_path / "other.npz", build_metadata(other, [train]))
    copy = _copy_with_sidecars(target, tmp_path)
    copy.write_bytes((tmp_path / "other.npz").read_bytes())  # a working model, but not the one recorded
    with pytest.raises(ModelError, match="(does not match|bytes where copy.npz.json records)"):
        load_model(copy)
    copy.with_name("copy.npz.json").unlink()  # the .sha256 file alone catches it too
    with pytest.raises(ModelError, match="does not match .* recorded beside it"):
        load_model(copy)
    assert load_model(tmp_path / "other.npz").model.threshold == 0.2  # it loads under its own name


def test_sidecars_that_disagree_are_refused(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    copy.with_name("copy.npz.sha256").write_text("0" * 64 + "  copy.npz\n")
    with pytest.raises(ModelError, match="record different digests"):
        load_model(copy)


def test_model_without_card_loads_with_a_warning_unless_checksum_required(saved, tmp_path, caplog):
    bare = tmp_path / "bare.npz"
    bare.write_bytes(saved[0].read_bytes())
    with caplog.at_level(logging.WARNING, logger="relclf"):
        assert isinstance(load_model(bare).model, RelationModel)
    assert "bare.npz has no bare.npz.json or bare.npz.sha256: its integrity cannot be checked" in caplog.text
    with pytest.raises(ModelError, match="refusing to load the default model unverified"):
        load_model(bare, require_checksum=True)
    assert isinstance(load_model(saved[0], require_checksum=True).model, RelationModel)


def test_info_reads_the_card_of_a_model_it_cannot_load(saved, tmp_path):
    old = tmp_path / "old.joblib"
    old.write_bytes(b"pickle from another era")
    card = dict(
        json.loads(saved[0].with_name(saved[0].name + ".json").read_text()), format_version=1, relclf_version="0.2.0"
    )
    card.update(sha256=file_sha256(old), size=old.stat().st_size)
    old.with_name("old.joblib.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match=r"format 1 \(relclf 0\.2\.0\).*retrain the model"):
        load_model(old)
    info = read_model_card(old)
    assert info["verified"] is True and info["labels"] == card["labels"]
    text = format_model_card(info)
    assert "loadable here: no: a model of format 1 (relclf 0.2.0)" in text
    assert "seed: 0" in text and "train.pubtator  sha256 " in text


def test_info_reads_the_card_inside_the_file_when_none_is_beside_it(saved, tmp_path):
    bare = tmp_path / "bare.npz"
    bare.write_bytes(saved[0].read_bytes())
    info = read_model_card(bare)
    assert info["format_version"] == FORMAT_VERSION and info["verified"] is None
    assert zipfile.is_zipfile(bare)


def test_info_reports_a_digest_mismatch_without_loading(saved, tmp_path):
    copy = _copy_with_sidecars(saved[0], tmp_path)
    copy.write_bytes(copy.read_bytes()[:-10])
    info = read_model_card(copy)
    assert info["verified"] is False and "DOES NOT MATCH" in format_model_card(info)


def test_info_without_any_card_is_refused(tmp_path):
    bare = tmp_path / "bare.joblib"
    bare.write_bytes(b"no card anywhere")
    with pytest.raises(ModelError, match="no model card"):
        read_model_card(bare)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (FORMAT_VERSION + 1, "is newer than relclf"),
        (READABLE_FORMATS[0] - 1, "older format"),
        (0, "cannot be read by relclf"),
        ("2", "cannot be read by relclf"),
        (True, "cannot be read by relclf"),
        ([FORMAT_VERSION], "cannot be read by relclf"),
    ],
)
def test_a_model_of_another_format_version_is_refused_with_what_to_do(saved, tmp_path, version, message):
    with np.load(saved[0], allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps(dict(meta, format_version=version)))
    other = tmp_path / "other.npz"
    np.savez(other, **arrays)
    with pytest.raises(ModelError, match=message):
        load_model(other)


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ('{"labels": 5}', "model card field 'labels' must be a list of strings, not 5"),
        ('{"scores": [1, 2]}', "model card field 'scores' must be an object of scores"),
        ('{"scores": {"dev": {"pair": {"f1": "high"}}}}', "model card field 'scores' must be an object of scores"),
        ('{"scores": {"dev": [{"f1": 1}]}}', "model card field 'scores' must be an object of scores"),
        (
            '{"training_files": ["Train.PubTator"]}',
            "model card field 'training_files' must be a list of {name, sha256} objects",
        ),
        (
            '{"training_documents": "all of them"}',
            "model card field 'training_documents' must be a list of 12-digit hex digests",
        ),
        ('{"sha256": 5}', "model card field 'sha256' must be 64 lower-case hex digits, not 5"),
        ('{"size": "big"}', "model card field 'size' must be a number of bytes"),
        ('{"threshold": 2}', "model card field 'threshold' must be a number from 0 to 1"),
        ('{"format_version": "2"}', "model card field 'format_version' must be an integer"),
        ("[]", "not a relclf model card"),
        ("[" * 100_000 + "]" * 100_000, "unreadable model card (RecursionError)"),
        ('{"labels": ["a"', "unreadable model card (JSONDecodeError)"),
    ],
    ids=lambda value: value[:30],
)
def test_a_damaged_or_forged_card_is_refused_in_one_line(saved, tmp_path, card, message):
    model = tmp_path / "m.npz"
    model.write_bytes(saved[0].read_bytes())
    Path(f"{model}.json").write_text(card)
    for call in (load_model, read_model_card):
        with pytest.raises(ModelError) as refused:
            call(model)
        assert str(refused.value).startswith(f"{model}.json: ") and message in str(refused.value)
        assert "\n" not in str(refused.value)


def test_a_card_larger_than_any_model_card_is_not_read(saved, tmp_path, monkeypatch):
    import relclf.persistence.card as card

    model = tmp_path / "m.npz"
    model.write_bytes(saved[0].read_bytes())
    Path(f"{model}.json").write_text(json.dumps({"labels": []}) + " " * 2000)
    monkeypatch.setattr(card, "MAX_CARD_BYTES", 1000)
    with pytest.raises(ModelError, match="too large for a model card"):
        load_model(model)


def test_every_stage_survives_the_round_trip(synthetic_train, tmp_path):
    """A model with a context stage, labelers per type pair, isotonic map and precision curve saves and loads whole."""
    docs = list(read_pubtator(synthetic_train))
    model = RelationExtractor(
        vectorizer=PairVectorizer(min_df=1),
        context=True,
        own_labelers=True,
        min_type_pair_relations=2,
        calibration="isotonic",
    ).fit(docs)
    assert model.context_ is not None and model.own_labelers_
    target = tmp_path / "full.npz"
    save_model(model, target, build_metadata(model, [synthetic_train]))
    loaded = load_model(target).model
    assert loaded.context.groups == model.context_.groups and loaded.context.coef == pytest.approx(model.context_.coef)
    assert sorted(loaded.labeler.own) == sorted(model.type_pairs_.index(tp) for tp in model.own_labelers_)
    assert loaded.calibration.method == "isotonic" and loaded.calibration.x == pytest.approx(model.calibration_.x)
    assert loaded.curve.precision == pytest.approx(model.precision_curve_.precision)
    assert loaded.rule == model.rule_
    hidden = [d.with_relations(()) for d in docs]
    assert loaded.predict(hidden, threshold=0.0) == model.predict(hidden, threshold=0.0)


def test_stage_columns_are_stored_as_a_bit_mask_when_that_is_smaller(saved):
    with np.load(saved[0], allow_pickle=False) as archive:
        names = set(archive.files)
        n_features = load_model(saved[0]).model.vectorizer.n_features_
        for stage in ("detector", "labeler"):
            assert (f"{stage}.mask" in names) != (f"{stage}.support" in names)
            if f"{stage}.mask" in names:
                assert archive[f"{stage}.mask"].nbytes == (n_features + 7) // 8


@pytest.mark.parametrize("version", [2, 999])
def test_older_and_newer_format_versions_are_refused_with_what_to_do(saved, tmp_path, version):
    arrays = dict(model_arrays(load_model(saved[0]).model))
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(json.dumps(dict(meta, format_version=version, relclf_version="0.3.0")))
    other = tmp_path / f"v{version}.npz"
    np.savez(other, **arrays)
    expected = (
        "older format 2 \\(relclf 0.3.0\\).*retrain the model"
        if version == 2
        else "model format 999.*upgrade relclf, or retrain"
    )
    with pytest.raises(ModelError, match=expected):
        load_model(other)


def test_a_context_stage_whose_weights_do_not_fit_its_inputs_is_refused(saved, tmp_path):
    arrays = dict(model_arrays(load_model(saved[0]).model))
    meta = json.loads(str(arrays["meta"]))
    arrays["meta"] = np.array(
        json.dumps(dict(meta, context=["score", "entity", "document"], context_kind="logistic", priors=False))
    )
    arrays = {k: v for k, v in arrays.items() if not k.startswith(("context.trees.", "priors."))}
    arrays["context.coef"], arrays["context.intercept"] = np.ones(3), np.zeros(1)
    broken = tmp_path / "context.npz"
    np.savez(broken, **arrays)
    with pytest.raises(
        ModelError, match=r"member 'context.coef' has 3 context inputs .* where the model's meta says 9"
    ):
        load_model(broken)
