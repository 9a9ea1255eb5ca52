"""The review page in a real browser: headless Chromium driven by Playwright, checked through the DOM.

One browser serves the whole session; each test gets a fresh browser context (so fresh local storage)
that records every request the pages make and every console message and uncaught error: at the end
of each test the pages must have asked for nothing but their own file (and the export's blob: URLs),
and logged no warning or error (a Content-Security-Policy violation is one).

Chromium comes from the system (Debian's ``chromium``; .ci/run installs it when missing): Playwright
never downloads a browser here. Without Playwright or Chromium these tests skip, saying which.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
from pathlib import Path

import pytest

from conftest import parse
from relclf import cli
from relclf.document import document_entities
from relclf.io.formats import read_documents, write_documents
from relclf.text import sentence_spans
from review_browser import NEEDS_CHROMIUM, VIEWPORT, download, launch, session, shown_keys
from review_pages import HOSTILE_ABSTRACT, HOSTILE_TITLE, SCORED, hostile_document, scored_corpus
from synthetic import synthetic_corpus

pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "36727001.pubtator"
pytestmark = NEEDS_CHROMIUM


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.fixture
def browsing(browser):
    yield from session(browser)


# ---------------------------------------------------------------------------------------------------
# Pages


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """The pages the tests open: the bundled example predicted by the CLI, a scored corpus, a hostile document, many."""
    folder = tmp_path_factory.mktemp("pages")
    paths = {name: folder / f"{name}.html" for name in ("example", "scored", "rescored", "hostile", "many")}
    assert cli.main(["predict", str(EXAMPLE), "-o", str(paths["example"])]) == 0
    write_documents(scored_corpus(), paths["scored"])
    # the same relations with other scores, as another model would give: another page, another digest
    write_documents(
        [d.with_relations([dataclasses.replace(r, score=r.score / 2) for r in d.relations]) for d in scored_corpus()],
        paths["rescored"],
    )
    write_documents([hostile_document()], paths["hostile"])
    write_documents(parse(synthetic_corpus(2000, seed=3)), paths["many"])
    return paths


def mention_texts(page, article: str) -> dict[int, str]:
    """Each mention's highlighted text in a document: its segments joined, read from the DOM."""
    return {
        int(k): v
        for k, v in page.eval_on_selector(
            article,
            """article => {
                const texts = {};
                for (const span of article.querySelectorAll('.m')) {
                    for (const m of span.dataset.m.split(' ')) texts[m] = (texts[m] || '') + span.textContent;
                }
                return texts;
            }""",
        ).items()
    }


# ---------------------------------------------------------------------------------------------------
# What the page shows


def test_the_example_page_shows_the_text_every_mention_and_the_predicted_relations(browsing, pages, tmp_path):
    (document,) = read_documents(EXAMPLE)
    page = browsing.open(pages["example"])
    article = "article#doc-1"
    assert page.text_content(f"{article} .doc-title") == document.title
    assert page.text_content(f"{article} .doc-abstract") == document.abstract
    assert mention_texts(page, article) == {i: m.text for i, m in enumerate(document.mentions)}
    types = page.eval_on_selector_all(
        f"{article} .m", "spans => spans.map(s => [Number(s.dataset.m.split(' ')[0]), s.dataset.type])"
    )
    assert all(document.mentions[i].canonical_type == t for i, t in types)
    # the legend names each type with its mention count
    legend = page.eval_on_selector_all("#legend li", "items => items.map(i => i.textContent)")
    assert sorted(legend) == sorted(
        f"{t}{n} mention{'s' * (n > 1)}" for t, n in {"Chemical": 4, "Disease": 11, "Species": 9, "Gene": 2}.items()
    )
    # the table holds what `relclf predict --with-scores -o x.tsv` writes
    assert cli.main(["predict", str(EXAMPLE), "-o", str(tmp_path / "predicted.tsv")]) == 0
    rows = [line.split("\t") for line in (tmp_path / "predicted.tsv").read_text().splitlines()[1:]]
    cells = page.eval_on_selector_all(
        f"{article} tr.rel",
        "rows => rows.map(r => [r.querySelector('td:nth-child(1) .ename').textContent, "
        "r.querySelector('td:nth-child(1) .eid').textContent,"
        " r.querySelector('td:nth-child(2) .ename').textContent, r.querySelector('td:nth-child(2) .eid').textContent,"
        " r.querySelector('.label').textContent, r.querySelector('.novelty').textContent, "
        "r.querySelector('.score').textContent])",
    )
    assert cells == [[r[3], r[1], r[6], r[4], r[7], f"novelty: {r[9]}", f"{float(r[8]):.3f}"] for r in rows]
    assert len(cells) == 3


def _sentences_with(document, identifier: str) -> set[int]:
    spans = sentence_spans(document)
    (entity,) = [e for e in document_entities(document) if e.identifier == identifier]
    return {n for n, (a, b) in enumerate(spans) if any(a <= m.start < b for m in entity.mentions)}


def test_selecting_a_relation_marks_its_two_entities_and_the_sentences_with_both_in_view(browsing, pages):
    (document,) = read_documents(EXAMPLE)
    page = browsing.open(pages["example"])
    row = page.locator("article#doc-1 tr.rel").nth(1)
    first, second = row.locator(".eid").all_text_contents()
    row.click()
    assert "selected" in row.get_attribute("class")
    entities = {e.identifier: e for e in document_entities(document)}

    def marked(cls: str) -> set[int]:
        return set(
            page.eval_on_selector_all(
                f"article#doc-1 .m.{cls}", "spans => spans.flatMap(s => s.dataset.m.split(' ').map(Number))"
            )
        )

    assert marked("sel-a") == {document.mentions.index(m) for m in entities[first].mentions}
    assert marked("sel-b") == {document.mentions.index(m) for m in entities[second].mentions}
    expected = sorted(_sentences_with(document, first) & _sentences_with(document, second))
    assert expected
    spans = sentence_spans(document)
    evidence = page.eval_on_selector_all(
        "article#doc-1 .sent.evidence", "s => s.map(x => [Number(x.dataset.s), x.textContent])"
    )
    assert evidence == [[n, document.text[spans[n][0] : spans[n][1]]] for n in expected]
    box = page.locator("article#doc-1 .sent.evidence").first.bounding_box()
    assert 0 <= box["y"] and box["y"] + min(box["height"], 100) <= VIEWPORT["height"]
    # another relation moves the marks; Escape clears them
    page.locator("article#doc-1 tr.rel").nth(0).click()
    assert page.locator("article#doc-1 tr.selected").count() == 1
    page.keyboard.press("Escape")
    assert page.locator(".sel-a, .sel-b, .evidence, tr.selected").count() == 0


def test_the_hostile_document_is_shown_as_text_and_runs_nothing(browsing, pages):
    document = hostile_document()
    page = browsing.open(pages["hostile"])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.text_content("article#doc-1 .doc-title") == HOSTILE_TITLE
    assert page.text_content("article#doc-1 .doc-abstract") == HOSTILE_ABSTRACT
    assert page.locator("#docs img, #docs b, #docs script").count() == 0
    # mentions after emoji, 𝛃 and U+2028 (two UTF-16 units, or a line break to old parsers) are where PubTator puts them
    assert mention_texts(page, "article#doc-1") == {i: m.text for i, m in enumerate(document.mentions)}
    page.locator("article#doc-1 tr.rel").click()
    assert page.eval_on_selector_all(".m.sel-a", "s => s.map(x => x.textContent)") == ["TP53"] * 4
    assert page.eval_on_selector_all(".m.sel-b", "s => s.map(x => x.textContent)") == ["𝛃-catenin"] * 2
    # searching for markup finds it as text, highlighted by the page's own <mark>
    page.fill("#query", "<script>")
    page.check("#query-text")
    page.press("#query", "Enter")
    assert page.eval_on_selector_all("#docs mark", "m => m.map(x => x.textContent)") == ["<script>", "<script>"]
    assert page.evaluate("typeof window.__pwned") == "undefined"


# ---------------------------------------------------------------------------------------------------
# Review: filters, sort, decisions, export


def _expected(predicate) -> list[str]:
    """Keys of the scored corpus's relations that ``predicate(pmid, relation)`` keeps, in document order."""
    return [
        f"{d}:{i}"
        for d, (pmid, relations) in enumerate(SCORED.items())
        for i, r in enumerate(relations)
        if predicate(pmid, r)
    ]


def _types(pmid: str, relation) -> str:
    document = {d.pmid: d for d in scored_corpus()}[pmid]
    index = {e.identifier: e.entity_type for e in document_entities(document, split_composites=False)}
    index.update({e.identifier: e.entity_type for e in document_entities(document)})
    return "|".join(sorted((index[relation.id1], index[relation.id2])))


def test_filters_by_label_type_pair_novelty_score_and_text(browsing, pages):
    page = browsing.open(pages["scored"])
    assert shown_keys(page) == _expected(lambda p, r: True)
    assert page.text_content("#matches") == "4 documents, 9 relations"
    page.uncheck("#label-filter input[value='Association']")
    assert shown_keys(page) == _expected(lambda p, r: r.label != "Association")
    assert page.text_content("#matches") == "3 of 9 relations match, in 3 of 4 documents"
    page.locator("#label-filter button", has_text="all").click()
    page.uncheck("#pair-filter input[value='Chemical|Disease']")
    assert shown_keys(page) == _expected(lambda p, r: _types(p, r) != "Chemical|Disease")
    page.locator("#pair-filter button", has_text="all").click()
    page.uncheck("#novelty-filter input[value='']")
    assert shown_keys(page) == _expected(lambda p, r: r.novelty is not None)
    page.locator("#novelty-filter button", has_text="all").click()
    page.fill("#score-min", "0.5")
    page.fill("#score-max", "0.9")
    assert shown_keys(page) == _expected(lambda p, r: 0.5 <= r.score <= 0.9)
    page.click("#reset")
    # search: entity names (any mention's text, any case), IDs, labels and PMIDs; the texts only when asked
    for query, keep in [
        ("sjögren", lambda p, r: "D012859" in (r.id1, r.id2)),
        ("EGFR", lambda p, r: "1956" in (r.id1, r.id2)),
        ("c|ins", lambda p, r: "c|INS|5382|C" in (r.id1, r.id2)),
        ("negative_", lambda p, r: r.label == "Negative_Correlation"),
        ("mice", lambda p, r: False),
    ]:
        page.fill("#query", query)
        page.press("#query", "Enter")
        assert shown_keys(page) == _expected(keep), query
    page.check("#query-text")
    assert shown_keys(page) == _expected(lambda p, r: p in ("100", "300", "400"))
    assert page.locator("article.doc[hidden]").count() == 1


def test_sort_by_score_orders_documents_and_their_relations(browsing, pages):
    page = browsing.open(pages["scored"])
    scores = {
        key: r.score
        for key, r in zip(_expected(lambda p, r: True), [r for rs in SCORED.values() for r in rs], strict=True)
    }

    def by_document(keys: list[str], reverse: bool) -> list[str]:
        groups: dict[str, list[str]] = {}
        for key in keys:
            groups.setdefault(key.split(":")[0], []).append(key)
        ordered = [sorted(g, key=scores.get, reverse=reverse) for g in groups.values()]
        ordered.sort(key=lambda g: scores[g[0]], reverse=reverse)
        return [k for g in ordered for k in g]

    everything = _expected(lambda p, r: True)
    page.select_option("#sort", "desc")
    assert shown_keys(page) == by_document(everything, reverse=True)
    assert [scores[k] for k in shown_keys(page)[:2]] == [0.99, 0.64]
    page.select_option("#sort", "asc")
    assert shown_keys(page) == by_document(everything, reverse=False)
    page.select_option("#sort", "input")
    assert shown_keys(page) == everything


def _written(documents, format: str) -> str:
    """What relclf's own writer writes of ``documents`` in ``format``."""
    buffer = io.StringIO()
    write_documents(documents, buffer, format)
    return buffer.getvalue()


def test_decisions_by_keyboard_and_click_survive_a_reload_and_are_exported(browsing, pages):
    page = browsing.open(pages["scored"])
    everything = _expected(lambda p, r: True)
    # j selects the first relation; a and r decide and move on
    for key in "jarja":
        page.keyboard.press(key)
    page.locator(f"tr.rel[data-key='{everything[-1]}'] button.rej").click()
    accepted, rejected = [everything[0], everything[3]], [everything[1], everything[-1]]

    def state() -> tuple[list[str], list[str]]:
        return (
            page.eval_on_selector_all("tr.rel.accepted", "r => r.map(x => x.dataset.key)"),
            page.eval_on_selector_all("tr.rel.rejected", "r => r.map(x => x.dataset.key)"),
        )

    assert state() == (accepted, rejected)
    assert page.text_content("#progress-text") == "4 of 9 relations decided: 2 accepted, 2 rejected"
    assert page.text_content("#documents-text") == "1 of 4 documents complete (every relation decided)"
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert state() == (accepted, rejected)
    # the decision filter
    page.check("input[name='status'][value='accepted']")
    assert shown_keys(page) == accepted
    page.check("input[name='status'][value='undecided']")
    assert shown_keys(page) == [k for k in everything if k not in accepted + rejected]
    page.check("input[name='status'][value='all']")
    # exports: the complete document (every relation decided) with its accepted relation, as relclf writes it
    documents = scored_corpus()
    first = documents[0].with_relations([dataclasses.replace(documents[0].relations[0], score=None, source=None)])
    for button, name, format in [
        ("#export-pubtator", "scored.reviewed.pubtator", "pubtator"),
        ("#export-bioc", "scored.reviewed.json", "bioc-json"),
        ("#export-tsv", "scored.reviewed.tsv", "tsv"),
    ]:
        assert download(page, button) == (name, _written([first], format))
    assert page.text_content("#export-note") == "Exported 1 document; 3 documents with undecided relations left out."
    # every document, the undecided relations left out as rejected ones
    page.check("#export-all")
    chosen = {k: documents[int(k.split(":")[0])].relations[int(k.split(":")[1])] for k in accepted}
    everyone = [
        d.with_relations([dataclasses.replace(r, score=None) for k, r in chosen.items() if k.startswith(f"{n}:")])
        for n, d in enumerate(documents)
    ]
    assert download(page, "#export-pubtator")[1] == _written(everyone, "pubtator")
    assert download(page, "#export-bioc")[1] == _written(everyone, "bioc-json")
    name, text = download(page, "#export-decisions")
    assert name == "scored.decisions.tsv"
    assert [line.split("\t")[-3:] for line in text.splitlines()] == [
        ["decision", "curated_label", "curated_novelty"],
        ["accepted", "Association", "Novel"],
        ["rejected", "", ""],
        ["accepted", "Association", ""],
        ["rejected", "", ""],
    ]
    # u undoes the last change, c clears the selected relation's decision
    page.keyboard.press("u")
    assert state() == (accepted, rejected[:1])
    page.locator(f"tr.rel[data-key='{everything[0]}']").click()
    page.keyboard.press("c")
    assert state() == (accepted[1:], rejected[:1])
    # another page (another digest) has decisions of its own
    other = browsing.open(pages["hostile"])
    assert other.text_content("#progress-text") == "0 of 1 relation decided: 0 accepted, 0 rejected"


def test_exported_decisions_import_into_a_page_of_other_predictions(browsing, pages, tmp_path):
    page = browsing.open(pages["scored"])
    everything = _expected(lambda p, r: True)
    for key, button in ((everything[2], "acc"), (everything[4], "rej"), (everything[6], "acc")):
        page.locator(f"tr.rel[data-key='{key}'] button.{button}").click()
    _, text = download(page, "#export-decisions")
    exported = tmp_path / "decisions.tsv"
    # one more row, for a relation the other page does not have
    exported.write_text(text + text.splitlines()[1].replace("Association", "Bind") + "\n", encoding="utf-8")
    other = browsing.open(pages["rescored"])
    assert other.text_content("#progress-text").startswith("0 of 9")
    other.set_input_files("#import-file", str(exported))
    # a selector, not wait_for_function: Playwright polls a predicate string with eval, which the
    # page's Content-Security-Policy refuses whenever the first check comes too early
    other.wait_for_selector("#import-note:not(:empty)")
    assert other.text_content("#import-note") == "Imported 3 decisions; 1 matched no relation of this page."
    assert other.eval_on_selector_all("tr.rel.accepted", "r => r.map(x => x.dataset.key)") == [
        everything[2],
        everything[6],
    ]
    assert other.eval_on_selector_all("tr.rel.rejected", "r => r.map(x => x.dataset.key)") == [everything[4]]
    other.reload()
    other.wait_for_selector("body[data-ready='true']")
    assert other.text_content("#progress-text") == "3 of 9 relations decided: 2 accepted, 1 rejected"


def test_a_page_of_thousands_of_documents_renders_only_what_is_near_the_view(browsing, pages):
    page = browsing.open(pages["many"])
    total = page.locator("article.doc").count()
    assert total == 2000
    rendered = page.locator("article.doc:not(.placeholder)").count()
    assert 1 <= rendered <= 40
    assert page.locator("tr.rel").count() < 200
    # n walks documents (the first press selects the first one), rendering each one it reaches
    for _ in range(12):
        page.keyboard.press("n")
    assert page.text_content("#selection").endswith("(PMID 12), 23 of 4,000")
    assert page.locator("article#doc-12 tr.rel.selected").count() == 1
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_selector("article#doc-2000:not(.placeholder)")
    assert page.locator("article#doc-1.placeholder").count() == 1
    assert page.locator("article.doc:not(.placeholder)").count() <= 60
    # a search finds a document far down, and j goes to it
    page.fill("#query", "1999")
    page.press("#query", "Enter")
    page.keyboard.press("j")
    assert page.locator("article#doc-1999 tr.rel.selected").count() == 1


def test_help_and_search_shortcuts(browsing, pages):
    page = browsing.open(pages["scored"])
    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "query"
    # typing in the search box is text, not shortcuts
    page.keyboard.type("jar")
    assert page.locator("tr.rel.accepted, tr.rel.rejected").count() == 0


def test_the_documentation_screenshot_script_still_works(browser, tmp_path):
    spec = importlib.util.spec_from_file_location("review_screenshot", ROOT / "experiments" / "review_screenshot.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    pictures = script.make_screenshots(tmp_path, browser=browser)
    assert [p.name for p in pictures] == ["review.png", "review-curation.png", "review-curators.png"]
    for picture in pictures:
        assert picture.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and picture.stat().st_size > 50_000
        assert (ROOT / "docs" / picture.name).exists()  # docs/review.md shows each
