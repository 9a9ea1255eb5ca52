"""Saving and loading models with their metadata: joblib (default) or skops (safe to share).

A model file holds ``{"format": "relclf-model", "format_version": ..., "metadata": {...},
"estimator": RelationExtractor}``, either as a joblib pickle or as a skops archive (a zip of JSON and
``.npy`` arrays, see :mod:`skops.io`). Loading a pickle runs code: load only files you trust. A skops
file is loaded without running code from the file, trusting only the types of
:data:`SKOPS_ALLOWED_TYPES` beyond skops' own safe defaults.

Beside every model two small files are written:

- ``MODEL.json``: the metadata (versions, seed, training files with SHA-256, labels, type pairs,
  parameters, scores) plus the model file's ``sha256`` and ``size``, readable without loading the
  model (:func:`read_model_card`, ``relclf info``);
- ``MODEL.sha256``: the digest in ``sha256sum`` format (``sha256sum -c MODEL.sha256``).

:func:`load_model` verifies the file against them before loading it, and checks the format and
scikit-learn versions recorded in ``MODEL.json`` before unpickling, so a damaged, truncated or
replaced file, or one made by an incompatible version, is refused with a one-line
:class:`~relclf.errors.ModelError`. A model with neither file loads with a warning (its integrity
cannot be checked), except the default model, which must have them.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import logging
import platform
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn

from ._version import __version__
from .errors import ModelError
from .extract.estimator import RelationExtractor
from .io.files import PathLike, atomic_writer

__all__ = [
    "SKOPS_ALLOWED_TYPES",
    "TRAINING_DOCUMENTS",
    "LoadedModel",
    "build_metadata",
    "document_digest",
    "export_model",
    "file_sha256",
    "load_model",
    "model_format",
    "read_model_card",
    "save_model",
    "verify_model_file",
    "version_problem",
]

log = logging.getLogger(__name__)

FORMAT = "relclf-model"
FORMAT_VERSION = 1
FORMATS = ("joblib", "skops")
# Types a relclf skops file may contain beyond those skops trusts by default (scikit-learn
# estimators, numpy/scipy arrays, builtins): our own two estimator classes, which hold only such
# attributes and run no code when their state is restored (BaseEstimator.__setstate__).
SKOPS_ALLOWED_TYPES = ("relclf.extract.vectorizer.PairVectorizer", "relclf.extract.estimator.RelationExtractor")
# Card key of the documents a model was trained on: the sorted distinct digests (document_digest) of
# their IDs. Exact membership (a Bloom filter would report false overlaps and cannot be read by eye),
# a bounded size per document whatever its ID (~15 bytes of JSON), and one line of any language
# recomputes a digest (hashing is no secrecy: PMIDs are few enough to enumerate).
TRAINING_DOCUMENTS = "training_documents"
# Member of a relclf skops archive holding the metadata as plain JSON, read without loading the model.
SKOPS_METADATA_MEMBER = "relclf-metadata.json"


@dataclass(frozen=True)
class LoadedModel:
    """A fitted estimator and the metadata saved with it."""

    estimator: RelationExtractor
    metadata: dict[str, Any]


def file_sha256(path: PathLike) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def document_digest(identifier: str) -> str:
    """The digest of a document ID that model cards record: the first 12 hex digits of its UTF-8 SHA-256.

    48 bits: a false match between 100,000 gold and 100,000 training documents has odds of about 1 in 30,000.

    >>> document_digest("36727001")
    'f4bd9d4ca0ea'
    """
    return hashlib.sha256(identifier.encode("utf-8")).hexdigest()[:12]


def build_metadata(
    estimator: RelationExtractor,
    training_files: list[PathLike],
    *,
    scores: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    documents: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Describe a fitted model: versions, training data with checksums (and the digests of the IDs of
    ``documents``, its training documents, when given), labels, parameters, scores."""
    params = {k: _json_value(v) for k, v in estimator.get_params(deep=False).items()}
    if documents is not None:
        extra = {TRAINING_DOCUMENTS: sorted({document_digest(d) for d in documents}), **(extra or {})}
    return {
        "relclf_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "seed": params.get("random_state"),
        "training_files": [{"name": Path(p).name, "sha256": file_sha256(p)} for p in training_files if str(p) != "-"],
        "labels": list(estimator.labels_),
        "novelty_labels": list(estimator.novelty_labels_),
        "type_pairs": list(estimator.type_pairs_),
        "split_composites": bool(estimator.split_composites_),
        "threshold": float(estimator.threshold_),
        "parameters": params,
        "scores": scores or {},
        **(extra or {}),
    }



def _json_value(value: Any) -> Any:
    """A parameter as the card records it: JSON values as they are, tuples as lists, estimators by their repr."""
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


class _HashingWriter:
    """Passes bytes to a file while computing their SHA-256 and size (the digest of what was written)."""

    def __init__(self, handle) -> None:  # noqa: ANN001 - a binary file
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:  # noqa: ANN001 - bytes-like
        view = memoryview(data).cast("B")
        self.digest.update(view)
        self.size += len(view)
        return self._handle.write(data)

    def __getattr__(self, name: str):  # noqa: ANN204 - delegation
        return getattr(self._handle, name)


def model_format(path: PathLike) -> str:
    """Return the format of a saved model: ``"skops"`` for a zip archive, else ``"joblib"``."""
    return "skops" if zipfile.is_zipfile(path) else "joblib"


def _payload(estimator: RelationExtractor, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "metadata": metadata, "estimator": estimator}


def save_model(estimator: RelationExtractor, path: PathLike, metadata: dict[str, Any], *, fmt: str = "joblib") -> None:
    """Write ``estimator`` and ``metadata`` to ``path`` atomically, then ``path.json`` and ``path.sha256``.

    ``fmt`` is ``"joblib"`` (a pickle, the default) or ``"skops"`` (safe to share; needs the
    ``relclf[skops]`` extra). The digest recorded is that of the bytes written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown model format {fmt!r}; choose one of {', '.join(FORMATS)}")
    payload = _payload(estimator, metadata)
    data = _skops_bytes(payload) if fmt == "skops" else None
    with atomic_writer(path, mode="wb") as handle:
        hashing = _HashingWriter(handle)
        if data is not None:
            hashing.write(data)
        else:
            joblib.dump(payload, hashing, compress=3)
    sha256 = hashing.digest.hexdigest()
    card = dict(metadata, sha256=sha256, size=hashing.size, model_format=fmt, format=FORMAT, format_version=FORMAT_VERSION)
    with atomic_writer(f"{path}.json") as handle:
        json.dump(card, handle, indent=2, sort_keys=True)
        handle.write("\n")
    with atomic_writer(f"{path}.sha256") as handle:
        handle.write(f"{sha256}  {Path(path).name}\n")


def export_model(source: PathLike, target: PathLike, *, fmt: str = "skops") -> LoadedModel:
    """Load (and verify) the model at ``source`` and save it to ``target`` in format ``fmt``; returns it."""
    loaded = load_model(source)
    save_model(loaded.estimator, target, loaded.metadata, fmt=fmt)
    return loaded


# -- reading the card without loading the model -----------------------------------------------------
def _read_json_sidecar(path: Path) -> dict[str, Any] | None:
    sidecar = Path(f"{path}.json")
    if not sidecar.is_file():
        return None
    try:
        card = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ModelError(f"{sidecar}: unreadable model card ({type(exc).__name__}); it cannot vouch for {path.name}") from None
    if not isinstance(card, dict):
        raise ModelError(f"{sidecar}: not a relclf model card")
    return card


def _read_sha256_file(path: Path) -> str | None:
    sidecar = Path(f"{path}.sha256")
    if not sidecar.is_file():
        return None
    try:
        digest = sidecar.read_text(encoding="utf-8").split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError):
        raise ModelError(f"{sidecar}: unreadable checksum file") from None
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ModelError(f"{sidecar}: not a sha256sum line")
    return digest


def _skops_metadata(path: Path) -> dict[str, Any] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return json.loads(archive.read(SKOPS_METADATA_MEMBER))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def read_model_card(path: PathLike) -> dict[str, Any]:
    """Return a model's metadata without loading (unpickling) the model.

    Reads ``MODEL.json`` beside the model, or else the metadata stored inside a skops file. Adds
    ``file`` (the path), ``file_size`` (bytes on disk), ``file_sha256`` (the digest of the file as
    it is now) and ``verified`` (True/False: whether it matches the recorded digest; None when no
    digest is recorded). Works for models that this relclf or scikit-learn cannot load.

    Raises :class:`ModelError` when the file is missing or has no readable metadata.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    card = _read_json_sidecar(path)
    if card is None and model_format(path) == "skops":
        card = _skops_metadata(path)
    if card is None:
        raise ModelError(f"{path}: no model card ({path.name}.json) beside it and none inside it; only loading it could tell more")
    actual = file_sha256(path)
    recorded = card.get("sha256") or _read_sha256_file(path)
    return dict(card, file=str(path), file_size=path.stat().st_size, file_sha256=actual, verified=None if recorded is None else actual == recorded)


def version_problem(format_version: Any, relclf_version: Any, sklearn_version: Any) -> str | None:
    """Why a model with these recorded versions cannot be loaded here, or None when it can.

    >>> version_problem(FORMAT_VERSION, "0.1.0", sklearn.__version__) is None
    True
    """
    if format_version != FORMAT_VERSION:
        return f"model format {format_version} (relclf {relclf_version}) cannot be read by relclf {__version__} (format {FORMAT_VERSION})"
    made_with = str(sklearn_version or "?")
    if _minor(made_with) != _minor(sklearn.__version__):
        return f"made with scikit-learn {made_with}, but {sklearn.__version__} is installed"
    return None


# -- loading ---------------------------------------------------------------------------------------
def verify_model_file(path: PathLike, *, required: bool = False) -> dict[str, Any] | None:
    """Check ``path`` against the SHA-256 (and size) recorded in ``path.json`` / ``path.sha256``.

    Returns the card read from ``path.json`` (None if there is none). Raises :class:`ModelError` when
    the file does not match, or when ``required`` and no digest is recorded; logs a warning when no
    digest is recorded and it is not required.
    """
    path = Path(path)
    card = _read_json_sidecar(path)
    recorded = [d for d in ((card or {}).get("sha256"), _read_sha256_file(path)) if d]
    if not recorded:
        if required:
            raise ModelError(f"{path}: no {path.name}.json or {path.name}.sha256 beside it to verify it against; refusing to load the default model unverified")
        log.warning("%s has no %s.json or %s.sha256: its integrity cannot be checked (load only model files you trust)", path, path.name, path.name)
        return card
    if len(set(recorded)) > 1:
        raise ModelError(f"{path}: {path.name}.json and {path.name}.sha256 record different digests; refusing to load")
    size = path.stat().st_size
    expected_size = (card or {}).get("size")
    if isinstance(expected_size, int) and size != expected_size:
        what = "truncated or was replaced" if size < expected_size else "damaged or was replaced"
        raise ModelError(f"{path}: {size:,} bytes where {path.name}.json records {expected_size:,}: the file is {what}; refusing to load")
    actual = file_sha256(path)
    if actual != recorded[0]:
        raise ModelError(
            f"{path}: sha256 {actual[:12]}... does not match {recorded[0][:12]}... recorded beside it: "
            "the file is corrupted or was replaced; refusing to load"
        )
    return card


def _check_versions(path: PathLike, fmt_version: Any, relclf_version: Any, sklearn_version: Any) -> None:
    problem = version_problem(fmt_version, relclf_version, sklearn_version)
    if problem is None:
        return
    remedy = "retrain it" if fmt_version != FORMAT_VERSION else f"install scikit-learn=={sklearn_version} or retrain the model"
    raise ModelError(f"{path}: {problem}; {remedy}")


def load_model(path: PathLike, *, require_checksum: bool = False) -> LoadedModel:
    """Load a model saved by :func:`save_model` (joblib or skops, recognized by content).

    The file is first verified against ``path.json``/``path.sha256`` when they exist (see
    :func:`verify_model_file`; ``require_checksum`` makes them mandatory), and the versions they
    record are checked before anything is unpickled.

    Raises
    ------
    ModelError
        When the file is missing, is not a relclf model, is damaged or replaced (digest mismatch),
        or was made with another relclf format or scikit-learn minor version (the versions are named).
    """
    if not Path(path).is_file():
        raise ModelError(f"{path}: no such model file")
    card = verify_model_file(path, required=require_checksum)
    fmt = model_format(path)
    if (card is None or "format_version" not in card) and fmt == "skops":
        card = _skops_metadata(Path(path))
    if card is not None and "format_version" in card:
        _check_versions(path, card.get("format_version"), card.get("relclf_version"), card.get("sklearn_version"))
    payload = _load_skops(path) if fmt == "skops" else _load_joblib(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{path}: not a relclf model file")
    metadata = payload.get("metadata", {})
    _check_versions(path, payload.get("format_version"), metadata.get("relclf_version"), metadata.get("sklearn_version"))
    estimator = payload.get("estimator")
    if not isinstance(estimator, RelationExtractor):
        raise ModelError(f"{path}: not a relclf model file")
    return LoadedModel(estimator, metadata)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _load_joblib(path: PathLike) -> Any:
    try:
        return joblib.load(path)
    except Exception as exc:  # a damaged pickle can raise almost anything
        raise ModelError(f"{path}: not a readable relclf model ({_first_line(exc)})") from None


# -- skops ---------------------------------------------------------------------------------------------
def _skops_io():  # noqa: ANN202 - the skops.io module
    try:
        import skops.io as sio
    except ImportError:
        raise ModelError("the skops format needs the skops package: pip install 'relclf[skops]'") from None
    return sio


def _skops_bytes(payload: dict[str, Any]) -> bytes:
    """Serialize ``payload`` with skops, refusing if it would need types beyond the allow-list."""
    sio = _skops_io()
    data = sio.dumps(payload, compression=zipfile.ZIP_DEFLATED)
    untrusted = set(sio.get_untrusted_types(data=data))
    extra = sorted(untrusted - set(SKOPS_ALLOWED_TYPES))
    if extra:
        raise ModelError(
            f"skops cannot represent this model without trusting {', '.join(extra)}; "
            "add them to relclf.persistence.SKOPS_ALLOWED_TYPES only after checking they run no code when loaded"
        )
    # the metadata again as plain JSON (with the format version), so that `relclf info` and the version
    # check read it without constructing anything
    card = dict(payload["metadata"], format=FORMAT, format_version=FORMAT_VERSION, model_format="skops")
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(SKOPS_METADATA_MEMBER, json.dumps(card, indent=2, sort_keys=True))
    return buffer.getvalue()


def _load_skops(path: PathLike) -> Any:
    """Load a skops file trusting only skops' defaults plus :data:`SKOPS_ALLOWED_TYPES`."""
    sio = _skops_io()
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # a damaged archive or schema
        raise ModelError(f"{path}: not a readable relclf skops model ({_first_line(exc)})") from None
    refused = sorted(untrusted - set(SKOPS_ALLOWED_TYPES))
    if refused:
        raise ModelError(f"{path}: refusing to load: it contains types relclf does not trust: {', '.join(refused)}")
    try:
        return sio.load(path, trusted=sorted(untrusted))
    except Exception as exc:
        raise ModelError(f"{path}: not a readable relclf skops model ({_first_line(exc)})") from None
