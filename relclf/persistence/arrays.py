"""The model as arrays: :func:`model_arrays` gives every array of a model file (the JSON ``meta``
included), :func:`model_from_arrays` rebuilds the :class:`~relclf.extract.model.RelationModel` from them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import ModelError
from ..extract.calibration import CALIBRATION_METHODS, Calibration, PrecisionCurve
from ..extract.context import CONTEXT_GROUPS, ContextStage
from ..extract.labels import LabelStage, own_stage_name
from ..extract.model import DECISION_RULES, LinearStage, RelationModel
from ..extract.priors import CorpusPriors
from ..extract.schemas import DEFAULT_SCHEMA
from ..extract.trees import TreeEnsemble
from ..extract.vectorizer import PairVectorizer
from ..text import Vocabulary
from .fileformat import _META, FORMAT, FORMAT_VERSION, _meta, _reason
from .members import check_members


def model_arrays(model: RelationModel, others: Sequence[RelationModel] = ()) -> dict[str, np.ndarray]:
    """Every array of a model file (see :mod:`relclf.persistence`), the JSON ``meta`` included.

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
        check_members({k: (v.shape, v.dtype) for k, v in arrays.items()}, meta)
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
        raise ModelError(f"{name}: damaged or incompatible model ({_reason(exc)})") from None


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
