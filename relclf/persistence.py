"""Saving and loading models with their metadata (joblib).

A model file is a joblib pickle of ``{"format": "relclf-model", "format_version": ..., "metadata":
{...}, "estimator": RelationExtractor}``. Loading a pickle runs code: load only files you trust. The
metadata (versions, training files with SHA-256, labels, type pairs, parameters, scores) is also
written as JSON beside the model (``MODEL.json``) so it can be read without unpickling.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import sklearn

from . import __version__
from .errors import ModelError
from .files import PathLike, atomic_writer
from .model import RelationExtractor

__all__ = ["LoadedModel", "build_metadata", "file_sha256", "load_model", "save_model"]

FORMAT = "relclf-model"
FORMAT_VERSION = 1


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


def build_metadata(
    estimator: RelationExtractor,
    training_files: list[PathLike],
    *,
    scores: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Describe a fitted model: versions, training data with checksums, labels, parameters, scores."""
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in estimator.get_params().items()}
    return {
        "relclf_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
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


def save_model(estimator: RelationExtractor, path: PathLike, metadata: dict[str, Any]) -> None:
    """Write ``estimator`` and ``metadata`` to ``path`` (atomically) and the metadata to ``path.json``."""
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "metadata": metadata, "estimator": estimator}
    with atomic_writer(path, mode="wb") as handle:
        joblib.dump(payload, handle, compress=3)
    card = dict(metadata, sha256=file_sha256(path))
    with atomic_writer(f"{path}.json") as handle:
        json.dump(card, handle, indent=2, sort_keys=True)
        handle.write("\n")


def load_model(path: PathLike) -> LoadedModel:
    """Load a model saved by :func:`save_model`.

    Raises
    ------
    ModelError
        When the file is missing, is not a relclf model, is damaged, or was made with another
        relclf format or scikit-learn minor version (the versions are named).
    """
    if not Path(path).is_file():
        raise ModelError(f"{path}: no such model file")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # a damaged pickle can raise almost anything
        raise ModelError(f"{path}: not a readable relclf model ({type(exc).__name__}: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{path}: not a relclf model file")
    metadata = payload.get("metadata", {})
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {payload.get('format_version')} (relclf {metadata.get('relclf_version')}) "
            f"cannot be read by relclf {__version__} (format {FORMAT_VERSION}); retrain it"
        )
    made_with = metadata.get("sklearn_version", "?")
    if _minor(made_with) != _minor(sklearn.__version__):
        raise ModelError(
            f"{path}: made with scikit-learn {made_with}, but {sklearn.__version__} is installed; "
            f"install scikit-learn=={made_with} or retrain the model"
        )
    estimator = payload.get("estimator")
    if not isinstance(estimator, RelationExtractor):
        raise ModelError(f"{path}: not a relclf model file")
    return LoadedModel(estimator, metadata)
