"""End-to-end: `run-local` on the demo data, as a whole process and per stage."""

from __future__ import annotations

import io
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.measure import ProcessCost, measure_process, median_cost
from bench.report import Section, mib, seconds
from spotify_etl.report.build import PLOTLY_BUNDLE


@dataclass(frozen=True)
class EndToEnd:
    """Demo runs: the whole command's median cost, and stage timings of an in-process run."""

    command: ProcessCost
    runs: int
    stages: list[tuple[str, float]]
    in_process_seconds: float
    rows_added: dict[str, int]
    failures: list[str]


def run(work_dir: Path, repo_root: Path, runs: int) -> EndToEnd:
    """Run the demo on fresh lakes: `runs` times as `python -m spotify_etl run-local` (wall
    time and peak RSS of the process), once in process for the stage timings it records."""
    from rich.console import Console

    from spotify_local.local_run import RunOptions, run_pipeline

    lake = work_dir / "e2e-lake"
    costs = []
    for _ in range(runs):
        shutil.rmtree(lake, ignore_errors=True)
        costs.append(measure_process(
            [sys.executable, "-m", "spotify_etl", "run-local", "--lake", str(lake)], repo_root
        ))
    shutil.rmtree(lake, ignore_errors=True)
    started = time.perf_counter()
    summary = run_pipeline(
        RunOptions(lake_dir=lake, chart_library=PLOTLY_BUNDLE, print_queries=False),
        Console(file=io.StringIO())
    )
    elapsed = time.perf_counter() - started
    return EndToEnd(
        command=median_cost(costs),
        runs=runs,
        stages=list(summary.timings),
        in_process_seconds=elapsed,
        rows_added=dict(summary.rows_added),
        failures=list(summary.failures),
    )


def to_section(result: EndToEnd) -> Section:
    """Stage timings and the whole command's wall time and memory."""
    section = Section(
        title="End-to-end local run (`python -m spotify_etl run-local`, demo data)",
        headers=["Stage", "Seconds"],
        rows=[[title, seconds(elapsed)] for title, elapsed in result.stages],
        data=result,
    )
    section.rows.append(["total (in-process run)", seconds(result.in_process_seconds)])
    section.rows.append([f"whole command (own process, incl. start-up; median of {result.runs})",
                         seconds(result.command.wall_seconds)])
    rows = ", ".join(f"{table} {n:,}" for table, n in result.rows_added.items())
    section.notes.append(
        f"Peak RSS of the whole command: {mib(result.command.peak_rss_bytes)} MiB. "
        f"Rows added: {rows or 'none'}. Stage timings are those `run-local` records "
        "itself (from an in-process run on a fresh lake, without printing the query results)."
    )
    if result.failures:
        section.notes.append("Failures: " + "; ".join(result.failures))
    return section
