"""Curation on the review page, in headless Chromium: corrections, added relations, undo, completeness,
exports equal to what relclf's own writers produce, two curators, hostile labels and IDs, documents that
are not PubMed articles, selection notes and the source of each relation (issues 20 and 23)."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest

from conftest import DOC_100, parse_one, run_cli
from relclf import api
from relclf.curation.decisions import Decision, Decisions, write_decisions
from relclf.document import Document, Mention, Relation
from relclf.io.formats import write_documents
from relclf.io.html import write_html
from review_browser import NEEDS_CHROMIUM, Browsing, download, launch, reload, session, shown_keys
from review_pages import scored_corpus
from synthetic import synthetic_corpus

pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip install -e '.[test]')")
pytestmark = NEEDS_CHROMIUM

LABELS = ("Association", "Bind", "Negative_Correlation", "Positive_Correlation")
NOVELTY = ("No", "Novel")
HOSTILE = '"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.fixture
def browsing(browser):
    yield from session(browser)


def _page(path: Path, documents, **known) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        write_html(documents, handle, **known)
    return path


def _hostile_documents() -> list[Document]:
    """A document whose entity IDs, types and relation label hold markup and script."""
    title = "TP53 binds MDM2 in cells."
    mentions = (
        Mention(0, 4, "TP53", "Gene", f"7157{HOSTILE}"),
        Mention(11, 15, "MDM2", f"Gene{HOSTILE}", "4193"),
        Mention(19, 24, "cells", "CellLine", "CVCL_0030"),
    )
    relations = (Relation(f"Bind{HOSTILE}", f"7157{HOSTILE}", "4193", "Novel", 0.7, "relclf"),)
    return [Document("123", title, "", mentions, relations)]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("curation-pages")
    empty = parse_one(DOC_100).with_relations(())
    named = [
        dataclasses.replace(d, pmid=pmid)
        for d, pmid in zip(
            scored_corpus()[:3], ["36727001", "10.1093/nar/gkad1234", "BC8_BioRED_Task1_Doc500"], strict=True
        )
    ]
    return {
        "scored": _page(folder / "scored.html", scored_corpus(), labels=LABELS, novelty=NOVELTY),
        "with-empty": _page(folder / "with-empty.html", [*scored_corpus()[2:], empty], labels=LABELS),
        "hostile": _page(folder / "hostile.html", _hostile_documents(), labels=(f"Cause{HOSTILE}", *LABELS)),
        "named": _page(folder / "named.html", named),
    }


def _written(documents, format: str) -> str:
    buffer = io.StringIO()
    write_documents(documents, buffer, format)
    return buffer.getvalue()


def _decisions_file(documents, decisions: list[Decision]) -> str:
    buffer = io.StringIO()
    write_decisions([(d, [x for x in decisions if x.document == d.pmid]) for d in documents], buffer)
    return buffer.getvalue()


def _applied(text: str, documents, **options) -> list[Document]:
    """The gold documents relclf's apply-decisions makes of ``documents`` with the decisions file ``text``."""
    return list(Decisions.read(io.BytesIO(text.encode())).apply(documents, **options))


def _states(page) -> dict[str, str]:
    return dict(
        page.eval_on_selector_all(
            "tr.rel", "rows => rows.map(r => [r.dataset.key, r.querySelector('.state').textContent])"
        )
    )


def _gold(relation: Relation, **changes) -> Relation:
    return dataclasses.replace(relation, score=None, source=None, **changes)


# ---------------------------------------------------------------------------------------------------
# Corrections


def test_labels_and_novelty_corrected_by_keyboard_and_from_the_menus_are_shown_and_exported(browsing, pages):
    documents = scored_corpus()
    page = browsing.open(pages["scored"])
    page.keyboard.press("j")  # 0:0 Association, Novel
    page.keyboard.press("l")  # the next label of the page's list: Bind
    page.keyboard.press("v")  # the next novelty value after Novel: none
    row = page.locator("tr.rel[data-key='0:0']")
    assert "corrected" in row.get_attribute("class")
    assert row.locator(".label").text_content() == "Bind"
    assert row.locator(".novelty").text_content() == "novelty: \u2014"
    assert row.locator(".was").text_content() == "was Association, novelty Novel"
    assert row.locator(".state").text_content() == "corrected"
    # L goes back; a label chosen from the menu corrects another relation
    page.keyboard.press("L")
    assert row.locator(".label").text_content() == "Association" and "corrected" in row.get_attribute("class")
    page.select_option("tr.rel[data-key='1:0'] .label-pick", "Positive_Correlation")
    page.select_option("tr.rel[data-key='1:0'] .novelty-pick", "No")
    # choosing the predicted label and novelty again leaves a plain acceptance
    page.select_option("tr.rel[data-key='1:1'] .label-pick", "Bind")
    page.select_option("tr.rel[data-key='1:1'] .label-pick", "Association")
    assert _states(page) == {
        "0:0": "corrected",
        "0:1": "",
        "1:0": "corrected",
        "1:1": "accepted",
        "2:0": "",
        "2:1": "",
        "2:2": "",
        "3:0": "",
        "3:1": "",
    }
    assert page.text_content("#progress-text") == "3 of 9 relations decided: 1 accepted, 2 corrected, 0 rejected"
    reload(page)
    assert _states(page)["0:0"] == "corrected" and page.locator("tr.rel[data-key='1:0'] .label").text_content() == (
        "Positive_Correlation"
    )
    # the exports: the complete document 200 with its corrected relation; the decisions file as relclf writes it
    second = documents[1]
    expected = second.with_relations(
        [_gold(second.relations[0], label="Positive_Correlation", novelty="No"), _gold(second.relations[1])]
    )
    assert download(page, "#export-pubtator")[1] == _written([expected], "pubtator")
    decisions = [
        Decision("100", "1499", "D012859", "Association", "corrected", "Association", None),
        Decision("200", "D014750", "D014786", "Association", "corrected", "Positive_Correlation", "No"),
        Decision("200", "D014750", "D006311", "Association", "accepted", "Association", None),
    ]
    name, text = download(page, "#export-decisions")
    assert text == _decisions_file(documents, decisions)
    # relclf apply-decisions makes of it what the page exports
    assert _written(_applied(text, documents), "pubtator") == _written([expected], "pubtator")


# ---------------------------------------------------------------------------------------------------
# Added relations


def test_a_relation_added_by_clicking_two_mentions_is_shown_and_exported_and_a_pair_is_never_added_twice(
    browsing, pages
):
    documents = scored_corpus()
    page = browsing.open(pages["scored"])
    page.locator("tr.rel[data-key='0:0']").click()
    page.keyboard.press("+")
    assert page.evaluate("document.activeElement.className") == "add-e1"
    # DOC_100's mentions: 0 and 3 beta-catenin, 1 and 4 Sjogren syndrome, 2 Lithium, 5 mice, 6 Tumors (no ID)
    page.locator("article#doc-1 .m[data-m='2']").click()
    page.locator("article#doc-1 .m[data-m='4']").click()
    assert page.eval_on_selector_all("article#doc-1 .m.pick-1", "s => s.map(x => x.textContent)") == ["Lithium"]
    assert page.eval_on_selector_all("article#doc-1 .m.pick-2", "s => s.map(x => x.textContent)") == [
        "Sjögren syndrome",
        "Sjögren syndrome",
    ]
    page.select_option("article#doc-1 .add-label", "Positive_Correlation")
    page.select_option("article#doc-1 .add-novelty", "Novel")
    page.press("article#doc-1 .add-novelty", "Enter")
    added = page.locator("article#doc-1 tr.rel.added")
    assert added.count() == 1
    assert added.locator(".state").text_content() == "added"
    assert added.locator(".ename").all_text_contents() == ["Lithium", "Sjögren syndrome"]
    assert added.locator(".source").text_content() == "curator"
    assert added.locator(".ev").text_content() == "together in 1 sentence"
    # the same pair again (from the lists, the other way round) is refused: correct the existing one instead
    page.select_option("article#doc-1 .add-e1", label="Sjögren syndrome (DIS, D012859)")
    page.select_option("article#doc-1 .add-e2", label="Lithium (CHEM, D008094)")
    page.click("article#doc-1 .add-go")
    assert page.text_content("article#doc-1 .add-note").startswith("These two entities already have a relation")
    assert page.locator("article#doc-1 tr.rel.added").count() == 1
    # decide the two predicted relations: the document is complete, and exported with the added relation last
    page.locator("tr.rel[data-key='0:0'] button.acc").click()
    page.locator("tr.rel[data-key='0:1'] button.rej").click()
    first = documents[0]
    expected = first.with_relations(
        [_gold(first.relations[0]), Relation("Positive_Correlation", "D008094", "D012859", "Novel")]
    )
    for button, format in (("#export-pubtator", "pubtator"), ("#export-bioc", "bioc-json"), ("#export-tsv", "tsv")):
        assert download(page, button)[1] == _written([expected], format), format
    text = download(page, "#export-decisions")[1]
    assert text.splitlines()[-1].split("\t") == [
        "100",
        "D008094",
        "Chemical",
        "Lithium",
        "D012859",
        "Disease",
        "Sjögren syndrome",
        "Positive_Correlation",
        "",
        "Novel",
        "curator",
        "added",
        "Positive_Correlation",
        "Novel",
    ]
    assert _applied(text, documents) == [expected]
    # r removes an added relation; u brings it back
    added.click()
    page.keyboard.press("r")
    assert page.locator("article#doc-1 tr.rel.added").count() == 0
    page.keyboard.press("u")
    assert page.locator("article#doc-1 tr.rel.added").count() == 1


def test_a_relation_added_from_the_keyboard_alone(browsing, pages):
    page = browsing.open(pages["scored"])
    page.keyboard.press("n")  # document 100
    page.keyboard.press("+")
    page.keyboard.type("Lith")  # picks the option starting so: Lithium
    page.keyboard.press("Tab")
    page.keyboard.type("mice")
    page.keyboard.press("Tab")
    page.keyboard.type("Bind")
    page.keyboard.press("Enter")
    added = page.locator("article#doc-1 tr.rel.added")
    assert added.locator(".ename").all_text_contents() == ["Lithium", "mice"]
    assert added.locator(".label").text_content() == "Bind"
    page.keyboard.press("Escape")  # closes the form; the keys work on the page again
    assert not page.locator("article#doc-1 details.add").get_attribute("open")
    page.keyboard.press("u")
    assert page.locator("article#doc-1 tr.rel.added").count() == 0


# ---------------------------------------------------------------------------------------------------
# Undo, completeness


def test_undo_and_redo_walk_through_every_kind_of_change_and_survive_a_reload(browsing, pages):
    page = browsing.open(pages["with-empty"])  # DOC_300 (3 relations), DOC_400 (2), DOC_100 without relations
    page.locator("tr.rel[data-key='0:0'] button.acc").click()
    page.locator("tr.rel[data-key='0:1'] button.rej").click()
    page.select_option("tr.rel[data-key='0:2'] .label-pick", "Bind")
    page.locator("article#doc-3 button.reviewed-toggle").click()
    assert page.locator("article#doc-3 .done").text_content() == "complete"
    assert _states(page) == {"0:0": "accepted", "0:1": "rejected", "0:2": "corrected", "1:0": "", "1:1": ""}
    assert page.text_content("#documents-text") == "2 of 3 documents complete (every relation decided)"
    reload(page)
    page.click("#undo")  # the review mark
    assert page.locator("article#doc-3 .done").count() == 0
    page.keyboard.press("u")  # the correction: the relation is undecided again
    page.keyboard.press("u")
    assert _states(page) == {"0:0": "accepted", "0:1": "", "0:2": "", "1:0": "", "1:1": ""}
    page.keyboard.press("U")
    assert _states(page)["0:1"] == "rejected"
    reload(page)
    page.keyboard.press("U")
    assert _states(page)["0:2"] == "corrected"
    assert (
        page.text_content("#action-note")
        == "Redone: correct Negative_Correlation cisplatin \u2013 hearing loss or visual loss."
    )
    # clearing everything is one step too
    page.click("#clear")
    assert set(_states(page).values()) == {""}
    page.keyboard.press("u")
    assert _states(page)["0:2"] == "corrected"


def test_only_complete_documents_are_exported_unless_every_document_is_asked_for(browsing, pages):
    documents = [*scored_corpus()[2:], parse_one(DOC_100).with_relations(())]
    page = browsing.open(pages["with-empty"])
    for key in ("0:0", "0:1", "0:2"):
        page.locator(f"tr.rel[data-key='{key}'] button.acc").click()
    page.locator("tr.rel[data-key='1:0'] button.rej").click()
    complete = documents[0].with_relations([_gold(r) for r in documents[0].relations])
    assert download(page, "#export-pubtator")[1] == _written([complete], "pubtator")
    assert page.text_content("#export-note") == "Exported 1 document; 2 documents with undecided relations left out."
    # the document without relations counts once marked reviewed (d, with nothing selected: the first in view)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.keyboard.press("Escape")
    page.locator("article#doc-3").hover()
    page.locator("article#doc-3 button.reviewed-toggle").focus()
    page.keyboard.press("Enter")
    assert download(page, "#export-pubtator")[1] == _written([complete, documents[2]], "pubtator")
    page.check("#export-all")
    assert page.text_content("#export-pubtator") == "Reviewed documents as PubTator (3)"
    everything = [complete, documents[1].with_relations([]), documents[2]]
    pubtator = download(page, "#export-pubtator")[1]
    assert pubtator == _written(everything, "pubtator")
    text = download(page, "#export-decisions")[1]
    assert text.splitlines()[-1] == "100\t\t\t\t\t\t\t\t\t\t\treviewed\t\t"
    assert _written(_applied(text, documents, undecided_as_rejected=True), "pubtator") == pubtator


# ---------------------------------------------------------------------------------------------------
# Safety, names


def test_hostile_labels_ids_and_imported_decisions_are_shown_as_text_and_run_nothing(browsing, pages, tmp_path):
    documents = _hostile_documents()
    page = browsing.open(pages["hostile"])
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#docs img, #docs script, #side img").count() == 0
    row = page.locator("tr.rel")
    assert row.locator(".label").text_content() == f"Bind{HOSTILE}"
    assert row.locator(".eid").first.text_content() == f"7157{HOSTILE}"
    options = page.eval_on_selector_all("tr.rel .label-pick option", "o => o.map(x => x.textContent)")
    assert f"Cause{HOSTILE}" in options and f"Bind{HOSTILE}" in options
    # a hostile label chosen, a relation added with it, and all of it exported as relclf writes it
    row.click()
    page.select_option("tr.rel .label-pick", f"Cause{HOSTILE}")
    page.keyboard.press("+")
    page.select_option(".add-e1", index=2)
    page.select_option(".add-e2", index=3)
    page.select_option(".add-label", f"Cause{HOSTILE}")
    page.click(".add-go")
    expected = documents[0].with_relations(
        [
            _gold(documents[0].relations[0], label=f"Cause{HOSTILE}"),
            Relation(f"Cause{HOSTILE}", "4193", "CVCL_0030"),
        ]
    )
    assert download(page, "#export-bioc")[1] == _written([expected], "bioc-json")
    assert download(page, "#export-tsv")[1] == _written([expected], "tsv")
    decisions = download(page, "#export-decisions")[1]
    assert _applied(decisions, documents) == [expected]
    # a decisions file holding markup, imported into a fresh page and compared as a curator's
    hostile_file = tmp_path / f"{HOSTILE[:12]}.tsv"
    hostile_file.write_text(decisions.replace("Cause", "<b>Cause</b>"), encoding="utf-8")
    other = browsing.context.new_page()
    other.goto(pages["hostile"].as_uri())
    other.wait_for_selector("body[data-ready='true']")
    other.click("#clear")
    other.set_input_files("#compare-files", [str(hostile_file)])
    other.wait_for_selector("#agreement li")
    other.set_input_files("#import-file", str(hostile_file))
    other.wait_for_selector("#import-note:not(:empty)")
    assert other.locator("#docs b, #docs img, #side b, #side img").count() == 0
    assert other.locator("tr.rel .label").first.text_content() == f"<b>Cause</b>{HOSTILE}"
    assert other.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_documents_that_are_not_pubmed_articles_are_not_called_pmids(browsing, pages):
    page = browsing.open(pages["named"])
    heads = page.eval_on_selector_all(
        "article.doc .pmid", "ids => ids.map(i => [i.tagName, i.textContent, i.getAttribute('href')])"
    )
    assert heads == [
        ["A", "PMID 36727001", "https://pubmed.ncbi.nlm.nih.gov/36727001/"],
        ["A", "DOI 10.1093/nar/gkad1234", "https://doi.org/10.1093/nar/gkad1234"],
        ["SPAN", "document BC8_BioRED_Task1_Doc500", None],
    ]
    page.locator("article#doc-3 tr.rel").first.click()
    assert "(document BC8_BioRED_Task1_Doc500)" in page.text_content("#selection")
    assert page.get_attribute("article#doc-2", "aria-label") == "DOI 10.1093/nar/gkad1234"


# ---------------------------------------------------------------------------------------------------
# Two curators


def _curate(browser, path: Path, act) -> tuple[str, str]:
    """One curator's session in a browser context of their own: ``act(page)``, then their decisions file
    and their reviewed documents (PubTator)."""
    curator = Browsing(browser)
    try:
        page = curator.open(path)
        act(page)
        return download(page, "#export-decisions")[1], download(page, "#export-pubtator")[1]
    finally:
        curator.context.close()
        assert curator.problems == []


def _curator_a(page) -> None:
    for key in ("0:0", "0:1", "1:0", "1:1", "2:0", "2:1", "3:1"):
        page.locator(f"tr.rel[data-key='{key}'] button.acc").click()
    page.locator("tr.rel[data-key='2:2'] button.rej").click()
    page.select_option("tr.rel[data-key='3:0'] .label-pick", "Positive_Correlation")
    page.locator("tr.rel[data-key='0:0']").click()
    page.keyboard.press("+")
    page.locator("article#doc-1 .m[data-m='2']").click()
    page.locator("article#doc-1 .m[data-m='1']").click()
    page.select_option("article#doc-1 .add-label", "Positive_Correlation")
    page.click("article#doc-1 .add-go")


def _curator_b(page) -> None:
    for key in ("0:0", "0:1", "1:0", "1:1", "2:0", "3:0", "3:1"):
        page.locator(f"tr.rel[data-key='{key}'] button.acc").click()
    for key in ("2:1", "2:2"):
        page.locator(f"tr.rel[data-key='{key}'] button.rej").click()


def test_two_curators_disagreements_and_agreement_the_same_as_relclf_score_gives(browser, browsing, pages, tmp_path):
    files = {}
    for name, act in (("alice", _curator_a), ("bob", _curator_b)):
        decisions, gold = _curate(browser, pages["scored"], act)
        files[name] = tmp_path / f"{name}.decisions.tsv"
        files[name].write_text(decisions, encoding="utf-8")
        (tmp_path / f"{name}.pubtator").write_text(gold, encoding="utf-8")
    page = browsing.open(pages["scored"])
    page.set_input_files("#compare-files", [str(files["alice"]), str(files["bob"])])
    page.wait_for_selector("#agreement table")
    figures = dict(
        page.eval_on_selector_all(
            "#agreement table tr", "rows => rows.map(r => [r.dataset.figure, r.querySelector('td').textContent])"
        )
    )
    # 9 relations decided by both, 8 alike; alice keeps 8 of 9, bob 7: kappa = (8/9 - 58/81) / (1 - 58/81) = 14/23
    assert figures["both"] == "9"
    assert figures["observed"] == "88.9% (8)"
    assert figures["kappa"] == f"{14 / 23:.3f}"
    assert figures["labels"] == "6 of 7"
    assert figures["documents"] == "4"
    # bob's relations against alice's, as `relclf score alice.pubtator bob.pubtator` scores them
    scored = run_cli("score", str(tmp_path / "alice.pubtator"), str(tmp_path / "bob.pubtator"))
    assert scored.returncode == 0, scored.stderr
    for level in ("pair", "type"):
        (line,) = [x for x in scored.stdout.splitlines() if x.startswith(f"{level} (micro)")]
        p, r, f1 = line.split()[2:5]
        assert figures[level] == f"{p} / {r} / {f1}", level
    assert figures["type"] == "0.857 / 0.667 / 0.750"
    # where they disagree: a relation one kept and one rejected, a label, and alice's added relation
    assert page.locator("tr.rel[data-key='2:1'] .chip").all_text_contents() == ["A \u2713 Association", "B \u2717"]
    page.check("input[name='status'][value='disagree']")
    assert shown_keys(page) == ["2:1", "3:0"]
    assert page.locator("article.doc:not([hidden])").count() == 3  # documents 100 (the added relation), 300, 400
    assert re.fullmatch(r"Lithium \u2013 Sjögren syndrome: A Positive_Correlation add", page.text_content(".proposal"))
    # adopting alice's decisions makes them this page's
    page.check("input[name='status'][value='all']")
    page.click("button.adopt[data-curator='A']")
    assert (
        page.text_content("#progress-text") == "9 of 9 relations decided: 7 accepted, 1 corrected, 1 rejected; 1 added"
    )
    assert download(page, "#export-pubtator")[1] == (tmp_path / "alice.pubtator").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------------
# Pages of selected documents, and of kept relations


def test_a_page_of_selected_documents_says_why_each_was_chosen_and_sorts_by_it(
    browsing, synthetic_model_file, tmp_path
):
    pool = tmp_path / "pool.pubtator"
    pool.write_text(synthetic_corpus(30, seed=11, start=700))
    out = tmp_path / "next.html"
    result = api.select(pool, synthetic_model_file, out, n=4)
    page = browsing.open(out)
    chosen = page.eval_on_selector_all("article.doc .chosen", "c => c.map(x => x.textContent)")
    assert chosen == [f"selected #{s.rank} \u00b7 margin {s.value:.2f}" for s in result.selections]
    assert page.eval_on_selector_all("article.doc .why", "c => c.map(x => x.textContent)") == [
        s.reason for s in result.selections
    ]
    page.select_option("#sort", "selection")
    order = page.eval_on_selector_all("article.doc:not([hidden]) .pmid", "i => i.map(x => x.textContent)")
    assert order == [f"PMID {s.document.pmid}" for s in result.selections]


def test_a_page_of_kept_and_predicted_relations_shows_whose_each_score_is(browsing, synthetic_model_file, tmp_path):
    lines, seen = [], set()
    for line in synthetic_corpus(4, seed=7, start=900).splitlines():
        fields = line.split("\t")
        if len(fields) == 5 and not fields[1].isdigit():
            if fields[0] in seen:
                continue
            seen.add(fields[0])
            line += "\t0.9995"
        lines.append(line)
    source = tmp_path / "kept.pubtator"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "kept.html"
    run = run_cli("predict", str(source), "-m", str(synthetic_model_file), "--keep-relations", "-o", str(out))
    assert run.returncode == 0, run.stderr
    page = browsing.open(out)
    rows = page.eval_on_selector_all(
        "tr.rel",
        "rows => rows.map(r => [r.querySelector('.score').firstChild.textContent, "
        "(r.querySelector('.source') || {}).textContent || ''])",
    )
    # the input's relations (one per document, scored 0.9995 by another tool) say so; relclf's do not need to
    assert sorted(source for _, source in rows) == [""] * (len(rows) - 4) + ["from input"] * 4
    assert all(score in ("0.999", "1.000") for score, source in rows if source)
    page.uncheck("#source-filter input[value='input']")
    assert page.locator("tr.rel .source").count() == 0 and page.locator("tr.rel").count() > 0
