"""The year (or month) in review: the page's first section, and the share card's figures.

Built, like every section, only from the report queries' rows: the period's (`data`) and, when
the report compares, the period before it (`previous`). The plays are the counting rule's and
the minutes everything played, as in every query.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go

from spotify_runtime.report.card import CardFigures
from spotify_runtime.report.sections import (
    ACCENT,
    Data,
    Rows,
    Section,
    Table,
    item_name,
    new_figure,
    summary_row,
)

TOP = 10


def ranked_top(rows: Rows, kind: str, rank: str = "rank_by_minutes") -> Rows:
    """The top rows of one kind (artist, track, album), best first, at most TOP."""
    return sorted((r for r in rows if r["kind"] == kind and r[rank] <= TOP),
                  key=lambda r: r[rank])


def _share(minutes: float | None, total: float | None) -> str:
    return f"{100 * (minutes or 0) / total:.1f}%" if total else ""


def _month(day: date) -> str:
    return day.strftime("%b %Y")


def highlights(data: Data) -> list[tuple[str, Any]]:
    """The period's headline figures, in reading order, as (what, value) pairs."""
    summary, top = summary_row(data), data.get("report_top") or []
    total = summary.get("minutes") or 0.0
    pairs: list[tuple[str, Any]] = [("minutes listened", total),
                                    ("plays", summary.get("plays") or 0),
                                    ("days with a play", summary.get("days_listened") or 0)]
    for kind, label in (("artist", "top artist"), ("track", "top track"),
                        ("album", "top album")):
        ranked = ranked_top(top, kind)
        if ranked:
            first = ranked[0]
            pairs.append((label, f"{item_name(first)}: {first['minutes']:g} minutes, "
                                 f"{_share(first['minutes'], total)} of the period's"))
    shows = data.get("report_shows") or []
    if shows:
        pairs.append(("top show", f"{shows[0]['show_name']}: {shows[0]['minutes']:g} minutes, "
                                  f"{_share(shows[0]['minutes'], total)}"))
    streaks = data.get("report_streaks") or []
    if streaks:
        longest = streaks[0]
        pairs.append(("longest streak", f"{longest['days']} day{'s' * (longest['days'] != 1)}, "
                                        f"{longest['streak_start']} to {longest['streak_end']}"))
    days = data.get("report_per_day") or []
    if days:
        busiest = max(days, key=lambda row: (row["minutes"] or 0, row["plays"]))
        pairs.append(("top day", f"{busiest['day']}: {busiest['minutes']:g} minutes"))
    discoveries = {r["name"] for r in data.get("report_discoveries") or []
                   if r["kind"] == "artist"}
    counts = {r["kind"]: r["discoveries"] for r in data.get("report_discoveries") or []}
    if counts:
        top_new = [r["name"] for r in ranked_top(top, "artist", "rank_by_plays")
                   if r["name"] in discoveries]
        pairs.append(("new to you", f"{counts.get('artist', 0)} artists and "
                                    f"{counts.get('track', 0)} tracks; {len(top_new)} of your "
                                    f"top {TOP} artists by plays"))
    obsessions = data.get("report_obsessions") or []
    if obsessions:
        first = obsessions[0]
        pairs.append(("obsession", f"{first['track_name']} ({first['artist_name']}): "
                                   f"{first['plays']} plays in the week of {first['week_start']}"))
    return pairs


def _versus(data: Data, previous: Data) -> list[Table]:
    now, before = summary_row(data), summary_row(previous)
    figures = (("minutes listened", "minutes"), ("plays", "plays"),
               ("days with a play", "days_listened"), ("tracks", "tracks"),
               ("artists", "artists"))
    rows = [[label, now.get(key) or 0, before.get(key) or 0] for label, key in figures]
    names_now = [r["name"] for r in ranked_top(data.get("report_top") or [], "artist")]
    names_before = [r["name"] for r in ranked_top(previous.get("report_top") or [], "artist")]
    moved = [[name, "new in the top 10"] for name in names_now if name not in names_before]
    moved += [[name, "gone from the top 10"] for name in names_before if name not in names_now]
    return [Table("Against the period before", "report_summary",
                  ["", "this period", "the period before"], rows),
            Table(f"Top {TOP} artists by minutes: new and gone", "report_top",
                  ["artist", ""], moved)]


def review(data: Data, previous: Data | None, title: str) -> Section:
    """The review section: highlights, month by month, and against the period before."""
    summary = summary_row(data)
    if not summary.get("plays") and not summary.get("minutes"):
        return Section("review", title, hidden="No plays in this period.")
    section = Section("review", title, tables=[
        Table("Highlights", "report_summary", ["", ""], [list(p) for p in highlights(data)])])
    months = data.get("report_months") or []
    if months:
        figure = new_figure("Minutes per month", "", "minutes")
        figure.add_trace(go.Bar(x=[_month(r["month_start"]) for r in months],
                                y=[r["minutes"] for r in months], marker_color=ACCENT,
                                customdata=[r["top_artist"] or "" for r in months],
                                hovertemplate="%{x}: %{y} minutes, most %{customdata}"
                                              "<extra></extra>"))
        section.figures.append(figure)
        section.tables.append(Table("Month by month", "report_months",
                                    ["month", "plays", "minutes", "top artist"],
                                    [[_month(r["month_start"]), r["plays"], r["minutes"],
                                      r["top_artist"]] for r in months]))
    if previous is not None:
        section.tables.extend(_versus(data, previous))
    return section


def card_figures(data: Data, title: str, period_words: str, rule_words: str) -> CardFigures:
    """What the share card shows of the period."""
    summary, top = summary_row(data), data.get("report_top") or []
    streaks = data.get("report_streaks") or []
    figures = [(f"{round(summary.get('minutes') or 0):,}", "minutes listened"),
               (f"{summary.get('plays') or 0:,}", "plays")]
    if streaks:
        figures.append((f"{streaks[0]['days']}", "days in a row, the longest streak"))
    return CardFigures(
        title=title, period=period_words, figures=figures,
        top_artists=[r["name"] for r in ranked_top(top, "artist")][:5],
        top_tracks=[f"{r['name']} · {r['artist_name']}" if r.get("artist_name") else r["name"]
                    for r in ranked_top(top, "track")][:5],
        rule=rule_words)
