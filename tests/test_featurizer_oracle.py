"""The vectorized featurizer against the naive one (tests/featurizer_oracle.py): the same FeatureBatch, field by field.

Random small documents (hypothesis: random words, cue and negation words, sentence openers, mentions at
random spans and on words, nested and overlapping, of a few entities of a few types, composite and
missing IDs, empty titles and abstracts, documents without pairs, a vocabulary that knows every word or
only some), the hand-written fixtures, the synthetic corpus and BioRED Dev (when ../shared has it).
The property test is derandomized (the same examples on every run, no example database), so CI cannot
turn flaky; it takes under two seconds. It does not shrink a failing example
(that took minutes); a failure names the field, the pair (document, entities) and both values instead.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import DEV, NEEDS_TRAIN_DEV, parse
from featurizer_oracle import oracle_featurize
from relclf.document import Document, Mention, canonical_type
from relclf.extract.candidates import related_type_pairs, type_pair
from relclf.extract.features import CATEGORICAL, NUMERIC, FeatureBatch, Ragged, featurize
from relclf.io.pubtator import read_pubtator
from relclf.text import Vocabulary
from synthetic import synthetic_corpus

settings.register_profile(
    "featurizer-oracle",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure reports in seconds (shrinking took minutes)
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ORACLE = settings.get_profile("featurizer-oracle")

WORDS = ["levels", "rose", "of", "and", "in", "the", "was", ",", ";", "(", ")", "12", "IL-6", "β-catenin", "ras-raf"]
CUE_WORDS = ["increases", "induced", "inhibits", "reduced", "associated", "binds", "not", "without", "failed"]
OPENERS = ["The", "Then", "We", "Ösophagus", "3", "(", "[", "Aspirin", "it"]  # "it" opens no sentence
NAMES = ["aspirin", "Lithium", "TP53", "cancer", "mice", "IL-6", "β-catenin", "c.5382insC"]
TYPES = ["Chemical", "ChemicalEntity", "Disease", "DiseaseOrPhenotypicFeature", "GeneOrGeneProduct", "Species", "Organ"]
IDS = ["D1", "D2", "C3", "G4", "G5"] * 3 + ["D1|D2", "G4,G5", "C3;G4", "D1, D2", "-", ""]
ALL_TYPE_PAIRS = sorted({type_pair(canonical_type(x), canonical_type(y)) for x in TYPES for y in TYPES})


@st.composite
def sentences(draw) -> list[tuple[str, tuple[str, str] | None]]:
    """A few sentences as (text, (type, ID) when a mention) tokens; some long (a stretch between two mentions
    may pass 24 slots), some without a full stop, mentions often close together (ties between closest mentions)."""
    tokens: list[tuple[str, tuple[str, str] | None]] = []
    for _ in range(draw(st.integers(0, 3))):
        size = draw(st.sampled_from([4, 8, 40]))
        tokens.append((draw(st.sampled_from(OPENERS)), None))
        for _ in range(draw(st.integers(size // 2, size))):
            if draw(st.integers(0, 2)) == 0:
                tokens.append(
                    (draw(st.sampled_from(NAMES)), (draw(st.sampled_from(TYPES)), draw(st.sampled_from(IDS))))
                )
            else:
                tokens.append((draw(st.sampled_from(WORDS + CUE_WORDS)), None))
        tokens.append((draw(st.sampled_from([".", ".", "!", "?", ""])), None))
    return tokens


def _text(tokens: list[tuple[str, tuple[str, str] | None]], offset: int) -> tuple[str, list[Mention]]:
    """The tokens joined by spaces, and their mentions (offsets from ``offset``)."""
    text, mentions = "", []
    for word, mention in tokens:
        text += " " if text and word else ""
        if mention is not None:
            mentions.append(Mention(offset + len(text), offset + len(text) + len(word), word, *mention))
        text += word
    return text, mentions


@st.composite
def documents(draw, pmid: str) -> Document:
    """A document with mentions on words, and at random spans (inside words, over spaces, nested, overlapping),
    in any order."""
    title, in_title = _text(draw(sentences()), 0)
    abstract, in_abstract = _text(draw(sentences()), len(title) + 1)
    text = f"{title} {abstract}"
    mentions = in_title + in_abstract
    for _ in range(draw(st.integers(0, 3)) if text.strip() else 0):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, min(len(text), start + 12)))
        mentions.append(Mention(start, end, text[start:end], draw(st.sampled_from(TYPES)), draw(st.sampled_from(IDS))))
    return Document(pmid, title, abstract, tuple(draw(st.permutations(mentions))))


@st.composite
def batches(draw) -> tuple[list[Document], list[str], bool]:
    """One to four documents, the allowed type pairs (a subset, in any order) and whether composites split."""
    docs = [draw(documents(str(k))) for k in range(draw(st.integers(1, 4)))]
    some = st.lists(st.sampled_from(ALL_TYPE_PAIRS), min_size=1, max_size=len(ALL_TYPE_PAIRS), unique=True)
    type_pairs = draw(st.just(ALL_TYPE_PAIRS) | some)
    return docs, type_pairs, draw(st.booleans())


def _rows(field: Ragged | np.ndarray | tuple[np.ndarray, np.ndarray]) -> list:
    """A field as one plain list per unit (a Ragged's sequences, an array's rows, a link array's pairs)."""
    if isinstance(field, Ragged):
        return [field.values[x:y].tolist() for x, y in zip(field.offsets[:-1], field.offsets[1:], strict=True)]
    if isinstance(field, tuple):
        return list(zip(*(x.tolist() for x in field), strict=True))
    return field.tolist()


def assert_same_batch(ours: FeatureBatch, oracle: FeatureBatch, documents: list[Document], words: list[str]) -> None:
    """Every field equal (the numbers up to rounding: numpy's and math's log1p may differ in the last bit).

    A difference names the field, the first unit that differs (for a pair: its document and entities)
    and both values, word ids spelled out.
    """
    pairs = oracle.pairs

    def unit(name: str, k: int) -> str:
        if name in ("between", "cue_pattern", "cue_shares", "categorical", "numeric") and k < len(pairs):
            a, b = pairs.identifiers[pairs.a[k]], pairs.identifiers[pairs.b[k]]
            return f"pair {k} (document {documents[pairs.doc[k]].pmid}, A={a}, B={b})"
        return f"unit {k}"

    def spelled(name: str, row: object) -> object:
        if name in ("between", "sentences", "names", "documents") and isinstance(row, list):
            return " ".join(words[w] if w else "<0>" for w in row)
        return row

    for name in ("doc", "a", "b", "type_pair"):
        assert getattr(ours.pairs, name).tolist() == getattr(pairs, name).tolist(), f"pairs.{name}"
    assert ours.pairs.identifiers == pairs.identifiers, "pairs.identifiers"
    for name in ("between", "sentences", "shared", "far", "windows", "names", "documents", "cue_pattern", "cue_shares"):
        mine, theirs = _rows(getattr(ours, name)), _rows(getattr(oracle, name))
        for k, (x, y) in enumerate(zip(mine, theirs, strict=True)):
            assert x == y, f"{name}, {unit(name, k)}: vectorized {spelled(name, x)!r}, oracle {spelled(name, y)!r}"
        assert len(mine) == len(theirs), f"{name}: {len(mine)} units, the oracle {len(theirs)}"
    for k, (x, y) in enumerate(zip(_rows(ours.categorical), _rows(oracle.categorical), strict=True)):
        for code, other, signal in zip(x, y, CATEGORICAL, strict=True):
            assert code == other, (
                f"categorical {signal}, {unit('categorical', k)}: vectorized {code:#x}, oracle {other:#x}"
            )
    assert ours.categorical.shape == oracle.categorical.shape, "categorical"
    assert ours.numeric.shape == oracle.numeric.shape, "numeric"
    for k, (x, y) in enumerate(zip(ours.numeric, oracle.numeric, strict=True)):
        np.testing.assert_allclose(x, y, rtol=1e-13, atol=0, err_msg=f"numeric {NUMERIC}, {unit('numeric', k)}")


def check(documents: list[Document], type_pairs: list[str], split: bool = True, frozen: Vocabulary | None = None):
    """Featurize with a growing vocabulary (or ``frozen``), then the oracle with the same ids; compare."""
    vocabulary = frozen if frozen is not None else Vocabulary(growing=True)
    ours = featurize(documents, vocabulary, type_pairs, split_composites=split)
    same_ids = frozen if frozen is not None else Vocabulary(vocabulary.words[1:])  # a frozen copy
    oracle = oracle_featurize(documents, same_ids, type_pairs, split_composites=split)
    assert_same_batch(ours, oracle, documents, same_ids.words)
    return ours


# a vocabulary that knows only some words, as a fitted model's does: the rest read as 0
KNOWN = Vocabulary(growing=True)
featurize(parse(synthetic_corpus(4, seed=2)), KNOWN, ALL_TYPE_PAIRS)
KNOWN.freeze()


@ORACLE
@given(batches(), st.booleans())
def test_random_documents_give_the_oracles_batch(batch, frozen):
    docs, type_pairs, split = batch
    check(docs, type_pairs, split, KNOWN if frozen else None)


def test_the_fixtures_and_the_synthetic_corpus_give_the_oracles_batch(doc_100, doc_200, doc_300, doc_400):
    fixtures = [doc_100, doc_200, doc_300, doc_400]
    assert len(check(fixtures, ALL_TYPE_PAIRS)) == sum(len(check([d], ALL_TYPE_PAIRS)) for d in fixtures) > 0
    check(fixtures, related_type_pairs(fixtures, split_composites=False), split=False)
    synthetic = parse(synthetic_corpus(12, seed=9))
    assert len(check(synthetic, related_type_pairs(synthetic))) > 50


@NEEDS_TRAIN_DEV
def test_biored_dev_gives_the_oracles_batch():
    with DEV.open("rb") as handle:
        docs = list(read_pubtator(handle))
    batch = check(docs, related_type_pairs(docs, split_composites=False), split=False)
    assert (np.diff(batch.between.offsets) > 2 * 12 + 2).any()  # some stretches were trimmed


@pytest.mark.parametrize("frozen", [False, True])
def test_a_document_without_pairs_and_an_empty_batch(frozen):
    vocabulary = KNOWN if frozen else None
    lonely = Document("1", "Aspirin.", "", (Mention(0, 7, "Aspirin", "Chemical", "D1"),))
    empty = Document("2", "", "", ())
    assert len(check([lonely, empty], ALL_TYPE_PAIRS, frozen=vocabulary)) == 0
    assert len(check([], ALL_TYPE_PAIRS, frozen=vocabulary)) == 0
