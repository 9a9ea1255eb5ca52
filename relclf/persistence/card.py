"""The model card: what :func:`build_metadata` records about a fitted model (versions, training files and
documents, labels, parameters, scores), and reading it back without loading the model
(:func:`read_model_card`), each field checked (:func:`check_card`).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..errors import ModelError
from ..io.files import PathLike
from .archive import _is_npz, _read_meta
from .fileformat import MAX_CARD_BYTES, _short

if TYPE_CHECKING:
    from ..extract.estimator import RelationExtractor


# Card key of the documents a model was trained on: the sorted distinct digests (document_digest) of
# their IDs. Exact membership (a Bloom filter would report false overlaps and cannot be read by eye),
# a bounded size per document whatever its ID (~15 bytes of JSON), and one line of any language
# recomputes a digest (hashing is no secrecy: PMIDs are few enough to enumerate).
TRAINING_DOCUMENTS = "training_documents"
# Card key (under "scores") of the dev documents that were training documents too, when some were:
# {"documents": n, "of": total}. Their dev scores are not held out, and the card says so.
DEV_IN_TRAINING = "dev_in_training"


def file_sha256(path: PathLike) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
    ``documents``, its training documents, when given), labels, parameters, what cross-validation chose
    and the figures behind it, scores."""
    from importlib.metadata import version

    params = {k: _json_value(v) for k, v in estimator.get_params(deep=False).items()}
    if documents is not None:
        extra = {TRAINING_DOCUMENTS: sorted({document_digest(d) for d in documents}), **(extra or {})}
    return {
        "relclf_version": __version__,
        "sklearn_version": version("scikit-learn"),
        "python_version": platform.python_version(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "seed": params.get("random_state"),
        "training_files": [{"name": Path(p).name, "sha256": file_sha256(p)} for p in training_files if str(p) != "-"],
        "labels": list(estimator.labels_),
        "novelty_labels": list(estimator.novelty_labels_),
        "type_pairs": list(estimator.type_pairs_),
        "split_composites": bool(estimator.split_composites_),
        "threshold": float(estimator.threshold_),
        "cross_validation": _json_ready(getattr(estimator, "cv_scores_", {})),
        "parameters": params,
        "scores": scores or {},
        **(_schema_cards(estimator)),
        **(extra or {}),
    }


def _schema_cards(estimator: RelationExtractor) -> dict[str, Any]:
    """A card's ``schemas`` (empty for a model of one corpus): per corpus, what its schema learned."""
    schemas = getattr(estimator, "schemas_", {})
    if len(schemas) < 2:
        return {}
    return {
        "schemas": {
            name: {
                "labels": list(fitted.labels),
                "novelty_labels": list(fitted.novelty_labels),
                "type_pairs": list(fitted.type_pairs),
                "split_composites": bool(fitted.split_composites),
                "threshold": float(fitted.choices.threshold),
                "cross_validation": _json_ready(fitted.choices.cv_scores),
            }
            for name, fitted in schemas.items()
        }
    }


def _json_ready(value: Any) -> Any:
    """Nested dicts and lists of numbers and strings as JSON holds them (numpy numbers as Python ones, string keys)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _json_value(value: Any) -> Any:
    """A parameter as the card records it: JSON values as they are, tuples as lists, estimators by their repr."""
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def _read_json_sidecar(path: Path) -> dict[str, Any] | None:
    """The checked card ``path.json`` beside a model (None when there is none); :class:`ModelError` when it is
    too large, unreadable or wrong (:func:`check_card`)."""
    sidecar = Path(f"{path}.json")
    if not sidecar.is_file():
        return None
    try:
        if sidecar.stat().st_size > MAX_CARD_BYTES:
            raise ModelError(
                f"{sidecar}: {sidecar.stat().st_size:,} bytes, too large for a model card; it cannot vouch for "
                f"{path.name}"
            )
        card = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(
            f"{sidecar}: unreadable model card ({type(exc).__name__}); it cannot vouch for {path.name}"
        ) from None
    return check_card(card, str(sidecar))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_hex(value: Any, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and all(c in "0123456789abcdef" for c in value)


def _are_scores(value: Any, depth: int = 0) -> bool:
    """A card's ``scores``: an object of notes, numbers, lists and objects, nested a few levels; where
    an object holds ``precision``, ``recall`` or ``f1``, they are numbers (``relclf info`` shows them)."""
    if isinstance(value, dict):
        if depth > 6:
            return False
        if any(k in value and not _is_number(value[k]) for k in ("precision", "recall", "f1")):
            return False
        return all(_are_scores(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return depth > 0 and all(_are_scores(v, depth + 1) and not isinstance(v, dict) for v in value)
    return depth > 0 and (value is None or isinstance(value, (str, bool)) or _is_number(value))


# Each field a card may hold (others are kept, unread), and what its value must be.
_CARD_FIELDS: dict[str, tuple[str, Any]] = {
    "sha256": ("64 lower-case hex digits", lambda v: _is_hex(v, 64)),
    "size": ("a number of bytes", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0),
    "format": ("a string", lambda v: isinstance(v, str)),
    "format_version": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "relclf_version": ("a string", lambda v: isinstance(v, str)),
    "sklearn_version": ("a string", lambda v: isinstance(v, str)),
    "python_version": ("a string", lambda v: isinstance(v, str)),
    "created": ("a string", lambda v: isinstance(v, str)),
    "seed": ("an integer or null", lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool))),
    "training_files": (
        "a list of {name, sha256} objects",
        lambda v: (
            isinstance(v, list)
            and all(
                isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("sha256"), str) for f in v
            )
        ),
    ),
    TRAINING_DOCUMENTS: (
        "a list of 12-digit hex digests",
        lambda v: isinstance(v, list) and all(_is_hex(d, 12) for d in v),
    ),
    "labels": ("a list of strings", _is_strings),
    "novelty_labels": ("a list of strings", _is_strings),
    "type_pairs": ("a list of strings", _is_strings),
    "split_composites": ("true or false", lambda v: isinstance(v, bool)),
    "threshold": ("a number from 0 to 1", lambda v: _is_number(v) and 0 <= v <= 1),
    "parameters": ("an object", lambda v: isinstance(v, dict)),
    "scores": ("an object of scores", _are_scores),
    "training_seconds": ("a number", _is_number),
    "schemas": (
        "an object of schemas, each with its labels, type pairs and threshold",
        lambda v: (
            isinstance(v, dict)
            and all(
                isinstance(schema, dict)
                and _is_strings(schema.get("labels"))
                and _is_strings(schema.get("type_pairs"))
                and _is_number(schema.get("threshold"))
                for schema in v.values()
            )
        ),
    ),
    "candidate_recall": ("a number", _is_number),
}


def check_card(card: Any, where: str) -> dict[str, Any]:
    """Return ``card`` if it is a JSON object whose known fields have the expected types.

    Raises :class:`ModelError` naming ``where`` and the first field that is wrong: a card is read
    before the model it vouches for, and what it says is shown and acted on (its digest, its
    training documents), so a damaged or forged one is refused whole rather than half read.
    """
    if not isinstance(card, dict):
        raise ModelError(f"{where}: not a relclf model card (a JSON object)")
    for key, (expected, valid) in _CARD_FIELDS.items():
        if key in card and not valid(card[key]):
            raise ModelError(f"{where}: model card field {key!r} must be {expected}, not {_short(card[key])}")
    return card


def _read_sha256_file(path: Path) -> str | None:
    """The digest in ``path.sha256`` beside a model (None when there is none); :class:`ModelError` when it
    holds no sha256sum line."""
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


def read_model_card(path: PathLike) -> dict[str, Any]:
    """Return a model's card without loading the model.

    Reads ``MODEL.json`` beside the model, or else the ``meta`` stored inside the model file. Adds
    ``file`` (the path), ``file_size`` (bytes on disk), ``file_sha256`` (the digest of the file as it
    is now) and ``verified`` (True/False: whether it matches the recorded digest; None when no digest
    is recorded). Works for models this relclf cannot load (another format version).

    Raises :class:`ModelError` when the file is missing or has no readable card.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    card = _read_json_sidecar(path)
    if card is None and _is_npz(path):
        card = check_card(_read_meta(path), f"{path} (its metadata)")
    if card is None:
        raise ModelError(f"{path}: no model card ({path.name}.json) beside it and none inside it")
    actual = file_sha256(path)
    recorded = card.get("sha256") or _read_sha256_file(path)
    return dict(
        card,
        file=str(path),
        file_size=path.stat().st_size,
        file_sha256=actual,
        verified=None if recorded is None else actual == recorded,
    )
