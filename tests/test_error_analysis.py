"""Error analysis from the command line (issue 20): evaluate --errors writes every error as a TSV row with
names, labels, score and the sentence where the entities meet; evaluate -o writes a review page of gold
versus predictions, each relation marked with its outcome."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from conftest import DOC_400, parse, parse_one, run_cli
from relclf.document import Relation
from relclf.evaluation.errors import ERROR_COLUMNS, error_rows, outcome_documents
from relclf.evaluation.metrics import evaluation_details
from relclf.io.html import document_payload
from relclf.io.pubtator import format_document
from synthetic import synthetic_corpus

# DOC_400 with two more gold relations: TP53-cancer (Novel) and Aspirin-TP53 (Bind, Novel)
GOLD_400 = DOC_400 + "400\tAssociation\t7157\tD009369\tNovel\n400\tBind\tD001241\t7157\tNovel\n"
TITLE = "Aspirin and TP53 in cancer."
FIRST = "Aspirin inhibits TP53 via EGFR in 2 mice."


def noisy_gold(text: str) -> str:
    """Synthetic documents whose gold a curator got wrong here and there, so that a good model makes every
    kind of error: in turn, a label flipped, a novelty flipped, a relation left out, an unrelated pair added."""
    documents = []
    for n, document in enumerate(parse(text)):
        relations = list(document.relations)
        first = relations[0]
        if n % 4 == 0:
            flipped = "Negative_Correlation" if first.label == "Positive_Correlation" else "Positive_Correlation"
            relations[0] = Relation(flipped, first.id1, first.id2, first.novelty)
        elif n % 4 == 1:
            relations[0] = Relation(first.label, first.id1, first.id2, "No" if first.novelty == "Novel" else "Novel")
        elif n % 4 == 2:
            relations = relations[1:]
        else:  # the chemical and the target of the sentence without a cue
            related = {i for r in relations for i in (r.id1, r.id2)}
            chemical, target = [m.identifier for m in document.mentions if m.identifier not in related][:2]
            relations.append(Relation("Positive_Correlation", chemical, target, "No"))
        documents.append(document.with_relations(relations))
    return "".join(format_document(d) for d in documents)


@pytest.fixture
def details():
    """Gold DOC_400 against hand-made scores, at threshold 0.5: one pair of each outcome and one below it."""
    gold = parse_one(GOLD_400)
    scored = gold.with_relations(
        [
            Relation("Positive_Correlation", "D001241", "1956", "No", 0.9),  # gold Negative_Correlation
            Relation("Bind", "D001241", "7157", "No", 0.8),  # gold Bind, Novel
            Relation("Association", "1956", "D009369", "No", 0.7),  # not in gold
            Relation("Association", "7157", "D009369", "Novel", 0.2),  # gold, below the threshold
            Relation("Association", "D001241", "D009369", "No", 0.1),  # neither
        ]
    )
    return evaluation_details([gold], [scored], 0.5)


def test_every_error_is_a_row_with_names_labels_score_and_sentence(details):
    rows = {(r["id1"], r["id2"]): r for r in error_rows(details)}
    assert set(rows) == {("D001241", "1956"), ("D001241", "7157"), ("1956", "D009369"), ("7157", "D009369")}
    assert rows["D001241", "1956"] == {
        "document": "400",
        "outcome": "wrong_label",
        "id1": "D001241",
        "type1": "Chemical",
        "text1": "Aspirin",
        "id2": "1956",
        "type2": "Gene",
        "text2": "EGFR",
        "gold_label": "Negative_Correlation",
        "gold_novelty": "",
        "predicted_label": "Positive_Correlation",
        "predicted_novelty": "No",
        "score": "0.9000",
        "sentence": FIRST,
    }
    assert (rows["D001241", "7157"]["outcome"], rows["D001241", "7157"]["sentence"]) == ("wrong_novelty", TITLE)
    spurious = rows["1956", "D009369"]
    assert (spurious["outcome"], spurious["gold_label"], spurious["predicted_label"]) == ("spurious", "", "Association")
    assert spurious["sentence"] == f"{TITLE} ... {FIRST}"  # never together: the closest sentences
    missed = rows["7157", "D009369"]
    assert (missed["outcome"], missed["gold_label"], missed["gold_novelty"]) == ("missed", "Association", "Novel")
    assert (missed["predicted_label"], missed["score"], missed["sentence"]) == ("", "0.2000", TITLE)


def test_the_page_shows_predictions_and_missed_gold_each_with_its_outcome(details):
    ((document, fields),) = outcome_documents(details)
    payload = document_payload(document, 0, fields)
    shown = {(r["id1"], r["id2"]): (r["label"], r["outcome"], r["gold"]) for r in payload["relations"]}
    assert shown == {
        ("D001241", "1956"): ("Positive_Correlation", "wrong_label", "Negative_Correlation"),
        ("D001241", "7157"): ("Bind", "wrong_novelty", "Bind"),
        ("1956", "D009369"): ("Association", "spurious", None),
        ("7157", "D009369"): ("Association", "missed", "Association"),
    }
    assert "outcome" not in document_payload(document, 0)["relations"][0]  # a prediction page has none


def test_evaluate_writes_the_errors_and_the_page_and_they_add_up_to_the_scores(synthetic_model_file, tmp_path):
    gold = tmp_path / "gold.pubtator"
    gold.write_text(noisy_gold(synthetic_corpus(12, seed=9, start=800)))
    errors, page, scores = tmp_path / "errors.tsv", tmp_path / "errors.html", tmp_path / "s.json"
    run = run_cli(
        "evaluate", str(gold), "-m", str(synthetic_model_file), "--errors", str(errors), "-o", str(page),
        "--json", str(scores),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    with errors.open() as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        rows = list(reader)
    assert tuple(reader.fieldnames or ()) == ERROR_COLUMNS and rows
    assert f"wrote {errors}: {len(rows)} error" in run.stdout
    count = {kind: sum(r["outcome"] == kind for r in rows) for kind in ("missed", "spurious", "wrong_label")}
    levels = json.loads(scores.read_text())["levels"]
    assert levels["type"]["fn"] == count["missed"] + count["wrong_label"]
    assert levels["type"]["fp"] == count["spurious"] + count["wrong_label"]
    wrong_novelty = sum(r["outcome"] == "wrong_novelty" for r in rows)
    assert levels["novelty"]["fn"] == levels["type"]["fn"] + wrong_novelty
    assert all(r["sentence"] and r["text1"] and r["text2"] for r in rows)
    assert {r["outcome"] for r in rows} == {"missed", "spurious", "wrong_label", "wrong_novelty"}
    html = page.read_text()
    assert html.count('class="relclf-doc"') == 12 and '"outcome":"right"' in html


def test_evaluate_refuses_a_page_that_is_no_html_before_the_work(synthetic_model_file, tmp_path):
    gold = tmp_path / "gold.pubtator"
    gold.write_text(synthetic_corpus(2, seed=9, start=800))
    run = run_cli("evaluate", str(gold), "-m", str(synthetic_model_file), "-o", str(tmp_path / "out.pubtator"))
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == (
        f"relclf: error: {tmp_path / 'out.pubtator'}: -o/--output writes a review page of gold versus predictions: "
        "name it .html (predictions in other formats: relclf predict)\n"
    )


def test_the_page_marks_each_relation_in_a_browser(details, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")
    from review_browser import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("needs Chromium (apt-get install -y chromium)")
    from relclf.evaluation.errors import write_outcome_page

    page_file = tmp_path / "errors.html"
    write_outcome_page(details, page_file)
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-ready='true']")
            page.wait_for_selector("tr.rel .outcome")
            shown = page.eval_on_selector_all(
                "tr.rel .outcome", "spans => spans.map(s => [s.className, s.textContent])"
            )
        finally:
            browser.close()
    assert sorted(shown) == [
        ["outcome oc-missed", "missed (gold, not predicted)"],
        ["outcome oc-spurious", "spurious (not in the gold)"],
        ["outcome oc-wrong_label", "wrong label (gold: Negative_Correlation)"],
        ["outcome oc-wrong_novelty", "wrong novelty (gold: Novel)"],
    ]
    assert problems == []


def test_parse_keeps_the_fixture_valid():
    assert len(parse(GOLD_400)[0].relations) == 3
