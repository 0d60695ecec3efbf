"""The report as one self-contained HTML file: Plotly's JavaScript inlined, no request made.

Charts and their tables sit side by side on a wide screen and one under the other on a phone
(CSS grid); every table cell is text, so the page reads without the charts too.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import plotly.io as pio

from spotify_runtime.contract import PLOTLY_FILE
from spotify_runtime.report.sections import Section, Table

ASSET_PLOTLY_BUNDLE = Path(__file__).with_name(PLOTLY_FILE)
"""Where the monthly report function's asset carries Plotly's basic partial bundle (bar, scatter
and pie traces: all the page draws): a quarter of the 4.6 MB full bundle the plotly package
would inline. The command line reads it from node_modules instead."""
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False, "displayModeBar": False}
"""No toolbar: on a phone it covers the chart titles, and the tables hold every number."""


class ChartLibraryMissingError(FileNotFoundError):
    """The Plotly bundle is not where the caller said; the message names the path."""


@cache
def plotly_js(bundle: Path) -> str:
    """The chart library's code (read once per process), inlined once per page."""
    try:
        return bundle.read_text(encoding="utf-8")
    except OSError:
        raise ChartLibraryMissingError(f"the report's chart library is missing ({bundle})"
                                       ) from None

STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1e272e; }
body { margin: 0 auto; max-width: 1200px; padding: 12px; background: #fafafa; }
header h1 { margin: 8px 0 4px; font-size: 1.6rem; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; padding: 0; }
.totals li { list-style: none; background: #fff; border: 1px solid #dfe6e9; border-radius: 6px;
  padding: 8px 12px; }
.totals b { display: block; font-size: 1.3rem; }
section { background: #fff; border: 1px solid #dfe6e9; border-radius: 8px; margin: 14px 0;
  padding: 12px; }
section h2 { margin: 0 0 6px; font-size: 1.2rem; }
.hidden-reason { color: #636e72; margin: 0; }
.grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px;
  align-items: start; }
.tables { display: grid; gap: 10px; }
@media (max-width: 760px) { .grid { grid-template-columns: minmax(0, 1fr); } }
table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left;
  overflow-wrap: break-word; }
th { overflow-wrap: anywhere; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.card img { max-width: 100%; height: auto; border-radius: 12px; }
footer { color: #636e72; font-size: 0.8rem; margin: 16px 0; }
"""


@dataclass(frozen=True)
class PageInfo:
    """What the page says about itself: period, where the data came from, the time zone its
    days, weeks, months and hours of day are counted in."""

    period: str
    source: str
    time_zone: str
    generated_at: datetime
    counting_rule: str
    """The counting rule in words (PlayRule.in_words)."""
    generator: str = "python -m spotify_etl report"
    """What wrote the page (the command, or the monthly report function)."""


def _cell(value: Any) -> str:
    if value is None:
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        return f'<td class="number">{value:g}</td>' if isinstance(value, float) else (
            f'<td class="number">{value}</td>')
    if isinstance(value, datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        value = value.isoformat()
    return f"<td>{html.escape(str(value))}</td>"


def render_table(table: Table) -> str:
    """One table; `data-query` names the query its cells come from."""
    head = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    body = "".join("<tr>" + "".join(_cell(value) for value in row) + "</tr>"
                   for row in table.rows)
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    return (f'<table data-query="{html.escape(table.query)}"><caption>'
            f"{html.escape(table.caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def render_section(section: Section) -> str:
    """One section: its charts and tables, or its title and why it is hidden."""
    title = f"<h2>{html.escape(section.title)}</h2>"
    if section.hidden:
        return (f'<section id="{section.key}" class="hidden-section">{title}'
                f'<p class="hidden-reason">{html.escape(section.hidden)}</p></section>')
    lead = f"<p>{html.escape(section.lead)}</p>" if section.lead else ""
    charts = "".join(
        pio.to_html(figure, full_html=False, include_plotlyjs=False, config=PLOTLY_CONFIG,
                    div_id=f"chart-{section.key}-{index}", default_width="100%")
        for index, figure in enumerate(section.figures))
    tables = "".join(render_table(table) for table in section.tables)
    return (f'<section id="{section.key}">{title}{lead}<div class="grid">'
            f'<div class="charts">{charts}</div><div class="tables">{tables}</div></div>'
            "</section>")


def _totals(summary: dict[str, Any]) -> str:
    minutes = summary.get("minutes") or 0
    items = [("plays", summary.get("plays", 0)), ("hours listened", round(minutes / 60, 1)),
             ("days with a play", summary.get("days_listened", 0)),
             ("tracks", summary.get("tracks", 0)), ("artists", summary.get("artists", 0))]
    return '<ul class="totals" data-query="report_summary">' + "".join(
        f"<li><b>{value}</b>{label}</li>" for label, value in items) + "</ul>"


def render_card_section(card_png: bytes) -> str:
    """The share card inline, with a link that saves it (both data: URLs: no request)."""
    encoded = base64.b64encode(card_png).decode("ascii")
    return ('<section id="card"><h2>Share card</h2><figure class="card">'
            f'<img alt="The share card: this period in one picture" width="270" height="480" '
            f'src="data:image/png;base64,{encoded}">'
            f'<figcaption><a download="share-card.png" href="data:image/png;base64,{encoded}">'
            "Download the card (1080 x 1920 PNG)</a></figcaption></figure></section>")


def render_page(info: PageInfo, summary: dict[str, Any], sections: list[Section],
                card_png: bytes | None = None, *, chart_library: Path) -> str:
    """The whole HTML document (with the share card when given), with the Plotly bundle at
    `chart_library` inlined."""
    body = "".join(render_section(section) for section in sections)
    if card_png is not None:
        body += render_card_section(card_png)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Listening report, {html.escape(info.period)}</title>
<style>{STYLE}</style>
<script>{plotly_js(chart_library)}</script>
</head><body>
<header><h1>Listening report</h1>
<p>{html.escape(info.period)} · from {html.escape(info.source)} ·
<span data-time-zone>days, months and hours of day in {html.escape(info.time_zone)}</span></p>
<p class="rule" data-rule>What counts: {html.escape(info.counting_rule)}.</p>
{_totals(summary)}</header>
<main>{body}</main>
<footer>Generated {info.generated_at.strftime("%Y-%m-%d %H:%M UTC")} by
<code>{html.escape(info.generator)}</code>; every number comes from the report's named queries
(<code>spotify_runtime/report/queries/</code>).</footer>
</body></html>
"""
