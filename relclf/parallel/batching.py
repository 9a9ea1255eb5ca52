"""Cutting a stream into batches bounded in count and in weight (the one batching rule of relclf).

Prediction, training's featurization and the dask path all batch documents through :func:`batched`,
so that memory stays bounded however long the input is and however large its documents are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["batched"]

T = TypeVar("T")


def batched(
    items: Iterable[T], size: int, *, max_weight: float | None = None, weight: Callable[[T], float] | None = None
) -> Iterator[list[T]]:
    """Group ``items`` into lists of at most ``size`` items and, when given, about ``max_weight`` in weight.

    Parameters
    ----------
    items : iterable
        Consumed lazily.
    size : int
        Most items per batch (>= 1).
    max_weight : float, optional
        A batch is closed before an item whose ``weight`` would take it past ``max_weight`` (an item
        heavier than ``max_weight`` alone still makes a batch of its own).
    weight : callable, optional
        The weight of an item (e.g. the candidate pairs a document may have); needed with ``max_weight``.

    Yields
    ------
    list
        Batches in input order; together they hold every item once.

    Examples
    --------
    >>> [b for b in batched(range(7), 3)]
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> [b for b in batched([5, 1, 1, 9, 2], 10, max_weight=6, weight=float)]
    [[5, 1], [1], [9], [2]]
    """
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    if max_weight is not None and weight is None:
        raise ValueError("max_weight needs a weight function")
    batch: list[T] = []
    total = 0.0
    for item in items:
        load = weight(item) if max_weight is not None and weight is not None else 0.0
        if batch and max_weight is not None and total + load > max_weight:
            yield batch
            batch, total = [], 0.0
        batch.append(item)
        total += load
        if len(batch) >= size:
            yield batch
            batch, total = [], 0.0
    if batch:
        yield batch
