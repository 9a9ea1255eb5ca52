"""Tests of the model file's arrays, checked against the format from their .npy headers before they are read
(relclf.persistence: _MEMBERS, check_members, _read_members): huge declared shapes, wrong dtypes, lengths that
disagree, missing and unknown members, object arrays; for a model of one schema and one of two."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import parse, run_cli
from relclf import RelationExtractor
from relclf.errors import ModelError
from relclf.persistence import DEFAULT_MODEL, build_metadata, load_model, model_from_arrays, save_model
from synthetic import synthetic_corpus


@pytest.fixture(scope="module")
def joint_file(tmp_path_factory) -> Path:
    """A model of two schemas (two small synthetic corpora, the second labelled CID only), saved."""
    first = parse(synthetic_corpus(16, seed=1))
    second = [
        d.with_relations(tuple(r.__class__("CID", r.id1, r.id2, None) for r in d.relations))
        for d in parse(synthetic_corpus(12, seed=2, start=500))
    ]
    model = RelationExtractor(cv=2).fit(first + second, corpus=["one"] * len(first) + ["two"] * len(second))
    target = tmp_path_factory.mktemp("joint") / "joint.npz"
    save_model(model, target, build_metadata(model, []))
    assert len(model.models_) == 2
    return target


@pytest.fixture(params=["single", "joint"])
def model_file(request, synthetic_model_file, joint_file) -> Path:
    """The shared synthetic model (one schema), or the model of two schemas."""
    return synthetic_model_file if request.param == "single" else joint_file


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def rewritten(source: Path, target: Path, changes: dict[str, bytes | np.ndarray | None]) -> Path:
    """A copy of the model file ``source`` (without its card: it would refuse the change) whose members
    ``changes`` names are replaced (an array, or the raw bytes of a member), added, or left out (None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            name = info.filename.removesuffix(".npy")
            if name not in changes:
                new.writestr(info.filename, old.read(info))
        for name, value in changes.items():
            if value is not None:
                data = npy(value) if isinstance(value, np.ndarray) else value
                new.writestr(name if name.endswith(".txt") else f"{name}.npy", data)
    return target


def refused(path: Path) -> str:
    """The one-line message loading ``path`` is refused with (it must name the file)."""
    with pytest.raises(ModelError) as error:
        load_model(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def damaged(path: Path) -> str:
    """What ``damaged or incompatible model (...)`` says about ``path``."""
    message = refused(path)
    prefix = f"{path}: damaged or incompatible model ("
    assert message.startswith(prefix) and message.endswith(")"), message
    return message[len(prefix) : -1]


def huge_header(descr: str, shape: tuple[int, ...], body: bytes = b"") -> bytes:
    """An .npy member whose header declares ``shape`` of ``descr`` and whose data is only ``body``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + body


def prefix_of(path: Path) -> str:
    """The prefix of the last schema of a model file ("" for a model of one schema)."""
    meta = json.loads(str(read_arrays(path)["meta"]))
    return meta["other_schemas"][-1]["prefix"] if meta["other_schemas"] else ""


# --- what loads ---------------------------------------------------------------------------------------


def test_the_bundled_model_loads_unchanged():
    loaded = load_model(DEFAULT_MODEL, require_checksum=True)
    assert loaded.model.labels and loaded.metadata["format_version"] == 4


def test_both_models_load_and_predict(model_file):
    loaded = load_model(model_file)
    assert loaded.model.predict(parse(synthetic_corpus(3, seed=9))) is not None
    assert len(loaded.schemas) == (2 if "joint" in model_file.name else 1)


def test_a_file_of_format_3_has_no_fold_counts(model_file, tmp_path):
    arrays = read_arrays(model_file)
    meta = json.loads(str(arrays["meta"]))
    old = {"meta": np.array(json.dumps(dict(meta, format_version=3)))}
    folds = {name: None for name in arrays if name.endswith(("curve.fold_predicted", "curve.fold_hits"))}
    assert len(folds) == 2 * len(load_model(model_file).schemas)
    assert load_model(rewritten(model_file, tmp_path / "v3.npz", {**old, **folds})).model.curve.fold_predicted.size == 0
    kept = rewritten(model_file, tmp_path / "v3-with-folds.npz", old)
    assert damaged(kept).startswith("unknown member '") and "which model format 3 has not" in damaged(kept)


# --- declared sizes ------------------------------------------------------------------------------------


def test_a_header_declaring_10_to_the_12_elements_fails_fast_without_allocating(model_file, tmp_path):
    name = f"{prefix_of(model_file)}detector.weights"
    hostile = rewritten(model_file, tmp_path / "huge.npz", {name: huge_header("<f4", (10**6, 10**6), b"\0" * 64)})
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = damaged(hostile)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (
        f"member {name!r} declares shape (1000000, 1000000) of <f4, 4,000,000,000,000 bytes, where it holds 64"
    )
    assert peak < 2_000_000 and time.perf_counter() - started < 2


def test_an_empty_array_declaring_a_huge_dimension_is_refused(model_file, tmp_path):
    name = f"{prefix_of(model_file)}curve.fold_hits"
    hostile = rewritten(model_file, tmp_path / "huge.npz", {name: huge_header("<i8", (10**12, 0))})
    assert (
        damaged(hostile) == f"member {name!r} declares shape (1000000000000, 0), a dimension larger than any model has"
    )


def test_a_header_declaring_fewer_bytes_than_the_member_holds_is_refused(model_file, tmp_path):
    arrays = read_arrays(model_file)
    padded = npy(arrays["curve.thresholds"]) + b"\0" * 8
    hostile = rewritten(model_file, tmp_path / "padded.npz", {"curve.thresholds": padded})
    n = len(arrays["curve.thresholds"])
    assert (
        damaged(hostile)
        == f"member 'curve.thresholds' declares shape ({n},) of <f8, {8 * n:,} bytes, where it holds {8 * n + 8:,}"
    )


# --- dtypes --------------------------------------------------------------------------------------------


def test_weights_stored_as_strings_are_refused(model_file, tmp_path):
    name = f"{prefix_of(model_file)}labeler.weights"
    as_text = read_arrays(model_file)[name].astype(str)
    message = damaged(rewritten(model_file, tmp_path / "text.npz", {name: as_text}))
    assert message == f"member {name!r} holds text ({as_text.dtype.str}) where the format has floating-point numbers"


@pytest.mark.parametrize(
    ("name", "dtype", "holds", "wanted"),
    [
        ("vocabulary", np.int32, "integers (<i4)", "bytes (uint8)"),
        ("vectorizer.between.codes", np.float64, "floating-point numbers (<f8)", "integers"),
        ("curve.fold_predicted", np.uint64, "unsigned integers (<u8)", "integers"),
        ("calibration.y", np.complex128, "complex numbers (<c16)", "floating-point numbers"),
        ("detector.intercept", np.bool_, "booleans (|b1)", "floating-point numbers"),
    ],
)
def test_a_member_of_another_dtype_is_refused(synthetic_model_file, tmp_path, name, dtype, holds, wanted):
    changed = read_arrays(synthetic_model_file)[name].astype(dtype)
    message = damaged(rewritten(synthetic_model_file, tmp_path / "dtype.npz", {name: changed}))
    assert message == f"member {name!r} holds {holds} where the format has {wanted}"


def test_meta_that_is_not_text_is_refused(synthetic_model_file, tmp_path):
    hostile = rewritten(synthetic_model_file, tmp_path / "meta.npz", {"meta": np.arange(3)})
    assert damaged(hostile) == "member 'meta' holds <i8 of shape (3,), not the text of a model's metadata"


class _Trap:
    """Unpickling it would create the file ``marker``: proof that a pickle in a model file never runs."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("member", ["vocabulary", "detector.weights", "meta"])
def test_an_object_array_is_refused_and_never_unpickled(synthetic_model_file, tmp_path, member):
    marker = tmp_path / "unpickled"
    trap = np.array([_Trap(marker)], dtype=object)
    hostile = rewritten(synthetic_model_file, tmp_path / "pickle.npz", {member: npy(trap, allow_pickle=True)})
    assert damaged(hostile) == f"member {member!r} holds Python objects (a pickle), which relclf never reads"
    assert not marker.exists()


# --- shapes that disagree ----------------------------------------------------------------------------


def _shorter(array: np.ndarray) -> np.ndarray:
    return array[:-1]


def _one_more_row(array: np.ndarray) -> np.ndarray:
    return np.concatenate([array, array[:1]])


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "vectorizer.between.idf",
            _shorter,
            "member 'vectorizer.between.idf' has {n:,} between codes (shape ({n},)) where member "
            "'vectorizer.between.codes' has {n1:,}",
        ),
        (
            "{p}detector.intercept",
            _one_more_row,
            "member '{p}detector.intercept' has {n:,} detector rows (shape ({n},)) where the model's meta says {n1:,}",
        ),
        (
            "{p}curve.recall",
            _shorter,
            "member '{p}curve.recall' has {n:,} thresholds (shape ({n},)) where member '{p}curve.thresholds' "
            "has {n1:,}",
        ),
        (
            "{p}curve.fold_hits",
            lambda a: a[:, :-1],
            "member '{p}curve.fold_hits' has {m:,} thresholds (shape ({k}, {m})) where member '{p}curve.thresholds' "
            "has {m1:,}",
        ),
        (
            "{p}calibration.y",
            _one_more_row,
            "member '{p}calibration.y' has {n:,} calibration values (shape ({n},)) where the model's meta says {n1:,}",
        ),
        (
            "{p}detector.weights",
            lambda a: a.reshape(-1),
            "member '{p}detector.weights' has 1 dimensions where the format has 2",
        ),
    ],
    ids=["idf-vs-codes", "intercept-vs-classes", "curve", "folds", "calibration", "dimensions"],
)
def test_lengths_that_disagree_are_refused(model_file, tmp_path, name, change, message):
    p = prefix_of(model_file)
    name = name.format(p=p)
    original = read_arrays(model_file)[name]
    changed = change(original)
    sizes = {"n": len(changed), "n1": len(original), "k": changed.shape[0], "m": changed.shape[-1]}
    sizes["m1"] = original.shape[-1]
    assert damaged(rewritten(model_file, tmp_path / "short.npz", {name: changed})) == message.format(p=p, **sizes)


def test_weights_for_more_columns_than_the_stage_has_are_refused(model_file, tmp_path):
    """A stage's weights have one column per column it lists, or per bit its mask sets (known once read)."""
    p = prefix_of(model_file)
    arrays = read_arrays(model_file)
    stages = [n.removesuffix(".weights") for n in arrays if n.startswith(p) and n.endswith(".weights")]
    stage = next((s for s in stages if f"{s}.support" in arrays), stages[0])
    weights = arrays[f"{stage}.weights"]
    wider = np.zeros((weights.shape[0], weights.shape[1] + 1), dtype=weights.dtype)
    broken = rewritten(model_file, tmp_path / "wide.npz", {f"{stage}.weights": wider})
    if f"{stage}.support" in arrays:
        assert damaged(broken) == (
            f"member '{stage}.weights' has {wider.shape[1]:,} {stage.removeprefix(p)} columns (shape {wider.shape}) "
            f"where member '{stage}.support' has {weights.shape[1]:,}"
        )
    else:  # the bits a mask sets are counted once it is read
        with pytest.raises(ModelError, match=f"stage {stage} has {wider.shape[1]} weights per row for "):
            load_model(broken, schema=load_model(model_file).schemas[-1])


def test_a_mask_of_another_width_than_the_features_is_refused(model_file, tmp_path):
    arrays = read_arrays(model_file)
    name = next(n for n in arrays if n.endswith(".mask"))
    longer = np.concatenate([arrays[name], np.zeros(1, dtype=np.uint8)])
    message = damaged(rewritten(model_file, tmp_path / "mask.npz", {name: longer}))
    assert message == (
        f"member {name!r} has {len(longer):,} mask bytes (shape ({len(longer)},)) where the model's meta says "
        f"{len(arrays[name]):,}"
    )


def test_priors_of_other_type_pairs_than_the_model_are_refused(synthetic_model_file, tmp_path):
    arrays = read_arrays(synthetic_model_file)
    seen = arrays["priors.type_seen"]
    wider = {name: np.zeros((seen.shape[0], seen.shape[1] + 1), np.int32) for name in ("priors.type_seen",)}
    message = damaged(rewritten(synthetic_model_file, tmp_path / "priors.npz", wider))
    assert message == (
        f"member 'priors.type_seen' has {seen.shape[1] + 1} type pairs (shape ({seen.shape[0]}, {seen.shape[1] + 1})) "
        f"where the model's meta says {seen.shape[1]}"
    )


# --- missing and unknown members --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["vocabulary", "{p}detector.weights", "{p}curve.recall", "priors.pair_keys"])
def test_a_missing_member_is_refused(model_file, tmp_path, name):
    name = name.format(p=prefix_of(model_file))
    if name not in read_arrays(model_file):
        pytest.skip(f"{model_file.name} has no {name}")
    assert damaged(rewritten(model_file, tmp_path / "missing.npz", {name: None})) == f"member {name!r} is missing"


def test_several_missing_members_are_counted(model_file, tmp_path):
    p = prefix_of(model_file)
    gone = {f"{p}curve.{k}": None for k in ("thresholds", "precision", "recall")}
    assert damaged(rewritten(model_file, tmp_path / "missing.npz", gone)) == (
        f"member '{p}curve.thresholds' is missing (and 2 more)"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"backdoor": np.zeros(3)}, "unknown member 'backdoor', which model format 4 has not"),
        ({"schema.9.detector.weights": np.zeros((1, 2))}, "unknown member 'schema.9.detector.weights'"),
        ({"README.txt": b"hello"}, "member 'README.txt' is no .npy array"),
    ],
    ids=["array", "schema", "not-npy"],
)
def test_an_unknown_member_is_refused(model_file, tmp_path, extra, message):
    assert damaged(rewritten(model_file, tmp_path / "extra.npz", extra)).startswith(message)


def test_a_member_twice_is_refused(synthetic_model_file, tmp_path):
    twice = tmp_path / "twice.npz"
    twice.write_bytes(synthetic_model_file.read_bytes())
    with zipfile.ZipFile(twice, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr("curve.recall.npy", npy(np.zeros(1)))
    assert damaged(twice) == "member 'curve.recall.npy' is there twice"


def test_a_stage_with_both_a_mask_and_a_column_list_is_refused(model_file, tmp_path):
    arrays = read_arrays(model_file)
    mask = next(n for n in arrays if n.endswith(".mask"))
    support = mask.removesuffix(".mask") + ".support"
    both = rewritten(model_file, tmp_path / "both.npz", {support: np.arange(3, dtype=np.int32)})
    assert damaged(both).startswith(f"unknown member {support!r}")


# --- in memory, and at the command line --------------------------------------------------------------------


def test_arrays_in_memory_are_checked_the_same(model_file):
    arrays = read_arrays(model_file)
    name = f"{prefix_of(model_file)}detector.weights"
    arrays[name] = arrays[name].astype(str)
    with pytest.raises(ModelError, match=rf"<model>: damaged or incompatible model \(member '{name}' holds text"):
        model_from_arrays(arrays)


def test_the_cli_says_it_in_one_line_with_the_status_of_bad_input(synthetic_model_file, synthetic_train, tmp_path):
    name = "detector.weights"
    hostile = rewritten(synthetic_model_file, tmp_path / "huge.npz", {name: huge_header("<f4", (10**6, 10**6))})
    out = run_cli("predict", str(synthetic_train), "-m", str(hostile), "-o", str(tmp_path / "out.pubtator"))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    error = out.stderr.strip().splitlines()[-1]
    assert error == (
        f"relclf: error: {hostile}: damaged or incompatible model (member 'detector.weights' declares shape "
        "(1000000, 1000000) of <f4, 4,000,000,000,000 bytes, where it holds 0)"
    )
    assert not (tmp_path / "out.pubtator").exists()
