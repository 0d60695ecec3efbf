"""Defects a listener saw on the page, each pinned by the rows that showed it."""

from __future__ import annotations

from datetime import date, timedelta

from spotify_runtime.report.sections import LABEL_CHARACTERS, _ranking, activity, health, shows

SPRING_2020 = (date(2020, 1, 1), date(2020, 12, 31))


def _weeks(first: date, count: int) -> list[dict]:
    return [{"week_start": first + timedelta(weeks=n), "plays": 10 + n, "minutes": 30.0 + n,
             "days_listened": 3} for n in range(count)]


def _days(first: date, count: int) -> list[dict]:
    return [{"day": first + timedelta(days=n), "plays": 3, "minutes": 9.0} for n in range(count)]


def test_month_ticks_sit_on_the_first_of_the_month_not_on_the_first_week():
    # the first week starts Monday 27 April 2020: "Apr 2020" was drawn there, and the peak week
    # of 4 May appeared under April
    data = {"report_per_day": _days(date(2020, 4, 27), 120),
            "report_per_week": _weeks(date(2020, 4, 27), 17)}
    for figure in activity(data, SPRING_2020).figures:
        axis = figure.layout.xaxis
        assert axis.dtick == "M1"
        assert date.fromisoformat(axis.tick0).day == 1


def test_the_day_axis_spans_the_whole_period():
    data = {"report_per_day": _days(date(2026, 1, 5), 200),  # the last play in July
            "report_per_week": _weeks(date(2026, 1, 5), 28)}
    (per_day, _per_week) = activity(data, (date(2026, 1, 1), date(2026, 12, 31))).figures
    start, end = per_day.layout.xaxis.range
    assert start < "2026-01-02" and end >= "2026-12-31"


def test_a_lake_of_imports_only_hides_pipeline_health_saying_why():
    rows = [{"run_day": date(2026, 3, 1), "runs": 2, "sources_landed": 0, "sources_failed": 0,
             "files_transformed": 0, "files_quarantined": 0, "rate_limited_429s": 0}]
    section = health({"report_pipeline_health": rows})
    assert section.figures == [] and section.hidden
    assert "2 history import run(s) only" in section.hidden


def test_hidden_shows_blame_the_api_only_where_the_api_is_the_source():
    imported = {"report_shows": [], "report_coverage": [
        {"day": date(2026, 3, 1), "export_plays": 5, "api_plays": 0, "both_plays": 0}]}
    api_only = {"report_shows": [], "report_coverage": [
        {"day": date(2026, 3, 1), "export_plays": 0, "api_plays": 5, "both_plays": 0}]}
    assert "API" not in shows(imported).hidden and "export holds none" in shows(imported).hidden
    assert "API records tracks only" in shows(api_only).hidden


def test_long_names_are_shortened_on_the_axis_and_whole_on_hover():
    long = "A Very Long Track Title That Goes On (feat. Someone) - Remastered 2011"
    rows = [{"name": long + " I", "plays": 3}, {"name": long + " II", "plays": 2},
            {"name": "Short", "plays": 1}]
    (bars,) = _ranking("Tracks", rows, "name", "plays", "plays").data
    figure = _ranking("Tracks", rows, "name", "plays", "plays")
    ticks = list(figure.layout.yaxis.ticktext)
    assert all(len(tick) <= LABEL_CHARACTERS for tick in ticks)
    assert ticks[0] == "Short" and ticks[1].endswith("…")
    assert sorted(bars.hovertext) == sorted(row["name"] for row in rows)
    assert len(set(bars.y)) == 3  # two names that shorten alike stay two bars
