"""Tokens and sentences (relclf.text): the one definition features, explanations and pages share."""

from __future__ import annotations

from conftest import parse_one
from relclf.document import Document, Mention
from relclf.text import normal_word, sentence_spans, tokenize


def test_words_are_lower_cased_with_digits_as_zero():
    assert normal_word("IL-6") == "il-0"
    assert normal_word("CD4+") == "cd0+"
    assert tokenize(Document("1", "IL-6 rose 2-fold.", "")).words == ["il-0", "rose", "0-fold", "."]


def test_title_is_sentence_zero_and_capitals_of_any_script_open_sentences():
    # the example: "Ö" is upper-case, so it opens a sentence like "T" does
    document = Document("1", "Title.", "Levels rose. Ösophagus cancer grew. Then it fell.")
    tokens = tokenize(document)
    assert tokens.n_sentences == 4
    spans = sentence_spans(document, tokens)
    assert [document.text[a:b] for a, b in spans] == [
        "Title.",
        "Levels rose.",
        "Ösophagus cancer grew.",
        "Then it fell.",
    ]


def test_no_break_before_lower_case_or_inside_abbreviations():
    document = Document("1", "T", "Given i.v. to mice. e.g. rats were (n = 3) fine. [12] More.")
    tokens = tokenize(document)
    sentences = [document.text[a:b] for a, b in sentence_spans(document, tokens)]
    assert sentences == ["T", "Given i.v. to mice. e.g. rats were (n = 3) fine.", "[12] More."]


def test_mentions_are_one_slot_each_even_inside_one_token():
    text = "Ras-Raf-Erk signalling."
    mentions = (
        Mention(0, 3, "Ras", "Gene", "1"),
        Mention(4, 7, "Raf", "Gene", "2"),
        Mention(8, 11, "Erk", "Gene", "3"),
    )
    tokens = tokenize(Document("1", text, "", mentions))
    assert tokens.words == ["@Gene@", "-", "@Gene@", "-", "@Gene@", "signalling", "."]
    assert tokens.mention_slots == (0, 2, 4)
    assert [text[tokens.starts[s] : tokens.ends[s]] for s in tokens.mention_slots] == ["Ras", "Raf", "Erk"]


def test_nested_mention_shares_the_outer_slot(doc_300):
    # "hearing loss or visual loss" (152-179) holds no nested mention in the fixture; add one
    nested = Mention(168, 179, "visual loss", "DiseaseOrPhenotypicFeature", "D014786")
    document = Document(doc_300.pmid, doc_300.title, doc_300.abstract, (*doc_300.mentions, nested))
    tokens = tokenize(document)
    outer = tokens.mention_slots[len(doc_300.mentions) - 1]
    assert tokens.mention_slots[-1] == outer
    assert tokens.words[outer] == "@Disease@"


def test_a_mention_opens_a_sentence_like_a_word(doc_400):
    tokens = tokenize(doc_400)
    assert tokens.n_sentences == 3
    # "Aspirin" in the abstract (mention 3) opens sentence 1; the last "cancer" is in sentence 2
    assert tokens.sentence_of[tokens.mention_slots[3]] == 1
    assert tokens.sentence_of[tokens.mention_slots[7]] == 2


def test_empty_abstract_gives_an_empty_sentence_at_the_end():
    document = parse_one("5|t|Only a title.\n5|a|\n")
    spans = sentence_spans(document)
    assert [document.text[a:b] for a, b in spans] == ["Only a title."]
