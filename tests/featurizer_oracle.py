"""A naive featurizer, obviously right: the rules of :mod:`relclf.extract.features` as plain loops, pair by pair.

It is the reference the vectorized :func:`relclf.extract.features.featurize` is checked against
(tests/test_featurizer_oracle.py). Its input is each document's slots as
:func:`relclf.text.encode` reads them (tokenization is tested on its own), its entities from
:func:`relclf.document.document_entities`; everything else (candidate pairs, occurrences, closest
mentions, stretches, windows, cues, signals) is written out here, the slow and plain way, and
returned as the same :class:`~relclf.extract.features.FeatureBatch`.

The vocabulary must already hold every word (featurize with a growing one first, then give this a
frozen copy), so that both give each word the same id. ``max_pairs`` is not followed (no cap).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from relclf.document import Document, Entity, document_entities
from relclf.extract.features import (
    CATEGORICAL,
    DIST_EDGES,
    FIRST_EDGES,
    NUMERIC,
    RANK_EDGES,
    FeatureBatch,
    Pairs,
    Ragged,
)
from relclf.text import CUE_KINDS, CUE_SHIFT, NEGATION, SPECIAL_WORDS, Vocabulary, encode

WINDOW = 3  # slots on each side of a mention (windows, and cues around a pair)
MAX_BETWEEN, HALF = 24, 12  # a longer stretch keeps its first and last HALF slots


def bucket(value: float, edges: Sequence[float]) -> int:
    """The number of edges below ``value``."""
    return sum(1 for edge in edges if edge < value)


def closest(xs: list[int], ys: list[int]) -> tuple[int, int]:
    """The (x, y) with the smallest distance; ties: the smaller x, then the smaller y."""
    _, x, y = min((abs(x - y), x, y) for x in xs for y in ys)
    return x, y


def candidate_pairs(entities: list[Entity], type_pairs: Sequence[str]) -> list[tuple[int, int]]:
    """Every two entities (in order of first mention) whose type pair is allowed; A is the one whose
    (type, first mention, identifier) sorts first."""

    def order(e: Entity) -> tuple[str, int, str]:
        return (e.entity_type, min(m.start for m in e.mentions), e.identifier)

    found = []
    for x, y in itertools.combinations(range(len(entities)), 2):
        if "|".join(sorted((entities[x].entity_type, entities[y].entity_type))) in type_pairs:
            found.append((x, y) if order(entities[x]) <= order(entities[y]) else (y, x))
    return found


class _Document:
    """One document read as slots, with the entities that are in a pair and their occurrences."""

    def __init__(self, document: Document, vocabulary: Vocabulary, first_sentence: int, entities: list[Entity]) -> None:
        encoded = encode(document, vocabulary)
        self.words = [int(w) for w in encoded.words]
        self.flags = [int(f) for f in encoded.flags]
        self.sentence = [first_sentence + int(s) for s in encoded.sentence]  # numbered across the batch
        self.first_sentence = first_sentence
        self.n_sentences = encoded.n_sentences
        slots = [int(s) for s in encoded.mention_slots]
        self.occurrences = {e.identifier: sorted({slots[i] for i in e.mention_indices}) for e in entities}

    def sentence_slots(self, sentence: int) -> list[int]:
        return [k for k in range(len(self.words)) if self.sentence[k] == sentence]

    def window(self, slot: int) -> list[tuple[int, int]]:
        """The (slot, side) pairs around ``slot`` within the document (side 0 before, 1 after)."""
        around = [(slot + offset, int(offset > 0)) for offset in range(-WINDOW, WINDOW + 1) if offset]
        return [(k, side) for k, side in around if 0 <= k < len(self.words)]


def oracle_featurize(
    documents: Sequence[Document], vocabulary: Vocabulary, type_pairs: Sequence[str], *, split_composites: bool = True
) -> FeatureBatch:
    """The FeatureBatch of ``documents``, computed pair by pair (see the module docstring)."""
    mark_a, mark_b, mark_ab, separator, ellipsis = (vocabulary.id(w) for w in SPECIAL_WORDS)
    width = 1 << len(CUE_KINDS)
    pair_doc, pair_a, pair_b, pair_type, identifiers = [], [], [], [], []
    between, sentences, shared_links, far_links, windows, names, document_words = [], [], [], [], [], [], []
    cue_patterns, cue_shares, categorical, numeric = [], [], [], []
    n_sentences_before = 0
    for d, document in enumerate(documents):
        entities = document_entities(document, split_composites=split_composites)
        pairs = candidate_pairs(entities, type_pairs)
        used = sorted({e for pair in pairs for e in pair})
        if not pairs:
            document_words.append([])
            continue
        doc = _Document(document, vocabulary, n_sentences_before, [entities[e] for e in used])
        n_sentences_before += doc.n_sentences
        document_words.append(doc.words)
        for s in range(doc.first_sentence, doc.first_sentence + doc.n_sentences):
            sentences.append([doc.words[k] for k in doc.sentence_slots(s)])
        # per entity (in pairs): its index in the batch, windows, names, cue kinds near it, rank, partners
        index = {e: len(identifiers) + k for k, e in enumerate(used)}
        identifiers += [entities[e].identifier for e in used]
        entity_cues = {}
        for e in used:
            occurrences = doc.occurrences[entities[e].identifier]
            around = [pair for slot in occurrences for pair in doc.window(slot)]
            windows.append([2 * doc.words[k] + side for k, side in around])
            entity_cues[e] = 0
            for k, _ in around:
                entity_cues[e] |= (doc.flags[k] >> CUE_SHIFT) & (width - 1)
            name_ids = sorted({vocabulary.name_id(m.text) for m in entities[e].mentions})
            names.append([vocabulary.id(f"id={entities[e].identifier}"), *name_ids])
        by_mentions = sorted(used, key=lambda e: (-len(entities[e].mentions), used.index(e)))
        rank = {e: by_mentions.index(e) + 1 for e in used}
        partners = {e: sum(e in pair for pair in pairs) for e in used}
        last = doc.n_sentences - 1  # the last sentence's index within the document
        for a, b in pairs:
            p = len(pair_doc)
            tp = list(type_pairs).index("|".join(sorted((entities[a].entity_type, entities[b].entity_type))))
            pair_doc.append(d)
            pair_a.append(index[a])
            pair_b.append(index[b])
            pair_type.append(tp)
            occ_a, occ_b = doc.occurrences[entities[a].identifier], doc.occurrences[entities[b].identifier]
            sentences_a = {doc.sentence[k] for k in occ_a}
            sentences_b = {doc.sentence[k] for k in occ_b}
            shared = sorted(sentences_a & sentences_b)
            stretches, a_first, negated, near = [], 0, 0, [0] * len(CUE_KINDS)
            for s in shared:
                shared_links.append((p, s))
                i, j = closest([k for k in occ_a if doc.sentence[k] == s], [k for k in occ_b if doc.sentence[k] == s])
                lo, hi = min(i, j), max(i, j)
                stretch = []
                for k in range(lo, hi + 1):
                    of_a, of_b = k in occ_a, k in occ_b
                    stretch.append(mark_ab if of_a and of_b else mark_a if of_a else mark_b if of_b else doc.words[k])
                if len(stretch) > MAX_BETWEEN:
                    stretch = stretch[:HALF] + [ellipsis] + stretch[-HALF:]
                stretches += [*stretch, separator]
                a_first += i < j
                negated += any(doc.flags[k] & NEGATION for k in range(lo, hi + 1))
                in_sentence = doc.sentence_slots(s)
                nearby = range(max(lo - WINDOW, in_sentence[0]), min(hi + WINDOW, in_sentence[-1]) + 1)
                for kind in range(len(CUE_KINDS)):
                    near[kind] += any(doc.flags[k] >> (CUE_SHIFT + kind) & 1 for k in nearby)
            between.append(stretches)
            n_shared = len(shared)
            distance = 0
            if not shared:
                i, j = closest(occ_a, occ_b)
                distance = abs(doc.sentence[i] - doc.sentence[j])
                far_links += [(p, s) for s in sorted({doc.sentence[i], doc.sentence[j]})]
            # cues
            kinds = sum(1 << kind for kind in range(len(CUE_KINDS)) if near[kind])
            pattern = ((tp * width + kinds) * 2 + (negated > 0)) * width + entity_cues[a]
            cue_patterns.append(pattern * width + entity_cues[b])
            cue_shares.append([count / n_shared if n_shared else 0.0 for count in near])
            # signals
            local = [s - doc.first_sentence for s in shared]
            title_a = doc.first_sentence in sentences_a
            title_b = doc.first_sentence in sentences_b
            first_shared = local[0] / max(last, 1) if shared else 1.0
            dist = bucket(distance, DIST_EDGES)
            values = {
                "tp": tp,
                "tp&cooc": tp * 2 + bool(shared),
                "tp&dist": tp * (len(DIST_EDGES) + 1) + dist,
                "dist": dist,
                "tp&title": tp * 4 + title_a * 2 + title_b,
                "first_shared": bucket(first_shared, FIRST_EDGES),
                "rank_a": bucket(rank[a], RANK_EDGES),
                "rank_b": bucket(rank[b], RANK_EDGES),
                "tp&ranks": tp * 16 + (min(rank[a], 4) - 1) * 4 + (min(rank[b], 4) - 1),
            }
            categorical.append([k << 32 | values[name] for k, name in enumerate(CATEGORICAL)])
            numbers = {
                "n_a": math.log1p(len(occ_a)),
                "n_b": math.log1p(len(occ_b)),
                "n_shared": math.log1p(n_shared),
                "shared_frac": n_shared / max(len(sentences_a | sentences_b), 1),
                "title_a": title_a,
                "title_b": title_b,
                "title_both": 0 in local,
                "last_shared": any(s >= last - 1 for s in local),
                "partners_a": math.log1p(partners[a]),
                "partners_b": math.log1p(partners[b]),
                "a_first": a_first / n_shared if shared else 0.5,
                "negated": negated / n_shared if shared else 0.0,
                "n_entities": math.log1p(len(used)),
                "n_sentences": math.log1p(doc.n_sentences),
            }
            numeric.append([float(numbers[name]) for name in NUMERIC])
    return FeatureBatch(
        pairs=Pairs(_ints(pair_doc), _ints(pair_a), _ints(pair_b), _ints(pair_type), identifiers),
        between=_ragged(between),
        sentences=_ragged(sentences),
        shared=_links(shared_links),
        far=_links(far_links),
        windows=_ragged(windows),
        names=_ragged(names),
        documents=_ragged(document_words),
        cue_pattern=_ints(cue_patterns),
        cue_shares=np.array(cue_shares, dtype=np.float64).reshape(-1, len(CUE_KINDS)),
        categorical=_ints(categorical).reshape(-1, len(CATEGORICAL)),
        numeric=np.array(numeric, dtype=np.float64).reshape(-1, len(NUMERIC)),
    )


def _ints(values: list) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def _ragged(sequences: list[list[int]]) -> Ragged:
    return Ragged(_ints([v for s in sequences for v in s]), _ints([0, *itertools.accumulate(map(len, sequences))]))


def _links(links: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    return _ints([p for p, _ in links]), _ints([s for _, s in links])
