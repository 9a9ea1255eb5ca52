"""The training set: every candidate pair of the training documents, featurized, with its gold answer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..document import Document, gold_relation_index
from .candidates import Candidate, generate_candidates
from .features import FeatureBatch, featurize_parallel

__all__ = ["TrainingSet", "build_training_set"]


@dataclass(frozen=True)
class TrainingSet:
    """Candidates of a corpus with their features and gold answers.

    ``labels[i]`` is the gold label of ``candidates[i]`` or the negative label; ``novelty[i]`` its gold
    novelty (None when absent); ``groups[i]`` the index of its document (for grouped CV);
    ``unreachable`` counts gold relations that no candidate covers (they are false negatives whatever
    the model does).
    """

    candidates: list[Candidate]
    batch: FeatureBatch
    labels: list[str]
    novelty: list[str | None]
    groups: list[int]
    unreachable: int


def build_training_set(
    documents: Sequence[Document],
    type_pairs: Sequence[str],
    *,
    split_composites: bool,
    negative_label: str,
    max_pairs: int | None = None,
    n_jobs: int = 1,
) -> TrainingSet:
    """Generate and featurize the candidates of ``documents`` and attach their gold answers.

    ``n_jobs`` worker processes featurize the documents; the result is the same as a serial run's.
    """
    candidates: list[Candidate] = []
    per_document: list[list[Candidate]] = []
    labels: list[str] = []
    novelty: list[str | None] = []
    groups: list[int] = []
    unreachable = 0
    for index, document in enumerate(documents):
        doc_candidates = generate_candidates(document, type_pairs, split_composites=split_composites, max_pairs=max_pairs)
        gold = gold_relation_index(document)
        keys = set()
        for candidate in doc_candidates:
            label, nov = gold.get(candidate.key, (negative_label, None))
            labels.append(label)
            novelty.append(nov)
            keys.add(candidate.key)
        unreachable += sum(1 for pair in gold if pair not in keys)
        candidates.extend(doc_candidates)
        per_document.append(doc_candidates)
        groups.extend([index] * len(doc_candidates))
    batch = featurize_parallel(documents, per_document, n_jobs=n_jobs)
    return TrainingSet(candidates, batch, labels, novelty, groups, unreachable)
