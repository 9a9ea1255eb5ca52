"""The curation loop of the README, end to end, browser included: predict the bundled example into a review
page, correct, add and reject on the page, export the reviewed document, train on it, evaluate."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli
from relclf.io.formats import read_documents
from relclf.persistence import read_model_card
from review_browser import NEEDS_CHROMIUM, download, launch, session
from synthetic import synthetic_corpus

pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip install -e '.[test]')")
pytestmark = NEEDS_CHROMIUM

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "36727001.pubtator"


@pytest.fixture(scope="module")
def browser():
    yield from launch()


@pytest.fixture
def browsing(browser):
    yield from session(browser)


def test_predict_review_export_train_and_evaluate(browsing, tmp_path):
    page_file, predictions = tmp_path / "review.html", tmp_path / "predictions.pubtator"
    assert run_cli("predict", str(EXAMPLE), "-o", str(page_file)).returncode == 0
    assert run_cli("predict", str(EXAMPLE), "-o", str(predictions)).returncode == 0
    predicted = next(read_documents(predictions)).relations
    assert len(predicted) == 3
    # on the page: accept the first relation, correct the second's novelty, reject the third, and add
    # blinatumomab - cytokine release syndrome (mentions 0 and 13) by clicking them
    page = browsing.open(page_file)
    for key in "javjr":  # v corrects without moving on; j moves on
        page.keyboard.press(key)
    page.keyboard.press("+")
    page.locator(".m[data-m='0']").click()
    page.locator(".m[data-m='13']").click()
    page.select_option(".add-label", "Negative_Correlation")
    page.select_option(".add-novelty", "Novel")
    page.click(".add-go")
    assert (
        page.text_content("#progress-text") == "3 of 3 relations decided: 1 accepted, 1 corrected, 1 rejected; 1 added"
    )
    assert page.text_content("article .done") == "complete"
    name, reviewed_text = download(page, "#export-pubtator")
    reviewed = tmp_path / name
    reviewed.write_text(reviewed_text, encoding="utf-8")
    decisions = tmp_path / "review.decisions.tsv"
    decisions.write_text(download(page, "#export-decisions")[1], encoding="utf-8")
    (document,) = read_documents(reviewed)
    second_novelty = "Novel" if predicted[1].novelty == "No" else None if predicted[1].novelty == "Novel" else "No"
    assert [(r.label, r.id1, r.id2, r.novelty) for r in document.relations] == [
        (predicted[0].label, predicted[0].id1, predicted[0].id2, predicted[0].novelty),
        (predicted[1].label, predicted[1].id1, predicted[1].id2, second_novelty),
        ("Negative_Correlation", "MESH:C510808", "MESH:D000080424", "Novel"),
    ]
    # the same outside the browser, from the page's decisions file
    again = tmp_path / "again.pubtator"
    assert run_cli("apply-decisions", str(predictions), str(decisions), "-o", str(again)).returncode == 0
    assert again.read_text(encoding="utf-8") == reviewed_text
    # train on a base corpus and the reviewed document, evaluate, predict with the new model
    base = tmp_path / "base.pubtator"
    base.write_text(synthetic_corpus(40, seed=1))
    model = tmp_path / "next.npz"
    trained = run_cli("train", str(base), str(reviewed), "-o", str(model), "--cv", "2")
    assert trained.returncode == 0, trained.stderr
    assert trained.stdout.startswith("corpus: 41 documents, ")
    card = read_model_card(model)
    assert [f["name"] for f in card["training_files"]] == ["base.pubtator", name]
    evaluated = run_cli("evaluate", str(reviewed), "-m", str(model))
    assert evaluated.returncode == 0, evaluated.stderr
    assert "type (micro)" in evaluated.stdout
    assert "1 of its 1 documents were in the model's training data" in evaluated.stderr
    assert run_cli("predict", str(EXAMPLE), "-m", str(model), "-o", str(tmp_path / "next.pubtator")).returncode == 0
