"""The report's named queries: their values on known plays, on DuckDB as run for the page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from spotify_runtime.contract import LISTENING_PAGE_SIZE
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import report_queries, run_all
from spotify_runtime.report.sections import build_sections, listening_clock
from spotify_runtime.run_log import RunRecord, StoreRunRecorder

from infra.named_queries import (
    REPORT_QUERIES_DIR,
    markers_outside_where,
    parameter_markers,
    read_named_query,
)
from spotify_local.folder_store import FolderStore
from spotify_local.lake_queries import LakeQueries

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
SPOTIFY_RULE, EVERY_ROW = PlayRule(30), PlayRule(0)


def test_every_report_query_takes_the_period() -> None:
    queries = report_queries()
    assert len(queries) >= 10
    for query in queries.values():
        assert {"start_day", "end_day"} <= set(query.parameters), query.name
        assert set(query.parameters) <= {"start_day", "end_day", "min_ms_played"}, query.name
        assert query.name.startswith("report_")
        assert not query.sql.rstrip().endswith(";")


def test_markers_in_comments_and_strings_do_not_count(tmp_path: Path) -> None:
    assert parameter_markers("SELECT '?' AS q, ? -- why?\nFROM t WHERE x = ?") == 2
    path = tmp_path / "one.sql"
    path.write_text("-- One.\n-- parameters: a, b\nSELECT * FROM t WHERE a = ?\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="1 '\\?' marker"):
        read_named_query(path)


def test_markers_only_in_where_clauses_as_athena_requires(tmp_path: Path) -> None:
    assert markers_outside_where("SELECT CAST(? AS DATE) AS d FROM t") == 1
    assert markers_outside_where("WITH p AS (SELECT * FROM t WHERE d BETWEEN ? AND ?)\n"
                                 "SELECT * FROM p WHERE '?' <> x") == 0
    assert markers_outside_where("SELECT * FROM t JOIN u ON u.d = ? WHERE t.x = ?") == 1
    path = tmp_path / "select.sql"
    path.write_text("-- Select.\n-- parameters: a\nSELECT ? AS a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="outside a WHERE clause"):
        read_named_query(path)


def test_values_on_known_plays(export_listening) -> None:
    data = run_all(LakeQueries(Path("."), export_listening), MARCH, SPOTIFY_RULE)
    (summary,) = data["report_summary"]
    assert (summary["plays"], summary["days_listened"], summary["episode_plays"]) == (5, 4, 1)
    # Minutes count everything played (the 5-second skip too) and the API play's track length.
    assert summary["minutes"] == round((240 + 30 + 240 + 1200 + 5 + 200) / 60, 1)
    assert (summary["tracks"], summary["artists"], summary["rows_recorded"]) == (3, 3, 6)
    assert [(r["day"], r["plays"]) for r in data["report_per_day"]] == [
        (date(2026, 3, 2), 2), (date(2026, 3, 3), 1), (date(2026, 3, 4), 1),
        (date(2026, 3, 5), 0), (date(2026, 3, 6), 1)]  # 5 s on the 5th: minutes, no play
    artists = {r["name"]: r for r in data["report_top"] if r["kind"] == "artist"}
    assert artists["Artist A"]["plays"] == 2 and artists["Artist A"]["rank_by_minutes"] == 1
    assert "Show X" not in artists  # episodes are not artists
    # Old Song was first played in 2025: not a discovery; Song A and B are.
    tracks = [r["name"] for r in data["report_discoveries"] if r["kind"] == "track"]
    assert sorted(tracks) == ["Song A", "Song B"]
    assert data["report_streaks"][0] == {
        "streak_start": date(2026, 3, 2), "streak_end": date(2026, 3, 4), "days": 3}
    endings = {r["reason_end"]: (r["rows_ended"], r["plays"], r["skipped_rows"])
               for r in data["report_endings"]}
    assert endings == {"trackdone": (3, 3, 0), "fwdbtn": (2, 1, 2)}
    assert data["report_shows"] == [
        {"show_name": "Show X", "episodes": 1, "plays": 1, "minutes": 20.0}]
    coverage = {r["day"]: (r["export_plays"], r["api_plays"], r["both_plays"])
                for r in data["report_coverage"]}
    assert coverage[date(2026, 3, 2)] == (1, 0, 1) and coverage[date(2026, 3, 6)] == (0, 1, 0)
    sections = {s.key: s for s in build_sections(data, MARCH)}
    assert all(s.hidden is None for key, s in sections.items() if key != "health")
    assert sections["health"].hidden  # no run log in this lake


def test_every_row_counts_under_the_zero_second_rule(export_listening) -> None:
    data = run_all(LakeQueries(Path("."), export_listening), MARCH, EVERY_ROW)
    (summary,) = data["report_summary"]
    assert (summary["plays"], summary["days_listened"], summary["tracks"]) == (6, 5, 4)
    spotify = run_all(LakeQueries(Path("."), export_listening), MARCH, SPOTIFY_RULE)
    assert summary["minutes"] == spotify["report_summary"][0]["minutes"]  # minutes: all played
    tracks = sorted(r["name"] for r in data["report_discoveries"] if r["kind"] == "track")
    assert tracks == ["Song A", "Song B", "Song C"]  # Song C's 5 s make it a discovery now
    assert [r["plays"] for r in data["report_per_day"]] == [2, 1, 1, 1, 1]


def test_a_threshold_above_every_export_row_leaves_the_api_play(export_listening) -> None:
    data = run_all(LakeQueries(Path("."), export_listening), MARCH, PlayRule(3600))
    (summary,) = data["report_summary"]
    assert (summary["plays"], summary["api_plays"], summary["export_plays"]) == (1, 1, 0)


def test_the_listening_clock_follows_the_time_zone(export_listening) -> None:
    runner, tokyo = LakeQueries(Path("."), export_listening), ZoneInfo("Asia/Tokyo")
    data = run_all(runner, MARCH.in_zone(tokyo), SPOTIFY_RULE)
    # 2026-03-03 22:50 UTC is Wednesday 07:50 in Tokyo (UTC+9).
    tokyo_hours, tokyo_days = (figure.data[0].y for figure in
                               listening_clock(data, tokyo).figures)
    data = run_all(runner, MARCH, SPOTIFY_RULE)
    utc_hours, utc_days = (figure.data[0].y for figure in
                           listening_clock(data, ZoneInfo("UTC")).figures)
    assert tokyo_hours[7] >= 4.0 and utc_hours[22] >= 4.0
    assert tokyo_days[2] >= 4.0 and utc_days[1] >= 4.0
    assert sum(tokyo_hours) == pytest.approx(sum(utc_hours))
    assert sum(tokyo_days) == pytest.approx(sum(utc_hours))


def test_api_only_lake_hides_export_sections_with_a_reason(simulated_lake: Path) -> None:
    period = Period(date(2026, 1, 1), date(2026, 11, 30))
    data = run_all(LakeQueries(simulated_lake), period, SPOTIFY_RULE)
    sections = {s.key: s for s in build_sections(data, period)}
    assert {key for key, s in sections.items() if s.hidden} == {"endings", "shows"}
    assert "Extended streaming history" in sections["endings"].hidden
    assert data["report_summary"][0]["api_plays"] == data["report_summary"][0]["plays"] > 10_000
    assert len(data["report_per_week"]) >= 47


def test_listening_gaps_follow_the_pipelines_rule(tmp_path: Path) -> None:
    rows = [("2026-03-01 18:10:00.000", "landed", LISTENING_PAGE_SIZE),  # first: no cursor yet
            ("2026-03-02 18:10:00.000", "landed", LISTENING_PAGE_SIZE),  # a possible gap
            ("2026-03-03 18:10:00.000", "landed", 12),
            ("2026-03-04 18:10:00.000", "dead_lettered", None)]
    recorder = StoreRunRecorder(FolderStore(tmp_path))
    for index, (run_at, outcome, items) in enumerate(rows):
        moment = datetime.fromisoformat(run_at).replace(tzinfo=UTC)
        recorder.record(RunRecord(moment, "extract", "recently-played", outcome, items=items,
                                  error="boom" if items is None else None, recorded_at=moment),
                        f"m{index}/1")
    query = report_queries()["report_listening_gaps"]
    found = LakeQueries(tmp_path).run(query, MARCH, SPOTIFY_RULE)
    assert [(r["run_at"], r["finding"]) for r in found] == [
        (datetime(2026, 3, 2, 18, 10), "possible gap: 50 plays newer than the cursor"),
        (datetime(2026, 3, 4, 18, 10), "dead_lettered")]
    assert f">= {LISTENING_PAGE_SIZE}" in (REPORT_QUERIES_DIR / "report_listening_gaps.sql"
                                            ).read_text(encoding="utf-8")
