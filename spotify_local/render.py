"""Printing query results: a table in the terminal, CSV or JSON for programs.

No format ever cuts a value: a table folds long cells onto more lines, CSV and JSON hold them
whole.
"""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from spotify_local.duckdb_athena import QueryResult


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


FORMATS = ("table", "csv", "json")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    return value


def write_csv(stream: TextIO, result: QueryResult) -> None:
    """RFC 4180 CSV with a header row; NULL is an empty field, a list a JSON array."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow(
            "" if value is None
            else json.dumps(_json_value(value), ensure_ascii=False)
            if isinstance(value, list | tuple | dict) else format_value(value)
            for value in row
        )


def write_json(stream: TextIO, result: QueryResult) -> None:
    """A JSON array with one object per row (column -> value; NULL is null)."""
    rows = [{column: _json_value(value) for column, value in zip(result.columns, row,
                                                                strict=True)}
            for row in result.rows]
    json.dump(rows, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
