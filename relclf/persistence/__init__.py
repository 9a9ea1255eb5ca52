"""Models as files: saving and loading them (a model file is data, numpy arrays and JSON, never code),
finding the one a caller means (:func:`resolve_model`: the bundled default, ``RELCLF_MODEL``, a path)
and reading and rendering their cards (:func:`read_model_card`, :func:`format_model_card`).

A model file is an uncompressed ``.npz`` archive (see :func:`numpy.savez`) of plain arrays: the
vocabulary (UTF-8 words joined by newlines), each feature block's n-gram codes and idf weights, each
linear stage's non-zero weights (the detector, the pooled labeler and each type pair's own, the
novelty stage), the context stage's weights, the calibration map, the cross-validated precision
curve, and one JSON document (``meta``) with relclf's format version, the parameters, labels, type
pairs, decision rule and threshold. It is read with ``allow_pickle=False``, after checking every
member's header (dtype and shape) against what the format says it is (:data:`.members._MEMBERS`), so
loading a model cannot run code, cannot claim unbounded memory and reads only the arrays the format names: a
model file from anyone is safe to load (whether it is a *good* model is what its card says).

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

from .arrays import model_arrays, model_from_arrays
from .card import (
    DEV_IN_TRAINING,
    TRAINING_DOCUMENTS,
    build_metadata,
    document_digest,
    file_sha256,
    read_model_card,
)
from .card_text import cross_validation_lines, format_model_card
from .fileformat import FORMAT_VERSION, READABLE_FORMATS, version_problem
from .loading import LoadedModel, load_model, save_model, verify_model_file
from .resolve import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_NAME,
    card_labels,
    default_model_path,
    model_files,
    resolve_model,
    training_digests,
)

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
    "model_arrays",
    "model_files",
    "model_from_arrays",
    "read_model_card",
    "resolve_model",
    "save_model",
    "training_digests",
    "verify_model_file",
    "version_problem",
]
