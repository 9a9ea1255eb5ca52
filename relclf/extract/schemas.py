"""Training on several corpora at once: one schema per corpus, on evidence they share.

Corpora annotate relations in schemas of their own: BioRED's eight labels over nine type pairs, BC5CDR's
one label (``CID``) over chemical-disease pairs. They also share evidence: a sentence that says a drug
induces a disease reads the same in both. A model trained on several corpora
(:meth:`relclf.extract.estimator.RelationExtractor.fit` with ``corpus``) has one *schema* per corpus:
its candidate rule (:class:`SchemaRule`: the type pairs that make candidates and whether composite IDs
name their parts, as learned from that corpus), its labels, labelers, novelty, context stage,
calibration and thresholds, all fitted on its own corpus's pairs; it answers in one schema at a time
(``relclf predict --schema NAME``).

What the corpora share is the vocabulary, the feature blocks, the corpus priors (which count every
corpus's relations, each in its own schema) and the detector, trained on every corpus's pairs by
*feature augmentation* (Daumé III, "Frustratingly easy domain adaptation", ACL 2007): the detector reads
each feature twice, once as a shared column and once as a column of the pair's own corpus
(:func:`augment`), plus one intercept column per corpus. Evidence that holds in every corpus gets a
shared weight; where the schemas disagree (a treated disease is related in BioRED, not a ``CID``), the
corpus's own columns correct it. A schema's detector is then an ordinary linear stage whose weights are
the shared ones plus its corpus's (:func:`schema_detector`). With a single corpus nothing is augmented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import UsageError
from .linear import LinearStage

__all__ = ["DEFAULT_SCHEMA", "SchemaRule", "augment", "check_corpus_names", "rows_within", "schema_detector"]

#: the schema of a model trained on one corpus that was not named
DEFAULT_SCHEMA = "default"


@dataclass(frozen=True)
class SchemaRule:
    """A corpus's candidate rule as its training documents teach it, and its rows of the training set.

    ``type_pairs``: those that make candidates (its relations connect them); ``split_composites``: whether
    composite IDs name their parts; ``n_rows``: its candidate pairs (the training set holds the corpora
    one after the other); ``unreachable``: its gold relations that no candidate covers.
    """

    name: str
    type_pairs: tuple[str, ...]
    split_composites: bool
    n_rows: int
    unreachable: int


def check_corpus_names(corpus: Sequence[str] | None, n_documents: int) -> list[str]:
    """The corpus name of each of ``n_documents`` documents (all :data:`DEFAULT_SCHEMA` when ``corpus`` is None).

    Raises UsageError when there is not one non-empty name per document.
    """
    if corpus is None:
        return [DEFAULT_SCHEMA] * n_documents
    names = list(corpus)
    if len(names) != n_documents:
        raise UsageError(f"{len(names)} corpus names for {n_documents} documents: give one per document")
    if any(not isinstance(name, str) or not name.strip() for name in names):
        raise UsageError("corpus names must be non-empty strings")
    return names


def augment(X: Any, corpus: np.ndarray, n_corpora: int) -> Any:
    """``X`` with a copy of its columns per corpus (filled on that corpus's rows only) and one intercept column
    per corpus; ``X`` itself when there is one corpus.

    >>> augment(sparse.csr_matrix([[1.0], [2.0]]), np.array([0, 1]), 2).toarray().tolist()
    [[1.0, 1.0, 0.0, 1.0, 0.0], [2.0, 0.0, 2.0, 0.0, 1.0]]
    """
    if n_corpora == 1:
        return X
    X = sparse.csr_matrix(X)
    member = [sparse.diags((corpus == k).astype(np.float64)) for k in range(n_corpora)]
    intercepts = sparse.csr_matrix(np.eye(n_corpora)[corpus])
    return sparse.hstack([X, *(m @ X for m in member), intercepts], format="csr")


def schema_detector(detector: Any, index: int, n_features: int) -> LinearStage:
    """The linear stage that corpus ``index``'s schema detects with: the shared weights plus its own (see the
    module docstring), or the fitted ``detector`` as it is when it was trained on unaugmented features."""
    stage = LinearStage.from_estimator(detector, n_features)
    if stage.coef.shape[1] == n_features:
        return stage
    n_corpora = (stage.coef.shape[1] - n_features) // (n_features + 1)
    shared = stage.coef[:, :n_features]
    own = stage.coef[:, n_features * (1 + index) : n_features * (2 + index)]
    bias = stage.coef[:, n_features * (1 + n_corpora) + index]
    # rounded to float32 again, as a model file stores weights: the model predicts the same once saved
    weights = (shared + own).astype(np.float32).astype(np.float64)
    return LinearStage(stage.classes, weights, stage.intercept + bias)


def rows_within(
    folds: Sequence[tuple[np.ndarray, np.ndarray]], rows: np.ndarray
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``folds`` of the whole training set restricted to ``rows`` (sorted), as indices into ``rows``."""
    found = []
    for train, test in folds:
        local_train = np.flatnonzero(np.isin(rows, train))
        local_test = np.flatnonzero(np.isin(rows, test))
        found.append((local_train, local_test))
    return found
