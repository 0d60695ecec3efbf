"""Build the report files: the page (and card) of a period, or the page of every year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from spotify_runtime.contract import PLOTLY_FILE, PLOTLY_PACKAGE
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.build import ReportRequest, render_report
from spotify_runtime.report.page import ChartLibraryMissingError, PageInfo, render_page
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import QueryRunner, report_queries
from spotify_runtime.report.review import ranked_top
from spotify_runtime.report.sections import (
    ACCENT,
    Data,
    Section,
    Table,
    item_name,
    new_figure,
    summary_row,
)

from spotify_etl.errors import CliError
from spotify_local.lake_queries import LakeQueries

PLOTLY_BUNDLE = Path(__file__).resolve().parents[2] / "node_modules" / PLOTLY_PACKAGE / PLOTLY_FILE
"""Plotly's basic bundle as `make venv` installs it (npm ci, package-lock.json)."""


def chart_library() -> Path:
    """The Plotly bundle the page inlines; CliError says how to install it when it is missing."""
    if not PLOTLY_BUNDLE.is_file():
        raise CliError(f"the report's chart library is missing ({PLOTLY_BUNDLE}): run "
                       "`make venv` (npm ci installs it from package-lock.json)")
    return PLOTLY_BUNDLE


@dataclass(frozen=True)
class BuiltReport:
    """Where the page went and what it shows."""

    path: Path
    sections: int
    hidden: list[str]
    plays: int
    first_day: date | None = None
    """The first play's day (the every-year page only)."""


def build_report(runner: QueryRunner, period: Period, out: Path, *,
                 source: str, rule: PlayRule, now: datetime | None = None,
                 title: str | None = None, compare: bool = False,
                 card: Path | None = None) -> BuiltReport:
    """Write the report of `period` to `out` from what `runner` answers, its days, weeks,
    months and hours in the period's time zone, counting plays by `rule` (the page's header
    states both). `title` names the review section (`Your 2026`);
    `compare` sets the period against the one before it (its queries run too); `card` also
    writes the share card there, and the page shows it."""
    request = ReportRequest(period, rule, source, chart_library(), title, compare,
                            card is not None)
    try:
        report = render_report(runner, request, now)
    except ChartLibraryMissingError as error:
        raise CliError(f"{error}: run `make venv`") from None
    if card is not None and report.card_png is not None:
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_bytes(report.card_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report.html, encoding="utf-8")
    return BuiltReport(out, report.sections, report.hidden, report.plays)


def write_lake_report(lake: Path, out: Path, zone: ZoneInfo, today: date,
                      rule: PlayRule) -> BuiltReport:
    """The report of everything in the local lake (from its first play to `today`, days of
    `zone`), written to `out`: what `make demo` ends with."""
    runner = LakeQueries(lake)
    period = Period(min(runner.history_start(zone) or today, today), today, zone)
    return build_report(runner, period, out, source=f"the local lake {lake}", rule=rule)


EARLIEST = date(2006, 1, 1)
"""Before Spotify: a history starts after it (the import refuses earlier end times)."""


def build_every_year(runner: QueryRunner, zone: ZoneInfo, out: Path, *, source: str,
                     rule: PlayRule, today: date, now: datetime | None = None) -> BuiltReport:
    """Write the page of every year from the first play to `today` (a day of `zone`), one row
    per year of `zone` (two queries a year: the summary and the top lists)."""
    queries = report_queries(zone)
    whole = runner.run(queries["report_summary"], Period(EARLIEST, today, zone), rule)
    first = (whole or [{}])[0].get("first_play")
    first_day = first.date() if isinstance(first, datetime) else first
    years = list(range(first_day.year, today.year + 1)) if first_day else []
    per_year = {year: {name: runner.run(queries[name], Period.year(year, zone), rule)
                       for name in ("report_summary", "report_top")} for year in years}
    sections = [every_year(per_year)]
    info = PageInfo(f"every year, {years[0]} to {years[-1]}" if years else "every year", source,
                    zone.key, now or datetime.now(UTC), rule.in_words())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(info, (whole or [{}])[0], sections, chart_library=chart_library()),
                   encoding="utf-8")
    plays = int((whole or [{}])[0].get("plays") or 0)
    return BuiltReport(out, len(sections), [s.title for s in sections if s.hidden], plays,
                       first_day)


def every_year(per_year: dict[int, Data]) -> Section:
    """Every year side by side: one row per year, minutes per year as bars."""
    title = "Every year"
    if not per_year:
        return Section("years", title, hidden="No plays yet.")
    rows = []
    for year, data in per_year.items():
        summary, top = summary_row(data), data.get("report_top") or []
        artist = next(iter(ranked_top(top, "artist")), None)
        track = next(iter(ranked_top(top, "track")), None)
        rows.append([year, summary.get("minutes") or 0, summary.get("plays") or 0,
                     summary.get("days_listened") or 0, summary.get("tracks") or 0,
                     summary.get("artists") or 0, artist["name"] if artist else None,
                     item_name(track) if track else None])
    figure = new_figure("Minutes per year", "", "minutes")
    figure.add_trace(go.Bar(x=[str(row[0]) for row in rows], y=[row[1] for row in rows],
                            marker_color=ACCENT))
    # Two narrow tables rather than one wide one: eight columns do not fit a phone.
    return Section("years", title, figures=[figure], tables=[
        Table("One row per year", "report_summary",
              ["year", "minutes", "plays", "days", "tracks", "artists"],
              [row[:6] for row in rows]),
        Table("Top of each year", "report_top", ["year", "top artist", "top track"],
              [[row[0], *row[6:]] for row in rows])])
