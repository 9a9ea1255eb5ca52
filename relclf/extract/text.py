"""Tokens and sentences of a document: the one definition that features, explanations and pages share.

A document's text (``title + " " + abstract``) becomes a sequence of *slots*: each word or punctuation
mark is a slot, and each entity mention is one slot of its own, however many words it spans (so that
mentions inside one token, as in "Ras-Raf-Erk", each keep their place). A mention nested in or
overlapping an earlier one shares that mention's slot.

Sentences: sentence 0 is the title; the abstract's first slot opens sentence 1; after a slot reading
``.``, ``!`` or ``?``, a slot whose first character is upper-case (any script), a digit, ``(`` or
``[`` opens the next sentence. Every caller gets its sentences from :func:`tokenize`, so a sentence
named in an explanation is the sentence the model's features used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import Document

__all__ = ["TOKEN", "Tokens", "normal_word", "sentence_spans", "tokenize"]

#: a word (with inner hyphens, apostrophes and dots) or one punctuation mark
TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")
_DIGITS = str.maketrans("0123456789", "0000000000")
_SENTENCE_END = frozenset(".!?")

# normal_word's cache: words repeat a lot; cleared when large so that memory stays bounded
_NORMAL_WORDS: dict[str, str] = {}
_CACHE_LIMIT = 500_000


def normal_word(token: str) -> str:
    """Return ``token`` as features read it: lower-cased, every digit as ``0`` (cached).

    >>> normal_word("IL-6"), normal_word("Ösophagus")
    ('il-0', 'ösophagus')
    """
    word = _NORMAL_WORDS.get(token)
    if word is None:
        if len(_NORMAL_WORDS) >= _CACHE_LIMIT:
            _NORMAL_WORDS.clear()
        word = _NORMAL_WORDS[token] = token.lower().translate(_DIGITS)
    return word


def _opens_sentence(first_char: str) -> bool:
    return first_char.isupper() or first_char.isdigit() or first_char in "[("


@dataclass(frozen=True, slots=True)
class Tokens:
    """A document as slots (see the module docstring); all lists have one entry per slot.

    Attributes
    ----------
    words : list of str
        The normalized word (:func:`normal_word`), or ``@Type@`` (canonical type) for a mention slot.
    starts, ends : list of int
        Character offsets of each slot in ``document.text``.
    sentence_of : list of int
        The sentence of each slot (0 is the title).
    mention_slots : tuple of int
        For each mention of ``document.mentions`` (in its order), the slot it occupies.
    n_sentences : int
        Number of sentences, the title counted.
    """

    words: list[str]
    starts: list[int]
    ends: list[int]
    sentence_of: list[int]
    mention_slots: tuple[int, ...]
    n_sentences: int

    def sentence_starts(self) -> list[int]:
        """The first slot of each sentence, plus the slot count at the end (an empty sentence starts where the next does)."""
        starts = [len(self.words)] * (self.n_sentences + 1)
        for index in range(len(self.words) - 1, -1, -1):
            starts[self.sentence_of[index]] = index
        for s in range(self.n_sentences - 1, -1, -1):
            starts[s] = min(starts[s], starts[s + 1])
        return starts


class _Builder:
    """Accumulates slots and applies the sentence rule as slots are added."""

    def __init__(self, title_end: int) -> None:
        self.words: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.sentence_of: list[int] = []
        self.sentence = 0
        self.pending_break = False
        self.title_end = title_end

    def text(self, text: str, start: int, end: int) -> None:
        """Add the tokens of ``text[start:end]`` (the hot loop of featurization, kept tight)."""
        words, starts, ends, sentence_of = self.words, self.starts, self.ends, self.sentence_of
        sentence, pending, title_end, cache = self.sentence, self.pending_break, self.title_end, _NORMAL_WORDS
        for match in TOKEN.finditer(text, start, end):
            token = match.group()
            word = cache.get(token)
            if word is None:
                word = normal_word(token)
            position = match.start()
            if sentence == 0 and position >= title_end and words:
                sentence = 1
            elif pending and _opens_sentence(token[0]):
                sentence += 1
            words.append(word)
            starts.append(position)
            ends.append(match.end())
            sentence_of.append(sentence)
            pending = token in _SENTENCE_END
        self.sentence, self.pending_break = sentence, pending

    def mention(self, word: str, start: int, end: int, first_char: str) -> None:
        """Add one mention slot."""
        if self.sentence == 0 and start >= self.title_end and self.words:
            self.sentence = 1
        elif self.pending_break and _opens_sentence(first_char):
            self.sentence += 1
        self.pending_break = False
        self.words.append(word)
        self.starts.append(start)
        self.ends.append(end)
        self.sentence_of.append(self.sentence)


def tokenize(document: Document) -> Tokens:
    """Split ``document`` into slots and sentences (rules in the module docstring).

    Examples
    --------
    >>> from relclf.document import Document, Mention
    >>> doc = Document("1", "Title.", "Levels rose. Ösophagus cancer grew. Then it fell.", (Mention(30, 36, "cancer", "Disease", "D1"),))
    >>> tokens = tokenize(doc)
    >>> tokens.words[:8], tokens.n_sentences
    (['title', '.', 'levels', 'rose', '.', 'ösophagus', '@Disease@', 'grew'], 4)
    >>> tokens.mention_slots, tokens.sentence_of[tokens.mention_slots[0]]
    ((6,), 2)
    """
    text = document.text
    builder = _Builder(len(document.title))
    mention_slots = [0] * len(document.mentions)
    cursor = covered_to = 0
    for start, end, index in sorted((m.start, m.end, i) for i, m in enumerate(document.mentions)):
        if start < covered_to:  # nested or overlapping: it shares the slot of the mention before
            mention_slots[index] = len(builder.words) - 1
            continue
        builder.text(text, cursor, start)
        builder.mention(f"@{document.mentions[index].canonical_type}@", start, end, text[start])
        mention_slots[index] = len(builder.words) - 1
        cursor = covered_to = end
    builder.text(text, cursor, len(text))
    return Tokens(builder.words, builder.starts, builder.ends, builder.sentence_of, tuple(mention_slots), builder.sentence + 1)


def sentence_spans(document: Document, tokens: Tokens | None = None) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of each sentence of :func:`tokenize`, in ``document.text`` offsets.

    A sentence spans from its first slot's start to its last slot's end; an empty sentence (an empty
    abstract) is an empty span where the next sentence starts.

    >>> from relclf.document import Document
    >>> doc = Document("1", "Title.", "Levels rose. Ösophagus cancer grew. Then it fell.")
    >>> [doc.text[a:b] for a, b in sentence_spans(doc)]
    ['Title.', 'Levels rose.', 'Ösophagus cancer grew.', 'Then it fell.']
    """
    tokens = tokenize(document) if tokens is None else tokens
    starts = tokens.sentence_starts()
    spans = []
    for s in range(tokens.n_sentences):
        first, last = starts[s], starts[s + 1] - 1
        if first > last:
            at = tokens.starts[first] if first < len(tokens.starts) else len(document.text)
            spans.append((at, at))
        else:
            spans.append((tokens.starts[first], tokens.ends[last]))
    return spans
