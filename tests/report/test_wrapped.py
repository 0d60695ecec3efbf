"""Your year, your month, every year, and the share card: figures against independent counts."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from spotify_runtime.report.period import Period

from bench.browser import chart_marks, offline_page, open_report
from spotify_etl.cli import main
from spotify_local.duckdb_athena import open_lake


def test_a_month_and_the_periods_before():
    assert Period.month(2026, 2) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert Period.month(2026, 12).end == date(2026, 12, 31)
    assert Period.year(2026).before() == Period.year(2025)
    assert Period.month(2026, 1).before() == Period.month(2025, 12)
    assert Period(date(2026, 3, 10), date(2026, 3, 19)).before() == Period(
        date(2026, 2, 28), date(2026, 3, 9))


def _independent(lake: Path, start: date, end: date) -> dict:
    """Plays (30 s rule), minutes and the top artist by minutes, asked of the lake directly."""
    connection = open_lake(lake)
    where = f"CAST(ended_at AS DATE) BETWEEN DATE '{start}' AND DATE '{end}'"
    plays, minutes = connection.execute(
        f"SELECT count(*) FILTER (WHERE ms_played IS NULL OR ms_played >= 30000), "
        f"round(sum(ms_heard) / 60000.0, 1) FROM listening WHERE {where}").fetchone()
    (artist,) = connection.execute(
        f"SELECT artist_name FROM listening WHERE {where} AND content_type = 'track' "
        "GROUP BY artist_name ORDER BY sum(ms_heard) DESC, artist_name LIMIT 1").fetchone()
    return {"plays": plays, "minutes": minutes or 0.0, "artist": artist}


def _cells(page_html: str, caption: str) -> list[list[str]]:
    table = page_html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")[1:]
            if "<td" in row]


def _report(tmp_path: Path, lake: Path, *argv: str) -> str:
    out = tmp_path / "page.html"
    assert main(["report", "--lake", str(lake), "--out", str(out), "--time-zone", "UTC",
                 *argv]) == 0
    return out.read_text(encoding="utf-8")


def test_your_year_against_an_independent_count(simulated_lake, tmp_path):
    card = tmp_path / "card.png"
    page = _report(tmp_path, simulated_lake, "--year", "2026", "--card", str(card))
    expected = _independent(simulated_lake, date(2026, 1, 1), date(2026, 12, 31))
    highlights = dict(row[:2] for row in _cells(page, "Highlights"))
    assert highlights["plays"] == str(expected["plays"])
    assert highlights["top artist"].startswith(expected["artist"] + ":")
    months = _cells(page, "Month by month")
    assert months[0][0] == "Jan 2026" and len(months) == 11  # to 30 November
    assert sum(int(row[1]) for row in months) == expected["plays"]
    against = {row[0]: row[1:] for row in _cells(page, "Against the period before")}
    before = _independent(simulated_lake, date(2025, 1, 1), date(2025, 12, 31))
    assert against["plays"] == [str(expected["plays"]), str(before["plays"])]
    image = Image.open(io.BytesIO(card.read_bytes()))
    assert (image.format, image.size) == ("PNG", (1080, 1920))
    assert 'download="share-card.png"' in page and "Your 2026" in page


def test_your_month_is_set_against_the_month_before(simulated_lake, tmp_path):
    page = _report(tmp_path, simulated_lake, "--month", "2026-06")
    june = _independent(simulated_lake, date(2026, 6, 1), date(2026, 6, 30))
    may = _independent(simulated_lake, date(2026, 5, 1), date(2026, 5, 31))
    against = {row[0]: row[1:] for row in _cells(page, "Against the period before")}
    assert against["plays"] == [str(june["plays"]), str(may["plays"])]
    assert "Your June 2026" in page


def test_every_year_one_row_each(simulated_lake, tmp_path):
    page = _report(tmp_path, simulated_lake, "--all")
    rows = _cells(page, "One row per year")
    years = [int(row[0]) for row in rows]
    assert years == list(range(years[0], date.today().year + 1))
    for row in rows:
        year = int(row[0])
        assert int(row[2]) == _independent(simulated_lake, date(year, 1, 1),
                                           date(year, 12, 31))["plays"]


def test_all_and_card_together_is_one_line(simulated_lake, tmp_path, capsys):
    status = main(["report", "--all", "--card", str(tmp_path / "c.png"), "--lake",
                   str(simulated_lake), "--out", str(tmp_path / "p.html")])
    assert status == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "c.png").exists()


@pytest.fixture(scope="module")
def wrapped_pages(simulated_lake, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wrapped")
    pages = {}
    for name, argv in (("year", ["--year", "2026", "--card", str(folder / "card.png")]),
                       ("month", ["--month", "2026-06"]), ("all", ["--all"])):
        pages[name] = folder / f"{name}.html"
        assert main(["report", "--lake", str(simulated_lake), "--out", str(pages[name]),
                     "--time-zone", "UTC", *argv]) == 0
    return pages


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["year", "month", "all"])
def test_the_pages_draw_offline_and_fit_the_screen(wrapped_pages, name, width):
    with offline_page(width, 900) as (page, log):
        open_report(page, wrapped_pages[name])
        marks = chart_marks(page)
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        rule = page.locator("[data-rule]").inner_text()
        card_width = page.evaluate("() => Array.from(document.images).map(i => i.naturalWidth)")
    assert log.console_errors == [] and log.network_requests == []
    assert marks and all(count > 0 for count in marks.values()), marks
    assert page_width == width
    assert "30 seconds" in rule
    assert card_width == ([1080] if name == "year" else [])
    assert wrapped_pages[name].stat().st_size <= 1.5 * 2**20
