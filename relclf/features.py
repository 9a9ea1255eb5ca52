"""Features of a candidate pair: entity-masked context text plus document-level signals.

:func:`pair_examples` turns a document and its candidates into :class:`PairExample` records (text
fields and a dict of dense signals); :class:`PairVectorizer` turns records into one sparse matrix
with scikit-learn vectorizers (one ``TfidfVectorizer`` per text field, a ``DictVectorizer`` for the
dense signals) joined by a ``FeatureUnion``.

In masked text the pair's own mentions read ``@A@`` and ``@B@``, other entity mentions read as their
type (``@Gene@``), digits read ``0`` and words are lower-cased.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from .candidates import Candidate
from .document import Document

__all__ = ["FEATURE_GROUPS", "DocumentView", "PairExample", "PairVectorizer", "pair_examples"]

_TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")
_DIGITS = str.maketrans("0123456789", "0000000000")
_SENTENCE_END = frozenset(".!?")
_MAX_BETWEEN = 24  # longer gaps keep their first and last halves; the middle says little
_WINDOW = 3
_MAX_WINDOW_MENTIONS = 12
_NEGATIONS = frozenset({"not", "no", "nor", "neither", "without", "lack", "lacked", "failed", "unaffected", "absence"})


@dataclass(frozen=True, slots=True)
class PairExample:
    """Everything the vectorizer needs about one candidate pair.

    Text fields are space-separated tokens, each vectorized on its own; ``dense`` maps feature names to
    numbers (or strings, one-hot encoded by ``DictVectorizer``).
    """

    between: str
    between_typed: str
    sentence: str
    window: str
    far: str
    entity: str
    dense: dict[str, float | str]


# The text fields of PairExample, and "dense": the feature groups one can switch off.
FEATURE_GROUPS: tuple[str, ...] = tuple(f.name for f in fields(PairExample))


@dataclass(frozen=True, slots=True)
class _Slot:
    """One token, or one whole entity mention, of the document's token sequence."""

    word: str
    sentence: int
    entities: frozenset[str]
    entity_type: str


class DocumentView:
    """A document tokenized once into slots (tokens, with each mention collapsed into one slot).

    Parameters
    ----------
    document : Document
    entity_ids : dict
        Maps each mention (by position in ``document.mentions``) to the identifiers it names.
    """

    def __init__(self, document: Document, entity_ids: dict[int, tuple[str, ...]]) -> None:
        self.document = document
        text = document.text
        spans = sorted(
            (m.start, m.end, i) for i, m in enumerate(document.mentions) if entity_ids.get(i)
        )
        self.slots: list[_Slot] = []
        self.positions: dict[str, list[int]] = {}
        sentence = 0
        title_end = len(document.title)
        span_index = 0
        pending_break = False
        for match in _TOKEN.finditer(text):
            start, end = match.span()
            while span_index < len(spans) and spans[span_index][1] <= start:
                span_index += 1
            if start >= title_end and sentence == 0 and self.slots:
                sentence, pending_break = 1, False
            token = match.group()
            if pending_break and (token[0].isupper() or token[0].isdigit() or token[0] in "[("):
                sentence += 1
            pending_break = False
            if span_index < len(spans) and spans[span_index][0] < end:
                m_start, m_end, m_index = spans[span_index]
                if self.slots and self.slots[-1].entities and self._last_span == m_index:
                    continue  # further tokens of the same mention
                mention = document.mentions[m_index]
                ids = frozenset(entity_ids[m_index])
                self._last_span = m_index
                for identifier in ids:
                    self.positions.setdefault(identifier, []).append(len(self.slots))
                self.slots.append(_Slot("", sentence, ids, mention.canonical_type))
                continue
            self._last_span = -1
            word = token.lower().translate(_DIGITS)
            self.slots.append(_Slot(word, sentence, frozenset(), ""))
            pending_break = token in _SENTENCE_END
        self.n_sentences = sentence + 1
        self.sentence_starts = self._sentence_starts()

    _last_span = -1

    def _sentence_starts(self) -> list[int]:
        starts = [0] * (self.n_sentences + 1)
        current = -1
        for index, slot in enumerate(self.slots):
            while current < slot.sentence:
                current += 1
                starts[current] = index
        for s in range(current + 1, self.n_sentences + 1):
            starts[s] = len(self.slots)
        return starts

    def render(self, lo: int, hi: int, a: str, b: str) -> list[str]:
        """Masked words of slots ``lo..hi`` (inclusive) for the pair (a, b)."""
        words = []
        for slot in self.slots[lo : hi + 1]:
            if not slot.entities:
                words.append(slot.word)
            elif a in slot.entities and b in slot.entities:
                words.append("@AB@")
            elif a in slot.entities:
                words.append("@A@")
            elif b in slot.entities:
                words.append("@B@")
            else:
                words.append(f"@{slot.entity_type}@")
        return words

    def sentence_range(self, sentence: int) -> tuple[int, int]:
        """First and last slot index of a sentence."""
        return self.sentence_starts[sentence], self.sentence_starts[sentence + 1] - 1


def _closest(xs: Sequence[int], ys: Sequence[int]) -> tuple[int, int]:
    """The pair (x, y) with the smallest |x - y|; both lists sorted."""
    best = (abs(xs[0] - ys[0]), xs[0], ys[0])
    for x in xs:
        k = bisect.bisect_left(ys, x)
        for y in ys[max(k - 1, 0) : k + 1]:
            if abs(x - y) < best[0]:
                best = (abs(x - y), x, y)
    return best[1], best[2]


def _trim(words: list[str]) -> list[str]:
    if len(words) <= _MAX_BETWEEN:
        return words
    half = _MAX_BETWEEN // 2
    return words[:half] + ["…"] + words[-half:]


def _bucket(value: int, edges: Sequence[int]) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return f">{edges[-1]}"


def _main_text(mentions) -> str:
    counts = Counter(m.text.lower().translate(_DIGITS) for m in mentions)
    return counts.most_common(1)[0][0].replace(" ", "_")


def _pair_example(view: DocumentView, candidate: Candidate, ranks: dict[str, int]) -> PairExample:
    a, b = candidate.a.identifier, candidate.b.identifier
    tp = candidate.type_pair
    pos_a, pos_b = view.positions.get(a, []), view.positions.get(b, [])
    slots = view.slots
    sents_a = Counter(slots[i].sentence for i in pos_a)
    sents_b = Counter(slots[i].sentence for i in pos_b)
    shared = sorted(set(sents_a) & set(sents_b))
    between: list[str] = []
    sentence_words: list[str] = []
    a_first = 0
    negated = 0
    for s in shared:
        lo, hi = view.sentence_range(s)
        xa = [i for i in pos_a if lo <= i <= hi]
        xb = [i for i in pos_b if lo <= i <= hi]
        i, j = _closest(xa, xb)
        gap = view.render(min(i, j), max(i, j), a, b)
        a_first += i < j
        negated += any(w in _NEGATIONS for w in gap)
        between.extend(_trim(gap))
        between.append("|")
        sentence_words.extend(view.render(lo, hi, a, b))
        sentence_words.append("|")
    far: list[str] = []
    if not shared and pos_a and pos_b:
        i, j = _closest(pos_a, pos_b)
        for s in sorted({slots[i].sentence, slots[j].sentence}):
            lo, hi = view.sentence_range(s)
            far.extend(view.render(lo, hi, a, b))
    window: list[str] = []
    for role, positions in (("a", pos_a), ("b", pos_b)):
        for p in positions[:_MAX_WINDOW_MENTIONS]:
            left = view.render(max(p - _WINDOW, 0), p - 1, a, b) if p else []
            right = view.render(p + 1, min(p + _WINDOW, len(slots) - 1), a, b)
            window.extend(f"l{role}_{w}" for w in left)
            window.extend(f"r{role}_{w}" for w in right)
    tp_tag = tp.replace("|", "_")
    between_typed = " ".join(f"{tp_tag}:{w}" for w in between)
    if shared:
        distance = 0
    elif pos_a and pos_b:
        i, j = _closest(pos_a, pos_b)
        distance = abs(slots[i].sentence - slots[j].sentence)
    else:
        distance = view.n_sentences
    last = view.n_sentences - 1
    dense: dict[str, float | str] = {
        "tp": tp,
        "tp_cooc": f"{tp}&{bool(shared)}",
        "tp_dist": f"{tp}&{_bucket(distance, (0, 1, 2, 4, 8))}",
        "n_a": math.log1p(len(pos_a)),
        "n_b": math.log1p(len(pos_b)),
        "n_shared": math.log1p(len(shared)),
        "shared_frac": len(shared) / max(len(set(sents_a) | set(sents_b)), 1),
        "dist": _bucket(distance, (0, 1, 2, 4, 8)),
        "title_a": float(0 in sents_a),
        "title_b": float(0 in sents_b),
        "title_both": float(0 in shared),
        "tp_title": f"{tp}&{0 in sents_a}&{0 in sents_b}",
        "last_shared": float(last in shared or last - 1 in shared),
        "rank_a": _bucket(ranks[a], (1, 2, 3, 5)),
        "rank_b": _bucket(ranks[b], (1, 2, 3, 5)),
        "tp_ranks": f"{tp}&{min(ranks[a], 4)}&{min(ranks[b], 4)}",
        "a_first": a_first / len(shared) if shared else 0.5,
        "negated": negated / len(shared) if shared else 0.0,
        "n_entities": math.log1p(len(ranks)),
    }
    entity = f"ea={_main_text(candidate.a.mentions)} eb={_main_text(candidate.b.mentions)} ia={a} ib={b}"
    return PairExample(
        between=" ".join(between),
        between_typed=between_typed,
        sentence=" ".join(sentence_words),
        window=" ".join(window),
        far=" ".join(far),
        entity=entity,
        dense=dense,
    )


def pair_examples(document: Document, candidates: Sequence[Candidate]) -> list[PairExample]:
    """Featurize the candidates of one document.

    Parameters
    ----------
    document : Document
    candidates : sequence of Candidate
        Candidates of ``document`` (from :func:`relclf.candidates.generate_candidates`).

    Returns
    -------
    list of PairExample
        One per candidate, in the same order.
    """
    if not candidates:
        return []
    entities = {c.a.identifier: c.a for c in candidates} | {c.b.identifier: c.b for c in candidates}
    entity_ids: dict[int, list[str]] = {}
    mention_index = {id(m): i for i, m in enumerate(document.mentions)}
    for entity in entities.values():
        for mention in entity.mentions:
            entity_ids.setdefault(mention_index[id(mention)], []).append(entity.identifier)
    for index in range(len(document.mentions)):
        entity_ids.setdefault(index, [""])  # mentions of other entities read as their type
    view = DocumentView(document, {k: tuple(v) for k, v in entity_ids.items()})
    order = sorted(entities.values(), key=lambda e: -len(e.mentions))
    ranks = {e.identifier: rank for rank, e in enumerate(order, start=1)}
    return [_pair_example(view, c, ranks) for c in candidates]


def _column(examples: Sequence[PairExample], name: str) -> list:
    """Pick one field of every example (a module-level function so that models pickle)."""
    return [getattr(e, name) for e in examples]


class PairVectorizer(TransformerMixin, BaseEstimator):
    """Turn PairExample records into one sparse feature matrix.

    Parameters
    ----------
    groups : tuple of str, default all of FEATURE_GROUPS
        Which feature groups to use (for ablations).
    ngram_range : tuple of int, default (1, 3)
        Word n-grams of the between-mention text.
    min_df : int, default 2
        Ignore n-grams seen in fewer training pairs.
    """

    def __init__(self, *, groups: Sequence[str] = FEATURE_GROUPS, ngram_range: tuple[int, int] = (1, 3), min_df: int = 2) -> None:
        self.groups = groups
        self.ngram_range = ngram_range
        self.min_df = min_df

    def _union(self) -> FeatureUnion:
        ngrams = {"between": self.ngram_range, "between_typed": (1, 2), "sentence": (1, 2)}
        parts = []
        for name in self.groups:
            select = FunctionTransformer(_column, kw_args={"name": name})
            if name == "dense":
                vec = DictVectorizer()
            else:
                vec = TfidfVectorizer(
                    token_pattern=r"\S+",
                    lowercase=False,
                    ngram_range=ngrams.get(name, (1, 1)),
                    min_df=self.min_df,
                    sublinear_tf=True,
                    dtype=np.float64,
                )
            parts.append((name, Pipeline([("select", select), ("vectorize", vec)])))
        return FeatureUnion(parts)

    def fit(self, examples: Sequence[PairExample], y=None) -> PairVectorizer:
        """Learn vocabularies from training examples; returns self."""
        unknown = set(self.groups) - set(FEATURE_GROUPS)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; choose from {FEATURE_GROUPS}")
        self.union_ = self._union().fit(examples)
        return self

    def transform(self, examples: Sequence[PairExample]):
        """Return the sparse matrix (n_examples, n_features) of ``examples``."""
        return self.union_.transform(examples)

    def get_feature_names_out(self, input_features=None):
        """Names of the matrix columns, ``group__feature``."""
        names = [
            f"{group}__{feature}"
            for group, pipeline in self.union_.transformer_list
            for feature in pipeline[-1].get_feature_names_out()
        ]
        return np.asarray(names, dtype=object)
