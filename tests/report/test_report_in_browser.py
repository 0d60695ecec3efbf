"""The demo's report in a real headless Chromium with the network blocked.

The page must load with no console error and no request off disk, every chart must have drawn
its marks, and the numbers of the top artists table must be those of `report_top` run directly.
A screenshot is kept in test-artifacts/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs
from rich.console import Console

from spotify_etl.cli import main
from spotify_etl.local_run import RunOptions, run_pipeline
from spotify_etl.report.browser import chart_marks, offline_page, open_report
from spotify_etl.report.period import Period
from spotify_etl.report.queries import LakeQueries, report_queries

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIRST_DAY = "2000-01-01"


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo lake (the local run on the bundled sample) and its report."""
    folder = tmp_path_factory.mktemp("demo")
    lake, out = folder / "lake", folder / "report.html"
    run_pipeline(RunOptions(lake_dir=lake, print_queries=False),
                 Console(file=io.StringIO(), width=200))
    assert main(["report", "--lake", str(lake), "--out", str(out), "--from", FIRST_DAY]) == 0
    return lake, out


def _table(page, query: str, caption: str) -> list[list[str]]:
    rows = page.locator(f'table[data-query="{query}"]').filter(
        has=page.locator("caption", has_text=caption)).locator("tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in rows.all()]


def test_the_demo_report_draws_offline_and_shows_the_queries_numbers(demo_report) -> None:
    lake, html_file = demo_report
    ARTIFACTS.mkdir(exist_ok=True)
    with offline_page() as (page, log):
        open_report(page, html_file)
        marks = chart_marks(page)
        shown = _table(page, "report_top", "Artists by plays")
        page.screenshot(path=str(ARTIFACTS / "report-demo.png"), full_page=True)
    assert log.network_requests == [] and log.failed_requests == []
    assert log.console_errors == []
    assert len(marks) >= 8, marks  # activity x2, top x3, heatmap, discoveries, streaks, ...
    assert all(count > 0 for count in marks.values()), marks
    period = Period(date.fromisoformat(FIRST_DAY), date.today())
    rows = LakeQueries(lake).run(report_queries()["report_top"], period)
    artists = sorted((r for r in rows if r["kind"] == "artist" and r["rank_by_plays"] <= 10),
                     key=lambda r: r["rank_by_plays"])
    assert shown == [[str(r["rank_by_plays"]), r["name"], str(r["plays"]), f"{r['minutes']:g}"]
                     for r in artists]
    assert len(shown) >= 3


def test_the_page_is_self_contained(demo_report) -> None:
    _, html_file = demo_report
    text = html_file.read_text(encoding="utf-8")
    assert text.count(get_plotlyjs()) == 1  # inlined once
    ours = text.replace(get_plotlyjs(), "")
    assert re.findall(r"<(?:script|link|img|iframe)[^>]*(?:src|href)=", ours) == []
    assert 'name="viewport"' in ours
