"""Why the model decides what it does: its strongest features, and one pair's decision number by number.

The stages of a :class:`~relclf.extract.model.RelationModel` that read a pair's features are linear,
so a decision value is exactly ``intercept + sum(coefficient * feature value)`` over the pair's
features. The rest is a few numbers: the probability of being related (the logistic function of the
detector's decision, or of the context stage's, which reads that decision beside the pair's abstract
and the corpus priors), the label's probability (the labeler's), and the score, the calibration of
their product (of the first alone under the ``detector`` rule). :func:`explain_model` lists the
largest coefficients of the detector and the pooled labeler; :func:`explain_pair` shows one pair's
mentions in context and every number between its features and its score, each one the number the
model computes (the arithmetic it prints holds), with the per-feature contributions of the detector
and of the labeler of its type pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..document import Document, identifier_parts
from ..errors import InputError, UsageError
from ..extract.blocks import SIGNALS, block_of
from ..extract.candidates import Candidate
from ..extract.context import CONTEXT_DESCRIPTIONS, context_inputs
from ..extract.linear import LinearStage
from ..extract.model import RelationModel
from ..extract.priors import PRIOR_INPUTS
from ..text import sentence_spans, tokenize

__all__ = [
    "ContextExplanation",
    "Contribution",
    "Decision",
    "Input",
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
    decided_on: str = "score"

    def text(self) -> str:
        """A plain-text report, one feature per line."""
        what = "probability of being related" if self.decided_on == "related" else "score"
        lines = [f"detector (related vs no relation; predicted: {what} >= {self.threshold:.3f}) - toward related:"]
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
    cut = model.cut()
    return ModelExplanation(_top(coef, names, k, +1), _top(coef, names, k, -1), labels, cut.threshold, cut.on)


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
class Input:
    """A number a small stage reads (the context stage's inputs), with its weight when the stage is linear."""

    name: str
    description: str
    value: float
    weight: float | None = None

    @property
    def amount(self) -> float:
        """Its share of the stage's decision: weight x value (0 for the trees, which have no weights)."""
        return 0.0 if self.weight is None else self.weight * self.value


@dataclass(frozen=True)
class ContextExplanation:
    """The context stage's reading of one pair: its inputs and the decision (logit) it makes of them.

    ``kind`` is ``logistic`` (``logit = intercept + sum(weight x value)``) or ``trees`` (the sum of the
    trees' leaves; the inputs have no weights).
    """

    kind: str
    inputs: tuple[Input, ...]
    intercept: float
    logit: float


@dataclass(frozen=True)
class PairExplanation:
    """One candidate pair: its mentions in context, and every number between its features and its score.

    ``related`` is the probability that the pair is related: ``sigmoid`` of the context stage's logit,
    or of the detector's decision without a context stage. ``label`` is the labeler's choice and
    ``label_probability`` its probability; ``raw`` is ``related x label_probability`` (``related`` under
    the ``detector`` rule) and ``score`` its ``calibration``, the probability that the relation as
    written is right. ``predicted`` is the label when the model predicts the pair: under the ``pair``
    rule when ``related >= threshold``, under the others when ``score >= threshold``. ``labeler`` is
    None when the model knows a single label; ``label_sum`` is the sum of every label's logistic
    function that one-vs-rest probabilities are divided by (None for two labels). ``priors`` are the
    pair's corpus priors when the model has them (also among the context stage's inputs).
    """

    pmid: str
    a: str
    b: str
    type_pair: str
    rule: str
    threshold: float
    related: float
    label: str | None
    label_probability: float
    raw: float
    score: float
    calibration: str
    predicted: str | None
    detector: Decision
    context: ContextExplanation | None
    labeler: Decision | None
    label_sum: float | None
    contexts: tuple[str, ...]
    priors: tuple[Input, ...] = ()
    gold: str | None = None

    def text(self, k: int = 10) -> str:
        """A plain-text report: contexts, the decision and the score with their arithmetic, then the top-``k``
        contributions of the detector and the labeler."""
        lines = [f"document {self.pmid}, pair A={self.a} B={self.b} ({self.type_pair})"]
        lines += [f"  {c}" for c in self.contexts]
        lines.append(self._verdict() + (f"; gold: {self.gold}" if self.gold else ""))
        product = (
            f"related {self.related:.3f}"
            if self.rule == "detector"
            else f"related {self.related:.3f} x label {self.label_probability:.3f}"
        )
        lines.append(
            f"score {self.score:.3f} (the probability that the relation as written is right) = "
            f"{self.calibration} calibration of {self.raw:.3f} = {product}"
        )
        lines += self._related_lines(k)
        if self.priors:
            lines.append("corpus priors (training documents): " + "; ".join(_prior_phrases(self.priors)))
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
            sigmoid_of = f"sigmoid({self.labeler.total:+.3f})"
            lines.append(
                f"label {self.label} {self.label_probability:.3f} = "
                + (
                    f"{sigmoid_of} / {self.label_sum:.3f} (the sum of every label's sigmoid, one-vs-rest)"
                    if self.label_sum is not None
                    else sigmoid_of
                )
            )
        return "\n".join(lines)

    def _verdict(self) -> str:
        if self.rule == "pair":
            compared = f"probability of being related {self.related:.3f}"
            rule = "the pair rule: whether a pair is related is decided on its own"
        else:
            compared, rule = f"score {self.score:.3f}", f"the {self.rule} rule"
        if self.predicted:
            return f"predicted {self.predicted}: {compared} >= threshold {self.threshold:.3f} ({rule})"
        return f"no relation: {compared} < threshold {self.threshold:.3f} ({rule}; the label would be {self.label})"

    def _related_lines(self, k: int) -> list[str]:
        """How the probability of being related is made; of the context stage's inputs, the ``k`` that weigh most."""
        if self.context is None:
            return [f"related {self.related:.3f} = sigmoid({self.detector.total:+.3f}), the detector's decision"]
        context = self.context
        if context.kind == "trees":
            head = f"related {self.related:.3f} = sigmoid({context.logit:+.3f}), the context stage's trees, reading:"
            return [head, *(f"  {i.value:+8.3f}  {i.description}" for i in context.inputs[:k])]
        head = (
            f"related {self.related:.3f} = sigmoid({context.logit:+.3f}), the context stage: intercept "
            f"{context.intercept:+.3f} + inputs:"
        )
        ranked = sorted(context.inputs, key=lambda i: -abs(i.amount))
        shown, rest = ranked[:k], ranked[k:]
        lines = [
            head,
            *(f"  {i.amount:+8.3f}  {i.description}  (weight {i.weight:+.3f} x value {i.value:+.3f})" for i in shown),
        ]
        if rest:
            lines.append(f"  {sum(i.amount for i in rest):+8.3f}  the other {len(rest)} inputs")
        return lines


def _prior_phrases(priors: tuple[Input, ...]) -> list[str]:
    """The corpus priors as counts of documents and rates (the inputs hold log(1 + n) counts)."""
    value = {i.name: i.value for i in priors}

    def count(name: str) -> int:
        return round(math.expm1(value[name]))

    phrases = []
    for who, key in (("the pair", "pair"), ("A", "a"), ("B", "b")):
        phrases.append(
            f"{who} a candidate in {count(f'prior_{key}_seen')}, related in {count(f'prior_{key}_related')} "
            f"(rate {value[f'prior_{key}_rate']:.2f})"
        )
    return phrases


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
    every number equals the one :meth:`~relclf.extract.model.RelationModel.predict_documents` computes.
    Raises UsageError when the IDs are not a candidate pair of the document (the reason is named).
    """
    candidates, index = _find_candidate(model, document, id1, id2)
    batch = model.featurize([document])
    scored = model.score_batch(batch, threshold=-np.inf)  # every pair, in candidate order
    row = model.transform(batch)[index]
    names = _feature_names(model)
    detector = _decision("related", model.detector.coef[0], float(model.detector.intercept[0]), row, names)
    label = scored.labels[index]
    related, label_probability = float(scored.related[index]), float(scored.label_probability[index])
    _, stage = model.labeler.stage_for(int(batch.pairs.type_pair[index]))
    labeler, label_sum = None, None
    if len(stage.coef):
        coefficients, intercept = _label_coefficients(model, stage)[label]
        labeler = _decision(label, coefficients, intercept, row, names)
        if len(stage.coef) > 1:
            decisions = np.asarray(row @ stage.coef.T).ravel() + stage.intercept
            label_sum = float(np.sum(1.0 / (1.0 + np.exp(-decisions))))
    candidate = candidates[index]
    gold = next((r.label for r in document.relations if r.pair == candidate.key), None)
    raw = related if model.rule == "detector" else related * label_probability
    score = float(scored.scores[index])
    decided = related if model.rule == "pair" else score
    prior_inputs = model.prior_inputs(batch)
    return PairExplanation(
        pmid=document.pmid,
        a=candidate.a.identifier,
        b=candidate.b.identifier,
        type_pair=candidate.type_pair,
        rule=model.rule,
        threshold=float(model.threshold),
        related=related,
        label=label,
        label_probability=label_probability,
        raw=raw,
        score=score,
        calibration=model.calibration.method,
        predicted=label if decided >= model.threshold else None,
        detector=detector,
        context=_context_explanation(model, batch, index, prior_inputs, detector.total),
        labeler=labeler,
        label_sum=label_sum,
        contexts=tuple(mark_mentions(document, candidate, max_sentences=max_sentences)),
        priors=()
        if prior_inputs is None
        else tuple(
            Input(f"prior_{name}", CONTEXT_DESCRIPTIONS[f"prior_{name}"], float(v))
            for name, v in zip(PRIOR_INPUTS, prior_inputs[index], strict=True)
        ),
        gold=gold,
    )


def _context_explanation(
    model: RelationModel, batch: Any, index: int, prior_inputs: np.ndarray | None, decision: float
) -> ContextExplanation | None:
    """The context stage's inputs for pair ``index`` of ``batch`` and the logit it makes of them (None: no stage)."""
    stage = model.context
    if stage is None:
        return None
    pairs = batch.pairs
    scorer = model.vectorizer.scorer(batch)
    decisions = scorer.decisions(model._weights["detector"])[:, 0] + model.detector.intercept[0]
    inputs = context_inputs(
        pairs.doc, pairs.a, pairs.b, decisions, stage.groups, priors=prior_inputs, signals=batch.numeric
    )[index]
    weights: list[float | None] = [None] * len(inputs) if stage.trees is not None else list(stage.coef)
    described = tuple(
        Input(name, _input_description(name), float(v), None if w is None else float(w))
        for name, v, w in zip(stage.columns, inputs, weights, strict=True)
    )
    if stage.trees is not None:
        logit = float(stage.trees.decision(inputs[None, :])[0])
    else:
        logit = float(stage.intercept + inputs @ stage.coef)
    return ContextExplanation(stage.kind, described, float(stage.intercept), logit)


def _input_description(name: str) -> str:
    if name.startswith("signal_"):
        return "signal: " + SIGNALS.get(name[len("signal_") :], name)
    return CONTEXT_DESCRIPTIONS.get(name, name)


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
