"""Tests of relclf.extract.features: masked pair text, sentences, windows and document-level signals, as id arrays."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import parse_one
from relclf.extract.candidates import generate_candidates, related_type_pairs
from relclf.extract.features import CATEGORICAL, NUMERIC, FeatureBatch, cue_name, featurize, signal_name
from relclf.text import Vocabulary

ALL_TYPE_PAIRS = sorted(
    {
        "|".join(sorted((x, y)))
        for x in ("Chemical", "Disease", "Gene", "Species", "Variant")
        for y in ("Chemical", "Disease", "Gene", "Species", "Variant")
    }
)


class View:
    """One pair of a FeatureBatch read back as words and named signals (what the arrays mean)."""

    def __init__(self, batch: FeatureBatch, vocabulary: Vocabulary, type_pairs: list[str], index: int) -> None:
        words = vocabulary.words
        pairs = batch.pairs
        self.a, self.b = pairs.identifiers[pairs.a[index]], pairs.identifiers[pairs.b[index]]
        self.type_pair = type_pairs[pairs.type_pair[index]]
        between = batch.between
        self.between = " ".join(words[i] for i in between.values[between.offsets[index] : between.offsets[index + 1]])
        self.shared = tuple(s for p, s in zip(*batch.shared, strict=True) if p == index)
        self.far = tuple(s for p, s in zip(*batch.far, strict=True) if p == index)
        self.signals = {
            name: signal_name(int(code), type_pairs)[len(name) + 1 :]
            for name, code in zip(CATEGORICAL, batch.categorical[index], strict=True)
        }
        self.signals |= dict(zip(NUMERIC, batch.numeric[index].tolist(), strict=True))
        self.cue_pattern = cue_name(int(batch.cue_pattern[index]), type_pairs)
        self.cue_shares = batch.cue_shares[index].tolist()
        names = batch.names
        self.names_a = [
            words[i] for i in names.values[names.offsets[pairs.a[index]] : names.offsets[pairs.a[index] + 1]]
        ]


def views(documents, type_pairs=ALL_TYPE_PAIRS):
    vocabulary = Vocabulary(growing=True)
    batch = featurize(documents, vocabulary, type_pairs)
    return batch, vocabulary, [View(batch, vocabulary, list(type_pairs), k) for k in range(len(batch))]


def pair_of(found: list[View], id_a: str, id_b: str) -> View:
    (view,) = [v for v in found if (v.a, v.b) == (id_a, id_b)]
    return view


@pytest.fixture
def batch_400(doc_400):
    return views([doc_400])


def test_one_pair_per_candidate_in_candidate_order(doc_400, batch_400):
    batch, _, found = batch_400
    candidates = generate_candidates(doc_400)
    assert len(candidates) == 10  # 5 entities, all type pairs allowed
    assert [(v.a, v.b) for v in found] == [(c.a.identifier, c.b.identifier) for c in candidates]
    assert [v.type_pair for v in found] == [c.type_pair for c in candidates]
    assert len(batch.sentences) == 3  # title + two abstract sentences
    assert len(batch.names) == len(batch.windows) == 5


def test_several_documents_in_one_batch(doc_100, doc_200, doc_300, doc_400):
    documents = [doc_100, doc_200, doc_300, doc_400]
    batch, _, found = views(documents)
    candidates = [c for d in documents for c in generate_candidates(d)]
    assert [(v.a, v.b) for v in found] == [(c.a.identifier, c.b.identifier) for c in candidates]
    assert batch.pairs.doc.tolist() == sorted(batch.pairs.doc.tolist())
    # the same pairs read alone and in a batch look the same
    alone = {(v.a, v.b): v.between for v in views([doc_300])[2]}
    assert {(v.a, v.b): v.between for v in found if (v.a, v.b) in alone} == alone
    # a document without candidates adds nothing; an empty batch is empty
    none = parse_one("9|t|No entities.\n9|a|At all.\n")
    assert [(v.a, v.b) for v in views([none, doc_100])[2]] == [(v.a, v.b) for v in views([doc_100])[2]]
    assert len(views([])[0]) == 0


def test_between_text_masks_the_pair_and_other_entities(batch_400):
    _, _, found = batch_400
    # "Aspirin inhibits TP53 via EGFR": TP53 is another entity and reads as its type
    assert pair_of(found, "D001241", "1956").between == "@A@ inhibits @Gene@ via @B@ |"
    # title "Aspirin and TP53 in cancer."
    assert pair_of(found, "D001241", "D009369").between == "@A@ and @Gene@ in @B@ |"
    # B before A in the text: cancer (Disease) is A, TP53 (Gene) is B
    assert pair_of(found, "D009369", "7157").between == "@B@ in @A@ |"
    # two shared sentences (title and sentence 1): one stretch each
    assert pair_of(found, "D001241", "7157").between == "@A@ and @B@ | @A@ inhibits @B@ |"


def test_long_gaps_keep_their_first_and_last_twelve_words():
    words = " ".join(f"w{k}" for k in range(30))
    text = f"Lithium {words} fibrosis."
    end = len("Lithium ") + len(words) + 1
    document = parse_one(
        f"1|t|T.\n1|a|{text}\n1\t3\t10\tLithium\tChemical\tC1\n1\t{end + 3}\t{end + 11}\tfibrosis\tDisease\tD1\n"
    )
    (view,) = views([document])[2]
    tokens = view.between.split()
    assert tokens[:3] == ["@A@", "w0", "w0"] and tokens[12] == "…" and tokens[-2:] == ["@B@", "|"]
    assert len(tokens) == 2 * 12 + 1 + 1  # digits read 0: "w0" is every word


def test_digits_read_zero_and_words_are_lower_cased(batch_400):
    batch, vocabulary, found = batch_400
    assert pair_of(found, "D001241", "10090").between == "@A@ inhibits @Gene@ via @Gene@ in 0 @B@ |"
    sentences = [
        " ".join(vocabulary.words[i] for i in batch.sentences.values[a:b])
        for a, b in zip(batch.sentences.offsets[:-1], batch.sentences.offsets[1:], strict=True)
    ]
    assert sentences[1] == "@Chemical@ inhibits @Gene@ via @Gene@ in 0 @Species@ ."
    assert sentences[2] == "later , @Disease@ was seen ."
    assert "name=tp00" in pair_of(found, "7157", "1956").names_a  # TP53


def test_pair_that_never_shares_a_sentence(batch_400):
    _, _, found = batch_400
    pair = pair_of(found, "D009369", "1956")  # cancer (title, sentence 2), EGFR (sentence 1)
    assert pair.between == ""
    assert pair.shared == ()
    assert set(pair.far) == {0, 1}  # the sentences of the closest mentions: cancer in the title, EGFR
    assert pair.signals["n_shared"] == 0.0
    assert pair.signals["dist"] == "1"
    co_occurring = pair_of(found, "D001241", "1956")
    assert co_occurring.far == ()
    assert co_occurring.shared == (1,)


def test_mentions_inside_one_hyphenated_token_each_get_a_slot():
    document = parse_one(
        "2|t|Ras-Raf-Erk signaling.\n"
        "2|a|None.\n"
        "2\t0\t3\tRas\tGene\t3265\n"
        "2\t4\t7\tRaf\tGene\t109880\n"
        "2\t8\t11\tErk\tGene\t26413\n"
    )
    found = views([document])[2]
    assert len(found) == 3
    assert all(v.shared == (0,) and v.between for v in found)
    assert pair_of(found, "3265", "109880").between == "@A@ - @B@ |"


def test_names_hold_the_identifier_and_each_distinct_name(batch_400):
    _, _, found = batch_400
    for view in found:
        assert view.names_a[0] == f"id={view.a}"
    assert pair_of(found, "D001241", "7157").names_a == ["id=D001241", "name=aspirin"]  # "Aspirin" twice, one name


def test_dense_signals_type_pair_and_title_flags(batch_400):
    _, _, found = batch_400
    both_in_title = pair_of(found, "D001241", "D009369").signals  # Aspirin, cancer
    assert both_in_title["tp"] == "Chemical|Disease"
    assert (both_in_title["title_a"], both_in_title["title_b"], both_in_title["title_both"]) == (1.0, 1.0, 1.0)
    assert both_in_title["tp&title"] == "Chemical|Disease&True&True"

    a_only = pair_of(found, "D001241", "1956").signals  # Aspirin in the title, EGFR not
    assert a_only["tp"] == "Chemical|Gene"
    assert (a_only["title_a"], a_only["title_b"], a_only["title_both"]) == (1.0, 0.0, 0.0)

    separate = pair_of(found, "D009369", "1956").signals  # cancer in the title, EGFR not
    assert separate["tp"] == "Disease|Gene"
    assert (separate["title_a"], separate["title_b"], separate["title_both"]) == (1.0, 0.0, 0.0)

    neither = pair_of(found, "1956", "10090").signals  # EGFR, mice
    assert neither["tp"] == "Gene|Species"
    assert (neither["title_a"], neither["title_b"], neither["title_both"]) == (0.0, 0.0, 0.0)
    for view in found:
        assert view.signals["tp"] == view.type_pair


def test_counts_ranks_and_partners(batch_400):
    _, _, found = batch_400
    aspirin_tp53 = pair_of(found, "D001241", "7157").signals
    assert aspirin_tp53["n_a"] == pytest.approx(np.log1p(2)) and aspirin_tp53["n_shared"] == pytest.approx(np.log1p(2))
    assert aspirin_tp53["shared_frac"] == 1.0  # title and sentence 1, both
    assert aspirin_tp53["partners_a"] == pytest.approx(np.log1p(4))  # 5 entities, each in 4 pairs
    assert aspirin_tp53["n_entities"] == pytest.approx(np.log1p(5)) and aspirin_tp53["n_sentences"] == pytest.approx(
        np.log1p(3)
    )
    assert aspirin_tp53["rank_a"] == "1" and aspirin_tp53["a_first"] == 1.0


def _one_pair(text: str, a: tuple[int, int, str, str, str], b: tuple[int, int, str, str, str]) -> View:
    body = f"1|t|T.\n1|a|{text}\n" + "".join(f"1\t{s + 3}\t{e + 3}\t{t}\t{ty}\t{i}\n" for s, e, t, ty, i in (a, b))
    (view,) = views([parse_one(body)])[2]
    return view


def test_direction_cues_and_negation_are_found_near_the_pair():
    up = _one_pair(
        "Lithium induces fibrosis.", (0, 7, "Lithium", "Chemical", "C1"), (16, 24, "fibrosis", "Disease", "D1")
    )
    assert up.cue_pattern == "Chemical|Disease&up&neg=False&a=up&b=up"
    assert up.cue_shares[0] == 1.0
    down = _one_pair(
        "Lithium did not reduce fibrosis.", (0, 7, "Lithium", "Chemical", "C1"), (23, 31, "fibrosis", "Disease", "D1")
    )
    assert down.cue_pattern == "Chemical|Disease&down&neg=True&a=down&b=down"
    assert down.signals["negated"] == 1.0
    none = _one_pair(
        "Lithium and fibrosis.", (0, 7, "Lithium", "Chemical", "C1"), (12, 20, "fibrosis", "Disease", "D1")
    )
    assert none.cue_pattern == "Chemical|Disease&none&neg=False&a=&b="
    assert sum(none.cue_shares) == 0.0


def test_only_the_allowed_type_pairs_make_pairs(doc_100, doc_300):
    type_pairs = related_type_pairs([doc_100, doc_300], split_composites=False)
    found = views([doc_100], type_pairs)[2]
    assert {v.type_pair for v in found} <= set(type_pairs)
    assert len(found) == len(generate_candidates(doc_100, type_pairs))


def test_a_frozen_vocabulary_reads_new_words_as_unknown(doc_400, doc_100):
    vocabulary = Vocabulary(growing=True)
    featurize([doc_400], vocabulary, ALL_TYPE_PAIRS)
    vocabulary.freeze()
    size = len(vocabulary)
    batch = featurize([doc_100], vocabulary, ALL_TYPE_PAIRS)
    assert len(vocabulary) == size  # nothing learned while predicting
    assert (batch.sentences.values == 0).any()  # "lithium", "signalling"... are unknown
