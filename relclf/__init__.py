"""relclf: fast relation extraction from entity-annotated biomedical abstracts, on a laptop CPU.

The public API, stage by stage::

    documents = list(read_documents("Train.PubTator"))         # io: PubTator, BioC XML, BioC JSON
    model = RelationExtractor().fit(documents)                 # extract: candidates -> features -> estimator
    predicted = model.predict_documents(read_documents("new.pubtator"))
    scores = score_documents(gold_documents, predicted)        # evaluation

The names below are imported on first use (PEP 562), so ``import relclf`` is cheap and
``import relclf.document`` loads nothing but the document classes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "evaluate": "relclf.api",
    "predict_file": "relclf.api",
    "train": "relclf.api",
    "Candidate": "relclf.extract.candidates",
    "candidate_recall": "relclf.extract.candidates",
    "generate_candidates": "relclf.extract.candidates",
    "Document": "relclf.document",
    "Entity": "relclf.document",
    "Mention": "relclf.document",
    "Relation": "relclf.document",
    "canonical_type": "relclf.document",
    "identifier_parts": "relclf.document",
    "InputError": "relclf.errors",
    "ModelError": "relclf.errors",
    "RelclfError": "relclf.errors",
    "UsageError": "relclf.errors",
    "WorkerError": "relclf.errors",
    "read_documents": "relclf.io.formats",
    "write_documents": "relclf.io.formats",
    "format_document": "relclf.io.pubtator",
    "read_pubtator": "relclf.io.pubtator",
    "write_pubtator": "relclf.io.pubtator",
    "RelationExtractor": "relclf.extract.estimator",
    "Scores": "relclf.evaluation.metrics",
    "score_documents": "relclf.evaluation.metrics",
    "DEFAULT_MODEL": "relclf.persistence",
    "LoadedModel": "relclf.persistence",
    "load_model": "relclf.persistence",
    "save_model": "relclf.persistence",
}

__all__ = [
    "__version__",
    "Candidate",
    "DEFAULT_MODEL",
    "Document",
    "Entity",
    "InputError",
    "LoadedModel",
    "Mention",
    "ModelError",
    "Relation",
    "RelationExtractor",
    "RelclfError",
    "Scores",
    "UsageError",
    "WorkerError",
    "candidate_recall",
    "canonical_type",
    "evaluate",
    "format_document",
    "generate_candidates",
    "identifier_parts",
    "load_model",
    "predict_file",
    "read_documents",
    "read_pubtator",
    "save_model",
    "score_documents",
    "train",
    "write_documents",
    "write_pubtator",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'relclf' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .api import evaluate, predict_file, train
    from .document import (
        Document,
        Entity,
        Mention,
        Relation,
        canonical_type,
        identifier_parts,
    )
    from .errors import InputError, ModelError, RelclfError, UsageError, WorkerError
    from .evaluation.metrics import Scores, score_documents
    from .extract.candidates import Candidate, candidate_recall, generate_candidates
    from .extract.estimator import RelationExtractor
    from .io.formats import read_documents, write_documents
    from .io.pubtator import format_document, read_pubtator, write_pubtator
    from .persistence import DEFAULT_MODEL, LoadedModel, load_model, save_model
