"""Every member of a model file, checked before it is read: the table of the members the format names
(:data:`_MEMBERS`) and :func:`check_members`, which checks a file's members, as their ``.npy`` headers
declare them, against it and against the file's ``meta``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..extract.blocks import BLOCKS
from ..extract.context import ContextStage
from ..extract.vectorizer import PairVectorizer

# -- every member of a model file, checked before it is read ---------------------------------------------
# What the format says each array member is. A member's .npy header (dtype, shape) is checked against this
# table before its data is read (:func:`_read_members`): a header declaring 10**12 elements, weights stored
# as text or an array of Python objects is refused in one line, and every array read is the one the format
# names. Names and dimensions are templates: {p} is a schema's prefix ("" for the default schema,
# "schema.K." for the K-th other one), {stage} each of its linear stages (meta "classes"), {block} each
# feature block (meta "vectorizer"). A dimension is a number or a name: the members naming it must agree,
# and meta fixes some (:func:`_dimensions`). The next array of the format is one row here.


# A model file's members as their headers declare them: name -> (shape, dtype).
_Headers = dict[str, tuple[tuple[int, ...], np.dtype]]


@dataclass(frozen=True)
class _Member:
    """A row of :data:`_MEMBERS`: a member's name, dtype, shape, and which files have it.

    ``dtype`` is a numpy kind (``f`` floating point, ``i`` signed integers, ``U`` text), with the item
    size where the bytes are read as such (``u1``: bytes). ``when`` is a key of :data:`_WHEN`.
    ``or_empty``: an array whose every dimension is 0 is accepted too (a curve without fold counts).
    """

    name: str
    dtype: str
    shape: tuple[int | str, ...]
    when: str = "always"
    or_empty: bool = False


_MEMBERS: tuple[_Member, ...] = (
    _Member("meta", "U", ()),
    _Member("vocabulary", "u1", ("vocabulary bytes",)),
    _Member("vectorizer.{block}.codes", "i", ("{block} codes",)),
    _Member("vectorizer.{block}.idf", "f", ("{block} codes",), "tfidf"),
    _Member("priors.identifiers", "u1", ("identifier bytes",), "priors"),
    _Member("priors.entity_seen", "i", ("entities",), "priors"),
    _Member("priors.entity_related", "i", ("entities",), "priors"),
    _Member("priors.type_seen", "i", ("entities", "type pairs"), "priors"),
    _Member("priors.type_related", "i", ("entities", "type pairs"), "priors"),
    _Member("priors.pair_keys", "i", ("entity pairs",), "priors"),
    _Member("priors.pair_seen", "i", ("entity pairs",), "priors"),
    _Member("priors.pair_related", "i", ("entity pairs",), "priors"),
    _Member("priors.base_rate", "f", (1,), "priors"),
    # each schema's own, after its prefix
    _Member("{p}{stage}.mask", "u1", ("mask bytes",), "mask"),
    _Member("{p}{stage}.support", "i", ("{p}{stage} columns",), "support"),
    _Member("{p}{stage}.weights", "f", ("{p}{stage} rows", "{p}{stage} columns")),
    _Member("{p}{stage}.intercept", "f", ("{p}{stage} rows",)),
    _Member("{p}context.coef", "f", ("{p}context inputs",), "context"),
    _Member("{p}context.intercept", "f", (1,), "context"),
    _Member("{p}context.trees.feature", "i", ("{p}tree nodes",), "trees"),
    _Member("{p}context.trees.threshold", "f", ("{p}tree nodes",), "trees"),
    _Member("{p}context.trees.left", "i", ("{p}tree nodes",), "trees"),
    _Member("{p}context.trees.right", "i", ("{p}tree nodes",), "trees"),
    _Member("{p}context.trees.value", "f", ("{p}tree nodes",), "trees"),
    _Member("{p}context.trees.roots", "i", ("{p}trees",), "trees"),
    _Member("{p}context.trees.shape", "i", (1,), "trees"),
    _Member("{p}context.trees.init", "f", (1,), "trees"),
    _Member("{p}calibration.x", "f", ("{p}knots",)),
    _Member("{p}calibration.y", "f", ("{p}calibration values",)),
    _Member("{p}curve.thresholds", "f", ("{p}thresholds",)),
    _Member("{p}curve.precision", "f", ("{p}thresholds",)),
    _Member("{p}curve.recall", "f", ("{p}thresholds",)),
    _Member("{p}curve.fold_predicted", "i", ("{p}folds", "{p}thresholds"), "folds", or_empty=True),
    _Member("{p}curve.fold_hits", "i", ("{p}folds", "{p}thresholds"), "folds", or_empty=True),
)
# what a member holds, by numpy kind, in messages
_KIND_WORDS = {
    "f": "floating-point numbers",
    "i": "integers",
    "u": "unsigned integers",
    "u1": "bytes (uint8)",
    "U": "text",
    "S": "byte strings",
    "O": "Python objects",
    "b": "booleans",
    "c": "complex numbers",
    "V": "records",
}
_CODES = {block.codes.name: block.codes for block in BLOCKS}


@dataclass(frozen=True)
class _Scope:
    """Where a row of :data:`_MEMBERS` is expanded: the file's meta and headers, a schema (its meta and
    prefix), a stage and a feature block (None where the row names none)."""

    meta: dict[str, Any]
    headers: _Headers
    schema: dict[str, Any]
    p: str
    stage: str | None
    block: str | None


# Which files have a member: each ``when`` of :data:`_MEMBERS`.
_WHEN: dict[str, Callable[[_Scope], bool]] = {
    "always": lambda s: True,
    "tfidf": lambda s: not _CODES[str(s.block)].one_hot,
    "priors": lambda s: any(schema.get("priors") for _, schema in _schemas(s.meta)),
    "folds": lambda s: s.meta["format_version"] >= 4,  # per-fold counts came with format 4
    "context": lambda s: s.schema["context"] is not None,
    "trees": lambda s: s.schema["context"] is not None and s.schema.get("context_kind") == "trees",
    # a stage's columns are a bit mask or a list, whichever was smaller (LinearStage.to_arrays)
    "mask": lambda s: f"{s.p}{s.stage}.mask" in s.headers,
    "support": lambda s: f"{s.p}{s.stage}.mask" not in s.headers,
}


def _schemas(meta: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(prefix, meta) of each schema of a file: the default one's is the file's, the others' the file's with
    their own keys. ValueError when another schema's prefix is not the one :func:`model_arrays` gives it."""
    schemas = [("", meta)]
    for k, other in enumerate(meta.get("other_schemas", []), start=1):
        if not isinstance(other, dict) or other.get("prefix") != f"schema.{k}.":
            raise ValueError(f"schema {k} of meta is not stored under 'schema.{k}.'")
        schemas.append((other["prefix"], dict(meta, **other)))
    return schemas


def _expected_members(
    meta: dict[str, Any], headers: _Headers
) -> dict[str, tuple[_Member, tuple[tuple[str, int | str], ...]]]:
    """Each member a file of this ``meta`` must have: its row and its shape, each dimension a
    (label, number or dimension name) pair; ``headers`` (name -> (shape, dtype)) decides between
    members that are one or the other."""
    unknown = set(meta["vectorizer"]["blocks"]) - set(_CODES)
    if unknown:
        raise ValueError(f"unknown feature blocks {sorted(unknown)}; this version knows {sorted(_CODES)}")
    expected: dict[str, tuple[_Member, tuple[tuple[str, int | str], ...]]] = {}
    for row in _MEMBERS:
        for p, schema in _schemas(meta) if "{p}" in row.name else [("", meta)]:
            for stage in list(schema["classes"]) if "{stage}" in row.name else [None]:
                for block in list(meta["vectorizer"]["blocks"]) if "{block}" in row.name else [None]:
                    if not _WHEN[row.when](_Scope(meta, headers, schema, p, stage, block)):
                        continue
                    fields = {"p": p, "stage": stage, "block": block}
                    shape = tuple(
                        (str(d), d) if isinstance(d, int) else (d.format(**dict(fields, p="")), d.format(**fields))
                        for d in row.shape
                    )
                    expected[row.name.format(**fields)] = (row, shape)
    return expected


def _dimensions(meta: dict[str, Any], headers: _Headers) -> tuple[dict[str, int | str], dict[str, int]]:
    """The dimensions that meta fixes (a number, or the name of a dimension it equals) and those it bounds
    (the most a stage's columns may be)."""
    # the matrix's width, from the code blocks' lengths as their headers declare them: the vectorizer
    # computes it (one definition), given arrays of those lengths that take no memory
    codes = {
        f"{block}.codes": np.broadcast_to(np.zeros(1, dtype=np.int64), headers[f"vectorizer.{block}.codes"][0])
        for block in meta["vectorizer"]["blocks"]
    }
    n_features = PairVectorizer.from_arrays(codes, meta["vectorizer"]).n_features_
    known: dict[str, int | str] = {"type pairs": len(meta["type_pairs"]), "mask bytes": (n_features + 7) // 8}
    limits: dict[str, int] = {}
    for p, schema in _schemas(meta):
        for stage, classes in schema["classes"].items():
            if not classes:
                raise ValueError(f"stage {p}{stage} has no classes")
            # a constant has no row of weights, a binary stage one, a stage of more classes one per class
            known[f"{p}{stage} rows"] = {1: 0, 2: 1}.get(len(classes), len(classes))
            limits[f"{p}{stage} columns"] = n_features
        if schema["context"] is not None:
            logistic = (schema.get("context_kind") or "logistic") == "logistic"
            inputs = len(ContextStage(tuple(schema["context"]), np.zeros(0), 0.0).columns)
            known[f"{p}context inputs"] = inputs if logistic else 0  # trees keep no weights
        method = schema["calibration"]
        if method in ("platt", "none"):  # Platt's map is two numbers (y) and no knots; none has neither
            known[f"{p}knots"], known[f"{p}calibration values"] = 0, 2 if method == "platt" else 0
        elif method == "isotonic":  # the knots' x and y
            known[f"{p}calibration values"] = f"{p}knots"
    return known, limits


def check_members(headers: _Headers, meta: dict[str, Any]) -> None:
    """Check a model file's members (name -> (shape, dtype), as their headers declare them) against the format.

    ``meta`` is the file's, of a format version relclf reads. Raises ValueError naming the first member
    that is missing or unknown, holds another dtype or number of dimensions, or whose shape does not fit
    meta or the other members.
    """
    expected = _expected_members(meta, headers)
    missing = [name for name in expected if name not in headers]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise ValueError(f"member {missing[0]!r} is missing{more}")
    unknown = sorted(set(headers) - set(expected))
    if unknown:
        raise ValueError(f"unknown member {unknown[0]!r}, which model format {meta['format_version']} has not")
    for name, (row, dims) in expected.items():  # kinds and dimensions first: the sizes below rely on them
        shape, dtype = headers[name]
        if dtype.kind != row.dtype[0] or (len(row.dtype) > 1 and dtype.itemsize != int(row.dtype[1:])):
            raise ValueError(
                f"member {name!r} holds {_KIND_WORDS.get(dtype.kind, 'values')} ({dtype.str}) where the format has "
                f"{_KIND_WORDS[row.dtype]}"
            )
        if len(shape) != len(dims):
            raise ValueError(f"member {name!r} has {len(shape)} dimensions where the format has {len(dims)}")
    known, limits = _dimensions(meta, headers)
    bound: dict[str, tuple[int, str]] = {}  # a dimension -> (its size, the member that set it)
    for name, (row, dims) in expected.items():
        shape = headers[name][0]
        if not (row.or_empty and not any(shape)):
            _check_shape(name, shape, dims, known, limits, bound)


def _check_shape(
    name: str,
    shape: tuple[int, ...],
    dims: tuple[tuple[str, int | str], ...],
    known: dict[str, int | str],
    limits: dict[str, int],
    bound: dict[str, tuple[int, str]],
) -> None:
    """Check a member's shape against its dimensions (``dims``: (label, number or name) pairs): the numbers,
    those meta fixes (``known``) or bounds (``limits``), and those other members set (``bound``, which
    records the ones this member sets first). Raises ValueError."""
    for size, (label, dim) in zip(shape, dims, strict=True):
        while isinstance(dim, str) and isinstance(known.get(dim), str):
            dim = known[dim]  # a dimension that meta makes equal to another
        if isinstance(dim, int):
            expected, source = dim, "the format says"
        elif isinstance(known.get(dim), int):
            expected, source = int(known[dim]), "the model's meta says"
        elif dim in bound:
            expected, source = bound[dim][0], f"member {bound[dim][1]!r} has"
        elif size > limits.get(dim, size):
            raise ValueError(f"member {name!r} has {size:,} {label} where the model has {limits[dim]:,} features")
        else:
            bound[dim] = (size, name)
            continue
        if size != expected:
            raise ValueError(f"member {name!r} has {size:,} {label} (shape {shape}) where {source} {expected:,}")
