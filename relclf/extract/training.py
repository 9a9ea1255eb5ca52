"""The training set: every candidate pair of the training documents, featurized, with its gold answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..document import Document, gold_relation_index
from ..text import Vocabulary
from .features import FeatureBatch, featurize

__all__ = ["TrainingSet", "build_training_set"]


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


def build_training_set(
    documents: Sequence[Document],
    vocabulary: Vocabulary,
    type_pairs: Sequence[str],
    *,
    split_composites: bool,
    negative_label: str,
    max_pairs: int | None = None,
) -> TrainingSet:
    """Generate and featurize the candidates of ``documents`` (``vocabulary`` growing) and attach their gold answers."""
    batch = featurize(documents, vocabulary, type_pairs, split_composites=split_composites, max_pairs=max_pairs)
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
