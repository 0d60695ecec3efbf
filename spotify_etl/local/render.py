"""Printing query results as tables in the terminal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from spotify_etl.local.lake import QueryResult


def format_value(value: Any) -> str:
    """One cell as text: NULL as an empty cell, lists comma-separated, times in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(format_value(item) for item in value)
    return str(value)


def result_table(result: QueryResult) -> Table:
    """A rich Table of a query result."""
    table = Table()
    for column in result.columns:
        # Spotify IDs are 22 characters: keep them on one line, let names wrap instead.
        table.add_column(column, overflow="fold", no_wrap=column.endswith("_id"))
    for row in result.rows:
        table.add_row(*(format_value(value) for value in row))
    return table


def print_result(console: Console, result: QueryResult, heading: str | None = None) -> None:
    """Print an optional heading, the result as a table, and how many rows it has."""
    if heading:
        console.print(heading)
    console.print(result_table(result))
    console.print(f"[dim]{len(result.rows)} row(s)[/]")
