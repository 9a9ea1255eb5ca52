"""Tokens and sentences of a document: the one definition that features, explanations and pages share.

A document's text (``title + " " + abstract``) becomes a sequence of *slots*: each word or punctuation
mark is a slot, and each entity mention is one slot of its own, however many words it spans (so that
mentions inside one token, as in "Ras-Raf-Erk", each keep their place). A mention nested in or
overlapping an earlier one shares that mention's slot. Words read lower-cased with every digit as
``0``; a mention slot reads ``@Type@`` (its canonical type).

Sentences: the title's first slot opens sentence 0 and the abstract's first slot opens a new one;
after a slot reading ``.``, ``!`` or ``?``, a slot whose first character is upper-case (any script),
a digit, ``(`` or ``[`` opens the next sentence. Every caller gets its sentences from here, so a
sentence named in an explanation or highlighted on a review page is the one the model's features used.

The model reads slots as integer ids (:class:`Vocabulary`, :func:`encode`): one regular-expression
pass per document and one dictionary lookup per token, after which everything is array arithmetic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .document import Document, canonical_type

__all__ = [
    "CUE_KINDS",
    "CUES",
    "NEGATIONS",
    "SPECIAL_WORDS",
    "TOKEN",
    "Encoded",
    "EncodedBatch",
    "Tokens",
    "Vocabulary",
    "encode",
    "encode_batch",
    "normal_word",
    "sentence_spans",
    "tokenize",
]

#: a word (with inner hyphens, apostrophes and dots) or one punctuation mark
TOKEN = re.compile(r"\w+(?:[-'.]\w+)*|[^\w\s]")
_DIGITS = str.maketrans("0123456789", "0000000000")
_SENTENCE_END = frozenset(".!?")
# Word beginnings of general English cue words for the direction of an effect (features count them
# around a pair's closest mentions and cross them with the type pair, so that the labeler can pool
# rare words).
CUES: dict[str, tuple[str, ...]] = {
    "up": (
        "increas",
        "induc",
        "elevat",
        "upregulat",
        "up-regulat",
        "promot",
        "enhanc",
        "activat",
        "stimulat",
        "caus",
        "risk",
        "trigger",
        "aggravat",
        "exacerbat",
        "worsen",
        "augment",
        "potentiat",
        "accelerat",
    ),
    "down": (
        "decreas",
        "reduc",
        "inhibit",
        "suppress",
        "downregulat",
        "down-regulat",
        "attenuat",
        "prevent",
        "protect",
        "treat",
        "alleviat",
        "amelior",
        "improv",
        "block",
        "abolish",
        "lower",
        "therap",
        "rescu",
        "revers",
        "antagon",
        "diminish",
        "impair",
        "relie",
    ),
    "association": ("associat", "correlat", "link", "polymorphism", "susceptib", "carrier", "genotyp", "allele"),
    "binding": ("bind", "bound", "interact", "complex", "ligand", "receptor"),
}
CUE_KINDS: tuple[str, ...] = tuple(CUES)
NEGATIONS = frozenset({"not", "no", "nor", "neither", "without", "lack", "failed", "unaffected", "absence"})
#: words that no token can read as (they hold "@", "|" or "…" with capitals or alone): the pair's own
#: mentions, a mention of both, the gap between sentences, and a trimmed stretch of text
SPECIAL_WORDS = ("@A@", "@B@", "@AB@", "|", "…")

# flags of a token (bits of Encoded.flags): ends a sentence, may open one, negation, then one bit per cue kind
END, OPENS, NEGATION = 1, 2, 4
CUE_SHIFT = 3
# the slot of an outer mention while the text is read (a private-use character: a token of its own)
_MENTION = "\ue000"
_CACHE_LIMIT = 500_000
# normal_word's cache: words repeat a lot; cleared when large so that memory stays bounded
_NORMAL_WORDS: dict[str, str] = {}


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


def _opens(first_char: str) -> bool:
    return first_char.isupper() or first_char.isdigit() or first_char in "[("


def _word_flags(word: str) -> int:
    """NEGATION and cue bits of a normalized word."""
    flags = NEGATION if word in NEGATIONS else 0
    for bit, stems in enumerate(CUES.values()):
        if word.startswith(stems):
            flags |= 1 << (CUE_SHIFT + bit)
    return flags


class Vocabulary:
    """Words to integer ids (id 0 is every word not in the vocabulary), and tokens to ids with their flags.

    A growing vocabulary (training) gives each new word the next id; a frozen one (a fitted model)
    reads unknown words as 0. Besides words, it holds any string a feature needs an id for
    (``id=D001``, ``name=aspirin``).

    Parameters
    ----------
    words : sequence of str, optional
        The words of ids 1, 2, ... (a saved vocabulary).
    growing : bool, default False
        Whether unknown words get new ids.
    """

    def __init__(self, words: tuple[str, ...] | list[str] = (), *, growing: bool = False) -> None:
        self.words: list[str] = ["", *words]
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.words) if i}
        if _MENTION not in self.index:  # the mention marker always has an id of its own
            self.index[_MENTION] = len(self.words)
            self.words.append(_MENTION)
        self.growing = growing
        self._tokens: dict[str, int] = {}  # raw token -> id << 8 | flags
        self._types: dict[str, int] = {}  # source entity type -> id of @CanonicalType@
        self._names: dict[str, int] = {}  # mention text -> id of name=...

    def __len__(self) -> int:
        """Ids in use, 0 included (so every id is below it)."""
        return len(self.words)

    def __getstate__(self) -> dict[str, Any]:
        return {"words": self.words, "growing": self.growing}  # the caches are rebuilt

    def __setstate__(self, state: dict[str, Any]) -> None:
        Vocabulary.__init__(self, state["words"][1:], growing=state["growing"])

    def id(self, word: str) -> int:
        """The id of ``word`` (0 when unknown and the vocabulary is frozen)."""
        found = self.index.get(word)
        if found is None:
            if not self.growing:
                return 0
            found = self.index[word] = len(self.words)
            self.words.append(word)
        return found

    def type_id(self, entity_type: str) -> int:
        """The id of ``@Type@``, the word a mention of this (source) type reads as (its canonical type; cached)."""
        found = self._types.get(entity_type)
        if found is None:
            found = self._types[entity_type] = self.id(f"@{canonical_type(entity_type)}@")
        return found

    def name_id(self, text: str) -> int:
        """The id of ``name=...``, the token a mention's text gives its entity (normalized, spaces as ``_``; cached)."""
        found = self._names.get(text)
        if found is None:
            if len(self._names) >= _CACHE_LIMIT:
                self._names.clear()
            found = self._names[text] = self.id("name=" + normal_word(text).replace(" ", "_").replace("\n", "_"))
        return found

    def freeze(self) -> Vocabulary:
        """Stop growing (and forget the per-token cache, whose unknown words may now be known); returns self."""
        self.growing = False
        self._tokens.clear()
        self._types.clear()
        self._names.clear()
        return self

    def token_code(self, token: str) -> int:
        """``id << 8 | flags`` of a raw token (cached: a document's tokens mostly repeat earlier ones)."""
        code = self._tokens.get(token)
        if code is None:
            word = normal_word(token)
            flags = _word_flags(word) | (END if token in _SENTENCE_END else 0) | (OPENS if _opens(token[0]) else 0)
            code = self.id(word) << 8 | flags
            if len(self._tokens) >= _CACHE_LIMIT:
                self._tokens.clear()
            self._tokens[token] = code
        return code


@dataclass(frozen=True)
class Encoded:
    """A document as slot arrays (see the module docstring); every array has one entry per slot.

    Attributes
    ----------
    words : int32 array
        Vocabulary ids (``@Type@`` for mention slots).
    flags : uint8 array
        END, OPENS, NEGATION and cue bits of each slot (a mention slot's OPENS follows its first character).
    sentence : int32 array
        The sentence of each slot, from 0.
    mention_slots : int32 array
        For each mention of ``document.mentions`` (in its order), the slot it occupies.
    n_sentences : int
    starts, ends : int arrays or None
        Character offsets of each slot in ``document.text`` (only when asked for: they cost time).
    """

    words: np.ndarray
    flags: np.ndarray
    sentence: np.ndarray
    mention_slots: np.ndarray
    n_sentences: int
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None


def _with_mention_slots(document: Document, text: str) -> tuple[str, int, list[int], list[int], list[tuple[int, int]]]:
    """The text with each outer mention replaced by one ``_MENTION`` character (spaced off), and where things went.

    Returns the new text, where its title ends, the outer mentions in text order, each mention's outer
    mention (its own index for an outer one), and for every piece of kept text its offset in the new
    text and in the original (to map offsets back).
    """
    if _MENTION in text:  # a document holding the marker itself: read that character as another symbol
        text = text.replace(_MENTION, "\ufffd")
    title_end = len(document.title)
    pieces: list[str] = []
    anchors: list[tuple[int, int]] = []
    outer: list[int] = []
    owner = list(range(len(document.mentions)))
    length = cursor = covered_to = 0
    new_title_end = -1
    for start, end, index in sorted((m.start, m.end, i) for i, m in enumerate(document.mentions)):
        if start < covered_to:  # nested or overlapping: it shares the slot of the mention before
            owner[index] = outer[-1]
            continue
        if new_title_end < 0 and start >= title_end:
            new_title_end = length + max(title_end - cursor, 0)
        anchors.append((length, cursor))
        pieces.append(text[cursor:start])
        length += start - cursor
        pieces.append(f" {_MENTION} ")
        length += 3
        outer.append(index)
        cursor = covered_to = end
    if new_title_end < 0:
        new_title_end = length + max(title_end - cursor, 0)
    anchors.append((length, cursor))
    pieces.append(text[cursor:])
    return "".join(pieces), new_title_end, outer, owner, anchors


@dataclass(frozen=True)
class EncodedBatch:
    """Documents as one array of slots (see the module docstring), with where each document's part starts.

    ``words``, ``flags`` and ``sentence`` have one entry per slot of all documents, one after the other;
    sentences are numbered across the batch. Document ``d`` owns slots ``doc_slots[d]:doc_slots[d + 1]``,
    sentences ``doc_sentences[d]:doc_sentences[d + 1]`` and mentions ``doc_mentions[d]:doc_mentions[d + 1]``
    of ``mention_slots`` (each mention's slot, in ``document.mentions`` order). ``starts``/``ends``: each
    slot's character offsets in its ``document.text``, when asked for.
    """

    words: np.ndarray
    flags: np.ndarray
    sentence: np.ndarray
    doc_slots: np.ndarray
    doc_sentences: np.ndarray
    mention_slots: np.ndarray
    doc_mentions: np.ndarray
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None


def encode_batch(documents: Sequence[Document], vocabulary: Vocabulary, *, offsets: bool = False) -> EncodedBatch:
    """Read ``documents`` into one batch of slot arrays (rules in the module docstring).

    Per document this runs a regular expression over its text and a dictionary lookup per token;
    everything else is done with numpy over the whole batch.

    Parameters
    ----------
    documents : sequence of Document
    vocabulary : Vocabulary
        Growing (training) or frozen (a fitted model).
    offsets : bool, default False
        Also compute each slot's character offsets (for explanations and pages; slower).
    """
    codes: list[int] = []
    lengths: list[int] = []
    title_tokens: list[int] = []
    mention_outer: list[int] = []
    outer_codes: list[int] = []
    outer_flags: list[int] = []
    # per document when offsets are asked for: its tokens with their offsets, anchors, outer mentions, first slot
    found_offsets: list[tuple[list[tuple[str, int, int]], list[tuple[int, int]], list[int], int, Document]] = []
    n_outer = 0
    cache, code_of, type_id = vocabulary._tokens, vocabulary.token_code, vocabulary.type_id
    for document in documents:
        original = document.text  # built on each access: once here
        text, title_end, outer, owner, anchors = _with_mention_slots(document, original)
        if offsets:
            matches = [(m.group(), m.start(), m.end()) for m in TOKEN.finditer(text)]
            title = sum(1 for _, start, _ in matches if start < title_end)
            tokens = [token for token, _, _ in matches]
            found_offsets.append((matches, anchors, outer, len(codes), document))
        else:
            head, tail = TOKEN.findall(text[:title_end]), TOKEN.findall(text[title_end:])
            title, tokens = len(head), head + tail
        found = list(map(cache.get, tokens))  # the common case, at C speed
        if None in found:
            found = [code if code is not None else code_of(token) for code, token in zip(found, tokens, strict=True)]
        codes.extend(cast(list[int], found))  # no None is left
        lengths.append(len(tokens))
        title_tokens.append(title)
        mentions = document.mentions
        outer_codes.extend(type_id(mentions[i].entity_type) for i in outer)
        outer_flags.extend(OPENS if _opens(original[mentions[i].start]) else 0 for i in outer)
        rank = {index: n_outer + k for k, index in enumerate(outer)}
        mention_outer.extend(rank[index] for index in owner)
        n_outer += len(outer)
    array = np.array(codes, dtype=np.int64)
    words, flags = array >> 8, array & 0xFF
    at = np.flatnonzero(words == vocabulary.index[_MENTION])
    words[at] = outer_codes
    flags[at] = outer_flags
    doc_slots = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=doc_slots[1:])
    sentence, doc_sentences = _sentences(flags, doc_slots, np.array(title_tokens, dtype=np.int64))
    doc_mentions = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum([len(d.mentions) for d in documents], out=doc_mentions[1:])
    starts = ends = None
    if offsets:
        starts, ends = np.zeros(len(words), dtype=np.int64), np.zeros(len(words), dtype=np.int64)
        for matches, anchors, outer, first, document in found_offsets:
            s, e = _original_offsets(
                matches, anchors, outer, at[(at >= first) & (at < first + len(matches))] - first, document
            )
            starts[first : first + len(matches)], ends[first : first + len(matches)] = s, e
    return EncodedBatch(
        words,
        flags.astype(np.uint8),
        sentence,
        doc_slots,
        doc_sentences,
        at[np.array(mention_outer, dtype=np.int64)],
        doc_mentions,
        starts,
        ends,
    )


def encode(document: Document, vocabulary: Vocabulary, *, offsets: bool = False) -> Encoded:
    """Read one ``document`` into slot arrays (:func:`encode_batch` of one document, indices local to it)."""
    batch = encode_batch([document], vocabulary, offsets=offsets)
    return Encoded(
        batch.words.astype(np.int32),
        batch.flags,
        batch.sentence.astype(np.int32),
        batch.mention_slots.astype(np.int32),
        max(int(batch.doc_sentences[1]), 1),
        batch.starts,
        batch.ends,
    )


def _sentences(flags: np.ndarray, doc_slots: np.ndarray, title_tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sentence index of each slot, and each document's first sentence (module docstring's rules).

    A sentence opens after an END slot at an OPENS slot, at each document's first slot and at its
    abstract's first slot (when the title has slots). Returns (sentence per slot, sentence offsets per document).
    """
    opens = np.zeros(len(flags), dtype=np.int64)
    if len(flags) > 1:
        opens[1:] = ((flags[:-1] & END) != 0) & ((flags[1:] & OPENS) != 0)
    starts, lengths = doc_slots[:-1], np.diff(doc_slots)
    nonempty = lengths > 0
    opens[starts[nonempty]] = 1
    abstract = nonempty & (title_tokens > 0) & (title_tokens < lengths)
    opens[(starts + title_tokens)[abstract]] = 1
    sentence = np.cumsum(opens) - 1
    counts = np.zeros(len(lengths), dtype=np.int64)
    counts[nonempty] = sentence[doc_slots[1:][nonempty] - 1] - sentence[starts[nonempty]] + 1
    doc_sentences = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(counts, out=doc_sentences[1:])
    return sentence, doc_sentences


def _original_offsets(
    matches: list[tuple[str, int, int]],
    anchors: list[tuple[int, int]],
    outer: list[int],
    slot_of_outer: np.ndarray,
    document: Document,
) -> tuple[np.ndarray, np.ndarray]:
    """Map token offsets in the text with mention markers back to ``document.text``."""
    at = np.array([a for a, _ in anchors])
    shift = np.array([original - new for new, original in anchors])
    starts = np.array([s for _, s, _ in matches], dtype=np.int64)
    ends = np.array([e for _, _, e in matches], dtype=np.int64)
    piece = np.searchsorted(at, starts, side="right") - 1
    starts, ends = starts + shift[piece], ends + shift[piece]
    for slot, index in zip(slot_of_outer, outer, strict=True):
        starts[slot], ends[slot] = document.mentions[index].start, document.mentions[index].end
    return starts, ends


@dataclass(frozen=True, slots=True)
class Tokens:
    """A document as slots with their words as strings (for explanations, pages and tests).

    Attributes
    ----------
    words : list of str
        The normalized word, or ``@Type@`` for a mention slot.
    starts, ends : list of int
        Character offsets of each slot in ``document.text``.
    sentence_of : list of int
        The sentence of each slot.
    mention_slots : tuple of int
        For each mention of ``document.mentions`` (in its order), the slot it occupies.
    n_sentences : int
    """

    words: list[str]
    starts: list[int]
    ends: list[int]
    sentence_of: list[int]
    mention_slots: tuple[int, ...]
    n_sentences: int

    def sentence_starts(self) -> list[int]:
        """The first slot of each sentence, plus the slot count at the end."""
        starts = [len(self.words)] * (self.n_sentences + 1)
        for index in range(len(self.words) - 1, -1, -1):
            starts[self.sentence_of[index]] = index
        return starts


def tokenize(document: Document) -> Tokens:
    """Split ``document`` into slots and sentences (rules in the module docstring), words as strings.

    Examples
    --------
    >>> from relclf.document import Document, Mention
    >>> doc = Document("1", "Title.", "Levels rose. Ösophagus cancer grew. Then it fell.",
    ...                (Mention(30, 36, "cancer", "Disease", "D1"),))
    >>> tokens = tokenize(doc)
    >>> tokens.words[:8], tokens.n_sentences
    (['title', '.', 'levels', 'rose', '.', 'ösophagus', '@Disease@', 'grew'], 4)
    >>> tokens.mention_slots, tokens.sentence_of[tokens.mention_slots[0]]
    ((6,), 2)
    """
    vocabulary = Vocabulary(growing=True)
    encoded = encode(document, vocabulary, offsets=True)
    assert encoded.starts is not None and encoded.ends is not None, "encoded with offsets"
    return Tokens(
        [vocabulary.words[i] for i in encoded.words],
        encoded.starts.tolist(),
        encoded.ends.tolist(),
        encoded.sentence.tolist(),
        tuple(int(s) for s in encoded.mention_slots),
        encoded.n_sentences,
    )


def sentence_spans(document: Document, tokens: Tokens | None = None) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of each sentence of :func:`tokenize`, in ``document.text`` offsets.

    A sentence spans from its first slot's start to its last slot's end.

    >>> from relclf.document import Document
    >>> doc = Document("1", "Title.", "Levels rose. Ösophagus cancer grew. Then it fell.")
    >>> [doc.text[a:b] for a, b in sentence_spans(doc)]
    ['Title.', 'Levels rose.', 'Ösophagus cancer grew.', 'Then it fell.']
    """
    tokens = tokenize(document) if tokens is None else tokens
    starts = tokens.sentence_starts()
    return [
        (tokens.starts[starts[s]], tokens.ends[starts[s + 1] - 1])
        for s in range(tokens.n_sentences)
        if starts[s] < starts[s + 1]
    ]
