"""The report's sections, built from the rows of the report queries.

Each builder takes every query's rows (by query name) and answers a Section: charts (Plotly
figures) and the tables beside them, or, when its data is not there, the one line that says
why it is hidden. Nothing here computes a number the queries did not give, except adding up the
local hours of `report_hour_slots` per hour of day and per weekday. Every day, week, month and
hour is the period's time zone's (the queries' {{local_day}}), except the pipeline's run days
and run times, which are UTC as the run log records them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from spotify_runtime.report.period import Period

Rows = list[dict[str, Any]]
Data = dict[str, Rows]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ACCENT = "#1db954"
DAY_MS = 86_400_000
LEGEND_ON_TOP = {"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 1, "xanchor": "right"}


@dataclass(frozen=True)
class Table:
    """A table of the page: its caption, the query its cells come from, headings and rows."""

    caption: str
    query: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass
class Section:
    """One part of the page; `hidden` is the reason it shows nothing."""

    key: str
    title: str
    hidden: str | None = None
    lead: str = ""
    figures: list[go.Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


Key = str | Callable[[dict[str, Any]], Any]
"""A cell of a row: a column name of the query, or a function of the row."""


def _value(row: dict[str, Any], key: Key) -> Any:
    return key(row) if callable(key) else row[key]


def _table(caption: str, query: str, rows: Rows, columns: Sequence[tuple[str, Key]]) -> Table:
    """A table of `rows` with one column per (heading, key)."""
    return Table(caption, query, [heading for heading, _ in columns],
                 [[_value(row, key) for _, key in columns] for row in rows])


def new_figure(title: str, x_title: str, y_title: str) -> go.Figure:
    """An empty figure in the page's style, titled, with its axes named."""
    figure = go.Figure()
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}}, template="plotly_white",
        height=340, margin={"l": 56, "r": 12, "t": 48, "b": 48}, showlegend=False,
        xaxis_title=x_title, yaxis_title=y_title, font={"size": 12},
    )
    return figure


def _bars(title: str, rows: Rows, label: Key, value: Key, value_title: str,
          label_title: str = "", period: tuple[date, date] | None = None) -> go.Figure:
    """Vertical bars: over days when `label` gives dates (the axis spanning `period`), else over
    categories."""
    labels = [_value(row, label) for row in rows]
    figure = new_figure(title, label_title, value_title)
    figure.add_trace(go.Bar(x=labels, y=[_value(row, value) for row in rows],
                            marker_color=ACCENT))
    if labels and isinstance(labels[0], date):
        _day_axis(figure, labels, period=period)
    return figure


LABEL_CHARACTERS = 24
"""The longest bar label drawn whole: a longer one is cut (with an ellipsis) so the chart keeps
its width on a phone; the full name is in the bar's hover text and in the tables."""


def shorten(text: str, limit: int = LABEL_CHARACTERS) -> str:
    """`text`, or its first characters and an ellipsis, at most `limit` characters."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _ranking(title: str, rows: Rows, label: Key, value: Key, value_title: str) -> go.Figure:
    """Horizontal bars, the first row on top; labels shortened on the axis, whole on hover.

    The bars sit at positions 0..n-1 with the labels as tick text, so two names that shorten
    alike stay two bars."""
    names = [str(_value(row, label)) for row in rows[::-1]]
    figure = new_figure(title, value_title, "")
    figure.add_trace(go.Bar(x=[_value(row, value) for row in rows[::-1]],
                            y=list(range(len(names))), hovertext=names,
                            hovertemplate="%{hovertext}: %{x}<extra></extra>",
                            orientation="h", marker_color=ACCENT))
    figure.update_yaxes(tickmode="array", tickvals=list(range(len(names))),
                        ticktext=[shorten(name) for name in names])
    figure.update_layout(height=max(240, 60 + 28 * len(rows)),
                         margin={"l": 160, "r": 12, "t": 48, "b": 48})
    return figure


def _series(title: str, rows: Rows, day: str, y_title: str,
            series: Sequence[tuple[str, str, str]], barmode: str, zone: str) -> go.Figure:
    """Bars per day (of `zone`) for several (column, name, colour) series, stacked or
    grouped."""
    figure = new_figure(title, f"{day.replace('_', ' ')} ({zone})", y_title)
    for key, name, colour in series:
        figure.add_trace(go.Bar(x=[row[day] for row in rows], y=[row[key] for row in rows],
                                name=name, marker_color=colour))
    figure.update_layout(barmode=barmode, showlegend=True, legend=LEGEND_ON_TOP)
    _day_axis(figure, [row[day] for row in rows], grouped=barmode == "group")
    return figure


def _day_axis(figure: go.Figure, days: list[date], *, grouped: bool = False,
              period: tuple[date, date] | None = None) -> None:
    """Ticks on whole days and bars one step wide (Plotly would stretch a lone day's bar across
    the chart and tick it in milliseconds); the axis spans `period` when given, so a period
    running to December ends in December whatever day its last play was. Month ticks sit on
    the 1st of each month, not on the first bar's day (a week starting 29 April is April's)."""
    ordered = sorted(set(days))
    steps = [(b - a).days for a, b in pairwise(ordered)]
    step = DAY_MS * (min(steps) if steps else 1)
    first, last = period or (ordered[0], ordered[-1])
    first, last = min(first, ordered[0]), max(last, ordered[-1])
    span = (last - first).days
    if not grouped:  # grouped bars share the step between them
        figure.update_traces(width=step * 0.8)
    by_month = span > 62
    figure.update_xaxes(
        type="date", tickformat="%b %Y" if by_month else "%Y-%m-%d",
        tick0=(first.replace(day=1) if by_month else first).isoformat(),
        dtick="M1" if by_month else step * max(1, round(span * DAY_MS / step / 6)),
        range=[_at(first, -step), _at(last, step)])


def _at(day: date, offset_ms: float) -> str:
    moment = datetime.combine(day, time(), UTC).timestamp() * 1000 + offset_ms
    return datetime.fromtimestamp(moment / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def summary_row(data: Data) -> dict[str, Any]:
    """The period's report_summary row (empty when the period has none)."""
    return (data.get("report_summary") or [{}])[0]


def _hidden(key: str, title: str, reason: str) -> Section:
    return Section(key, title, hidden=reason)


NO_PLAYS = "No plays in this period."


def activity(data: Data, period: tuple[date, date] | None = None, zone: str = "UTC") -> Section:
    """Minutes and plays per day and per week (days of `zone`) over `period`, with the busiest
    day."""
    days, weeks = data["report_per_day"], data["report_per_week"]
    title = "Listening per day and per week"
    if not days:
        return _hidden("activity", title, NO_PLAYS)
    busiest = max(days, key=lambda row: (row["minutes"] or 0, row["plays"]))
    return Section(
        "activity", title,
        lead=(f"Busiest day: {busiest['day'].isoformat()}, {busiest['minutes']} minutes "
              f"in {busiest['plays']} plays. Days are days in {zone}."),
        figures=[_bars("Minutes listened per day", days, "day", "minutes", "minutes",
                       f"day ({zone})", period),
                 _bars("Plays per week", weeks, "week_start", "plays", "plays",
                       "week starting Monday", period)],
        tables=[_table("Weeks", "report_per_week", weeks, [
            ("week from", "week_start"), ("plays", "plays"), ("minutes", "minutes"),
            ("days listened", "days_listened")])])


TOP_KINDS = (("artist", "Artists"), ("track", "Tracks"), ("album", "Albums"))


def item_name(row: dict[str, Any]) -> str:
    """A top row's name, with its artist when it has one: `Song (Artist)`."""
    return f"{row['name']} ({row['artist_name']})" if row.get("artist_name") else row["name"]


def _top_ten(items: Rows, rank: str) -> Rows:
    return sorted((r for r in items if r[rank] <= 10), key=lambda r: r[rank])


def top_lists(data: Data) -> Section:
    """Top artists, tracks and albums by minutes and by plays."""
    section = Section("top", "Top artists, tracks and albums")
    rows = data["report_top"]
    if not rows:
        section.hidden = "No track plays with names in this period."
        return section
    summary = summary_row(data)
    with_album, track_plays = summary.get("track_plays_with_album"), summary.get("track_plays")
    if with_album is not None and track_plays and with_album < track_plays:
        section.lead = (f"Albums: {with_album:,} of {track_plays:,} track plays; the Account-data "
                        "export does not name albums.")
    for kind, label in TOP_KINDS:
        items = [r for r in rows if r["kind"] == kind]
        if not items:
            continue
        by_minutes = _top_ten(items, "rank_by_minutes")
        section.figures.append(_ranking(f"{label} by minutes", by_minutes, item_name,
                                        "minutes", "minutes"))
        for order, rank in (("minutes", "rank_by_minutes"), ("plays", "rank_by_plays")):
            section.tables.append(_table(f"{label} by {order}", "report_top",
                                         _top_ten(items, rank), [
                ("#", rank), ("name", item_name), ("plays", "plays"), ("minutes", "minutes")]))
    return section


def listening_clock(data: Data, zone: ZoneInfo) -> Section:
    """Minutes listened per hour of day and per weekday in `zone` (the zone the queries ran
    in): two bar charts, which read on a phone where a weekday-by-hour grid of 168 cells does
    not."""
    title = f"When you listen ({zone.key})"
    slots = data["report_hour_slots"]
    if not slots:
        return _hidden("clock", title, NO_PLAYS)
    hours, weekdays = [0.0] * 24, [0.0] * len(WEEKDAYS)
    for slot in slots:  # local days and hours already
        hours[slot["hour"]] += slot["minutes"] or 0.0
        weekdays[slot["day"].weekday()] += slot["minutes"] or 0.0
    by_hour = new_figure(f"Minutes by hour of day ({zone.key})", "hour of day", "minutes")
    by_hour.add_trace(go.Bar(x=list(range(24)), y=[round(v, 1) for v in hours],
                             marker_color=ACCENT,
                             hovertemplate="%{x}:00: %{y} minutes<extra></extra>"))
    by_hour.update_xaxes(dtick=3)
    by_weekday = new_figure(f"Minutes by weekday ({zone.key})", "", "minutes")
    by_weekday.add_trace(go.Bar(x=list(WEEKDAYS), y=[round(v, 1) for v in weekdays],
                                marker_color=ACCENT,
                                hovertemplate="%{x}: %{y} minutes<extra></extra>"))
    section = Section("clock", title, figures=[by_hour, by_weekday])
    section.tables.append(Table("Minutes by hour of day", "report_hour_slots",
                                ["hour", "minutes"],
                                [[f"{hour:02d}:00", round(v, 1)] for hour, v in enumerate(hours)
                                 if v]))
    return section


def discoveries(data: Data, zone: str = "UTC") -> Section:
    """Tracks and artists first played in the period (first plays at `zone`'s time)."""
    section = Section("discoveries", "Discoveries")
    rows = data["report_discoveries"]
    if not rows:
        section.hidden = "Nothing was played for the first time in this period."
        return section
    counts = {r["kind"]: r["discoveries"] for r in rows}
    section.lead = (f"{counts.get('track', 0)} tracks and {counts.get('artist', 0)} artists "
                    "played for the first time in this period.")
    tracks = [r for r in rows if r["kind"] == "track"]
    if tracks:
        section.figures.append(_ranking("New tracks most played", tracks, item_name,
                                        "plays_in_period", "plays"))
    for kind, label in (("track", "New tracks"), ("artist", "New artists")):
        ranked = [r for r in rows if r["kind"] == kind]
        if ranked:
            section.tables.append(_table(label, "report_discoveries", ranked, [
                ("#", "rank"), ("name", item_name), (f"first played ({zone})", "first_played_at"),
                ("plays", "plays_in_period")]))
    return section


def endings(data: Data) -> Section:
    """How rows ended and how many were skipped (Extended-history columns), saying how much of
    the period that covers; a skip Spotify did not record is blank, never 0."""
    title, summary = "Skips and how plays end", summary_row(data)
    if not summary.get("plays_with_reason_end") and not summary.get("plays_with_skipped"):
        return _hidden("endings", title,
                       "No play in this period says how it ended: reason_end and skipped come "
                       "only from Spotify's Extended streaming history (import it to see them).")
    rows = data["report_endings"]
    covered = sum(row["rows_ended"] for row in rows)
    return Section(
        "endings", title,
        lead=(f"Built from {covered:,} of {summary.get('rows_recorded') or 0:,} rows played "
              "(plays or not): only the Extended streaming history records how a play ended "
              "and whether it was skipped."),
        figures=[_bars("Rows by how they ended", rows, "reason_end", "rows_ended", "rows",
                       "reason_end")],
        tables=[_table("How rows ended", "report_endings", rows, [
            ("reason_end", "reason_end"), ("rows", "rows_ended"), ("plays", "plays"),
            ("skipped", "skipped_rows"), ("minutes", "minutes")])])


def shows(data: Data) -> Section:
    """Podcasts and shows."""
    title, rows = "Podcasts and shows", data["report_shows"]
    if not rows:
        return _hidden("shows", title, _no_shows_reason(data))
    return Section("shows", title, figures=[
        _ranking("Shows by minutes", rows, "show_name", "minutes", "minutes")],
        tables=[_table("Shows", "report_shows", rows, [
            ("show", "show_name"), ("episodes", "episodes"), ("plays", "plays"),
            ("minutes", "minutes")])])


def _origins(data: Data) -> tuple[bool, bool]:
    """Whether the period's plays come from an imported export, and whether from the API."""
    rows = data.get("report_coverage") or []
    export = any((row.get("export_plays") or 0) + (row.get("both_plays") or 0) for row in rows)
    api = any((row.get("api_plays") or 0) + (row.get("both_plays") or 0) for row in rows)
    return export, api


def _no_shows_reason(data: Data) -> str:
    export, api = _origins(data)
    if api and not export:
        return ("No podcast episodes in this period: the API records tracks only; Spotify's "
                "export has the episodes (import it to see them).")
    if export:
        return "No podcast episodes in this period: the imported export holds none."
    return NO_PLAYS


def _streak_label(row: dict[str, Any]) -> str:
    return f"{row['streak_start'].isoformat()} → {row['streak_end'].isoformat()}"


def streaks(data: Data) -> Section:
    """The longest runs of consecutive days with a play."""
    title, rows = "Listening streaks", data["report_streaks"]
    if not rows:
        return _hidden("streaks", title, NO_PLAYS)
    longest = rows[0]
    return Section(
        "streaks", title,
        lead=(f"Longest streak: {longest['days']} days in a row, from "
              f"{longest['streak_start'].isoformat()} to {longest['streak_end'].isoformat()}."),
        figures=[_ranking("Longest streaks", rows, _streak_label, "days", "days")],
        tables=[_table("Streaks", "report_streaks", rows, [
            ("from", "streak_start"), ("to", "streak_end"), ("days", "days")])])


ORIGINS = (("export_plays", "export", "#6c5ce7"), ("api_plays", "API", ACCENT),
           ("both_plays", "both", "#fdcb6e"))
HEALTH_SERIES = (("sources_landed", "sources landed", ACCENT),
                 ("sources_failed", "sources failed", "#d63031"),
                 ("files_quarantined", "files quarantined", "#e17055"))


def coverage(data: Data, days_in_period: int, zone: str = "UTC") -> Section:
    """Which days (of `zone`) come from the export, which from the API, and the gaps the
    pipeline saw (run times in UTC, as the run log records them)."""
    title = "Coverage: where each day's plays come from"
    rows, gaps = data["report_coverage"], data["report_listening_gaps"]
    if not rows and not gaps:
        return _hidden("coverage", title, "No plays and no pipeline runs in this period.")
    figures = [_series("Plays per day by origin", rows, "day", "plays", ORIGINS, "stack", zone)
               ] if rows else []
    return Section(
        "coverage", title,
        lead=(f"{len(rows)} of {days_in_period} days have plays; a day without plays may be "
              f"silence or a gap. {len(gaps)} run(s) may have lost plays."),
        figures=figures,
        tables=[_table("Runs that may have lost plays", "report_listening_gaps", gaps, [
            ("run (UTC)", "run_at"), ("finding", "finding"), ("plays fetched", "items"),
            ("error", "error")])])


PIPELINE_COUNTS = ("sources_landed", "sources_failed", "files_transformed",
                   "files_quarantined")
"""What the extraction and the transform add to a run day (an import adds none of them)."""


def health(data: Data) -> Section:
    """The pipeline's runs, sources landed and failed, files quarantined, per UTC run day."""
    title, rows = "Pipeline health", data["report_pipeline_health"]
    if not rows:
        return _hidden("health", title, "The run log has no runs in this period.")
    if not any(row[key] for row in rows for key in PIPELINE_COUNTS):
        runs = sum(row["runs"] for row in rows)
        return _hidden("health", title, f"No extraction or transform ran in this period: the "
                       f"run log holds {runs} history import run(s) only.")
    return Section("health", title, figures=[
        _series("Sources landed and failed, files quarantined, per run day", rows, "run_day",
                "count", HEALTH_SERIES, "group", "UTC")],
        tables=[_table("Per run day", "report_pipeline_health", rows, [
            ("day", "run_day"), ("runs", "runs"), ("landed", "sources_landed"),
            ("failed", "sources_failed"), ("transformed", "files_transformed"),
            ("quarantined", "files_quarantined"), ("429s", "rate_limited_429s")])])


def build_sections(data: Data, period: Period) -> list[Section]:
    """Every section of the page, in order, from the queries' rows for `period` (run in its
    time zone)."""
    span, zone = (period.start, period.end), period.zone
    builders: list[Callable[[Data], Section]] = [
        lambda d: activity(d, span, zone.key), top_lists, lambda d: listening_clock(d, zone),
        lambda d: discoveries(d, zone.key), endings, shows, streaks,
        lambda d: coverage(d, period.days, zone.key), health,
    ]
    return [build(data) for build in builders]
