"""Why the model decides what it does: its strongest features, and one pair's decision feature by feature.

The stages of a :class:`~relclf.extract.model.RelationModel` that read a pair's features are linear,
so a decision value is exactly ``intercept + sum(coefficient * feature value)`` over the pair's
features. The score is made from them: the detector's probability (read against the abstract's
other pairs by the context stage, when the model has one), times the label's probability under the
``detector_x_label`` rule, calibrated. :func:`explain_model` lists the largest coefficients of the
detector and the pooled labeler; :func:`explain_pair` splits one pair's decision values into
per-feature contributions (the labeler being the one of its type pair), says how its score was made,
and shows the pair's mentions in context.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..document import Document, identifier_parts
from ..errors import InputError, UsageError
from ..extract.blocks import block_of
from ..extract.candidates import Candidate
from ..extract.linear import LinearStage
from ..extract.model import RelationModel
from ..text import sentence_spans, tokenize

__all__ = [
    "Contribution",
    "Decision",
    "FeatureWeight",
    "ModelExplanation",
    "PairExplanation",
    "describe_feature",
    "explain_model",
    "explain_pair",
    "find_document",
    "mark_mentions",
    "scored_pairs",
    "sigmoid",
]


def describe_feature(name: str) -> str:
    """Turn a vectorizer column name (``block__feature``) into a short readable phrase.

    The phrase is the block's (:data:`relclf.extract.blocks.BLOCKS`); a name of no known block reads
    ``block: "feature"``.

    >>> describe_feature("between_typed__Chemical|Disease:@A@ induces @B@")
    'between the pair [Chemical|Disease]: "@A@ induces @B@"'
    >>> describe_feature("window_a__l_levels"), describe_feature("entity_b__id=D2001")
    ('near A (before): "levels"', 'B is D2001')
    >>> describe_feature("cues__share_down")
    "cues: share of the sentences with both that have a 'down' word"
    >>> describe_feature("dense__tp&cooc_Chemical|Disease&True"), describe_feature("dense__negated")
    ('signal: type pair & in one sentence = Chemical|Disease&True', 'signal: negation between them')
    """
    name, _, feature = name.partition("__")
    block = block_of(name)
    return block.description(feature) if block is not None else f'{name}: "{feature}"'


@dataclass(frozen=True, slots=True)
class FeatureWeight:
    """One coefficient of a linear stage: the column name, a readable phrase and the weight."""

    feature: str
    description: str
    weight: float


@dataclass(frozen=True)
class ModelExplanation:
    """The strongest coefficients of a model.

    ``related`` and ``unrelated`` are the detector's largest positive and negative weights;
    ``labels`` maps each relation label to the weights pushing the labeler toward it (empty when the
    training data had one label only).
    """

    related: tuple[FeatureWeight, ...]
    unrelated: tuple[FeatureWeight, ...]
    labels: dict[str, tuple[FeatureWeight, ...]]
    threshold: float

    def text(self) -> str:
        """A plain-text report, one feature per line."""
        lines = [f"detector (related vs no relation; threshold {self.threshold:.3f}) - toward related:"]
        lines += [_weight_line(w) for w in self.related]
        lines.append("detector - toward no relation:")
        lines += [_weight_line(w) for w in self.unrelated]
        for label, weights in self.labels.items():
            lines.append(f"labeler - toward {label}:")
            lines += [_weight_line(w) for w in weights] or ["  (the only label: no features needed)"]
        return "\n".join(lines)


def _weight_line(w: FeatureWeight) -> str:
    return f"  {w.weight:+8.3f}  {w.description}"


def _feature_names(model: RelationModel) -> np.ndarray:
    return model.vectorizer.get_feature_names_out(model.vocabulary, model.type_pairs)


def _top(coef: np.ndarray, names: np.ndarray, k: int, sign: int) -> tuple[FeatureWeight, ...]:
    signed = sign * coef
    order = np.argsort(-signed, kind="stable")[:k]
    return tuple(
        FeatureWeight(str(names[i]), describe_feature(str(names[i])), float(coef[i])) for i in order if signed[i] > 0
    )


def _label_coefficients(model: RelationModel, stage: LinearStage | None = None) -> dict[str, tuple[np.ndarray, float]]:
    """Per label, the coefficient vector and intercept whose dot product decides toward that label
    (of ``stage``, by default the pooled labeler)."""
    stage = model.labeler.pooled if stage is None else stage
    if len(stage.coef) == 0:  # a single label: nothing decides
        return {stage.classes[0]: (np.zeros(0), 0.0)}
    if len(stage.coef) == 1:  # two labels: positive toward classes[1]
        coef, intercept = stage.coef[0], float(stage.intercept[0])
        return {stage.classes[0]: (-coef, -intercept), stage.classes[1]: (coef, intercept)}
    return {label: (stage.coef[k], float(stage.intercept[k])) for k, label in enumerate(stage.classes)}


def explain_model(model: RelationModel, k: int = 10) -> ModelExplanation:
    """Return the ``k`` strongest features of the detector (both ways) and of each label."""
    names = _feature_names(model)
    coef = model.detector.coef[0]
    labels = {label: _top(c, names, k, +1) if c.size else () for label, (c, _) in _label_coefficients(model).items()}
    return ModelExplanation(_top(coef, names, k, +1), _top(coef, names, k, -1), labels, float(model.threshold))


# -- one pair ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one feature added to a decision value: ``weight * value``."""

    feature: str
    description: str
    value: float
    weight: float

    @property
    def amount(self) -> float:
        """The contribution, ``weight * value``."""
        return self.weight * self.value


@dataclass(frozen=True)
class Decision:
    """A linear decision split into the intercept and one contribution per non-zero feature of the pair."""

    toward: str
    intercept: float
    contributions: tuple[Contribution, ...]

    @property
    def total(self) -> float:
        """The decision value: intercept plus every contribution."""
        return self.intercept + sum(c.amount for c in self.contributions)

    def strongest(self, k: int, sign: int = +1) -> list[Contribution]:
        """The ``k`` largest contributions pushing toward (``sign=+1``) or against (``-1``) the decision."""
        pushing = [c for c in self.contributions if sign * c.amount > 0]
        return sorted(pushing, key=lambda c: -sign * c.amount)[:k]


@dataclass(frozen=True)
class PairExplanation:
    """One candidate pair: its mentions in context, score, predicted label and the decisions behind them.

    ``label`` is the labeler's choice (it would be the prediction if the score passed the threshold);
    ``predicted`` is that label when ``score >= threshold``, else None. ``labeler`` is None when the
    model knows a single label. ``gold`` is the pair's gold label when the document carries one.
    """

    pmid: str
    a: str
    b: str
    type_pair: str
    score: float
    threshold: float
    label: str | None
    predicted: str | None
    detector: Decision
    labeler: Decision | None
    contexts: tuple[str, ...]
    gold: str | None = None
    related: float | None = None
    label_probability: float | None = None
    score_parts: str = ""

    def text(self, k: int = 10) -> str:
        """A plain-text report: contexts, decision, then the top-``k`` contributions."""
        verdict = f"predicted {self.predicted}" if self.predicted else f"no relation (the label would be {self.label})"
        lines = [f"document {self.pmid}, pair A={self.a} B={self.b} ({self.type_pair})"]
        lines += [f"  {c}" for c in self.contexts]
        lines.append(
            f"score {self.score:.3f} (threshold {self.threshold:.3f}): {verdict}"
            + (f"; gold: {self.gold}" if self.gold else "")
        )
        if self.related is not None:
            lines.append(
                f"score = {self.score_parts}: related {self.related:.3f}, label {self.label} "
                f"{self.label_probability:.3f}"
            )
        lines.append(
            f"detector: decision {self.detector.total:+.3f} = intercept {self.detector.intercept:+.3f} + features; "
            "toward related:"
        )
        lines += [_contribution_line(c) for c in self.detector.strongest(k)]
        lines.append("detector - against (toward no relation):")
        lines += [_contribution_line(c) for c in self.detector.strongest(k, -1)]
        if self.labeler is not None:
            lines.append(
                f"labeler: decision for {self.labeler.toward} {self.labeler.total:+.3f} = intercept "
                f"{self.labeler.intercept:+.3f} + features; toward {self.labeler.toward}:"
            )
            lines += [_contribution_line(c) for c in self.labeler.strongest(k)]
        return "\n".join(lines)


def _contribution_line(c: Contribution) -> str:
    return f"  {c.amount:+8.3f}  {c.description}  (weight {c.weight:+.3f} x value {c.value:.3f})"


def _decision(toward: str, coef: np.ndarray, intercept: float, row: Any, names: np.ndarray) -> Decision:
    row = row.tocsr()
    contributions = tuple(
        Contribution(str(names[j]), describe_feature(str(names[j])), float(v), float(coef[j]))
        for j, v in zip(row.indices, row.data, strict=True)
        if v != 0 and coef[j] != 0
    )
    return Decision(toward, intercept, contributions)


def find_document(documents: Iterable[Document], pmid: str, source: str = "<documents>") -> Document:
    """Return the document with ID ``pmid`` from an iterable, or raise InputError naming ``source``."""
    for document in documents:
        if document.pmid == pmid:
            return document
    raise InputError(source, 0, f"no document with ID {pmid}")


def _find_candidate(model: RelationModel, document: Document, id1: str, id2: str) -> tuple[list[Candidate], int]:
    candidates = model.candidates(document)
    for index, candidate in enumerate(candidates):
        if candidate.key == frozenset((id1, id2)):
            return candidates, index
    known = {c.a.identifier for c in candidates} | {c.b.identifier for c in candidates}
    ids = {
        i for m in document.mentions for i in identifier_parts(m.identifier, split_composites=model.split_composites)
    }
    for identifier in (id1, id2):
        if identifier not in ids:
            raise UsageError(f"document {document.pmid} has no mention of {identifier}")
    if id1 == id2:
        raise UsageError("a pair needs two different IDs")
    reason = "its type pair is not one the model was trained on" if known else "the model considers no pair in it"
    raise UsageError(
        f"{id1} and {id2} are not a candidate pair in document {document.pmid}: {reason} "
        f"({', '.join(model.type_pairs)})"
    )


def scored_pairs(model: RelationModel, document: Document) -> list[tuple[str, str, float]]:
    """Every candidate pair of ``document`` as (ID1, ID2, score), highest score first."""
    candidates = model.candidates(document)
    if not candidates:
        return []
    _, scores, _ = model.scores([document])
    ranked = sorted(zip(candidates, scores, strict=True), key=lambda cs: -cs[1])
    return [(c.a.identifier, c.b.identifier, float(s)) for c, s in ranked]


def explain_pair(
    model: RelationModel, document: Document, id1: str, id2: str, *, max_sentences: int = 6
) -> PairExplanation:
    """Explain the model's decision on the pair (``id1``, ``id2``) of ``document``.

    The pair is featurized together with the document's other candidates, exactly as in prediction, so
    the score equals the one :meth:`~relclf.extract.model.RelationModel.predict_documents` gives.
    Raises ValueError when the IDs are not a candidate pair of the document (the reason is named).
    """
    candidates, index = _find_candidate(model, document, id1, id2)
    batch = model.featurize([document])
    scored = model.score_batch(batch, threshold=-np.inf)  # every pair, in candidate order
    row = model.transform(batch)[index]
    names = _feature_names(model)
    detector = _decision("related", model.detector.coef[0], float(model.detector.intercept[0]), row, names)
    score, label = float(scored.scores[index]), scored.labels[index]
    _, stage = model.labeler.stage_for(int(batch.pairs.type_pair[index]))
    labeler = None
    if len(stage.coef):
        coefficients, intercept = _label_coefficients(model, stage)[label]
        labeler = _decision(label, coefficients, intercept, row, names)
    candidate = candidates[index]
    gold = next((r.label for r in document.relations if r.pair == candidate.key), None)
    return PairExplanation(
        pmid=document.pmid,
        a=candidate.a.identifier,
        b=candidate.b.identifier,
        type_pair=candidate.type_pair,
        score=score,
        threshold=float(model.threshold),
        label=label,
        predicted=label if score >= model.threshold else None,
        detector=detector,
        labeler=labeler,
        contexts=tuple(mark_mentions(document, candidate, max_sentences=max_sentences)),
        gold=gold,
        related=float(scored.related[index]),
        label_probability=float(scored.label_probability[index]),
        score_parts=_score_parts(model),
    )


def _score_parts(model: RelationModel) -> str:
    """How the model makes a score, in words."""
    related = "after the document-context stage" if model.context is not None else "the detector's"
    product = " x the label's probability" if model.rule == "detector_x_label" else ""
    return f"calibrated ({model.calibration.method}) probability of being related ({related}){product}"


def mark_mentions(document: Document, candidate: Candidate, *, max_sentences: int = 6) -> list[str]:
    """The sentences mentioning the pair, ``[A: text]`` and ``[B: text]`` marking its mentions.

    Sentences are those of :func:`relclf.text.tokenize`, the ones the features use: a
    mention belongs to the sentence of its slot. Sentences with both entities come first, then those
    with one, up to ``max_sentences``; each line starts with ``title:`` or ``sentence N:``.
    """
    tokens = tokenize(document)
    index_of = {id(m): i for i, m in enumerate(document.mentions)}
    by_sentence: dict[int, set[tuple[int, int, str]]] = {}
    for entity, role in ((candidate.a, "A"), (candidate.b, "B")):
        for mention in entity.mentions:
            sentence = tokens.sentence_of[tokens.mention_slots[index_of[id(mention)]]]
            by_sentence.setdefault(sentence, set()).add((mention.start, mention.end, role))
    spans = sentence_spans(document, tokens)
    text = document.text
    found = []
    for number, inside in by_sentence.items():
        start, end = spans[number]
        pieces, cursor = [], start
        for m_start, m_end, role in sorted(inside):
            if m_start < cursor:  # overlapping mentions: mark the first only
                continue
            pieces += [text[cursor:m_start], f"[{role}: {text[m_start:m_end]}]"]
            cursor = m_end
        pieces.append(text[cursor:end])
        both = len({role for _, _, role in inside}) == 2
        found.append((not both, number, f"{'title' if number == 0 else f'sentence {number}'}: {''.join(pieces)}"))
    chosen = sorted(sorted(found)[:max_sentences], key=lambda f: f[1])
    return [line for _, _, line in chosen]


def sigmoid(value: float) -> float:
    """The logistic function (a decision value to a probability)."""
    return 1.0 / (1.0 + math.exp(-value))
