"""The browser the review page's tests open pages in: headless Chromium driven by Playwright.

Used by tests/test_review_page.py and tests/test_review_curation.py, whose fixtures ``browser`` (one
per module) and ``browsing`` (one per test) yield from :func:`launch` and :func:`session`. Each test gets
a fresh browser context (so fresh local storage) that records every request its pages make and every
console message and uncaught error: at the end of each test the pages must have asked for nothing but
their own files (and the exports' blob: URLs), and logged no warning or error (a Content-Security-Policy
violation is one).

Chromium comes from the system (Debian's ``chromium``; .ci/run installs it when missing): Playwright
never downloads a browser here. Without Playwright or Chromium the tests skip, saying which.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("RELCLF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# no sandbox: CI runs as root; the rest keeps Chromium from reaching for the network or its own updates
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
VIEWPORT = {"width": 1400, "height": 900}

NEEDS_CHROMIUM = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="needs Chromium: apt-get install -y chromium (.ci/run installs it), or RELCLF_CHROMIUM=/path/to/chromium",
)


def launch():
    """Yield the system's Chromium, headless, and close it after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Browsing:
    """A browser context and what its pages did: requests, console messages, errors and dialogs."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.opened: set[str] = set()
        self.context.on("request", lambda request: self.requests.append(request.url))

    def open(self, path: Path):
        page = self.context.new_page()
        page.on(
            "console",
            lambda message: (
                self.problems.append(f"console {message.type}: {message.text}")
                if message.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("dialog", lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        self.opened.add(path.as_uri())
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='true']")
        return page


def session(browser):
    """Yield a :class:`Browsing` of ``browser``; after, check that its pages asked for nothing but their own
    files and logged no problem."""
    session = Browsing(browser)
    yield session
    session.context.close()
    assert [url for url in session.requests if url not in session.opened and not url.startswith("blob:")] == []
    assert session.problems == []


def shown_keys(page) -> list[str]:
    """The keys ('document:relation') of the relation rows on screen, in page order."""
    return page.eval_on_selector_all("article.doc:not([hidden]) tr.rel", "rows => rows.map(row => row.dataset.key)")


def download(page, button: str) -> tuple[str, str]:
    """Click ``button`` and return the suggested name and the text of the file it downloads."""
    with page.expect_download() as info:
        page.click(button)
    done = info.value
    return done.suggested_filename, Path(done.path()).read_text(encoding="utf-8")


def reload(page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
