"""Report: the year in review of a simulated year, with its share card, on the local lake.

A year of API listening (bench.simulated_lake: about 40 plays a day, a few silent
days, a weekly run log) is written once into the scratch directory; then, in the same process
and run after run, the reference (the report's named queries alone, for the year and the year
before, on DuckDB, lake opened each time) and the whole report (`report --year Y --card`: the
same queries, the sections, the card and the HTML page with the chart library inlined) are
timed. The ratio is what building the page and the card adds to asking the questions.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.report import Section

LAST_DAY = date(2026, 11, 30)
"""Fixed, so that every run measures the same rows."""
TARGETS: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReportBenchResult:
    """Median seconds of the queries alone and of the whole report, and what it covered."""

    plays: int
    queries_seconds: float
    report_seconds: float
    page_bytes: int
    runs: int

    @property
    def ratio(self) -> float:
        return self.report_seconds / self.queries_seconds


def _interleaved_medians(steps: list[Callable[[], object]], runs: int) -> list[float]:
    """Median seconds of each step, the steps taking turns in every run (so that the load of a
    shared machine falls on both alike)."""
    timings: list[list[float]] = [[] for _ in steps]
    for _ in range(runs):
        for step, times in zip(steps, timings, strict=True):
            started = time.perf_counter()
            step()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in timings]


def run(work: Path, runs: int) -> ReportBenchResult:
    """Write the simulated year (once), then time the reference and the report."""
    from spotify_runtime.report.period import Period
    from spotify_runtime.report.queries import run_all

    from bench.simulated_lake import write_simulated_lake
    from infra.config import EnvironmentSettings
    from spotify_etl.report.build import build_report
    from spotify_local.lake_queries import LakeQueries

    lake, out = work / "report" / "lake", work / "report" / "report.html"
    shutil.rmtree(lake, ignore_errors=True)
    plays = write_simulated_lake(lake, last_day=LAST_DAY)
    period = Period.year(LAST_DAY.year, ZoneInfo("Europe/Paris"))
    rule = EnvironmentSettings("bench").play_rule
    card = work / "report" / "card.png"

    def whole_report() -> object:
        return build_report(LakeQueries(lake), period, out, source="bench", rule=rule,
                            title=f"Your {period.start.year}", compare=True, card=card)

    def queries_alone() -> object:
        runner = LakeQueries(lake)
        return run_all(runner, period, rule), run_all(runner, period.before(), rule)

    whole_report()  # warm caches
    queries, report = _interleaved_medians([queries_alone, whole_report], max(runs, 5))
    return ReportBenchResult(plays, queries, report, out.stat().st_size, max(runs, 5))


def to_section(result: ReportBenchResult) -> Section:
    """One row: the reference, the report, their ratio."""
    section = Section(
        title="Report: a simulated year in review, with its share card, on the local lake",
        headers=["Plays", "Report queries alone (reference)", "Whole report", "Ratio",
                 "Page size"],
        rows=[[f"{result.plays:,}", f"{result.queries_seconds:.2f} s",
               f"{result.report_seconds:.2f} s", f"{result.ratio:.1f}x",
               f"{result.page_bytes / 2**20:.1f} MiB"]],
        data=result,
    )
    section.notes.append(
        f"Median of {result.runs} runs in one process, the two taking turns. Reference: the "
        f"{len(_names())} report queries (lambdas/spotify_runtime/report/queries/) on DuckDB "
        "over the lake, for "
        "the year and the year before, the lake opened each run. "
        "Whole report (`report --year Y --card FILE`): the same, plus the sections, the Plotly "
        "figures, the share card and the page (Plotly's basic bundle, "
        f"{_plotly_js_mib():.1f} MiB of it, and the card inlined so that it opens with no "
        "network).")
    return section


def _plotly_js_mib() -> float:
    from spotify_runtime.report.page import plotly_js

    from spotify_etl.report.build import PLOTLY_BUNDLE

    return len(plotly_js(PLOTLY_BUNDLE).encode("utf-8")) / 2**20


def _names() -> list[str]:
    from spotify_runtime.report.queries import report_queries

    return list(report_queries())
