"""Saving a model file with its card and checksum (:func:`save_model`), and loading it
(:func:`load_model`) once it is verified against them (:func:`verify_model_file`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..errors import ModelError
from ..extract.model import RelationModel
from ..extract.schemas import DEFAULT_SCHEMA
from ..io.files import PathLike, atomic_writer
from .archive import _is_npz, _read_members
from .arrays import model_arrays, model_from_arrays, schema_names
from .card import _read_json_sidecar, _read_sha256_file, file_sha256
from .fileformat import _META, FORMAT, FORMAT_VERSION, version_problem

if TYPE_CHECKING:
    from ..extract.estimator import RelationExtractor


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A fitted model and the metadata saved with it."""

    model: RelationModel
    metadata: dict[str, Any]
    schemas: tuple[str, ...] = (DEFAULT_SCHEMA,)


def save_model(model: RelationModel | RelationExtractor, path: PathLike, metadata: dict[str, Any]) -> None:
    """Write ``model`` to ``path`` atomically (an ``.npz`` of arrays), then ``path.json`` and ``path.sha256``.

    ``model`` is a :class:`RelationModel` or a fitted :class:`~relclf.extract.estimator.RelationExtractor`
    (every schema of its ``models_``, ``model_`` the default). The digest recorded is that of the bytes written.
    """
    models = list(getattr(model, "models_", {None: getattr(model, "model_", model)}).values())
    buffer = io.BytesIO()  # built in memory (~10 MB), so that writing it is one checked write
    # uncompressed: members are read straight, and their sizes are known. (mypy matches the spread dict
    # against savez's allow_pickle keyword too; the keys are array names)
    np.savez(buffer, **model_arrays(models[0], models[1:]))  # type: ignore[arg-type]
    data = buffer.getvalue()
    with atomic_writer(path, mode="wb") as handle:
        handle.write(data)
    sha256 = hashlib.sha256(data).hexdigest()
    card = dict(metadata, sha256=sha256, size=len(data), format=FORMAT, format_version=FORMAT_VERSION)
    with atomic_writer(f"{path}.json") as handle:
        json.dump(card, handle, indent=2, sort_keys=True)
        handle.write("\n")
    with atomic_writer(f"{path}.sha256") as handle:
        handle.write(f"{sha256}  {Path(path).name}\n")


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
            raise ModelError(
                f"{path}: no {path.name}.json or {path.name}.sha256 beside it to verify it against; refusing to load "
                "the default model unverified"
            )
        log.warning("%s has no %s.json or %s.sha256: its integrity cannot be checked", path, path.name, path.name)
        return card
    if len(set(recorded)) > 1:
        raise ModelError(f"{path}: {path.name}.json and {path.name}.sha256 record different digests; refusing to load")
    size = path.stat().st_size
    expected_size = (card or {}).get("size")
    if isinstance(expected_size, int) and size != expected_size:
        what = "truncated or was replaced" if size < expected_size else "damaged or was replaced"
        raise ModelError(
            f"{path}: {size:,} bytes where {path.name}.json records {expected_size:,}: the file is {what}; refusing "
            "to load"
        )
    actual = file_sha256(path)
    if actual != recorded[0]:
        raise ModelError(
            f"{path}: sha256 {actual[:12]}... does not match {recorded[0][:12]}... recorded beside it: "
            "the file is corrupted or was replaced; refusing to load"
        )
    return card


def load_model(path: PathLike, *, require_checksum: bool = False, schema: str | None = None) -> LoadedModel:
    """Load a model saved by :func:`save_model`.

    The file is first verified against ``path.json``/``path.sha256`` when they exist (see
    :func:`verify_model_file`; ``require_checksum`` makes them mandatory). Reading it runs no code:
    arrays only, with ``allow_pickle=False``.

    Raises
    ------
    ModelError
        When the file is missing, is not a relclf model, is damaged or replaced (digest mismatch), or
        was made by another model format (a relclf 0.2 pickle or skops file: retrain it), or has no
    ``schema`` of that name (by default, the file's default schema is loaded; ``schemas`` lists them).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    card = verify_model_file(path, required=require_checksum)
    if not _is_npz(path):
        if card is not None and "format_version" in card:
            raise ModelError(
                f"{path}: "
                f"{version_problem(card['format_version'], card.get('relclf_version')) or 'not a relclf model file'}"
            )
        raise ModelError(
            f"{path}: not a relclf model file (relclf {__version__} reads its data-only .npz models; "
            "a .joblib or .skops model of relclf 0.2 or earlier must be retrained)"
        )
    arrays = _read_members(path)
    model = model_from_arrays(arrays, str(path), schema)
    metadata = card if card is not None else json.loads(str(arrays[_META]))
    return LoadedModel(
        model, {k: v for k, v in metadata.items() if k not in ("sha256", "size")}, tuple(schema_names(arrays))
    )
