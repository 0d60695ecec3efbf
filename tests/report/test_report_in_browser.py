"""The demo's report (`make demo` writes it) in a real headless Chromium with the network blocked.

The page must load with no console error and no request off disk, every chart must have drawn
its marks, and the numbers of the top artists table must be those of `report_top` run directly.
A screenshot is kept in test-artifacts/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from spotify_runtime.report.page import plotly_js
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import report_queries

from bench.browser import chart_marks, offline_page, open_report
from infra.config import load_environment
from spotify_etl.cli import main
from spotify_etl.report.build import PLOTLY_BUNDLE
from spotify_local.lake_queries import LakeQueries

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"

BUNDLE_TRACE_TYPES = frozenset({"bar", "scatter", "pie"})
"""The trace types Plotly's basic bundle (page.ASSET_PLOTLY_BUNDLE) draws; a chart of another
type would stay blank."""


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """`make demo` in a folder of its own: the local run on the bundled sample, which ends by
    writing the demo lake's report to ./report.html."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(REPO / "cdk.json", folder / "cdk.json")  # the demo's environment settings
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            assert main(["run-local", "--lake", "lake"]) == 0
    assert f"Listening report: {folder / 'report.html'}" in output.getvalue()
    ARTIFACTS.mkdir(exist_ok=True)
    return folder / "lake", folder / "report.html"


def _table(page, query: str, caption: str) -> list[list[str]]:
    rows = page.locator(f'table[data-query="{query}"]').filter(
        has=page.locator("caption", has_text=caption)).locator("tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in rows.all()]


def test_the_demo_report_draws_offline_and_shows_the_queries_numbers(demo_report) -> None:
    lake, html_file = demo_report
    with offline_page() as (page, log):
        open_report(page, html_file)
        marks = chart_marks(page)
        shown = _table(page, "report_top", "Artists by plays")
        endings_hidden = page.locator("#endings .hidden-reason").all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / "report-demo.png"), full_page=True)
    assert log.network_requests == [] and log.failed_requests == []
    assert log.console_errors == []
    assert len(marks) >= 8, marks  # activity x2, top x3, heatmap, discoveries, streaks, ...
    assert all(count > 0 for count in marks.values()), marks
    runner = LakeQueries(lake)
    period = Period(runner.history_start(), datetime.now(UTC).date())  # as make demo chose it
    rule = load_environment("dev").play_rule  # what make demo counts by
    rows = runner.run(report_queries()["report_top"], period, rule)
    artists = sorted((r for r in rows if r["kind"] == "artist" and r["rank_by_plays"] <= 10),
                     key=lambda r: r["rank_by_plays"])
    assert shown == [[str(r["rank_by_plays"]), r["name"], str(r["plays"]), f"{r['minutes']:g}"]
                     for r in artists]
    assert len(shown) >= 3
    # Without export plays (the demo before its sample export) the skips section says why it is
    # empty; with them it draws (its chart is among the marks checked above).
    (summary,) = runner.run(report_queries()["report_summary"], period, rule)
    if summary["plays_with_reason_end"] or summary["plays_with_skipped"]:
        assert endings_hidden == [] and "chart-endings-0" in marks
    else:
        assert len(endings_hidden) == 1 and "Extended" in endings_hidden[0]


def test_the_page_is_self_contained(demo_report) -> None:
    _, html_file = demo_report
    text = html_file.read_text(encoding="utf-8")
    assert text.count(plotly_js(PLOTLY_BUNDLE)) == 1  # inlined once
    ours = text.replace(plotly_js(PLOTLY_BUNDLE), "")
    assert re.findall(r"<(?:script|link|img|iframe)[^>]*(?:src|href)=", ours) == []
    assert 'name="viewport"' in ours
    assert len(text.encode("utf-8")) <= 1.5 * 2**20, "the page stays light"


PHONE_WIDTH = 390
SCROLL_AREAS = (
    "() => Array.from(document.querySelectorAll('main *')).filter(e => {"
    " const s = getComputedStyle(e);"
    " return /(auto|scroll)/.test(s.overflowY + s.overflowX)"
    " && (e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1); })"
    ".map(e => e.tagName + '.' + e.className)")
"""Elements that scroll on their own inside the page (a scroll area within a scroll area)."""


def test_the_report_fits_a_phone(demo_report) -> None:
    _, html_file = demo_report
    with offline_page(PHONE_WIDTH, 844) as (page, log):
        open_report(page, html_file)
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        chart_widths = page.evaluate("() => Array.from(document.querySelectorAll("
                                     "'.js-plotly-plot')).map(d => d.getBoundingClientRect()"
                                     ".right)")
        toolbars = page.evaluate("() => document.querySelectorAll('.modebar').length")
        trace_types = page.evaluate("() => Array.from(document.querySelectorAll("
                                    "'.js-plotly-plot')).flatMap(d => d.data.map("
                                    "t => t.type || 'scatter'))")
        scroll_areas = page.evaluate(SCROLL_AREAS)
        page.screenshot(path=str(ARTIFACTS / "report-demo-phone.png"), full_page=True)
    assert page_width == PHONE_WIDTH  # nothing scrolls sideways
    assert chart_widths and max(chart_widths) <= PHONE_WIDTH
    assert toolbars == 0, "no chart toolbar over the titles"
    assert trace_types and set(trace_types) <= BUNDLE_TRACE_TYPES, "the bundle draws them all"
    assert scroll_areas == [], "no scroll area inside the page"
    assert log.console_errors == [] and log.network_requests == []


def test_nothing_scrolls_sideways_or_inside_the_page_on_a_desktop(demo_report) -> None:
    _, html_file = demo_report
    with offline_page(1280, 900) as (page, log):
        open_report(page, html_file)
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        wide = page.evaluate(SCROLL_AREAS)
    assert page_width == 1280
    assert wide == []
    assert log.console_errors == [] and log.network_requests == []
