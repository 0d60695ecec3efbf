"""Build the report: run every report query, lay out the sections, write the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from spotify_runtime.play_rule import PlayRule

from spotify_etl.report.page import PageInfo, render_page
from spotify_etl.report.period import Period
from spotify_etl.report.queries import LakeQueries, QueryRunner, run_all
from spotify_etl.report.sections import build_sections


@dataclass(frozen=True)
class BuiltReport:
    """Where the page went and what it shows."""

    path: Path
    sections: int
    hidden: list[str]
    plays: int


def build_report(runner: QueryRunner, period: Period, zone: ZoneInfo, out: Path, *,
                 source: str, rule: PlayRule, now: datetime | None = None) -> BuiltReport:
    """Write the report of `period` to `out` from what `runner` answers, counting plays by
    `rule` (the page's header states it)."""
    data = run_all(runner, period, rule)
    summary = (data.get("report_summary") or [{}])[0]
    sections = build_sections(data, zone, period)
    info = PageInfo(str(period), source, zone.key, now or datetime.now(UTC), rule.in_words())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(info, summary, sections), encoding="utf-8")
    return BuiltReport(out, len(sections), [s.title for s in sections if s.hidden],
                       int(summary.get("plays") or 0))


def write_lake_report(lake: Path, out: Path, zone: ZoneInfo, today: date,
                      rule: PlayRule) -> BuiltReport:
    """The report of everything in the local lake (from its first play to `today`), written
    to `out`: what `make demo` ends with."""
    runner = LakeQueries(lake)
    period = Period(min(runner.history_start() or today, today), today)
    return build_report(runner, period, zone, out, source=f"the local lake {lake}", rule=rule)
