"""The context stage: a pair's detector score read against its abstract and against the training corpus.

The detector scores each pair on its own. Whether a pair is related also depends on the pairs around
it: an abstract usually states a few relations, and an entity whose other pairs score higher is less
likely to be related here too. It also depends on what other abstracts say about the same entities
(:mod:`relclf.extract.priors`). :class:`ContextStage` is a small model over the pair's own detector
decision and numbers that place it in its abstract and its corpus (:func:`context_inputs`), computed
with numpy over a whole batch of pairs grouped by document (``Pairs.doc``, ``.a``, ``.b``): a logistic
regression, or gradient-boosted trees (:mod:`relclf.extract.trees`) where they read the same numbers
better. Which groups of numbers it reads, which of the two models, and whether a model has the stage at
all, is decided by grouped cross-validation when the model is fitted (:mod:`relclf.extract.fitting`).

The inputs (:data:`CONTEXT_GROUPS`). Scores are decision values (logits); other pairs' scores are
logits of probabilities clipped to [1e-4, 1 - 1e-4], so that "no other pair" reads as a pair of
probability 1e-4 (in grouped cross-validation on BioRED and BC5CDR Train, logits ranked pairs better
than probabilities: average precision 0.808 against 0.806, and 0.647 against 0.642):

- ``score``: the pair's detector decision value (always read);
- ``entity``: for each of the two entities, the highest score among its other pairs and how many of
  its other pairs score higher (log(1 + n));
- ``document``: how many pairs of the abstract score higher (log(1 + n)), the abstract's top score,
  the pair's distance to it, and the number of pairs in the abstract (log);
- ``priors``: how often the pair and each of its entities are related in the training documents
  (:data:`relclf.extract.priors.PRIOR_INPUTS`);
- ``signals``: the pair's document-level numbers (:data:`relclf.extract.features.NUMERIC`: mentions,
  sentences with both, title, distances...), which only the trees read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .features import NUMERIC
from .priors import PRIOR_INPUTS
from .trees import TreeEnsemble

__all__ = ["CONTEXT_DESCRIPTIONS", "CONTEXT_GROUPS", "CONTEXT_INPUTS", "ContextStage", "context_inputs", "group_ranks"]

_CLIP = 1e-4  # probabilities of other pairs are clipped to [_CLIP, 1 - _CLIP] before their logit

# Input groups in column order, each with the names of its columns.
CONTEXT_INPUTS: dict[str, tuple[str, ...]] = {
    "score": ("decision",),
    "entity": ("a_best_other", "b_best_other", "a_higher", "b_higher"),
    "document": ("doc_higher", "doc_top", "doc_gap", "doc_pairs"),
    "priors": tuple(f"prior_{name}" for name in PRIOR_INPUTS),
    "signals": tuple(f"signal_{name}" for name in NUMERIC),
}
CONTEXT_GROUPS: tuple[str, ...] = tuple(CONTEXT_INPUTS)
# Each input in words (explanations).
CONTEXT_DESCRIPTIONS: dict[str, str] = {
    "decision": "the detector's decision",
    "a_best_other": "the best other pair of A (logit)",
    "b_best_other": "the best other pair of B (logit)",
    "a_higher": "other pairs of A scoring higher (log)",
    "b_higher": "other pairs of B scoring higher (log)",
    "doc_higher": "pairs of the abstract scoring higher (log)",
    "doc_top": "the abstract's best pair (logit)",
    "doc_gap": "the decision's distance to the abstract's best pair",
    "doc_pairs": "pairs in the abstract (log)",
    "prior_pair_seen": "training documents where the pair is a candidate (log)",
    "prior_pair_related": "training documents where the pair is related (log)",
    "prior_pair_rate": "the pair's smoothed rate of being related in training",
    "prior_a_seen": "training documents where A is a candidate (log)",
    "prior_a_related": "training documents where A is related (log)",
    "prior_a_rate": "A's smoothed rate of being related in training",
    "prior_a_type_rate": "A's smoothed rate of being related in training, with this type pair",
    "prior_b_seen": "training documents where B is a candidate (log)",
    "prior_b_related": "training documents where B is related (log)",
    "prior_b_rate": "B's smoothed rate of being related in training",
    "prior_b_type_rate": "B's smoothed rate of being related in training, with this type pair",
}


def group_ranks(group: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each item, what the other items of its group score.

    Parameters
    ----------
    group : array of int
        The group of each item (any order).
    score : array of float
        Each item's score.

    Returns
    -------
    higher : array of int
        How many items of the same group score strictly higher.
    top : array of float
        The highest score in the item's group (its own included).
    best_other : array of float
        The highest score among the *other* items of the group; 0 for an item alone in its group.

    Examples
    --------
    >>> h, t, o = group_ranks(np.array([0, 0, 0, 1]), np.array([0.2, 0.9, 0.2, 0.5]))
    >>> h.tolist(), t.tolist(), o.tolist()
    ([1, 0, 1, 0], [0.9, 0.9, 0.9, 0.5], [0.9, 0.2, 0.9, 0.0])
    """
    n = len(score)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
    order = np.lexsort((-score, group))
    g, s = group[order], score[order]
    new_group = np.r_[True, g[1:] != g[:-1]]
    first = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))  # each item's group start (sorted)
    new_run = new_group | np.r_[True, s[1:] != s[:-1]]
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(n), 0))  # ties share the count above them
    size = np.diff(np.r_[np.flatnonzero(new_group), n])[np.cumsum(new_group) - 1]
    second = np.where(size > 1, s[np.minimum(first + 1, n - 1)], 0.0)
    best_other = np.where(np.arange(n) == first, second, s[first])
    higher, top, other = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    higher[order], top[order], other[order] = run_start - first, s[first], best_other
    return higher, top, other


def context_inputs(
    doc: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    decision: np.ndarray,
    groups: Sequence[str],
    *,
    priors: np.ndarray | None = None,
    signals: np.ndarray | None = None,
) -> np.ndarray:
    """The context stage's inputs for every pair of a batch, one column per name of the ``groups`` read.

    Parameters
    ----------
    doc, a, b : arrays of int
        Each pair's document and entities (batch-wide indices, as in :class:`~relclf.extract.features.Pairs`).
    decision : array of float
        Each pair's detector decision value.
    groups : sequence of str
        Groups of :data:`CONTEXT_INPUTS` to compute, in that order (``score`` is always included).
    priors : array, shape (n_pairs, len(PRIOR_INPUTS)), optional
        The pairs' corpus priors (:meth:`relclf.extract.priors.CorpusPriors.inputs`); needed by ``priors``.
    signals : array, shape (n_pairs, len(NUMERIC)), optional
        The pairs' ``FeatureBatch.numeric``; needed by ``signals``.

    Returns
    -------
    array, shape (n_pairs, n_columns)
    """
    probability = 1.0 / (1.0 + np.exp(-decision))
    columns = [decision]
    n = len(decision)
    if "entity" in groups:
        # each pair counts once among a's pairs and once among b's
        higher, _, best_other = group_ranks(np.r_[a, b], np.r_[probability, probability])
        columns += [_logit(best_other[:n]), _logit(best_other[n:]), np.log1p(higher[:n]), np.log1p(higher[n:])]
    if "document" in groups:
        higher, top, _ = group_ranks(doc, probability)
        pairs_in_doc = np.bincount(doc)[doc] if n else np.zeros(0)
        columns += [np.log1p(higher), _logit(top), decision - _logit(top), np.log(np.maximum(pairs_in_doc, 1))]
    for name, given in (("priors", priors), ("signals", signals)):
        if name in groups:
            if given is None or given.shape != (n, len(CONTEXT_INPUTS[name])):
                raise ValueError(f"the context stage reads {name}: one row of {len(CONTEXT_INPUTS[name])} per pair")
            columns += list(given.T)
    return np.column_stack(columns) if n else np.zeros((0, len(columns)))


def _logit(probability: np.ndarray) -> np.ndarray:
    clipped = np.clip(probability, _CLIP, 1 - _CLIP)
    return np.log(clipped / (1 - clipped))


@dataclass(frozen=True)
class ContextStage:
    """A model over :func:`context_inputs`: the probability that each pair is related.

    ``groups`` are the input groups read (``score`` first). Without ``trees``, a logistic regression:
    ``sigmoid(inputs @ coef + intercept)``, one weight per column; with ``trees``, their probability
    (``coef`` is then empty).
    """

    groups: tuple[str, ...]
    coef: np.ndarray
    intercept: float
    trees: TreeEnsemble | None = None

    @property
    def columns(self) -> list[str]:
        """The names of the inputs, in column order."""
        return [name for group in CONTEXT_GROUPS if group in self.groups for name in CONTEXT_INPUTS[group]]

    @property
    def kind(self) -> str:
        """``logistic`` or ``trees``."""
        return "logistic" if self.trees is None else "trees"

    def probability(
        self,
        doc: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
        decision: np.ndarray,
        *,
        priors: np.ndarray | None = None,
        signals: np.ndarray | None = None,
    ) -> np.ndarray:
        """The probability that each pair is related, given its batch's detector decisions (:func:`context_inputs`)."""
        inputs = context_inputs(doc, a, b, decision, self.groups, priors=priors, signals=signals)
        return self.probability_of(inputs)

    def probability_of(self, inputs: np.ndarray) -> np.ndarray:
        """The probability that each pair is related, given its :func:`context_inputs` row."""
        if self.trees is not None:
            return self.trees.probability(inputs)
        return 1.0 / (1.0 + np.exp(-(inputs @ self.coef + self.intercept)))
