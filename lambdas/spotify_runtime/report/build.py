"""A period's report in memory: every report query run, the sections laid out, the page and
(when asked) the share card rendered. The command line writes the result to files; the monthly
report function puts it in the bucket and mails it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.card import render_card
from spotify_runtime.report.page import PageInfo, render_page
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import QueryRunner, run_all
from spotify_runtime.report.review import card_figures, review
from spotify_runtime.report.sections import build_sections


def rule_in_short(rule: PlayRule) -> str:
    """The counting rule in a line, for the card."""
    if rule.min_seconds == 0:
        return "Plays: every row of listening history."
    return f"Plays: tracks and episodes played {rule.min_seconds} seconds or more."


@dataclass(frozen=True)
class RenderedReport:
    """A period's page (and card), and what it shows."""

    html: str
    card_png: bytes | None
    summary: dict[str, Any]
    """The period's report_summary row (plays, minutes, days_listened, tracks, artists...)."""
    hidden: list[str] = field(default_factory=list)
    """The titles of the sections hidden for lack of data."""
    sections: int = 0

    @property
    def plays(self) -> int:
        """The period's plays by the counting rule."""
        return int(self.summary.get("plays") or 0)


@dataclass(frozen=True)
class ReportRequest:
    """What to report on and how: the period (in its time zone, where every day, week, month
    and hour of the page is counted), the counting rule, where the numbers come from (in words),
    the review's title, whether to set the period against the one before, whether to draw the
    card, and the Plotly bundle to inline."""

    period: Period
    rule: PlayRule
    source: str
    chart_library: Path
    title: str | None = None
    compare: bool = False
    card: bool = False
    generator: str = "python -m spotify_etl report"


def render_report(runner: QueryRunner, request: ReportRequest,
                  now: datetime | None = None) -> RenderedReport:
    """Run every report query for the request's period (and the one before when it compares)
    on `runner`, and render the page and, when asked, the card."""
    period, rule = request.period, request.rule
    data = run_all(runner, period, rule)
    previous = run_all(runner, period.before(), rule) if request.compare else None
    summary = (data.get("report_summary") or [{}])[0]
    heading = request.title or f"Your listening, {period}"
    sections = [review(data, previous, heading), *build_sections(data, period)]
    info = PageInfo(str(period), request.source, period.zone.key, now or datetime.now(UTC),
                    rule.in_words(), request.generator)
    card_png = None
    if request.card:
        card_png = render_card(card_figures(data, heading, str(period), rule_in_short(rule)))
    page = render_page(info, summary, sections, card_png, chart_library=request.chart_library)
    return RenderedReport(page, card_png, summary, [s.title for s in sections if s.hidden],
                          len(sections))
