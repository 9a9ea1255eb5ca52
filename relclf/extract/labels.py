"""The label of a related pair: a pooled labeler, and for some entity type pairs a labeler of their own.

Labels depend on what is related: a Gene|Gene pair binds, a Chemical|Disease pair is positively or
negatively correlated. :class:`LabelStage` holds one labeler trained on every related pair (the pooled
one) and, for the type pairs where grouped cross-validation found it labels better, one trained on that
type pair's relations only (:mod:`relclf.extract.fitting`); rare type pairs fall back to the pooled
labeler. Everything here is numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .linear import LinearStage

__all__ = ["LabelStage", "own_stage_name"]

# A stage's decision values for some rows: decide(name, stage, rows) -> array (len(rows), n_decisions).
Decide = Callable[[str, LinearStage, np.ndarray], np.ndarray]


def own_stage_name(type_pair: int) -> str:
    """The name under which a type pair's own labeler is stored (``labeler.3``)."""
    return f"labeler.{type_pair}"


@dataclass(frozen=True)
class LabelStage:
    """Chooses a label and its probability for each related pair.

    Attributes
    ----------
    pooled : LinearStage
        Trained on every related pair; its classes are every label the model can give.
    own : mapping of int to LinearStage
        Type pair index (into the model's ``type_pairs``) -> that type pair's own labeler (its classes
        are the labels seen with that type pair).
    """

    pooled: LinearStage
    own: Mapping[int, LinearStage] = field(default_factory=dict)

    @property
    def classes(self) -> tuple[str, ...]:
        """Every label the model can give."""
        return self.pooled.classes

    def stages(self) -> dict[str, LinearStage]:
        """Every labeler by its stored name: ``labeler`` (pooled) and ``labeler.T`` (type pair T's own)."""
        return {"labeler": self.pooled, **{own_stage_name(t): stage for t, stage in sorted(self.own.items())}}

    def stage_for(self, type_pair: int) -> tuple[str, LinearStage]:
        """The name and labeler that decide pairs of type pair index ``type_pair``."""
        if type_pair in self.own:
            return own_stage_name(type_pair), self.own[type_pair]
        return "labeler", self.pooled

    def choose(self, decide: Decide, rows: np.ndarray, type_pairs: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The label of each of ``rows`` (pairs of type pair ``type_pairs``) and its probability.

        Parameters
        ----------
        decide : callable
            ``decide(name, stage, rows)``: the decision values of a stage for some rows of the batch.
        rows : array of int
            Rows of the batch to label.
        type_pairs : array of int
            The type pair index of each of ``rows``.

        Returns
        -------
        labels : list of str
        probability : array of float
            The probability the labeler gives its label.
        """
        labels: list[str] = [""] * len(rows)
        probability = np.ones(len(rows))
        groups = [(t, type_pairs == t) for t in self.own if np.any(type_pairs == t)]
        pooled = np.ones(len(rows), dtype=bool)
        for _, member in groups:
            pooled &= ~member
        for t, member in [*groups, (-1, pooled)]:
            if not member.any():
                continue
            name, stage = ("labeler", self.pooled) if t == -1 else self.stage_for(t)
            where = np.flatnonzero(member)
            if len(stage.coef) == 0:
                chosen, p = np.zeros(len(where), dtype=np.int64), np.ones(len(where))
            else:
                probabilities = stage.probabilities(decide(name, stage, rows[where]) + stage.intercept)
                chosen = np.argmax(probabilities, axis=1)
                p = probabilities[np.arange(len(where)), chosen]
            probability[where] = p
            for k, c in zip(where.tolist(), chosen.tolist(), strict=True):
                labels[k] = stage.classes[c]
        return labels, probability
