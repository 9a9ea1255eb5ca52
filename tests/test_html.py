"""The review page writer (relclf.io.html), read back with Python's HTML parser; the page in a browser is
tested in tests/test_review_page.py."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import DOC_100, DOC_200, DOC_300, DOC_400, parse_one
from relclf import cli
from relclf.document import Document, Mention, Relation, document_entities
from relclf.io.formats import OUTPUT_EXTENSIONS, OUTPUT_FORMATS, detect_output_format, write_documents
from relclf.io.html import document_payload, script_json, write_html
from relclf.io.rows import COLUMNS, relation_rows, write_tsv
from relclf.text import sentence_spans
from review_pages import HOSTILE_ABSTRACT, HOSTILE_TITLE, hostile_document, scored_corpus


class _Page(HTMLParser):
    """Collects the page's script and style elements (type and text) and its meta tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self.meta: list[dict] = []
        self._open: tuple[str, dict] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._open, self._text = (tag, dict(attrs)), []
        elif tag == "meta":
            self.meta.append(dict(attrs))

    def handle_data(self, data):
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            text = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._open[1], text))
            else:
                self.styles.append(text)
            self._open = None


def _page(documents: list[Document]) -> tuple[str, _Page]:
    buffer = io.StringIO()
    assert write_html(documents, buffer) == len(documents)
    parser = _Page()
    parser.feed(buffer.getvalue())
    parser.close()
    return buffer.getvalue(), parser


def _payloads(parser: _Page) -> list[dict]:
    return [json.loads(text) for attrs, text in parser.scripts if attrs.get("class") == "relclf-doc"]


def _summary(parser: _Page) -> dict:
    (text,) = [text for attrs, text in parser.scripts if attrs.get("id") == "relclf-summary"]
    return json.loads(text)


# ---------------------------------------------------------------------------------------------------
# Escaping


@given(st.text())
def test_script_json_never_lets_text_end_the_script_element_and_reads_back(text):
    encoded = script_json({"t": text, "l": [text]})
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(encoded) == {"t": text, "l": [text]}


def test_the_hostile_document_reaches_the_page_only_as_json_data():
    html, parser = _page([hostile_document()])
    # the only script elements are the page's own: one per document, the summary and the script
    assert html.count("<script") == 3 and html.count("</script") == 3
    assert [attrs.get("type") for attrs, _ in parser.scripts] == ["application/json", "application/json", None]
    assert "<img" not in html and "<b>" not in html and "<!-- comment" not in html
    (payload,) = _payloads(parser)
    assert "".join(s[0] for s in payload["title"]) == HOSTILE_TITLE
    assert "".join(s[0] for s in payload["abstract"]) == HOSTILE_ABSTRACT


def test_the_content_security_policy_names_the_inline_script_and_style_by_hash_and_allows_no_network():
    _, parser = _page(scored_corpus())
    (policy,) = [m["content"] for m in parser.meta if m.get("http-equiv") == "Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    (script,) = [text for attrs, text in parser.scripts if "type" not in attrs]
    (style,) = parser.styles

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == digest(script) and directives["style-src"] == digest(style)
    assert not [d for d, value in directives.items() if "http" in value or "*" in value]


# ---------------------------------------------------------------------------------------------------
# Segments: the page only concatenates them


@pytest.mark.parametrize(
    "document",
    [parse_one(DOC_100), parse_one(DOC_200), parse_one(DOC_300), parse_one(DOC_400), hostile_document()],
    ids=lambda d: d.pmid,
)
def test_segments_rebuild_the_text_each_mention_and_each_sentence(document):
    payload = document_payload(document, 0)
    segments = payload["title"] + payload["abstract"]
    assert "".join(s[0] for s in payload["title"]) == document.title
    assert "".join(s[0] for s in payload["abstract"]) == document.abstract
    for number, mention in enumerate(document.mentions):
        assert "".join(s[0] for s in segments if number in (s[2] if len(s) > 2 else ())) == mention.text
    # every sentence of the model's definition, and nothing else, is a run of segments of its number
    text = document.text
    for number, (start, end) in enumerate(sentence_spans(document)):
        assert "".join(s[0] for s in segments if s[1] == number) == text[start:end]
    outside = "".join(s[0] for s in segments if s[1] == -1)
    assert not outside.strip()


def test_astral_characters_before_a_mention_do_not_shift_it():
    document = hostile_document()
    payload = document_payload(document, 0)
    covered = [s for s in payload["abstract"] if len(s) > 2]
    assert [s[0] for s in covered] == ["𝛃-catenin", "TP53", "TP53", "𝛃-catenin", "TP53"]
    # the text before the last TP53 holds astral characters (UTF-16 would count two units each)
    assert any(ord(c) > 0xFFFF for c in document.text[: document.mentions[5].start])


def test_nested_and_overlapping_mentions_split_into_segments_each_naming_all_its_mentions():
    text = "Breast cancer genes rose."
    document = Document(
        "1",
        text,
        "",
        (
            Mention(0, 13, "Breast cancer", "Disease", "D1"),
            Mention(7, 19, "cancer genes", "Gene", "G1"),
            Mention(7, 13, "cancer", "Disease", "D2"),
        ),
    )
    payload = document_payload(document, 0)
    assert payload["title"] == [["Breast ", 0, [0]], ["cancer", 0, [0, 1, 2]], [" genes", 0, [1]], [" rose.", 0]]


# ---------------------------------------------------------------------------------------------------
# Entities, relations, evidence


def test_relation_ids_naming_a_composite_whole_or_its_parts_find_their_entity():
    bc5cdr, biored = parse_one(DOC_200), parse_one(DOC_300)
    for document in (bc5cdr, biored):
        payload = document_payload(document, 0)
        entities = payload["entities"]
        for relation in payload["relations"]:
            assert relation["e"] is not None
            assert [entities[e][0] for e in relation["e"]] == [relation["id1"], relation["id2"]]
    # DOC_200's relations name the parts of "D014786|D006311"; both parts point to the composite mention
    entities = {e[0]: e for e in document_payload(bc5cdr, 0)["entities"]}
    assert entities["D014786"][2] == entities["D006311"][2] == [1]
    # DOC_300 names "D034381|D014786" whole
    assert "D034381|D014786" in {e[0] for e in document_payload(biored, 0)["entities"]}


def test_entities_group_the_mentions_as_document_entities_does():
    document = parse_one(DOC_100)
    payload = document_payload(document, 0)
    expected = {
        e.identifier: (e.entity_type, [document.mentions.index(m) for m in e.mentions])
        for e in document_entities(document)
    }
    assert {e[0]: (e[1], e[2]) for e in payload["entities"]} == expected


def _sentences_of(document: Document, identifier: str) -> set[int]:
    spans = sentence_spans(document)
    found = set()
    for entity in document_entities(document):
        if entity.identifier == identifier:
            for m in entity.mentions:
                found |= {n for n, (a, b) in enumerate(spans) if a <= m.start < b}
    return found


def test_evidence_is_the_sentences_with_both_entities_or_else_the_closest_ones():
    document = parse_one(DOC_400).with_relations(
        [Relation("Association", "D001241", "7157"), Relation("Association", "1956", "D009369")]
    )
    together, apart = document_payload(document, 0)["relations"]
    # Aspirin and TP53: in the title and in the first abstract sentence
    assert together["ev"] == sorted(_sentences_of(document, "D001241") & _sentences_of(document, "7157")) == [0, 1]
    assert together["near"] == 0
    # EGFR only in sentence 1; cancer in the title (0) and in sentence 2: both one sentence away
    assert _sentences_of(document, "1956") == {1} and _sentences_of(document, "D009369") == {0, 2}
    assert apart["ev"] == [0, 1, 2] and apart["near"] == 1


def test_a_relation_naming_an_id_without_mentions_has_no_entities_and_no_evidence():
    document = parse_one(DOC_400).with_relations([Relation("Association", "D001241", "NOPE", None, 0.5)])
    (relation,) = document_payload(document, 0)["relations"]
    assert relation["e"] is None and relation["ev"] == [] and relation["near"] is None
    assert (relation["text2"], relation["type2"]) == ("", "")


def test_each_relation_carries_its_tsv_row_as_relclf_writes_it():
    documents = scored_corpus() + [hostile_document()]
    for document in documents:
        payload = document_payload(document, 0)
        buffer = io.StringIO()
        write_tsv([document], buffer)
        assert [r["tsv"] for r in payload["relations"]] == buffer.getvalue().splitlines()[1:]
        rows = list(relation_rows(document))
        assert [(r["text1"], r["label"], r["score"], r["novelty"]) for r in payload["relations"]] == [
            (row["text1"], row["label"], row["score"], row["novelty"] or None) for row in rows
        ]


# ---------------------------------------------------------------------------------------------------
# The page: streaming, identity, formats


def test_the_page_holds_one_payload_per_document_in_order_and_a_summary_with_their_digest():
    documents = scored_corpus()
    html, parser = _page(documents)
    payloads = _payloads(parser)
    assert [p["pmid"] for p in payloads] == [d.pmid for d in documents]
    assert [p["index"] for p in payloads] == list(range(len(documents)))
    summary = _summary(parser)
    assert summary["documents"] == 4 and summary["relations"] == sum(len(d.relations) for d in documents)
    assert summary["columns"] == list(COLUMNS)
    digest = hashlib.sha256()
    for raw in re.findall(r'<script type="application/json" class="relclf-doc">(.*?)</script>', html):
        digest.update(raw.encode())
    assert summary["digest"] == digest.hexdigest()


def test_the_digest_is_the_same_for_the_same_documents_and_differs_when_any_relation_differs():
    first, second = _summary(_page(scored_corpus())[1]), _summary(_page(scored_corpus())[1])
    assert first["digest"] == second["digest"]
    changed = scored_corpus()
    changed[2] = changed[2].with_relations(changed[2].relations[:-1])
    assert _summary(_page(changed)[1])["digest"] != first["digest"]


def test_documents_are_written_as_they_come():
    handle = io.StringIO()
    seen_before: list[int] = []

    def documents():
        for document in scored_corpus():
            seen_before.append(handle.getvalue().count('class="relclf-doc"'))
            yield document

    write_html(documents(), handle)
    # when each document is asked for, every earlier one is already in the output
    assert seen_before == [0, 1, 2, 3]


def test_html_is_an_output_format_chosen_by_extension():
    assert "html" in OUTPUT_FORMATS
    assert detect_output_format("review.html") == detect_output_format("REVIEW.HTM") == "html"
    assert OUTPUT_EXTENSIONS["html"] == ".html"


def test_write_documents_writes_a_page_atomically(tmp_path):
    target = tmp_path / "page.html"

    def failing():
        yield from scored_corpus()[:2]
        raise RuntimeError("input broke half-way")

    with pytest.raises(RuntimeError):
        write_documents(failing(), target)
    assert not list(tmp_path.iterdir())
    assert write_documents(scored_corpus(), target) == 4
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_convert_writes_pages_and_no_page_for_bad_input(tmp_path, capsys):
    source = tmp_path / "gold.pubtator"
    source.write_text(DOC_100 + "\n" + DOC_400, encoding="utf-8")
    assert cli.main(["convert", str(source), "-o", str(tmp_path / "gold.html")]) == 0
    assert cli.main(["convert", str(source), "-o", str(tmp_path / "gold.page"), "--output-format", "html"]) == 0
    parser = _Page()
    parser.feed((tmp_path / "gold.html").read_text(encoding="utf-8"))
    assert [len(p["relations"]) for p in _payloads(parser)] == [2, 1]
    assert (tmp_path / "gold.page").read_bytes() == (tmp_path / "gold.html").read_bytes()
    bad = tmp_path / "bad.pubtator"
    bad.write_text(DOC_100 + "\n" + DOC_400.replace("\t0\t7\tAspirin", "\t0\t7\tAspirim"), encoding="utf-8")
    assert cli.main(["convert", str(bad), "-o", str(tmp_path / "bad.html")]) == 2
    assert "Aspirim" in capsys.readouterr().err
    assert not (tmp_path / "bad.html").exists()


def test_a_score_json_cannot_hold_shows_as_no_score():
    document = parse_one(DOC_400).with_relations(
        [
            Relation("Association", "D001241", "7157", None, float("nan")),
            Relation("Association", "D001241", "1956", None, float("inf")),
        ]
    )
    html, parser = _page([document])
    assert [r["score"] for r in _payloads(parser)[0]["relations"]] == [None, None]


def test_a_document_without_mentions_or_text_still_renders():
    empty = Document("9", "", "")
    payload = document_payload(empty, 0)
    assert payload["title"] == [] and payload["abstract"] == [] and payload["relations"] == []
    _, parser = _page([empty])
    assert len(_payloads(parser)) == 1


@pytest.mark.parametrize("text", [DOC_100, DOC_200, DOC_300, DOC_400])
def test_mentions_are_listed_with_their_canonical_type_raw_id_and_pubtator_columns(text):
    document = parse_one(text)
    payload = document_payload(document, 0)
    # the type as written by its position in the document's types; the text None: the segments spell it
    assert [[*m[:4], payload["types"][m[4]], *m[5:]] for m in payload["mentions"]] == [
        [m.canonical_type, m.identifier, m.start, m.end, m.entity_type, None, list(m.extra)] for m in document.mentions
    ]
    assert len(set(payload["types"])) == len(payload["types"])


def test_a_mention_whose_text_the_segments_do_not_spell_carries_it():
    document = Document("1", "TP53 here.", "", (Mention(0, 4, "p53", "Gene", "7157"),))  # built in Python, unchecked
    assert document_payload(document, 0)["mentions"][0][5] == "p53"


@pytest.mark.parametrize("text", [DOC_100, DOC_200, DOC_300, DOC_400])
def test_the_anchors_are_the_annotations_bioc_relation_nodes_point_to(text):
    """The page writes BioC JSON itself: the anchors it gets must be where relclf's BioC writer points nodes."""
    from relclf.io.bioc_document import document_to_bioc

    document = parse_one(text)
    payload = document_payload(document, 0)
    bioc = document_to_bioc(document)
    nodes = [[int(n.refid) for n in r.nodes] for r in bioc.relations]
    assert [[a for a in r["n"] if a is not None] for r in payload["relations"]] == nodes
    # an added relation between any two entities points where the writer would point it
    for identifier, _, _, anchor, _ in payload["entities"]:
        with_it = document.with_relations([Relation("Bind", identifier, identifier)])
        (relation,) = document_to_bioc(with_it).relations
        assert [int(n.refid) for n in relation.nodes] == [anchor, anchor]
