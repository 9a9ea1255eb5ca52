"""The blocks of the pair matrix, as one table (:data:`BLOCKS`), and the n-gram codes their text columns use.

A *block* is a run of columns of :class:`~relclf.extract.vectorizer.PairVectorizer`'s matrix. Each row
of :data:`BLOCKS` (a :class:`BlockSpec`) says which feature group switches the block on, which learned
code block it reads (a :class:`Codes`: the :class:`~relclf.extract.features.FeatureBatch` field it is
learned from, its n-gram order, how a code reads in a column name), how a pair takes its rows of that
code block's units (its own row, the sentences it is linked to, its entity's or its document's row),
whether it is crossed with the type pair, and how its columns are named and described for people.
The vectorizer (fit, transform, widths, the scorer's products), the column names and
:func:`relclf.evaluation.explain.describe_feature` read this table and nothing else, so a new group of
features is one new row here, plus the featurizer code that fills its field of the FeatureBatch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from ..text import CUE_KINDS
from .features import CATEGORICAL, NUMERIC, Ragged, cue_name, signal_name

__all__ = [
    "BLOCKS",
    "FEATURE_GROUPS",
    "MAX_VOCABULARY",
    "SIGNALS",
    "BlockSpec",
    "Codes",
    "block_of",
    "ngram_codes",
    "ngram_text",
]

# n-gram codes must fit in int64: V + V**2 + V**3 < 2**63
MAX_VOCABULARY = 2_000_000


def ngram_codes(sequences: Ragged, n_max: int, n_words: int) -> tuple[np.ndarray, np.ndarray]:
    """Every 1- to ``n_max``-gram of each sequence as one integer: ``(sequence index, code)`` arrays.

    A word id ``w`` (``0 <= w < n_words``) is the 1-gram code ``w``; a 2-gram ``(u, w)`` is
    ``n_words + u * n_words + w``; a 3-gram ``n_words + n_words**2 + (u * n_words + v) * n_words + w``.
    N-grams never span two sequences; an n-gram holding the unknown word (id 0) is dropped.

    >>> seqs = Ragged(np.array([3, 4, 5, 6]), np.array([0, 3, 4]))
    >>> rows, codes = ngram_codes(seqs, 2, 10)
    >>> rows.tolist(), codes.tolist()
    ([0, 0, 0, 1, 0, 0], [3, 4, 5, 6, 44, 55])
    """
    if n_words >= MAX_VOCABULARY:
        raise ValueError(f"a vocabulary of {n_words:,} words is too large for n-gram codes (limit {MAX_VOCABULARY:,})")
    values = sequences.values
    rows = sequences.rows()
    all_rows, all_codes = [], []
    base = 0
    for n in range(1, n_max + 1):
        if len(values) >= n:
            span = len(values) - n + 1
            code = np.zeros(span, dtype=np.int64)
            known = np.ones(span, dtype=bool)
            for t in range(n):
                part = values[t : t + span]
                code = code * n_words + part
                known &= part != 0
            valid = known & (rows[:span] == rows[n - 1 :])
            all_rows.append(rows[:span][valid])
            all_codes.append(code[valid] + base)
        base += n_words**n
    if not all_rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(all_rows), np.concatenate(all_codes)


def ngram_text(code: int, words: Sequence[str]) -> str:
    """The words of an n-gram code of :func:`ngram_codes` (``len(words)`` is its ``n_words``), space-separated.

    >>> ngram_text(44, [str(w) for w in range(10)]), ngram_text(3, "abcd")
    ('3 4', 'd')
    """
    v = len(words)
    if code < v:
        return words[code]
    code -= v
    if code < v * v:
        return f"{words[code // v]} {words[code % v]}"
    code -= v * v
    return f"{words[code // (v * v)]} {words[code // v % v]} {words[code % v]}"


# -- how a code reads in a column name: spell(code, words, type_pairs) ------------------------------------------
def _spell_ngram(code: int, words: Sequence[str], type_pairs: Sequence[str]) -> str:
    return ngram_text(code, words)


def _spell_sided(code: int, words: Sequence[str], type_pairs: Sequence[str]) -> str:
    """``l_word`` / ``r_word`` for a window code ``2 * word + side``."""
    return f"{'r' if code % 2 else 'l'}_{words[code // 2]}"


def _spell_cue(code: int, words: Sequence[str], type_pairs: Sequence[str]) -> str:
    return f"pattern_{cue_name(code, type_pairs)}"


def _spell_signal(code: int, words: Sequence[str], type_pairs: Sequence[str]) -> str:
    return signal_name(code, type_pairs)


# -- how a feature reads for people: describe(where, feature), the feature without block and type pair ----------
def _describe_quoted(where: str, feature: str) -> str:
    return f'{where}: "{feature}"'


def _describe_sided(where: str, feature: str) -> str:
    side = {"l": "before", "r": "after"}.get(feature[:1], "")
    return f'{where} ({side}): "{feature[2:]}"'


def _describe_entity(where: str, feature: str) -> str:
    kind, _, value = feature.partition("=")
    return f"{where} is {value}" if kind == "id" else f'{where} is named "{value}"'


def _describe_cues(where: str, feature: str) -> str:
    if feature.startswith("share_"):
        return f"{where}: share of the sentences with both that have a '{feature[6:]}' word"
    return (
        f"{where} (type pair & kinds near the pair & negation & near A & near B) = {feature.removeprefix('pattern_')}"
    )


# Document-level signals (features.CATEGORICAL / NUMERIC) in words.
SIGNALS: dict[str, str] = {
    "tp": "type pair",
    "tp&cooc": "type pair & in one sentence",
    "tp&dist": "type pair & sentence distance",
    "dist": "sentence distance",
    "tp&title": "type pair & A in title & B in title",
    "first_shared": "position of the first sentence with both",
    "rank_a": "rank of A by mentions",
    "rank_b": "rank of B by mentions",
    "tp&ranks": "type pair & ranks",
    "n_a": "mentions of A (log)",
    "n_b": "mentions of B (log)",
    "n_shared": "sentences with both (log)",
    "shared_frac": "share of their sentences that have both",
    "title_a": "A in the title",
    "title_b": "B in the title",
    "title_both": "both in the title",
    "last_shared": "both in one of the last two sentences",
    "partners_a": "candidate partners of A (log)",
    "partners_b": "candidate partners of B (log)",
    "a_first": "A before B",
    "negated": "negation between them",
    "n_entities": "entities in the abstract (log)",
    "n_sentences": "sentences in the abstract (log)",
}


def _describe_signal(where: str, feature: str) -> str:
    """``signal: phrase = value`` for a categorical signal (``name_value``), ``signal: phrase`` for a number."""
    for signal in sorted(CATEGORICAL, key=len, reverse=True):  # the longest name first: "tp&cooc" before "tp"
        if feature.startswith(signal + "_"):
            return f"{where}: {SIGNALS.get(signal, signal)} = {feature[len(signal) + 1 :]}"
    return f"{where}: {SIGNALS.get(feature, feature)}"


@dataclass(frozen=True)
class Codes:
    """A learned code block (``PairVectorizer.blocks_[name]``): what one or more blocks of columns read.

    Attributes
    ----------
    name : str
        Its key in ``blocks_`` and in saved models (arrays ``<name>.codes`` and ``<name>.idf``).
    field : str
        The :class:`~relclf.extract.features.FeatureBatch` field it is learned from: a ``Ragged`` of
        word-id sequences, one per unit (a text block: tf-idf of n-grams), or an array of per-pair codes
        (a one-hot block).
    ngram : int or None
        A text block's n-grams run up to this order (None: the vectorizer's ``ngram_range[1]``);
        0 makes a one-hot block.
    word_factor : int
        A text block's sequences hold ids below ``word_factor * n_words`` (windows: ``2 * word + side``).
    numbers : str or None
        A one-hot block's FeatureBatch field of per-pair numbers, whose columns follow the one-hot ones.
    number_names : tuple of str
        The names of those columns.
    spell : callable
        ``spell(code, words, type_pairs)``: how a learned code reads in a column name.
    """

    name: str
    field: str
    ngram: int | None = 1
    word_factor: int = 1
    numbers: str | None = None
    number_names: tuple[str, ...] = ()
    spell: Callable[[int, Sequence[str], Sequence[str]], str] = _spell_ngram

    def __post_init__(self) -> None:
        if (self.numbers is None) != (not self.number_names) or (self.numbers is not None and not self.one_hot):
            raise ValueError(f"code block {self.name}: a one-hot block may have numbers, each named; a text block none")
        if self.word_factor != 1 and self.ngram != 1:
            raise ValueError(f"code block {self.name}: sequences of codes other than word ids make 1-grams only")

    @property
    def one_hot(self) -> bool:
        """Whether the block is one-hot categories (with numbers after them) rather than tf-idf n-grams."""
        return self.ngram == 0

    def direct_below(self, n_words: int) -> int:
        """The block's 1-gram codes are below this (looked up in a plain array); 0 for a one-hot block."""
        return 0 if self.one_hot else self.word_factor * n_words


#: how a pair takes its rows of a code block's units (see BlockSpec.take)
Take = Literal["pair", "shared", "far", "a", "b", "doc"]
_TAKES: tuple[str, ...] = get_args(Take)


@dataclass(frozen=True)
class BlockSpec:
    """One block of columns of the pair matrix: a row of :data:`BLOCKS`.

    Attributes
    ----------
    name : str
        The block's columns are named ``name__feature``.
    group : str
        The feature group (:data:`FEATURE_GROUPS`) that switches it on.
    codes : Codes
        The learned code block it reads (several blocks may read one).
    take : {"pair", "shared", "far", "a", "b", "doc"}
        How a pair takes its row of the code block's units: ``pair``, the units are the pairs;
        ``shared``/``far``, the sentences of the FeatureBatch's (pair, sentence) links of that name,
        summed and l2-normalized; ``a``/``b``/``doc``, the row of its entity or document (an index of
        :class:`~relclf.extract.features.Pairs`). Those last ones the scorer multiplies once per unit.
    typed : bool
        Crossed with the type pair: one copy of the columns per type pair (type pair major), the
        pair's own copy filled; its features are named ``TypePair:feature``.
    where : str
        What the block is, for people ("between the pair").
    describe : callable
        ``describe(where, feature)``: a feature (its name after ``__``, type pair removed) for people.
    """

    name: str
    group: str
    codes: Codes
    take: Take
    typed: bool = False
    where: str = ""
    describe: Callable[[str, str], str] = _describe_quoted

    def __post_init__(self) -> None:
        if self.take not in _TAKES:
            raise ValueError(f"block {self.name}: take must be one of {_TAKES}, not {self.take!r}")
        if self.codes.one_hot and self.take != "pair":
            raise ValueError(f"block {self.name}: a one-hot block has one row per pair (take='pair')")

    @property
    def gathered(self) -> bool:
        """Whether pairs take rows of shared units (entities, documents) by index."""
        return self.take in ("a", "b", "doc")

    @property
    def linked(self) -> bool:
        """Whether pairs sum the rows of the sentences they are linked to."""
        return self.take in ("shared", "far")

    def feature_names(self, codes: np.ndarray, words: Sequence[str], type_pairs: Sequence[str]) -> list[str]:
        """The names of the block's columns, ``name__feature``, given the learned ``codes`` of its code block."""
        spelled = [self.codes.spell(int(c), words, type_pairs) for c in codes]
        if self.typed:
            spelled = [f"{tp}:{s}" for tp in type_pairs for s in spelled]
        return [f"{self.name}__{s}" for s in (*spelled, *self.codes.number_names)]

    def description(self, feature: str) -> str:
        """A feature of this block (its column name after ``__``) as a short phrase for people."""
        where = self.where
        if self.typed:
            type_pair, _, feature = feature.partition(":")
            where = f"{where} [{type_pair}]"
        return self.describe(where, feature)


_BETWEEN = Codes("between", "between", ngram=None)
_SENTENCE = Codes("sentence", "sentences", ngram=2)
_WINDOW = Codes("window", "windows", word_factor=2, spell=_spell_sided)
_ENTITY = Codes("entity", "names")
_DOCUMENT = Codes("document", "documents")
_CUES = Codes(
    "cues",
    "cue_pattern",
    ngram=0,
    numbers="cue_shares",
    number_names=tuple(f"share_{kind}" for kind in CUE_KINDS),
    spell=_spell_cue,
)
_DENSE = Codes("dense", "categorical", ngram=0, numbers="numeric", number_names=NUMERIC, spell=_spell_signal)

#: The blocks of the pair matrix, in the order of its columns (the features are described in
#: relclf.extract.features' module docstring).
BLOCKS: tuple[BlockSpec, ...] = (
    BlockSpec("between", "between", _BETWEEN, "pair", where="between the pair"),
    BlockSpec("between_typed", "between_typed", _BETWEEN, "pair", typed=True, where="between the pair"),
    BlockSpec("sentence", "sentence", _SENTENCE, "shared", where="in a sentence with both"),
    BlockSpec("far", "far", _SENTENCE, "far", where="in the nearest sentences (never together)"),
    BlockSpec("window_a", "window", _WINDOW, "a", where="near A", describe=_describe_sided),
    BlockSpec("window_b", "window", _WINDOW, "b", where="near B", describe=_describe_sided),
    BlockSpec("entity_a", "entity", _ENTITY, "a", where="A", describe=_describe_entity),
    BlockSpec("entity_b", "entity", _ENTITY, "b", where="B", describe=_describe_entity),
    BlockSpec("document", "document", _DOCUMENT, "doc", typed=True, where="in the abstract"),
    BlockSpec("cues", "cues", _CUES, "pair", where="cues", describe=_describe_cues),
    BlockSpec("dense", "dense", _DENSE, "pair", where="signal", describe=_describe_signal),
)
#: The feature groups that can be switched off (for ablations), in the order of their blocks.
FEATURE_GROUPS: tuple[str, ...] = tuple(dict.fromkeys(block.group for block in BLOCKS))
_BY_NAME = {block.name: block for block in BLOCKS}


def block_of(name: str) -> BlockSpec | None:
    """The row of :data:`BLOCKS` named ``name`` (a column name's part before ``__``), None if there is none."""
    return _BY_NAME.get(name)
