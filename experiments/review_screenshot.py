"""The screenshot in docs/review.png: the review page of the bundled example, in headless Chromium.

The example is predicted with the bundled model into a page (as ``relclf predict
examples/36727001.pubtator -o review.html`` does), opened in the system's Chromium through Playwright,
and reviewed from the keyboard: ``j`` selects the first relation, ``a`` accepts it and selects the
next, whose two entities and evidence sentence the screenshot shows. tests/test_review_page.py runs
this script too, into a temporary file, so that it keeps working.

Usage (from the project root):
    python experiments/review_screenshot.py [--output docs/review.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from relclf import api  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser

EXAMPLE = ROOT / "examples" / "36727001.pubtator"
CHROMIUM = os.environ.get("RELCLF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 860}


def make_screenshot(output: Path, browser: Browser | None = None) -> Path:
    """Write the screenshot of the example's review page to ``output`` (PNG) and return it.

    ``browser`` is an open Playwright browser to use (the tests pass theirs); by default the system's
    Chromium is started for this picture.
    """
    from playwright.sync_api import sync_playwright  # a test dependency, not one of relclf's

    with tempfile.TemporaryDirectory() as folder:
        page_path = Path(folder) / "review.html"
        api.predict_file(EXAMPLE, page_path)
        if browser is not None:
            return _shoot(browser, page_path, output)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                return _shoot(chromium, page_path, output)
            finally:
                chromium.close()


def _shoot(browser: Browser, page_path: Path, output: Path) -> Path:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready='true']")
        for key in "ja":
            page.keyboard.press(key)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(output))
    finally:
        context.close()
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "review.png")
    args = parser.parse_args()
    print(make_screenshot(args.output))


if __name__ == "__main__":
    main()
