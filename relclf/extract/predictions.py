"""Turning the model's output into the relations written: score filter and existing relations.

Rules (``relclf predict --min-score S --keep-relations``):

* ``--min-score S`` drops predicted relations whose score is below ``S``; it applies after the
  model's threshold and only to predicted relations.
* ``--keep-relations`` keeps each document's existing relation lines, unchanged and first, in input
  order; a predicted relation is then added only when its unordered ID pair has no existing relation
  (so a pair is never written twice, and the existing label wins). Without it, existing relations
  are replaced by the predictions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator

from ..document import Document, Relation

__all__ = ["combine_relations", "predict_with_existing"]


def combine_relations(
    existing: Iterable[Relation],
    predicted: Iterable[Relation],
    *,
    min_score: float | None = None,
    keep_existing: bool = False,
) -> tuple[Relation, ...]:
    """Return the relations to write for one document (rules in the module docstring).

    Examples
    --------
    >>> old = [Relation("Bind", "A", "B", "Novel")]
    >>> new = [Relation("Association", "B", "A", "No", 0.9), Relation("Association", "A", "C", "No", 0.2)]
    >>> [r.label for r in combine_relations(old, new, keep_existing=True)]
    ['Bind', 'Association']
    >>> [r.id2 for r in combine_relations(old, new, min_score=0.5)]
    ['A']
    """
    kept = tuple(existing) if keep_existing else ()
    pairs = {r.pair for r in kept}
    chosen = [
        r
        for r in predicted
        if (min_score is None or (r.score is not None and r.score >= min_score)) and r.pair not in pairs
    ]
    return kept + tuple(chosen)


def predict_with_existing(
    predict: Callable[[Iterable[Document]], Iterator[Document]],
    documents: Iterable[Document],
    *,
    min_score: float | None = None,
    keep_existing: bool = False,
) -> Iterator[Document]:
    """Run ``predict`` (documents in, documents with predicted relations out, same order) and combine.

    The input documents stream through; only the existing relations of the documents in flight are
    held (``predict`` returns documents in input order, batch by batch).
    """
    waiting: deque[tuple[Relation, ...]] = deque()

    def remember(stream: Iterable[Document]) -> Iterator[Document]:
        for document in stream:
            waiting.append(document.relations)
            yield document.with_relations(())  # the model never sees the existing relations

    for document in predict(remember(documents)):
        existing = waiting.popleft()
        yield document.with_relations(
            combine_relations(existing, document.relations, min_score=min_score, keep_existing=keep_existing)
        )
