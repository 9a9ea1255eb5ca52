"""Models as files: saving and loading them (a model file is data, numpy arrays and JSON, never code),
finding the one a caller means (:func:`resolve_model`: the bundled default, ``RELCLF_MODEL``, a path)
and reading and rendering their cards (:func:`read_model_card`, :func:`format_model_card`).

A model file is an uncompressed ``.npz`` archive (see :func:`numpy.savez`) of plain arrays: the
vocabulary (UTF-8 words joined by newlines), each feature block's n-gram codes and idf weights, each
linear stage's non-zero weights (the detector, the pooled labeler and each type pair's own, the
novelty stage), the context stage's weights, the calibration map, the cross-validated precision
curve, and one JSON document (``meta``) with relclf's format version, the parameters, labels, type
pairs, decision rule and threshold. It is read with ``allow_pickle=False``, after checking
every member's declared size, so loading a model cannot run code and cannot claim unbounded memory:
a model file from anyone is safe to load (whether it is a *good* model is what its card says).

Beside every model two small files are written:

- ``MODEL.json``: the card (versions, seed, training files with SHA-256, labels, type pairs,
  parameters, scores) plus the model file's ``sha256`` and ``size``, readable without loading the
  model (:func:`read_model_card`, ``relclf info``);
- ``MODEL.sha256``: the digest in ``sha256sum`` format (``sha256sum -c MODEL.sha256``).

:func:`load_model` verifies the file against them before reading it, so a damaged, truncated or
replaced file is refused with a one-line :class:`~relclf.errors.ModelError`. A model with neither
file loads with a warning, except the default model, which must have them. Models saved by relclf
0.2 or earlier (pickles, ``.joblib``; skops archives) are refused with a message saying how to retrain.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import logging
import os
import platform
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._version import __version__
from .errors import ModelError
from .extract.calibration import CALIBRATION_METHODS, Calibration, PrecisionCurve
from .extract.context import CONTEXT_GROUPS, ContextStage
from .extract.labels import LabelStage, own_stage_name
from .extract.model import DECISION_RULES, LinearStage, RelationModel
from .extract.priors import CorpusPriors
from .extract.schemas import DEFAULT_SCHEMA
from .extract.trees import TreeEnsemble
from .extract.vectorizer import PairVectorizer
from .io.files import PathLike, atomic_writer
from .text import Vocabulary

if TYPE_CHECKING:
    from .extract.estimator import RelationExtractor

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_NAME",
    "DEV_IN_TRAINING",
    "FORMAT_VERSION",
    "READABLE_FORMATS",
    "TRAINING_DOCUMENTS",
    "LoadedModel",
    "build_metadata",
    "card_labels",
    "cross_validation_lines",
    "default_model_path",
    "document_digest",
    "file_sha256",
    "format_model_card",
    "load_model",
    "model_files",
    "read_model_card",
    "resolve_model",
    "save_model",
    "training_digests",
    "verify_model_file",
    "version_problem",
]

log = logging.getLogger(__name__)

FORMAT = "relclf-model"
# 4: corpus priors, a context stage of trees, the pair rule; 3: a document-context stage, labelers per type
# pair, a decision rule, a calibration map and a precision curve; 2: the integer featurizer's first data-only
# format. Format 4 is format 3 with members of its own, so relclf reads both.
FORMAT_VERSION = 4
READABLE_FORMATS = (3, 4)
# A model member larger than this is refused before it is read (the bundled model's largest is ~5 MB).
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 4 << 30
_META = "meta"
# Card key of the documents a model was trained on: the sorted distinct digests (document_digest) of
# their IDs. Exact membership (a Bloom filter would report false overlaps and cannot be read by eye),
# a bounded size per document whatever its ID (~15 bytes of JSON), and one line of any language
# recomputes a digest (hashing is no secrecy: PMIDs are few enough to enumerate).
TRAINING_DOCUMENTS = "training_documents"
# Card key (under "scores") of the dev documents that were training documents too, when some were:
# {"documents": n, "of": total}. Their dev scores are not held out, and the card says so.
DEV_IN_TRAINING = "dev_in_training"


@dataclass(frozen=True)
class LoadedModel:
    """A fitted model and the metadata saved with it."""

    model: RelationModel
    metadata: dict[str, Any]
    schemas: tuple[str, ...] = (DEFAULT_SCHEMA,)


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
                "threshold": float(fitted.threshold),
                "cross_validation": _json_ready(fitted.cv_scores),
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


# -- the model as arrays ---------------------------------------------------------------------------------
def model_arrays(model: RelationModel, others: Sequence[RelationModel] = ()) -> dict[str, np.ndarray]:
    """Every array of a model file (see the module docstring), the JSON ``meta`` included.

    ``others``: the other schemas of a model trained on several corpora (sharing ``model``'s vocabulary,
    vectorizer and priors), stored under ``schema.K.`` beside ``model``'s, which stays the default.
    """
    vectorizer_arrays, vectorizer_params = model.vectorizer.to_arrays()
    words = "\n".join(model.vocabulary.words[1:])
    arrays = {f"vectorizer.{k}": v for k, v in vectorizer_arrays.items()}
    arrays["vocabulary"] = np.frombuffer(words.encode("utf-8"), dtype=np.uint8)
    priors = next((m.priors for m in (model, *others) if m.priors is not None), None)
    if priors is not None:
        arrays.update(priors.to_arrays("priors"))
    schema_arrays, meta = _schema_arrays(model, "")
    arrays.update(schema_arrays)
    meta.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "relclf_version": __version__,
            "vectorizer": vectorizer_params,
            "n_words": len(model.vocabulary),
            "type_pairs": list(model.type_pairs),
            "max_pairs_per_doc": model.max_pairs_per_doc,
            "other_schemas": [],
        }
    )
    for k, other in enumerate(others, start=1):
        if other.vectorizer is not model.vectorizer or other.vocabulary is not model.vocabulary:
            raise ValueError("the schemas of one model file share its vocabulary and vectorizer")
        other_arrays, other_meta = _schema_arrays(other, f"schema.{k}.")
        arrays.update(other_arrays)
        meta["other_schemas"].append(dict(other_meta, prefix=f"schema.{k}."))
    arrays[_META] = np.array(json.dumps(meta, sort_keys=True))
    return arrays


def _schema_arrays(model: RelationModel, prefix: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """One schema's arrays (their names after ``prefix``) and its part of ``meta``."""
    arrays: dict[str, np.ndarray] = {}
    for name, stage in model.stages().items():
        arrays.update(stage.to_arrays(prefix + name))
    if model.context is not None:
        arrays[f"{prefix}context.coef"] = np.asarray(model.context.coef, dtype=np.float64)
        arrays[f"{prefix}context.intercept"] = np.array([model.context.intercept], dtype=np.float64)
        if model.context.trees is not None:
            arrays.update(model.context.trees.to_arrays(f"{prefix}context.trees"))
    arrays[f"{prefix}calibration.x"] = model.calibration.x.astype(np.float64)
    arrays[f"{prefix}calibration.y"] = model.calibration.y.astype(np.float64)
    for k in ("thresholds", "precision", "recall"):
        arrays[f"{prefix}curve.{k}"] = getattr(model.curve, k).astype(np.float64)
    for k in ("fold_predicted", "fold_hits"):
        arrays[f"{prefix}curve.{k}"] = getattr(model.curve, k).astype(np.int64)
    meta = {
        "schema": model.schema,
        "candidate_type_pairs": None if model.candidate_type_pairs is None else list(model.candidate_type_pairs),
        "split_composites": model.split_composites,
        "threshold": model.threshold,
        "classes": {name: list(stage.classes) for name, stage in model.stages().items()},
        "own_labelers": sorted(model.labeler.own),
        "context": None if model.context is None else list(model.context.groups),
        "context_kind": None if model.context is None else model.context.kind,
        "priors": model.priors is not None,
        "rule": model.rule,
        "calibration": model.calibration.method,
    }
    return arrays, meta


def schema_names(arrays: dict[str, np.ndarray]) -> list[str]:
    """The schemas of a model file's arrays, the default first (a file of format 3 has one, ``default``)."""
    meta = json.loads(str(arrays[_META]))
    return [meta.get("schema", DEFAULT_SCHEMA), *(s["schema"] for s in meta.get("other_schemas", []))]


def model_from_arrays(arrays: dict[str, np.ndarray], name: str = "<model>", schema: str | None = None) -> RelationModel:
    """Rebuild a :class:`RelationModel` from :func:`model_arrays` (the ``schema`` named, by default the file's
    default one); :class:`ModelError` when they do not fit together, or the file has no such schema."""
    try:
        meta = _meta(arrays, name)
        chosen = dict(meta)
        if schema is not None and schema != meta.get("schema", DEFAULT_SCHEMA):
            found = [s for s in meta.get("other_schemas", []) if s.get("schema") == schema]
            if not found:
                raise ModelError(
                    f"{name}: no schema {schema!r} in this model (its schemas: {', '.join(schema_names(arrays))})"
                )
            chosen = dict(meta, **found[0])
        words = bytes(arrays["vocabulary"]).decode("utf-8")
        vocabulary = Vocabulary(words.split("\n") if words else [])
        if len(vocabulary) != meta["n_words"]:
            raise ValueError(f"{len(vocabulary)} vocabulary words where the model expects {meta['n_words']}")
        vectorizer = PairVectorizer.from_arrays(
            {k[len("vectorizer.") :]: v for k, v in arrays.items() if k.startswith("vectorizer.")}, meta["vectorizer"]
        )
        return _schema_from_arrays(arrays, chosen, chosen.get("prefix", ""), vocabulary, vectorizer)
    except ModelError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, UnicodeDecodeError, RecursionError, AttributeError) as exc:
        raise ModelError(f"{name}: not a usable relclf model ({type(exc).__name__}: {str(exc)[:120]})") from None


def _schema_from_arrays(
    arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str, vocabulary: Vocabulary, vectorizer: PairVectorizer
) -> RelationModel:
    """One schema's model: its arrays under ``prefix``, its ``meta`` (the file's, with the schema's own keys)."""
    n_features = vectorizer.n_features_
    type_pairs = tuple(meta["type_pairs"])
    stages = {
        stage: LinearStage.from_arrays(arrays, prefix + stage, labels, n_features)
        for stage, labels in meta["classes"].items()
    }
    own = {int(t): stages[own_stage_name(int(t))] for t in meta["own_labelers"]}
    if any(not 0 <= t < len(type_pairs) for t in own):
        raise ValueError("a type pair's own labeler names no type pair of the model")
    context = _context_from_arrays(arrays, meta, prefix)
    priors = CorpusPriors.from_arrays(arrays, "priors") if meta.get("priors") else None
    if context is not None and ("priors" in context.groups) != (priors is not None):
        raise ValueError("the context stage and the corpus priors do not go together")
    if priors is not None and priors.type_seen.shape[1] != len(type_pairs):
        raise ValueError("the corpus priors count other type pairs than the model's")
    if meta["rule"] not in DECISION_RULES or meta["calibration"] not in CALIBRATION_METHODS:
        raise ValueError(f"unknown decision rule {meta['rule']!r} or calibration {meta['calibration']!r}")
    allowed = meta.get("candidate_type_pairs")
    if allowed is not None and not set(allowed) <= set(type_pairs):
        raise ValueError("a schema's candidate type pairs are not among the model's")
    return RelationModel(
        vocabulary=vocabulary,
        vectorizer=vectorizer,
        type_pairs=type_pairs,
        split_composites=bool(meta["split_composites"]),
        detector=stages["detector"],
        labeler=LabelStage(stages["labeler"], own),
        novelty=stages.get("novelty"),
        threshold=float(meta["threshold"]),
        max_pairs_per_doc=meta["max_pairs_per_doc"],
        context=context,
        rule=meta["rule"],
        calibration=Calibration(
            meta["calibration"],
            np.asarray(arrays[f"{prefix}calibration.x"], dtype=np.float64),
            np.asarray(arrays[f"{prefix}calibration.y"], dtype=np.float64),
        ),
        curve=_curve_from_arrays(arrays, prefix),
        priors=priors,
        schema=str(meta.get("schema", DEFAULT_SCHEMA)),
        candidate_type_pairs=None if allowed is None else tuple(allowed),
    )


def _curve_from_arrays(arrays: dict[str, np.ndarray], prefix: str) -> PrecisionCurve:
    """A schema's precision curve, with its per-fold counts when the file has them (from format 4 on)."""
    pooled = [np.asarray(arrays[f"{prefix}curve.{k}"], dtype=np.float64) for k in ("thresholds", "precision", "recall")]
    if len({len(a) for a in pooled}) != 1:
        raise ValueError("the precision curve's arrays differ in length")
    if f"{prefix}curve.fold_predicted" not in arrays:
        return PrecisionCurve(*pooled)
    folds = [np.asarray(arrays[f"{prefix}curve.{k}"], dtype=np.int64) for k in ("fold_predicted", "fold_hits")]
    if (
        folds[0].shape != folds[1].shape
        or folds[0].ndim != 2
        or (len(folds[0]) and folds[0].shape[1] != len(pooled[0]))
    ):
        raise ValueError("the precision curve's fold counts do not fit its thresholds")
    return PrecisionCurve(*pooled, *folds)


def _context_from_arrays(arrays: dict[str, np.ndarray], meta: dict[str, Any], prefix: str = "") -> ContextStage | None:
    """The context stage of a model file (a logistic regression, or trees from format 4 on), None when it has none."""
    if meta["context"] is None:
        return None
    groups = tuple(meta["context"])
    if any(group not in CONTEXT_GROUPS for group in groups) or groups[:1] != ("score",):
        raise ValueError(f"unknown context inputs {list(groups)}")
    kind = meta.get("context_kind") or "logistic"
    if kind not in ("logistic", "trees"):
        raise ValueError(f"unknown kind of context stage {kind!r}")
    stage = ContextStage(
        groups,
        np.asarray(arrays[f"{prefix}context.coef"], dtype=np.float64),
        float(arrays[f"{prefix}context.intercept"][0]),
    )
    if kind == "trees":
        stage = ContextStage(
            groups, np.zeros(0), 0.0, TreeEnsemble.from_arrays(arrays, f"{prefix}context.trees", len(stage.columns))
        )
    elif len(stage.coef) != len(stage.columns):
        raise ValueError(f"the context stage has {len(stage.coef)} weights for {len(stage.columns)} inputs")
    return stage


def _meta(arrays: dict[str, np.ndarray], name: str) -> dict[str, Any]:
    if _META not in arrays:
        raise ModelError(f"{name}: not a relclf model (no '{_META}' member)")
    meta = json.loads(str(arrays[_META]))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{name}: not a relclf model")
    problem = version_problem(meta.get("format_version"), meta.get("relclf_version"))
    if problem is not None:
        raise ModelError(f"{name}: {problem}")
    return meta


# -- saving ------------------------------------------------------------------------------------------
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


# -- reading the card without loading the model -----------------------------------------------------
# A model card is a few KB (the training documents' digests: ~15 bytes each); far more is no card.
MAX_CARD_BYTES = 64 << 20


def _read_json_sidecar(path: Path) -> dict[str, Any] | None:
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
        with _open_npz(path) as archive:
            try:
                card = (
                    check_card(json.loads(str(archive[_META])), f"{path} (its metadata)")
                    if _META in archive.files
                    else None
                )
            except (ValueError, RecursionError) as exc:
                raise ModelError(f"{path}: unreadable model metadata ({type(exc).__name__})") from None
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


def version_problem(format_version: Any, relclf_version: Any = None) -> str | None:
    """Why a model of this format version cannot be loaded here, or None when it can.

    >>> version_problem(FORMAT_VERSION) is None
    True
    """
    if type(format_version) is int and format_version in READABLE_FORMATS:
        return None
    made_by = f" (relclf {relclf_version})" if relclf_version else ""
    if format_version is None or (type(format_version) is int and format_version == 1):
        return (
            f"a model of format 1{made_by}: a pickle or skops file, which runs code when loaded; relclf {__version__} "
            f"reads only its data-only format {FORMAT_VERSION}: retrain the model with this relclf (relclf train)"
        )
    if type(format_version) is int and format_version > FORMAT_VERSION:
        return (
            f"model format {format_version}{made_by} is newer than relclf {__version__} reads (format "
            f"{FORMAT_VERSION}): upgrade relclf, or retrain the model with this one"
        )
    if type(format_version) is int and 0 < format_version < READABLE_FORMATS[0]:
        return (
            f"a model of the older format {format_version}{made_by}, without the calibrated scores of format "
            f"{READABLE_FORMATS[0]}: relclf {__version__} reads formats {READABLE_FORMATS[0]}-{FORMAT_VERSION} only; "
            "retrain the model with this relclf (relclf train)"
        )
    return (
        f"model format {_short(format_version)}{made_by} cannot be read by relclf {__version__} (format "
        f"{FORMAT_VERSION}); retrain it"
    )


def _short(value: Any) -> str:
    """A value from a file, shown in a message: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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


def _is_npz(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n == f"{_META}.npy" for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


def _open_npz(path: Path) -> Any:
    """``np.load`` of a model file, after checking every member's size (no zip bomb, no huge array)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path}: not a readable relclf model ({type(exc).__name__})") from None
    too_big = [i.filename for i in infos if i.file_size > MAX_MEMBER_BYTES]
    if too_big or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise ModelError(
            f"{path}: refusing to load: members larger than relclf models ever are ({', '.join(too_big) or 'in total'})"
        )
    return np.load(path, allow_pickle=False)


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
    try:
        with _open_npz(path) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ModelError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path}: not a readable relclf model ({type(exc).__name__}: {str(exc)[:120]})") from None
    model = model_from_arrays(arrays, str(path), schema)
    metadata = card if card is not None else json.loads(str(arrays[_META]))
    return LoadedModel(
        model, {k: v for k, v in metadata.items() if k not in ("sha256", "size")}, tuple(schema_names(arrays))
    )


# -- the model a caller means ------------------------------------------------------------------------
# The bundled model is the file DEFAULT_MODEL_NAME (beside it NAME.json, NAME.sha256 and MODEL_CARD.md) of
# the top-level models/ folder, which pyproject.toml installs as the package relclf.models.
DEFAULT_MODEL_NAME = "relclf-biored.npz"


def _bundled_model() -> Path:
    """The path of DEFAULT_MODEL_NAME in the installed package relclf.models (in a checkout not installed: models/)."""
    try:
        return Path(str(resources.files("relclf.models") / DEFAULT_MODEL_NAME))
    except ModuleNotFoundError:  # a source tree put on sys.path without installing it
        return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


DEFAULT_MODEL = _bundled_model()


def default_model_path() -> Path:
    """The bundled model, or the file named by the ``RELCLF_MODEL`` environment variable."""
    return Path(os.environ.get("RELCLF_MODEL", DEFAULT_MODEL))


def resolve_model(
    model: LoadedModel | RelationModel | RelationExtractor | PathLike | None, *, schema: str | None = None
) -> RelationModel:
    """A model argument (None: the default; a path, loaded model or fitted estimator) as a :class:`RelationModel`,
    in ``schema`` (a model trained on several corpora; default: its first)."""
    found: dict[str, RelationModel] | None = None
    if isinstance(model, RelationModel):
        found = {model.schema: model}
    elif isinstance(model, LoadedModel):
        found = {model.model.schema: model.model}
    elif model is not None and hasattr(model, "models_"):  # a fitted RelationExtractor (without importing it)
        found = dict(model.models_)
    if found is not None:
        if schema is None:
            return next(iter(found.values()))
        if schema not in found:
            raise ModelError(f"no schema {schema!r} in this model (its schemas: {', '.join(found)})")
        return found[schema]
    path = default_model_path() if model is None else Path(model)  # type: ignore[arg-type]  # a path by now
    if model is None and not path.is_file():
        if "RELCLF_MODEL" in os.environ:
            raise ModelError(f"{path}: the model named by RELCLF_MODEL is missing")
        raise ModelError(
            f"{path}: the default model is missing; reinstall relclf or pass another model"
            " (models/MODEL_CARD.md in a checkout names the command that rebuilds it)"
        )
    # the default model is always verified against its recorded sha256; others when it is recorded
    return load_model(path, require_checksum=model is None, schema=schema).model


def model_files(model: Any) -> list[str]:
    """The files a model argument reads (the model and its card and checksum), for :func:`relclf.io.files.check_outputs`
    (an output must replace none of them).

    None (the default model) and models already loaded read nothing more.
    """
    if not isinstance(model, (str, os.PathLike)):
        return []
    return [str(model), f"{model}.json", f"{model}.sha256"]


def training_digests(model: LoadedModel | RelationModel | RelationExtractor | PathLike | None) -> frozenset[str] | None:
    """The digests of the IDs of the documents ``model`` was trained on, as its card records them
    (:func:`document_digest`), or None when unknown.

    ``model`` is a path (its card ``MODEL.json``, or the one inside the model file, is read; the model is not
    loaded), None for the default model, or a loaded model (its metadata); a bare model or estimator
    has no card.
    """
    if model is not None and not isinstance(model, (LoadedModel, str, os.PathLike)):
        return None
    if isinstance(model, LoadedModel):
        recorded = model.metadata.get(TRAINING_DOCUMENTS)
    else:
        try:
            recorded = read_model_card(default_model_path() if model is None else model).get(TRAINING_DOCUMENTS)
        except ModelError:  # no card, or an unreadable one: loading the model reports it
            return None
    if not isinstance(recorded, list) or not all(isinstance(d, str) for d in recorded):
        return None
    return frozenset(recorded)


def card_labels(model: LoadedModel | RelationModel | RelationExtractor | PathLike | None) -> list[str] | None:
    """The relation labels ``model`` predicts: a loaded or bare model's own, a path's (or the default
    model's, for None) as its card records them (the model is not loaded); None when unknown."""
    if isinstance(model, (LoadedModel, RelationModel)) or hasattr(model, "model_"):
        return resolve_model(model).labels
    try:
        recorded = read_model_card(default_model_path() if model is None else model).get("labels")
    except ModelError:  # no card, or an unreadable one: loading the model reports it
        return None
    if not isinstance(recorded, list) or not all(isinstance(label, str) for label in recorded):
        return None
    return list(recorded)


# -- the card as text --------------------------------------------------------------------------------
def format_model_card(card: dict[str, Any]) -> str:
    """The card of :func:`read_model_card` as text, one fact per line (what ``relclf info`` prints)."""
    verified = card.get("verified")
    check = {
        True: "matches the recorded sha256",
        False: f"DOES NOT MATCH the recorded {card.get('sha256') or '(.sha256 file)'}",
        None: "no sha256 recorded",
    }[verified]
    problem = version_problem(card.get("format_version", FORMAT_VERSION), card.get("relclf_version"))
    loadable = f"yes (relclf {__version__})" if problem is None else f"no: {problem}"
    lines = [
        f"model: {card['file']} ({card['file_size'] / 1e6:.1f} MB, format {card.get('format_version', '?')})",
        f"sha256: {card['file_sha256']} ({check})",
        f"made with: relclf {card.get('relclf_version', '?')}, scikit-learn {card.get('sklearn_version', '?')}, "
        f"Python {card.get('python_version', '?')}, on {card.get('created', '?')}",
        f"loadable here: {loadable}",
        f"seed: {card.get('seed', card.get('parameters', {}).get('random_state', '?'))}",
        "training data:",
        *(f"  {f.get('name')}  sha256 {f.get('sha256')}" for f in card.get("training_files", [])),
        f"training documents: {_training_documents_line(card)}",
        f"labels ({len(card.get('labels', []))}): {', '.join(card.get('labels', []))}",
        f"novelty labels: {', '.join(card.get('novelty_labels', [])) or 'none'}",
        f"type pairs ({len(card.get('type_pairs', []))}): {', '.join(card.get('type_pairs', []))}",
        f"composite IDs: {'split into their parts' if card.get('split_composites') else 'one entity'}",
        f"threshold: {card['threshold']:.3f}" if isinstance(card.get("threshold"), (int, float)) else "threshold: ?",
        *cross_validation_lines(card.get("cross_validation")),
        *_schema_lines(card.get("schemas")),
        f"max pairs per document in training: {card.get('parameters', {}).get('max_pairs_per_doc') or 'no cap'}",
    ]
    if "training_seconds" in card:
        lines.append(f"training time: {card['training_seconds']} s")
    scores = _score_lines(card.get("scores") or {})
    lines += ["scores:", *scores] if scores else ["scores: none recorded"]
    return "\n".join(lines)


def cross_validation_lines(found: Any) -> list[str]:
    """What grouped cross-validation chose for a model (a card's ``cross_validation``, an estimator's
    ``cv_scores_``), in one line (none when it holds nothing)."""
    if not isinstance(found, dict) or not found:
        return []
    parts = []
    context = found.get("context") or {}
    parts.append(
        f"context stage ({context.get('inputs', '?').replace('score+', '')})"
        if context.get("kept")
        else "no context stage"
    )
    own = (found.get("labels") or {}).get("own_type_pairs") or {}
    parts.append(f"own labelers for {', '.join(own)}" if own else "one pooled labeler")
    rule = (found.get("rule") or {}).get("chosen")
    parts.append(
        {
            "pair": "pairs decided on their probability of being related",
            "detector": "pairs decided on their score, the probability of being related",
            "detector_x_label": "pairs decided on their score, probability related x label probability",
        }.get(str(rule), f"rule {rule}")
    )
    parts.append(f"{(found.get('calibration') or {}).get('chosen', '?')} calibration")
    return [f"chosen by cross-validation: {'; '.join(parts)}"]


def _schema_lines(schemas: Any) -> list[str]:
    """A card's schemas (a model trained on several corpora), the default first, one line each; none for one."""
    if not isinstance(schemas, dict) or not schemas:
        return []
    lines = [f"schemas ({len(schemas)}, --schema NAME; the first is the default):"]
    for name, schema in schemas.items():
        lines.append(
            f"  {name}: labels {', '.join(schema.get('labels', []))}; type pairs "
            f"{', '.join(schema.get('type_pairs', []))}; threshold {schema.get('threshold', 0):.3f}"
        )
    return lines


def _training_documents_line(card: dict[str, Any]) -> str:
    recorded = card.get(TRAINING_DOCUMENTS)
    if not isinstance(recorded, list):
        return "not recorded (evaluate cannot warn about gold documents it was trained on)"
    return (
        f"{len(recorded):,} (their IDs' SHA-256 prefixes are recorded: evaluate warns about gold documents among them)"
    )


def _score_lines(scores: dict[str, Any]) -> list[str]:
    """The card's scores, one per line; first, when the dev file was not held out, a line that says so."""
    lines = []
    overlap = scores.get(DEV_IN_TRAINING)
    if isinstance(overlap, dict):
        lines.append(
            f"  NOT HELD OUT: {overlap.get('documents', '?')} of the {overlap.get('of', '?')} documents of "
            f"{scores.get('dev_file', 'the dev file')} were training documents: the dev scores overstate how the "
            "model does on new text"
        )
    for name, value in scores.items():
        if name == DEV_IN_TRAINING:
            continue
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, dict) and {"precision", "recall", "f1"} <= v.keys() for v in value.values())
        ):
            for level, c in value.items():
                lines.append(f"  {name:<28} {level:<22} P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}")
        else:
            lines.append(f"  {name:<28} {value}")
    return lines
