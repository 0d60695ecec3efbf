"""Smoke test of the year benchmark at a few days: the real write path builds the lake, both lakes
answer every named query alike, and the counts add up. No timing is asserted."""

from __future__ import annotations

import pytest
from spotify_runtime.report.queries import report_queries

from bench.__main__ import build_parser, run_bench
from bench.year_bench import QUICK, REPORT
from infra.named_queries import load_named_queries


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    work = tmp_path_factory.mktemp("year-work")
    options = build_parser().parse_args(["--only", "year", "--year-quick", "--work", str(work)])
    (section,), failed = run_bench(options)
    assert not failed, section.pending
    return section, work / "year"


def test_every_named_query_is_timed_on_both_lakes(year):
    section, _ = year
    result = section.data
    assert [q.name for q in result.queries] == [
        *(q.name for q in load_named_queries()), *report_queries(), REPORT]
    assert all(q.year_seconds > 0 and q.compact_seconds > 0 for q in result.queries)
    # The simulated days give every query something to find (a fresh track a day and a run),
    # but for those that read only the imported history (imports, why plays ended, podcasts)
    # and the gaps in listening, as the simulated year imports no history and plays every hour.
    assert {q.name for q in result.queries if not q.rows} <= {
        "history_imports", "report_endings", "report_shows", "report_listening_gaps"}
    (report,) = [q for q in result.queries if q.name == REPORT]
    assert report.rows == QUICK.listening_runs * 6  # its plays: every simulated play, once
    assert len(section.rows) == len(result.queries) + 2  # and the files and row groups rows


def test_runs_went_through_the_transform_and_left_no_raw_file_pending(year):
    section, work = year
    result = section.data
    assert (result.daily.runs, result.listening.runs) == (QUICK.days, QUICK.listening_runs)
    for written in (result.daily, result.listening):
        assert written.per_run("tables") >= 1 and written.per_run("pipeline_runs") >= 1
    assert not list((work / "lake" / "raw" / "to_process").rglob("*.json"))
    assert list((work / "lake" / "raw" / "processed").rglob("*.json"))


def test_the_reference_holds_one_file_per_table_and_day(year):
    section, work = year
    result = section.data
    assert set(result.compact_files) == set(result.year_files)
    for root in ("processed", "pipeline_runs"):
        for folder in {p.parent for p in (work / "compact" / root).rglob("*") if p.is_file()}:
            assert len([p for p in folder.iterdir() if p.is_file()]) == 1, folder
    # The run log is already one object per day; the Iceberg tables add a data file per commit
    # that touches a day (a listening run's plays) until compaction merges them.
    assert result.year_files["pipeline_runs"] == result.compact_files["pipeline_runs"]
    assert all(result.year_files[t] >= result.compact_files[t] for t in result.year_files)
    assert result.year_files["plays"] > result.compact_files["plays"]
    assert result.year_row_groups >= result.compact_row_groups > 0
    assert result.year_snapshots >= QUICK.days + QUICK.listening_runs  # a commit per delivery
