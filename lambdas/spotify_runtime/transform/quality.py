"""Data-quality checks on one raw file's tables, before any of them is written.

- `unique_ids`: a column `tables.py` marks unique (field metadata `unique`) holds each value
  once per file.
- `not_null`: a column `tables.py` declares non-nullable holds no null.
- `row_counts`: the rows agree with the items: rows of the items' table (songs; albums or
  artists for the library sources whose items are those) at most the items kept (items minus
  skipped, fewer only by repeated ones), at least one when any item was kept; one
  playlist_tracks row per kept item of a playlist.

A failed check raises QualityCheckError, an InvalidRawFileError: the file is quarantined with
the check's name and numbers in its `.error.json`, and the run log shows the check.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.transform.build import BuiltTables
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.tables import SCHEMAS

UNIQUE_IDS = "unique_ids"
NOT_NULL = "not_null"
ROW_COUNTS = "row_counts"


class QualityCheckError(InvalidRawFileError):
    """A table of the file failed a data-quality check; `check` and `numbers` say which and
    by how much."""

    def __init__(self, check: str, table: str, what: str, numbers: dict[str, Any]) -> None:
        super().__init__(f"table {table}", f"data-quality check {check} failed: {what}")
        self.check = check
        self.numbers = {"table": table, **numbers}

    @property
    def details(self) -> dict[str, Any]:
        """Fields the error report carries besides where/what."""
        return {"check": self.check, "numbers": self.numbers}


def is_unique(field: pa.Field) -> bool:
    """Whether `tables.py` marks the column as holding each value once per file."""
    return (field.metadata or {}).get(b"unique") == b"true"


def check_tables(built: BuiltTables) -> None:
    """Run every check on `built`; raise QualityCheckError at the first failure."""
    for name, table in built.tables.items():
        schema = SCHEMAS[name]
        for field in schema:
            column = table.column(field.name)
            if not field.nullable and column.null_count:
                raise QualityCheckError(
                    NOT_NULL, name, f"{column.null_count} null {field.name} value(s)",
                    {"column": field.name, "nulls": column.null_count, "rows": table.num_rows},
                )
            if is_unique(field) and table.num_rows:
                distinct = pc.count_distinct(column, mode="all").as_py()
                if distinct != table.num_rows:
                    duplicates = table.num_rows - distinct
                    raise QualityCheckError(
                        UNIQUE_IDS, name, f"{duplicates} repeated {field.name} value(s)",
                        {"column": field.name, "rows": table.num_rows, "distinct": distinct},
                    )
    _check_row_counts(built)


def _check_row_counts(built: BuiltTables) -> None:
    kept = built.items - sum(built.skipped.values())
    numbers = {"items": built.items, "skipped": sum(built.skipped.values()), "kept": kept}
    table = built.item_table
    rows = built.tables[table].num_rows
    if rows > kept or (kept > 0 and rows == 0):
        raise QualityCheckError(
            ROW_COUNTS, table, f"{rows} rows for {kept} kept item(s)", {**numbers, "rows": rows}
        )
    playlist_rows = built.tables["playlist_tracks"].num_rows
    if playlist_rows and playlist_rows != kept:
        raise QualityCheckError(
            ROW_COUNTS, "playlist_tracks", f"{playlist_rows} rows for {kept} kept item(s)",
            {**numbers, "rows": playlist_rows},
        )
