"""The model a caller means (:func:`resolve_model`): the bundled default, the file ``RELCLF_MODEL`` names,
a path, a loaded model or a fitted estimator; and what its card says without loading it (the training
documents' digests, the labels).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from ..extract.model import RelationModel
from ..io.files import PathLike
from .card import TRAINING_DOCUMENTS, read_model_card
from .loading import LoadedModel, load_model

if TYPE_CHECKING:
    from ..extract.estimator import RelationExtractor


# The bundled model is the file DEFAULT_MODEL_NAME (beside it NAME.json, NAME.sha256 and MODEL_CARD.md) of
# the top-level models/ folder, which pyproject.toml installs as the package relclf.models.
DEFAULT_MODEL_NAME = "relclf-biored.npz"


def _bundled_model() -> Path:
    """The path of DEFAULT_MODEL_NAME in the installed package relclf.models (in a checkout not installed: models/)."""
    try:
        return Path(str(resources.files("relclf.models") / DEFAULT_MODEL_NAME))
    except ModuleNotFoundError:  # a source tree put on sys.path without installing it
        return Path(__file__).resolve().parents[2] / "models" / DEFAULT_MODEL_NAME


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
