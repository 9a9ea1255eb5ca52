"""The training set: every candidate pair of the training documents, featurized, with its gold answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..document import Document, gold_relation_index
from ..text import Vocabulary
from .features import FeatureBatch, Pairs, concat_batches, featurize

__all__ = ["TrainingSet", "TrainingView", "build_training_set", "concat_training_sets"]


@dataclass(frozen=True)
class TrainingSet:
    """Candidates of a corpus with their features and gold answers.

    ``labels[i]`` is the gold label of pair ``i`` of ``batch`` or the negative label; ``novelty[i]`` its
    gold novelty (None when absent); ``groups[i]`` the index of its document (for grouped CV);
    ``unreachable`` counts gold relations that no candidate covers (they are false negatives whatever
    the model does).
    """

    batch: FeatureBatch
    labels: np.ndarray
    novelty: list[str | None]
    groups: np.ndarray
    unreachable: int

    def __len__(self) -> int:
        return len(self.batch)

    def view(self, rows: np.ndarray | None = None, unreachable: int | None = None) -> TrainingView:
        """What cross-validation reads of the candidate pairs ``rows`` (default: all of them); ``unreachable``: the
        gold relations of their documents that no candidate covers (default: the whole set's)."""
        pairs = self.batch.pairs
        take = slice(None) if rows is None else rows
        return TrainingView(
            pairs=Pairs(pairs.doc[take], pairs.a[take], pairs.b[take], pairs.type_pair[take], pairs.identifiers),
            signals=self.batch.numeric[take],
            labels=self.labels[take],
            novelty=[self.novelty[r] for r in (range(len(self)) if rows is None else rows.tolist())],
            unreachable=self.unreachable if unreachable is None else unreachable,
        )


@dataclass(frozen=True)
class TrainingView:
    """Candidate pairs of a training set as cross-validation reads them: the pairs (documents, entities, type pair),
    their document-level signals (``FeatureBatch.numeric``), gold labels and novelty, and the gold relations of
    their documents that no candidate covers."""

    pairs: Pairs
    signals: np.ndarray
    labels: np.ndarray
    novelty: list[str | None]
    unreachable: int

    def __len__(self) -> int:
        return len(self.labels)


def build_training_set(
    documents: Sequence[Document],
    vocabulary: Vocabulary,
    type_pairs: Sequence[str],
    *,
    split_composites: bool,
    negative_label: str,
    max_pairs: int | None = None,
    allowed_type_pairs: Sequence[str] | None = None,
) -> TrainingSet:
    """Generate and featurize the candidates of ``documents`` (``vocabulary`` growing) and attach their gold answers.

    ``allowed_type_pairs``: only these of ``type_pairs`` make candidates (:func:`~relclf.extract.features.featurize`).
    """
    batch = featurize(
        documents,
        vocabulary,
        type_pairs,
        split_composites=split_composites,
        max_pairs=max_pairs,
        allowed_type_pairs=allowed_type_pairs,
    )
    pairs = batch.pairs
    gold = [gold_relation_index(d) for d in documents]
    ids = pairs.identifiers
    answers = [
        gold[d].get(frozenset((ids[a], ids[b])), (negative_label, None))
        for d, a, b in zip(pairs.doc.tolist(), pairs.a.tolist(), pairs.b.tolist(), strict=True)
    ]
    covered = {
        (d, frozenset((ids[a], ids[b])))
        for d, a, b in zip(pairs.doc.tolist(), pairs.a.tolist(), pairs.b.tolist(), strict=True)
    }
    unreachable = sum(1 for d, index in enumerate(gold) for pair in index if (d, pair) not in covered)
    labels = np.array([label for label, _ in answers], dtype=object)
    return TrainingSet(batch, labels, [novelty for _, novelty in answers], pairs.doc.copy(), unreachable)


def concat_training_sets(sets: Sequence[TrainingSet]) -> TrainingSet:
    """Training sets of consecutive document lists (featurized with one vocabulary and type pairs) as one."""
    if len(sets) == 1:
        return sets[0]
    n_docs = np.cumsum([0] + [len(t.batch.documents) for t in sets])
    return TrainingSet(
        concat_batches([t.batch for t in sets]),
        np.concatenate([t.labels for t in sets]),
        [novelty for t in sets for novelty in t.novelty],
        np.concatenate([t.groups + n_docs[k] for k, t in enumerate(sets)]),
        sum(t.unreachable for t in sets),
    )
