"""Headless Chromium for the report (Playwright driving the system's Chromium), network off.

The report must open with no network: every request that is not a `file://` URL is aborted and
recorded, so a caller can fail on any attempt. The browser is Debian's `chromium` package
(`apt-get install chromium`), not one Playwright downloads; SPOTIFY_ETL_CHROMIUM names another.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, sync_playwright

CHROMIUM_ENV = "SPOTIFY_ETL_CHROMIUM"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run")


class BrowserMissingError(RuntimeError):
    """No Chromium where we look; the message says how to install it."""


def chromium_path() -> Path:
    """The Chromium executable; BrowserMissingError when it is not installed."""
    path = Path(os.environ.get(CHROMIUM_ENV, DEFAULT_CHROMIUM))
    if not path.is_file():
        raise BrowserMissingError(f"no Chromium at {path}: install it (Debian/Ubuntu: `sudo "
                                  f"apt-get install chromium`) or set {CHROMIUM_ENV}")
    return path


@dataclass
class PageLog:
    """What the page did that it should not: console errors, requests off disk, failures."""

    console_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)


def _block_network(log: PageLog) -> Any:
    def route(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            route.continue_()
        else:
            log.network_requests.append(url)
            route.abort()

    return route


@contextmanager
def offline_page(width: int = 1280, height: int = 900) -> Iterator[tuple[Page, PageLog]]:
    """A page with every network request aborted and logged, and console errors collected."""
    log = PageLog()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path()),
                                             args=list(CHROMIUM_ARGS))
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.route("**/*", _block_network(log))
            page = context.new_page()
            page.on("console", lambda message: log.console_errors.append(message.text)
                    if message.type == "error" else None)
            page.on("pageerror", lambda error: log.console_errors.append(str(error)))
            page.on("requestfailed", lambda request: log.failed_requests.append(request.url))
            yield page, log
        finally:
            browser.close()


CHART_MARKS_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(div => ({
    id: div.id,
    marks: div.querySelectorAll('.trace .point path, .trace path.js-line').length,
}))"""
"""Per Plotly chart: how many marks it drew (bar paths, lines)."""


def open_report(page: Page, html_file: Path) -> None:
    """Open the report from disk and wait until every chart has been drawn."""
    page.goto(html_file.resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_function("() => Array.from(document.querySelectorAll('[id^=chart-]'))"
                           ".every(div => div.classList.contains('js-plotly-plot'))")


def chart_marks(page: Page) -> dict[str, int]:
    """Chart div id -> marks drawn."""
    return {item["id"]: item["marks"] for item in page.evaluate(CHART_MARKS_JS)}
