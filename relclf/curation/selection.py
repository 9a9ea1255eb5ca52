"""Which documents of a pool to annotate next: those whose annotation should teach the model most.

Every candidate pair of every pool document is scored by the model (all of them, not only those above
the threshold). A pair's outcome is one of: no relation (probability ``1 - r``, ``r`` the probability
that the pair is related), the model's label (``r * q``, ``q`` the label's probability) or another
label (``r * (1 - q)``). A document's value is the sum over its pairs of

- ``margin`` (the default): one minus the margin between the two likeliest outcomes, so that both
  "related or not?" and "which label?" count;
- ``uncertainty``: the binary entropy, in bits, of the pair's calibrated score (the probability that
  the relation as the model would write it is right);
- ``random``: no value; documents are drawn at random (a baseline).

Summing over pairs makes a document worth what its doubtful pairs are worth together. With diversity
(the default for the first two), documents are chosen greedily among the ``DIVERSITY_POOL`` times ``n``
most valuable: each next one maximizes its value times ``1 - s``, where ``s`` is its greatest cosine
similarity (TF-IDF of its words and entity IDs) to a document already chosen, so that near-duplicates
are not chosen together. Every choice comes with its reason: the value, the most doubtful pairs, and
the closest document chosen before.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..document import Document, Relation, document_entities
from ..errors import UsageError
from ..extract.model import RelationModel
from ..io.rows import entity_index, relation_row
from ..parallel import run_ordered
from ..parallel.batching import batched

__all__ = [
    "DIVERSITY_POOL",
    "STRATEGIES",
    "DocumentValue",
    "DoubtfulPair",
    "Selection",
    "document_values",
    "select_documents",
]

STRATEGIES = ("margin", "uncertainty", "random")
#: diversity chooses among this many times ``n`` of the most valuable documents
DIVERSITY_POOL = 10
#: doubtful pairs named in a document's reason
SHOWN_PAIRS = 3
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class DoubtfulPair:
    """A candidate pair of a document and how doubtful the model is about it."""

    id1: str
    id2: str
    label: str
    score: float
    related: float
    value: float


@dataclass(frozen=True, slots=True)
class DocumentValue:
    """What a pool document is worth to annotate under a strategy: ``value`` over its ``pairs`` candidate
    pairs, with its most doubtful pairs (at most :data:`SHOWN_PAIRS`, most doubtful first)."""

    index: int
    pmid: str
    value: float
    pairs: int
    doubtful: tuple[DoubtfulPair, ...]


@dataclass(frozen=True, slots=True)
class Selection:
    """One chosen document: its rank (1 first), the document, its value, the similarity to the closest
    document chosen before it (None for the first or without diversity) and the reason in words."""

    rank: int
    document: Document
    value: float
    similarity: float | None
    reason: str


def pair_values(strategy: str, related: np.ndarray, label_probability: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Each pair's value under ``strategy`` (see the module docstring) from its probability of being related,
    its label's probability and its calibrated score.

    Examples
    --------
    >>> pair_values("margin", np.array([0.5, 0.0]), np.array([1.0, 1.0]), np.array([0.5, 0.0])).round(3).tolist()
    [1.0, 0.0]
    >>> pair_values("uncertainty", np.array([0.5]), np.array([1.0]), np.array([0.5])).tolist()
    [1.0]
    """
    if strategy == "margin":
        outcomes = np.stack([1.0 - related, related * label_probability, related * (1.0 - label_probability)], axis=1)
        outcomes.sort(axis=1)
        return 1.0 - (outcomes[:, 2] - outcomes[:, 1])
    if strategy == "uncertainty":
        p = np.clip(score, 1e-12, 1.0 - 1e-12)
        return -(p * np.log2(p) + (1.0 - p) * np.log2(1.0 - p))
    raise UsageError(f"no pair values for strategy {strategy!r} (choose from {', '.join(STRATEGIES[:2])})")


def _batch_values(model: RelationModel, documents: list[tuple[int, Document]], strategy: str) -> list[DocumentValue]:
    """A worker's task: the values of a batch of (pool index, document)."""
    batch = model.featurize([d for _, d in documents])
    values: list[list[tuple[float, DoubtfulPair]]] = [[] for _ in documents]
    if len(batch):
        scored = model.score_batch(batch, threshold=-np.inf)  # every pair, in pair order
        pairs = batch.pairs
        worth = pair_values(strategy, scored.related, scored.label_probability, scored.scores)
        for k, row in enumerate(scored.rows.tolist()):
            pair = DoubtfulPair(
                pairs.identifiers[pairs.a[row]],
                pairs.identifiers[pairs.b[row]],
                scored.labels[k],
                float(scored.scores[k]),
                float(scored.related[k]),
                float(worth[k]),
            )
            values[int(pairs.doc[row])].append((pair.value, pair))
    found = []
    for (index, document), pairs_of in zip(documents, values, strict=True):
        ranked = sorted(pairs_of, key=lambda vp: -vp[0])
        found.append(
            DocumentValue(
                index,
                document.pmid,
                float(math.fsum(v for v, _ in pairs_of)),
                len(pairs_of),
                tuple(p for _, p in ranked[:SHOWN_PAIRS]),
            )
        )
    return found


def document_values(
    model: RelationModel,
    documents: Iterable[Document],
    strategy: str = "margin",
    *,
    n_jobs: int | None = 1,
    batch_size: int = 256,
) -> list[DocumentValue]:
    """The value of annotating each of ``documents`` under ``strategy`` (``margin`` or ``uncertainty``), in
    input order; ``n_jobs`` worker processes share the work (the result is the same)."""
    if strategy not in STRATEGIES[:2]:
        raise UsageError(f"unknown strategy {strategy!r} for document values (choose from margin, uncertainty)")
    task = functools.partial(_batch_values, strategy=strategy)
    numbered = batched(enumerate(documents), batch_size, max_weight=50_000, weight=_pair_weight)
    return [value for _, values in run_ordered(task, numbered, n_jobs=n_jobs, state=model) for value in values]


def _pair_weight(item: tuple[int, Document]) -> int:
    n = len({m.identifier for m in item[1].mentions})
    return n * (n - 1) // 2


def select_documents(
    model: RelationModel | None,
    documents: Sequence[Document],
    n: int,
    *,
    strategy: str = "margin",
    diversity: bool = True,
    seed: int = 0,
    n_jobs: int | None = 1,
) -> list[Selection]:
    """Choose ``n`` documents of ``documents`` to annotate next (all of them when there are fewer).

    Parameters
    ----------
    model : RelationModel or None
        Scores the candidate pairs (not needed for ``random``).
    documents : sequence of Document
        The pool (their relations are not looked at).
    n : int
        How many to choose (>= 1).
    strategy : {"margin", "uncertainty", "random"}
    diversity : bool, default True
        Keep near-duplicates apart (see the module docstring); ignored by ``random``.
    seed : int, default 0
        The random draw of ``random``, and the order of ties.
    n_jobs : int, default 1
        Worker processes scoring the pool.

    Returns
    -------
    list of Selection
        In the order chosen: most valuable first (``random``: in the order drawn).
    """
    if strategy not in STRATEGIES:
        raise UsageError(f"unknown selection strategy {strategy!r} (choose from {', '.join(STRATEGIES)})")
    if n < 1:
        raise UsageError(f"the number of documents to select must be at least 1, not {n}")
    if strategy == "random":
        chosen = random.Random(seed).sample(range(len(documents)), min(n, len(documents)))
        return [
            Selection(rank, documents[i], 0.0, None, f"drawn at random (seed {seed})")
            for rank, i in enumerate(chosen, start=1)
        ]
    if model is None:
        raise UsageError(f"the {strategy} strategy needs a model to score the candidate pairs")
    values = document_values(model, documents, strategy, n_jobs=n_jobs)
    tie = random.Random(seed).random
    ranked = sorted(values, key=lambda v: (-v.value, tie()))
    if not diversity:
        return [
            Selection(rank, documents[v.index], v.value, None, _reason(strategy, v, documents[v.index], None, None))
            for rank, v in enumerate(ranked[:n], start=1)
        ]
    candidates = ranked[: max(n, DIVERSITY_POOL * n)]
    return _diverse(strategy, candidates, documents, n)


def _diverse(strategy: str, candidates: list[DocumentValue], documents: Sequence[Document], n: int) -> list[Selection]:
    """Greedy choice among ``candidates``: each next document maximizes value x (1 - greatest similarity)."""
    vectors = _tfidf([documents[v.index] for v in candidates])
    similarity = np.asarray((vectors @ vectors.T).todense())
    values = np.array([v.value for v in candidates])
    closest = np.zeros(len(candidates))
    nearest = np.full(len(candidates), -1)
    available = np.ones(len(candidates), dtype=bool)
    chosen: list[Selection] = []
    while len(chosen) < min(n, len(candidates)):
        gain = np.where(available, values * (1.0 - closest), -np.inf)
        k = int(np.argmax(gain))  # ties: the earlier (more valuable) candidate
        value = candidates[k]
        document = documents[value.index]
        near = None if nearest[k] < 0 else (documents[candidates[int(nearest[k])].index].pmid, float(closest[k]))
        chosen.append(
            Selection(
                len(chosen) + 1,
                document,
                value.value,
                None if near is None else near[1],
                _reason(strategy, value, document, near, len(chosen)),
            )
        )
        available[k] = False
        closer = similarity[k] > closest
        nearest[closer] = k
        closest = np.maximum(closest, similarity[k])
    return chosen


def _tfidf(documents: Sequence[Document]) -> sparse.csr_matrix:
    """Rows of L2-normalized TF-IDF weights of each document's words (lowercased) and entity IDs."""
    vocabulary: dict[str, int] = {}
    rows, columns, counts = [], [], []
    for i, document in enumerate(documents):
        bag = Counter(w.lower() for w in _WORD.findall(document.text))
        bag.update(f"id:{e.identifier}" for e in document_entities(document))
        for term, count in bag.items():
            rows.append(i)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            counts.append(count)
    matrix = sparse.csr_matrix(
        (np.asarray(counts, dtype=np.float64), (rows, columns)), shape=(len(documents), len(vocabulary))
    )
    frequency = np.bincount(matrix.indices, minlength=len(vocabulary))
    idf = np.log((1 + len(documents)) / (1 + frequency)) + 1.0
    matrix = matrix.multiply(idf[np.newaxis, :]).tocsr()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(matrix.multiply(1.0 / norms[:, np.newaxis]))


def _reason(
    strategy: str, value: DocumentValue, document: Document, near: tuple[str, float] | None, rank: int | None
) -> str:
    """Why a document was chosen, in one line."""
    what = "margin" if strategy == "margin" else "uncertainty"
    text = f"{what} {value.value:.2f} over {value.pairs:,} candidate pair{'s' * (value.pairs != 1)}"
    if value.doubtful:
        entities = entity_index(document)
        shown = []
        for pair in value.doubtful:
            row = relation_row(document.pmid, Relation(pair.label, pair.id1, pair.id2), entities)
            shown.append(
                f"{row['text1'] or pair.id1} / {row['text2'] or pair.id2} ({pair.label} {pair.score:.2f}, "
                f"related {pair.related:.2f})"
            )
        text += "; most doubtful: " + ", ".join(shown)
    if near is not None:
        text += f"; closest document chosen before: {near[0]} (similarity {near[1]:.2f})"
    elif rank:
        text += "; similar to no document chosen before"
    return text
