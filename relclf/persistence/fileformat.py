"""What a model file is: its format's name and the versions relclf reads (:func:`version_problem`
says why one cannot be read), the largest card it reads, and a file's ``meta`` checked to be one of
those (:func:`_meta`).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .._version import __version__
from ..errors import ModelError

FORMAT = "relclf-model"
# 4: corpus priors, a context stage of trees, the pair rule; 3: a document-context stage, labelers per type
# pair, a decision rule, a calibration map and a precision curve; 2: the integer featurizer's first data-only
# format. Format 4 is format 3 with members of its own, so relclf reads both.
FORMAT_VERSION = 4
READABLE_FORMATS = (3, 4)
_META = "meta"
# A model card is a few KB (the training documents' digests: ~15 bytes each); far more is no card.
MAX_CARD_BYTES = 64 << 20


def _meta(arrays: dict[str, np.ndarray], name: str) -> dict[str, Any]:
    """The JSON ``meta`` of a model file's arrays (``name``: the file, for messages), checked to be a relclf
    model's of a format version relclf reads; :class:`ModelError` otherwise."""
    if _META not in arrays:
        raise ModelError(f"{name}: not a relclf model (no '{_META}' member)")
    meta = json.loads(str(arrays[_META]))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{name}: not a relclf model")
    problem = version_problem(meta.get("format_version"), meta.get("relclf_version"))
    if problem is not None:
        raise ModelError(f"{name}: {problem}")
    return meta


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


def _reason(exc: BaseException) -> str:
    """Why a model file is refused, in a message: a ValueError's own words, another error's name too."""
    text = str(exc)[:200]
    return text if type(exc) is ValueError else f"{type(exc).__name__}: {text}"
