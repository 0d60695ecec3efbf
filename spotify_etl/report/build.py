"""Build the report: run every report query, lay out the sections, write the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from spotify_runtime.play_rule import PlayRule

from spotify_etl.report.card import render_card
from spotify_etl.report.page import PageInfo, render_page
from spotify_etl.report.period import Period
from spotify_etl.report.queries import LakeQueries, QueryRunner, report_queries, run_all
from spotify_etl.report.review import card_figures, every_year, review
from spotify_etl.report.sections import build_sections


def rule_in_short(rule: PlayRule) -> str:
    """The counting rule in a line, for the card."""
    if rule.min_seconds == 0:
        return "Plays: every row of listening history."
    return f"Plays: tracks and episodes played {rule.min_seconds} seconds or more."


@dataclass(frozen=True)
class BuiltReport:
    """Where the page went and what it shows."""

    path: Path
    sections: int
    hidden: list[str]
    plays: int
    first_day: date | None = None
    """The first play's day (the every-year page only)."""


def build_report(runner: QueryRunner, period: Period, zone: ZoneInfo, out: Path, *,
                 source: str, rule: PlayRule, now: datetime | None = None,
                 title: str | None = None, compare: bool = False,
                 card: Path | None = None) -> BuiltReport:
    """Write the report of `period` to `out` from what `runner` answers, counting plays by
    `rule` (the page's header states it). `title` names the review section (`Your 2026`);
    `compare` sets the period against the one before it (its queries run too); `card` also
    writes the share card there, and the page shows it."""
    data = run_all(runner, period, rule)
    previous = run_all(runner, period.before(), rule) if compare else None
    summary = (data.get("report_summary") or [{}])[0]
    heading = title or f"Your listening, {period}"
    sections = [review(data, previous, heading), *build_sections(data, zone, period)]
    info = PageInfo(str(period), source, zone.key, now or datetime.now(UTC), rule.in_words())
    card_png = None
    if card is not None:
        card_png = render_card(card_figures(data, heading, str(period), rule_in_short(rule)))
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_bytes(card_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(info, summary, sections, card_png), encoding="utf-8")
    return BuiltReport(out, len(sections), [s.title for s in sections if s.hidden],
                       int(summary.get("plays") or 0))


def write_lake_report(lake: Path, out: Path, zone: ZoneInfo, today: date,
                      rule: PlayRule) -> BuiltReport:
    """The report of everything in the local lake (from its first play to `today`), written
    to `out`: what `make demo` ends with."""
    runner = LakeQueries(lake)
    period = Period(min(runner.history_start() or today, today), today)
    return build_report(runner, period, zone, out, source=f"the local lake {lake}", rule=rule)


EARLIEST = date(2006, 1, 1)
"""Before Spotify: a history starts after it (the import refuses earlier end times)."""


def build_every_year(runner: QueryRunner, zone: ZoneInfo, out: Path, *, source: str,
                     rule: PlayRule, today: date, now: datetime | None = None) -> BuiltReport:
    """Write the page of every year from the first play to `today`, one row per year (two
    queries a year: the summary and the top lists)."""
    queries = report_queries()
    whole = runner.run(queries["report_summary"], Period(EARLIEST, today), rule)
    first = (whole or [{}])[0].get("first_play")
    first_day = first.date() if isinstance(first, datetime) else first
    years = list(range(first_day.year, today.year + 1)) if first_day else []
    per_year = {year: {name: runner.run(queries[name], Period.year(year), rule)
                       for name in ("report_summary", "report_top")} for year in years}
    sections = [every_year(per_year)]
    info = PageInfo(f"every year, {years[0]} to {years[-1]}" if years else "every year", source,
                    zone.key, now or datetime.now(UTC), rule.in_words())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(info, (whole or [{}])[0], sections), encoding="utf-8")
    plays = int((whole or [{}])[0].get("plays") or 0)
    return BuiltReport(out, len(sections), [s.title for s in sections if s.hidden], plays,
                       first_day)
