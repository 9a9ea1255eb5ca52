"""The screenshots of docs/review.md: the review page of the bundled example, in headless Chromium.

The example is predicted with the bundled model into a page (as ``relclf predict
examples/36727001.pubtator -o review.html`` does) and opened in the system's Chromium through Playwright.

- ``review.png``: reviewed from the keyboard: ``j`` selects the first relation, ``a`` accepts it and
  selects the next, whose two entities and evidence sentence the screenshot shows.
- ``review-curation.png``: the first relation accepted, the second's novelty corrected (``v``), the
  third rejected, and a relation added between blinatumomab and cytokine release syndrome by clicking
  a mention of each.
- ``review-curators.png``: two curators' decisions files (made here) compared: their agreement, and the
  relation they disagree on marked.

tests/test_review_page.py runs this script too, into a temporary directory, so that it keeps working.

Usage (from the project root):
    python experiments/review_screenshot.py [--output docs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))  # also when this file is loaded by path (tests/test_review_page.py)

from benchmark_review_page import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  experiments/benchmark_review_page.py
from relclf import api  # noqa: E402
from relclf.curation.decisions import Decision, write_decisions  # noqa: E402
from relclf.io.formats import read_documents  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser

EXAMPLE = ROOT / "examples" / "36727001.pubtator"
VIEWPORT = {"width": 1400, "height": 860}


def make_screenshots(folder: Path, browser: Browser | None = None) -> list[Path]:
    """Write the screenshots of the example's review page into ``folder`` (PNG); return their paths.

    ``browser`` is an open Playwright browser to use (the tests pass theirs); by default the system's
    Chromium is started for these pictures.
    """
    from playwright.sync_api import sync_playwright  # a test dependency, not one of relclf's

    with tempfile.TemporaryDirectory() as scratch:
        page_path = Path(scratch) / "review.html"
        api.predict_file(EXAMPLE, page_path)
        predictions = Path(scratch) / "predictions.pubtator"
        api.predict_file(EXAMPLE, predictions)
        curators = _curators(predictions, Path(scratch))
        shots = [(_shoot_review, "review.png"), (_shoot_curation, "review-curation.png")]
        shots.append((lambda page, out: _shoot_curators(page, out, curators), "review-curators.png"))
        if browser is not None:
            return [_shoot(browser, page_path, shoot, folder / name) for shoot, name in shots]
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return [_shoot(chromium, page_path, shoot, folder / name) for shoot, name in shots]
            finally:
                chromium.close()


def make_screenshot(output: Path, browser: Browser | None = None) -> Path:
    """Write the first screenshot (``review.png``) to ``output`` and return it (the others are made beside it)."""
    made = make_screenshots(output.parent, browser)
    made[0].replace(output)
    return output


def _curators(predictions: Path, folder: Path) -> list[Path]:
    """Two curators' decisions files about the example's predictions: both reject its second relation, and
    they disagree on its third."""
    (document,) = read_documents(predictions)
    files = []
    for name, verdicts in (
        ("alice", ("accepted", "rejected", "accepted")),
        ("bob", ("accepted", "rejected", "rejected")),
    ):
        decisions = [
            Decision(
                document.pmid,
                r.id1,
                r.id2,
                r.label,
                verdict,
                r.label if verdict == "accepted" else None,
                r.novelty if verdict == "accepted" else None,
            )
            for r, verdict in zip(document.relations, verdicts, strict=True)
        ]
        path = folder / f"{name}.decisions.tsv"
        with path.open("w", encoding="utf-8") as handle:
            write_decisions([(document, decisions)], handle)
        files.append(path)
    return files


def _shoot(browser: Browser, page_path: Path, shoot, output: Path) -> Path:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready='true']")
        shoot(page, output)
    finally:
        context.close()
    return output


def _shoot_review(page, output: Path) -> None:
    for key in "ja":
        page.keyboard.press(key)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(output))


def _shoot_curation(page, output: Path) -> None:
    for key in "javjr":  # accept the first, correct the second's novelty, reject the third
        page.keyboard.press(key)
    page.keyboard.press("+")
    page.locator(".m[data-m='0']").click()  # blinatumomab
    page.locator(".m[data-m='13']").click()  # cytokine release syndrome
    page.select_option(".add-label", "Negative_Correlation")
    page.select_option(".add-novelty", "Novel")
    page.click(".add-go")
    page.locator(".m[data-m='0']").click()  # picks again, to show how picking looks
    page.locator(".m[data-m='13']").click()
    page.locator("article .add").scroll_into_view_if_needed()
    page.screenshot(path=str(output))


def _shoot_curators(page, output: Path, files: list[Path]) -> None:
    page.set_input_files("#compare-files", [str(path) for path in files])
    page.wait_for_selector("#agreement table")
    page.check("input[name='status'][value='disagree']")
    page.locator("#curators").scroll_into_view_if_needed()
    page.screenshot(path=str(output))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=ROOT / "docs", help="directory of the screenshots")
    args = parser.parse_args()
    for path in make_screenshots(args.output):
        print(path)


if __name__ == "__main__":
    main()
