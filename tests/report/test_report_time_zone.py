"""The report's days, weeks, months and hours are those of its time zone, not UTC's (issues 27
and 28): plays near midnight UTC on DuckDB through the runner the command line uses, the text
Athena is given, and the page the command writes."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from spotify_runtime.named_queries import local_time_sql, read_named_query
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import REPORT_QUERIES_DIR, report_queries, run_all
from spotify_runtime.report.review import highlights
from spotify_runtime.report.sections import listening_clock

from infra.named_queries import QUERIES_DIR, load_named_queries
from spotify_etl.cli import main
from spotify_local.duckdb_athena import open_lake
from spotify_local.lake_queries import LakeQueries
from tests.report.conftest import LISTENING_COLUMNS, SIMULATED_LAST_DAY

RULE = PlayRule(30)
UTC, PARIS, TOKYO, NEW_YORK = (ZoneInfo(name) for name in
                               ("UTC", "Europe/Paris", "Asia/Tokyo", "America/New_York"))

# (name, ended_at in UTC): each a 4-minute track play, a track of its own, near midnight somewhere.
NEAR_MIDNIGHT = [
    ("new year", "2024-12-31 23:30:00"),    # Tokyo 2025-01-01 08:30, Paris 2025-01-01 00:30
    ("first night", "2024-01-01 03:00:00"),  # New York 2023-12-31 22:00
    ("last cet", "2024-03-30 23:30:00"),    # Paris 2024-03-31 00:30 (CET, UTC+1)
    ("first cest", "2024-03-31 22:30:00"),  # Paris 2024-04-01 00:30 (CEST since 01:00 UTC)
    ("last cest", "2024-10-26 22:30:00"),   # Paris 2024-10-27 00:30 (CEST until 01:00 UTC)
    ("tanabata", "2024-06-30 15:30:00"),    # Tokyo 2024-07-01 00:30 (a Monday; UTC: a Sunday)
]


@pytest.fixture
def near_midnight(tmp_path: Path) -> LakeQueries:
    """The command line's runner over a lake whose `listening` holds NEAR_MIDNIGHT."""
    connection = open_lake(tmp_path)
    connection.execute("DROP VIEW IF EXISTS listening")
    connection.execute(f"CREATE TABLE listening ({LISTENING_COLUMNS})")
    for name, ended_at in NEAR_MIDNIGHT:
        connection.execute(
            "INSERT INTO listening (ended_at, ms_played, content_type, track_name, artist_name, "
            "album_name, origin, ms_heard, track_key) VALUES (CAST(? AS TIMESTAMP), 240000, "
            "'track', ?, 'Artist', 'Album', 'export', 240000, ?)",
            [ended_at, name, f"Artist - {name}"])
    return LakeQueries(Path("."), connection)


def _months(data: dict) -> dict[str, int]:
    return {row["month_start"].strftime("%Y-%m"): row["plays"] for row in data["report_months"]}


@pytest.mark.parametrize(("zone", "plays", "months"), [
    (UTC, 6, {"2024-01": 1, "2024-03": 2, "2024-06": 1, "2024-10": 1, "2024-12": 1}),
    # DST: the play of 31 March 22:30 UTC is 1 April in Paris (UTC+2 since that morning).
    (PARIS, 5, {"2024-01": 1, "2024-03": 1, "2024-04": 1, "2024-06": 1, "2024-10": 1}),
    (TOKYO, 5, {"2024-01": 1, "2024-03": 1, "2024-04": 1, "2024-07": 1, "2024-10": 1}),
    (NEW_YORK, 5, {"2024-03": 2, "2024-06": 1, "2024-10": 1, "2024-12": 1}),
])
def test_a_year_and_its_months_are_the_zones(near_midnight, zone, plays, months) -> None:
    data = run_all(near_midnight, Period.year(2024, zone), RULE)
    assert data["report_summary"][0]["plays"] == plays
    assert _months(data) == months
    assert sum(row["plays"] for row in data["report_per_day"]) == plays


def test_the_new_year_play_is_in_2025_in_tokyo_and_paris(near_midnight) -> None:
    for zone in (TOKYO, PARIS):
        data = run_all(near_midnight, Period.year(2025, zone), RULE)
        (summary,) = data["report_summary"]
        assert (summary["plays"], summary["days_listened"]) == (1, 1)
        assert [row["day"] for row in data["report_per_day"]] == [date(2025, 1, 1)]
        assert data["report_streaks"][0]["streak_start"] == date(2025, 1, 1)
        (discovery,) = [row for row in data["report_discoveries"] if row["kind"] == "track"]
        # First plays are shown at the zone's time, and count as the zone's year's discoveries.
        local = datetime(2025, 1, 1, 8, 30) if zone is TOKYO else datetime(2025, 1, 1, 0, 30)
        assert discovery["name"] == "new year" and discovery["first_played_at"] == local
        assert summary["first_play"] == local
        assert dict(highlights(data))["top day"].startswith("2025-01-01:")
    assert not run_all(near_midnight, Period.year(2025, UTC), RULE)["report_summary"][0][
        "plays"]  # no play in 2025 in UTC (the sum of no row is NULL)


def test_days_and_weeks_follow_daylight_saving_time(near_midnight) -> None:
    paris = run_all(near_midnight, Period.year(2024, PARIS), RULE)
    utc = run_all(near_midnight, Period.year(2024, UTC), RULE)
    assert date(2024, 10, 27) in {row["day"] for row in paris["report_per_day"]}
    assert date(2024, 10, 26) in {row["day"] for row in utc["report_per_day"]}
    # 1 April 2024, Paris, is a Monday: the week of the first CEST play starts that day.
    assert date(2024, 4, 1) in {row["week_start"] for row in paris["report_per_week"]}
    assert date(2024, 4, 1) not in {row["week_start"] for row in utc["report_per_week"]}
    april = run_all(near_midnight, Period.month(2024, 4, PARIS), RULE)
    assert [(row["week_start"], row["track_name"]) for row in april["report_obsessions"]] == [
        (date(2024, 4, 1), "first cest")]
    assert run_all(near_midnight, Period.month(2024, 4, UTC), RULE)["report_obsessions"] == []


def test_hours_and_weekdays_of_the_listening_clock(near_midnight) -> None:
    july = run_all(near_midnight, Period.month(2024, 7, TOKYO), RULE)
    hours, weekdays = (figure.data[0].y for figure in listening_clock(july, TOKYO).figures)
    assert hours[0] == 4.0 and sum(hours) == 4.0
    assert weekdays[0] == 4.0 and sum(weekdays) == 4.0  # Monday
    june = run_all(near_midnight, Period.month(2024, 6, UTC), RULE)
    hours, weekdays = (figure.data[0].y for figure in listening_clock(june, UTC).figures)
    assert hours[15] == 4.0 and weekdays[6] == 4.0  # Sunday, 15:00


def test_queries_read_for_another_zone_than_the_periods_are_refused(near_midnight) -> None:
    query = report_queries(TOKYO)["report_summary"]
    with pytest.raises(ValueError, match="read for the time zone Asia/Tokyo"):
        near_midnight.run(query, Period.year(2024, PARIS), RULE)


def test_the_period_before_keeps_the_zone() -> None:
    assert Period.year(2024, TOKYO).before() == Period.year(2023, TOKYO)
    assert Period.month(2024, 1, PARIS).before() == Period.month(2023, 12, PARIS)
    assert Period(date(2024, 3, 10), date(2024, 3, 19), TOKYO).before().zone == TOKYO


# Athena (Trino) takes AT TIME ZONE with a string literal only, and reads a `timestamp` in the
# session's zone (UTC on Athena) before converting it; the text is the same for DuckDB.
LOCAL = ("CAST((ended_at AT TIME ZONE 'UTC') AT TIME ZONE 'Pacific/Auckland' AS TIMESTAMP(6))")


def test_the_text_athena_runs_writes_the_zone_as_a_literal() -> None:
    assert local_time_sql("ended_at", "Pacific/Auckland") == LOCAL
    queries = report_queries(ZoneInfo("Pacific/Auckland"))
    in_zone = {name for name, query in queries.items() if query.zone == "Pacific/Auckland"}
    assert in_zone == set(queries) - {"report_listening_gaps", "report_pipeline_health"}
    for name in in_zone:
        sql = queries[name].sql
        assert "{{" not in sql and "AT TIME ZONE 'Pacific/Auckland'" in sql, name
        # The period's days are local days, and no UTC day (a bare timestamp's date) is left.
        assert "'Pacific/Auckland' AS TIMESTAMP(6)) AS DATE) BETWEEN CAST(? AS DATE)" in sql, name
        assert not re.search(r"CAST\([\w.]+ AS DATE\)", sql), name
        for zone_clause in re.findall(r"AT TIME ZONE (\S+)", sql):
            assert zone_clause in ("'UTC')", "'Pacific/Auckland'"), (name, zone_clause)
    for name in ("report_listening_gaps", "report_pipeline_health"):  # run days: UTC
        assert queries[name].zone is None and "AT TIME ZONE" not in queries[name].sql


def test_the_named_queries_of_the_workgroup_count_the_schedules_days() -> None:
    queries = {q.name: q for q in load_named_queries(QUERIES_DIR, "Asia/Tokyo")}
    for name in ("listening_per_day", "plays_per_month", "first_plays_of_latest_day",
                 "top_artists_last_7_days"):
        assert queries[name].zone == "Asia/Tokyo" and "AT TIME ZONE 'Asia/Tokyo'" in (
            queries[name].sql), name
    for name in ("pipeline_health", "top_songs_of_day", "history_imports"):
        assert queries[name].zone is None and "AT TIME ZONE" not in queries[name].sql, name


def test_an_unknown_zone_is_refused_before_any_sql() -> None:
    path = REPORT_QUERIES_DIR / "report_per_day.sql"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        read_named_query(path, "Mars/Olympus")
    with pytest.raises(ValueError, match="unknown time zone"):
        local_time_sql("ended_at", "UTC' OR '1")


def test_duckdb_reads_the_utc_wall_clock_whatever_its_session_zone() -> None:
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'America/Los_Angeles'")
    expression = local_time_sql("CAST(? AS TIMESTAMP)", "Asia/Tokyo")
    (local,) = connection.execute(f"SELECT {expression}", ["2024-12-31 23:30:00"]).fetchone()
    assert local == datetime(2025, 1, 1, 8, 30)


def _independent_months(lake: Path, zone: ZoneInfo, year: int) -> Counter:
    """Plays (30 s rule) per month of `zone`, counted here from the lake's UTC end times."""
    rows = open_lake(lake).execute(
        "SELECT ended_at FROM listening WHERE ms_played IS NULL OR ms_played >= 30000"
    ).fetchall()
    local = (moment.replace(tzinfo=UTC).astimezone(zone) for (moment,) in rows)
    return Counter(moment.strftime("%b %Y") for moment in local if moment.year == year)


def test_the_command_counts_the_months_of_its_time_zone(simulated_lake, tmp_path) -> None:
    year = SIMULATED_LAST_DAY.year
    pages = {}
    for zone in (UTC, TOKYO):
        out = tmp_path / f"{zone.key.replace('/', '-')}.html"
        assert main(["report", "--lake", str(simulated_lake), "--out", str(out), "--year",
                     str(year), "--time-zone", zone.key]) == 0
        pages[zone] = out.read_text(encoding="utf-8")
    for zone, page in pages.items():
        assert f"days, months and hours of day in {zone.key}" in page
        table = page.split("<caption>Month by month</caption>", 1)[1].split("</table>", 1)[0]
        months = {cells[0]: int(cells[1]) for cells in
                  (re.findall(r"<td[^>]*>(.*?)</td>", row) for row in table.split("<tr>")[1:])
                  if cells}
        assert months == dict(_independent_months(simulated_lake, zone, year))
    assert _independent_months(simulated_lake, UTC, year) != _independent_months(
        simulated_lake, TOKYO, year)  # the lake tells the zones apart, so the test can fail
