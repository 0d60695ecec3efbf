"""The Glue catalog and Athena stand-in: DuckDB views over the processed Parquet of a local lake.

On AWS the crawler makes one Glue table per folder under `processed/` with `snapshot_date` as a
string partition key, and Athena queries them by name. Here each table is a DuckDB view with the
same name over `<lake>/processed/<table>/**/*.parquet`, hive partitioning on and type inference
off, so `snapshot_date` is a VARCHAR as in Glue. A table with no files yet is still there, empty,
with the transform's schema, so the named queries run on any lake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from spotify_runtime.layout import PROCESSED, TABLES

from spotify_etl.local.messages import one_line

PARTITION_COLUMN = "snapshot_date"


class LakeQueryError(Exception):
    """A query the engine rejected; the message is the engine's first line."""


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple[Any, ...]]

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dictionaries keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def table_schemas() -> dict[str, pa.Schema]:
    """The transform's Arrow schema of each table (without the partition column)."""
    from spotify_runtime.transform.tables import SCHEMAS

    return dict(SCHEMAS)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def table_dir(lake_dir: Path, table: str) -> Path:
    """The folder holding one table's partitions."""
    return lake_dir / PROCESSED / table


def _create_view(
    connection: duckdb.DuckDBPyConnection, lake_dir: Path, table: str, schema: pa.Schema
) -> None:
    files = table_dir(lake_dir, table)
    if any(files.glob("**/*.parquet")):
        pattern = _sql_string(str(files / "**" / "*.parquet"))
        connection.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet({pattern}, "
            "hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
        )
        return
    empty_name = f"_empty_{table}"
    connection.register(empty_name, schema.empty_table())
    connection.execute(
        f"CREATE VIEW {table} AS SELECT *, CAST(NULL AS VARCHAR) AS {PARTITION_COLUMN} "
        f"FROM {empty_name}"
    )


def open_lake(
    lake_dir: Path, schemas: Mapping[str, pa.Schema] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per table of the lake at `lake_dir`."""
    schemas = table_schemas() if schemas is None else schemas
    connection = duckdb.connect(":memory:")
    # Athena shows the UTC timestamps as UTC; DuckDB would cast them to dates (listening per
    # day) in the machine's zone.
    connection.execute("SET TimeZone = 'UTC'")
    for table in TABLES:
        _create_view(connection, lake_dir, table, schemas[table])
    return connection


def run_sql(connection: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """Run one statement; LakeQueryError carries the engine's message if it fails."""
    try:
        cursor = connection.execute(sql)
        if cursor is None:  # DuckDB returns no cursor for blanks and comments
            raise LakeQueryError("no statement (only blanks or comments)")
        columns = [column[0] for column in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as error:
        raise LakeQueryError(one_line(error)) from None
    return QueryResult(columns, rows)


def rows_per_table(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table, across all snapshots."""
    return {
        table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in TABLES
    }
