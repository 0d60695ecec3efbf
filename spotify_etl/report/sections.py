"""The report's sections, built from the rows of the report queries.

Each builder takes every query's rows (by query name) and answers a Section: charts (Plotly
figures) and the tables beside them, or, when its data is not there, the one line that says
why it is hidden. Nothing here computes a number the queries did not give, except regrouping
the quarter hours of `report_hour_slots` into the reader's time zone (see that query).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

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


def _figure(title: str, x_title: str, y_title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}}, template="plotly_white",
        height=340, margin={"l": 56, "r": 12, "t": 48, "b": 48}, showlegend=False,
        xaxis_title=x_title, yaxis_title=y_title, font={"size": 12},
    )
    return figure


def _bars(title: str, labels: list[Any], values: list[Any], value_title: str,
          label_title: str, horizontal: bool = False) -> go.Figure:
    if horizontal:  # the first item on top
        figure = _figure(title, value_title, "")
        figure.add_trace(go.Bar(x=values[::-1], y=[str(label) for label in labels[::-1]],
                                orientation="h", marker_color=ACCENT))
        figure.update_layout(height=max(240, 60 + 28 * len(labels)),
                             margin={"l": 160, "r": 12, "t": 48, "b": 48})
        return figure
    figure = _figure(title, label_title, value_title)
    figure.add_trace(go.Bar(x=labels, y=values, marker_color=ACCENT))
    if labels and isinstance(labels[0], date):
        _day_axis(figure, labels)
    return figure


def _day_axis(figure: go.Figure, days: list[date], *, grouped: bool = False) -> None:
    """Ticks on whole days and bars one step wide (Plotly would stretch a lone day's bar across
    the chart and tick it in milliseconds)."""
    ordered = sorted(set(days))
    steps = [(b - a).days for a, b in pairwise(ordered)]
    step = DAY_MS * (min(steps) if steps else 1)
    span = (ordered[-1] - ordered[0]).days
    if not grouped:  # grouped bars share the step between them
        figure.update_traces(width=step * 0.8)
    figure.update_xaxes(
        type="date", tickformat="%Y-%m-%d" if span <= 62 else "%b %Y",
        tick0=ordered[0].isoformat(),
        dtick=step * max(1, round(span * DAY_MS / step / 6)) if span <= 62 else "M1",
        range=[_at(ordered[0], -step), _at(ordered[-1], step)])


def _at(day: date, offset_ms: float) -> str:
    moment = datetime.combine(day, time(), UTC).timestamp() * 1000 + offset_ms
    return datetime.fromtimestamp(moment / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def _summary(data: Data) -> dict[str, Any]:
    return (data.get("report_summary") or [{}])[0]


def activity(data: Data) -> Section:
    """Minutes and plays per day and per week, with the busiest day."""
    section = Section("activity", "Listening per day and per week")
    days, weeks = data["report_per_day"], data["report_per_week"]
    if not days:
        section.hidden = "No plays in this period."
        return section
    busiest = max(days, key=lambda row: (row["minutes"] or 0, row["plays"]))
    section.lead = (f"Busiest day: {busiest['day'].isoformat()}, {busiest['minutes']} minutes "
                    f"in {busiest['plays']} plays. Days are UTC days.")
    section.figures.append(_bars("Minutes listened per day", [r["day"] for r in days],
                                 [r["minutes"] for r in days], "minutes", "day (UTC)"))
    section.figures.append(_bars("Plays per week", [r["week_start"] for r in weeks],
                                 [r["plays"] for r in weeks], "plays", "week starting Monday"))
    section.tables.append(Table(
        "Weeks", "report_per_week", ("week from", "plays", "minutes", "days listened"),
        [(r["week_start"], r["plays"], r["minutes"], r["days_listened"]) for r in weeks]))
    return section


TOP_KINDS = (("artist", "Artists"), ("track", "Tracks"), ("album", "Albums"))


def top_lists(data: Data) -> Section:
    """Top artists, tracks and albums by minutes and by plays."""
    section = Section("top", "Top artists, tracks and albums")
    rows = data["report_top"]
    if not rows:
        section.hidden = "No track plays with names in this period."
        return section
    for kind, label in TOP_KINDS:
        items = [r for r in rows if r["kind"] == kind]
        if not items:
            continue
        by_minutes = sorted((r for r in items if r["rank_by_minutes"] <= 10),
                            key=lambda r: r["rank_by_minutes"])
        by_plays = sorted((r for r in items if r["rank_by_plays"] <= 10),
                          key=lambda r: r["rank_by_plays"])
        section.figures.append(_bars(f"{label} by minutes", [_item_name(r) for r in by_minutes],
                                     [r["minutes"] for r in by_minutes], "minutes", "",
                                     horizontal=True))
        for order, ranked, rank_key in (("minutes", by_minutes, "rank_by_minutes"),
                                        ("plays", by_plays, "rank_by_plays")):
            section.tables.append(Table(
                f"{label} by {order}", "report_top", ("#", "name", "plays", "minutes"),
                [(r[rank_key], _item_name(r), r["plays"], r["minutes"]) for r in ranked]))
    return section


def _item_name(row: dict[str, Any]) -> str:
    return f"{row['name']} ({row['artist_name']})" if row.get("artist_name") else row["name"]


def heatmap(data: Data, zone: ZoneInfo) -> Section:
    """Minutes listened per weekday and hour of day in `zone`."""
    section = Section("heatmap", f"When you listen ({zone.key})")
    slots = data["report_hour_slots"]
    if not slots:
        section.hidden = "No plays in this period."
        return section
    grid = [[0.0] * 24 for _ in WEEKDAYS]
    for slot in slots:
        utc = datetime.combine(slot["day"], time(slot["hour"], 15 * slot["quarter"]), UTC)
        local = utc.astimezone(zone)
        grid[local.weekday()][local.hour] += slot["minutes"] or 0.0
    figure = _figure(f"Minutes listened by weekday and hour ({zone.key})", "hour of day",
                     "weekday")
    figure.add_trace(go.Heatmap(z=[[round(v, 1) for v in row] for row in grid],
                                x=list(range(24)), y=list(WEEKDAYS), colorscale="Greens",
                                colorbar={"title": {"text": "minutes"}},
                                hovertemplate="%{y} %{x}:00: %{z} minutes<extra></extra>"))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(dtick=3)
    section.figures.append(figure)
    return section


def discoveries(data: Data) -> Section:
    """Tracks and artists first played in the period."""
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
        section.figures.append(_bars("New tracks most played", [_item_name(r) for r in tracks],
                                     [r["plays_in_period"] for r in tracks], "plays", "",
                                     horizontal=True))
    for kind, label in (("track", "New tracks"), ("artist", "New artists")):
        ranked = [r for r in rows if r["kind"] == kind]
        if ranked:
            section.tables.append(Table(label, "report_discoveries",
                                        ("#", "name", "first played (UTC)", "plays"),
                                        [(r["rank"], _item_name(r), r["first_played_at"],
                                          r["plays_in_period"]) for r in ranked]))
    return section


def endings(data: Data) -> Section:
    """How plays ended and how many were skipped (export columns)."""
    section = Section("endings", "Skips and how plays end")
    rows, summary = data["report_endings"], _summary(data)
    if not summary.get("plays_with_reason_end") and not summary.get("plays_with_skipped"):
        section.hidden = ("No play in this period says how it ended: reason_end and skipped "
                          "come only from Spotify's export (import it to see them).")
        return section
    section.figures.append(_bars("Plays by how they ended", [r["reason_end"] for r in rows],
                                 [r["plays"] for r in rows], "plays", "reason_end"))
    section.tables.append(Table("How plays ended", "report_endings",
                                ("reason_end", "plays", "skipped", "minutes"),
                                [(r["reason_end"], r["plays"], r["skipped_plays"], r["minutes"])
                                 for r in rows]))
    return section


def shows(data: Data) -> Section:
    """Podcasts and shows."""
    section = Section("shows", "Podcasts and shows")
    rows = data["report_shows"]
    if not rows:
        section.hidden = ("No podcast episodes in this period: the API records tracks only; "
                          "Spotify's export has the episodes.")
        return section
    section.figures.append(_bars("Shows by minutes", [r["show_name"] for r in rows],
                                 [r["minutes"] for r in rows], "minutes", "", horizontal=True))
    section.tables.append(Table("Shows", "report_shows", ("show", "episodes", "plays", "minutes"),
                                [(r["show_name"], r["episodes"], r["plays"], r["minutes"])
                                 for r in rows]))
    return section


def streaks(data: Data) -> Section:
    """The longest runs of consecutive days with a play."""
    section = Section("streaks", "Listening streaks")
    rows = data["report_streaks"]
    if not rows:
        section.hidden = "No plays in this period."
        return section
    longest = rows[0]
    section.lead = (f"Longest streak: {longest['days']} days in a row, from "
                    f"{longest['streak_start'].isoformat()} to "
                    f"{longest['streak_end'].isoformat()}.")
    labels = [f"{r['streak_start'].isoformat()} → {r['streak_end'].isoformat()}" for r in rows]
    section.figures.append(_bars("Longest streaks", labels, [r["days"] for r in rows], "days",
                                 "", horizontal=True))
    section.tables.append(Table("Streaks", "report_streaks", ("from", "to", "days"),
                                [(r["streak_start"], r["streak_end"], r["days"]) for r in rows]))
    return section


def coverage(data: Data, days_in_period: int) -> Section:
    """Which days come from the export, which from the API, and the gaps the pipeline saw."""
    section = Section("coverage", "Coverage: where each day's plays come from")
    rows, gaps = data["report_coverage"], data["report_listening_gaps"]
    if not rows and not gaps:
        section.hidden = "No plays and no pipeline runs in this period."
        return section
    section.lead = (f"{len(rows)} of {days_in_period} days have plays; a day without plays may be "
                    f"silence or a gap. {len(gaps)} run(s) may have lost plays.")
    if rows:
        figure = _figure("Plays per day by origin", "day (UTC)", "plays")
        for key, name, colour in (("export_plays", "export", "#6c5ce7"),
                                  ("api_plays", "API", ACCENT), ("both_plays", "both", "#fdcb6e")):
            figure.add_trace(go.Bar(x=[r["day"] for r in rows], y=[r[key] for r in rows],
                                    name=name, marker_color=colour))
        figure.update_layout(barmode="stack", showlegend=True,
                             legend=LEGEND_ON_TOP)
        _day_axis(figure, [r["day"] for r in rows])
        section.figures.append(figure)
    section.tables.append(Table("Runs that may have lost plays", "report_listening_gaps",
                                ("run (UTC)", "finding", "plays fetched", "error"),
                                [(r["run_at"], r["finding"], r["items"], r["error"])
                                 for r in gaps]))
    return section


def health(data: Data) -> Section:
    """The pipeline's runs, sources landed and failed, files quarantined."""
    section = Section("health", "Pipeline health")
    rows = data["report_pipeline_health"]
    if not rows:
        section.hidden = "The run log has no runs in this period."
        return section
    figure = _figure("Sources landed and failed, files quarantined, per run day", "run day (UTC)",
                     "count")
    for key, name, colour in (("sources_landed", "sources landed", ACCENT),
                              ("sources_failed", "sources failed", "#d63031"),
                              ("files_quarantined", "files quarantined", "#e17055")):
        figure.add_trace(go.Bar(x=[r["run_day"] for r in rows], y=[r[key] for r in rows],
                                name=name, marker_color=colour))
    figure.update_layout(barmode="group", showlegend=True, legend=LEGEND_ON_TOP)
    _day_axis(figure, [r["run_day"] for r in rows], grouped=True)
    section.figures.append(figure)
    section.tables.append(Table(
        "Per run day", "report_pipeline_health",
        ("day", "runs", "landed", "failed", "transformed", "quarantined", "429s"),
        [(r["run_day"], r["runs"], r["sources_landed"], r["sources_failed"],
          r["files_transformed"], r["files_quarantined"], r["rate_limited_429s"]) for r in rows]))
    return section


def build_sections(data: Data, zone: ZoneInfo, days_in_period: int) -> list[Section]:
    """Every section of the page, in order."""
    builders: list[Callable[[Data], Section]] = [
        activity, top_lists, lambda d: heatmap(d, zone), discoveries, endings, shows, streaks,
        lambda d: coverage(d, days_in_period), health,
    ]
    return [build(data) for build in builders]
