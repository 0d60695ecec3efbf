"""The Glue catalog and Athena stand-in: DuckDB views over the files of a local lake.

On AWS each table is defined at deploy (infra.catalog_tables -> components/catalog.py) with
a string day partition, and Athena reads the files with the declared types. Here each table is a
DuckDB view with the same name, generated from the same definitions: every column cast to the
DuckDB equivalent of its Glue type (a `timestamp` is the UTC wall clock, as in Athena). A
transform table is an Iceberg table: its view reads exactly the data files of the table's
current snapshot, as Athena plans from the snapshot Glue points to (iceberg_lake.py). The run
log and `streams` are read from `<lake>/pipeline_runs/**/*.parquet` and
`<lake>/processed/streams/**`, hive partitioning on and type inference off, so the partition is
a VARCHAR as in Glue. A table with
no files yet is still there, empty, with its types, so the named queries run on any lake. The
catalog's views (`listening`) are created over them from the very SQL Athena's view holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from spotify_runtime.layout import PROCESSED
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS
from spotify_runtime.transform.tables import TABLES

from infra.catalog_tables import (
    ColumnDefinition,
    TableDefinition,
    all_tables,
    duckdb_type,
    glue_type,
    processed_tables,
    run_log_table,
    streams_table,
)
from infra.catalog_views import all_views
from spotify_local.iceberg_lake import current_data_files
from spotify_local.progress import first_line

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


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _definitions(schemas: Mapping[str, pa.Schema] | None) -> list[TableDefinition]:
    """The catalog's definitions (or, for tests, ones built from other schemas)."""
    if schemas is None:
        return all_tables()
    defaults = {definition.name: definition for definition in processed_tables()}
    custom = [
        TableDefinition(
            name=table, description="", prefix=f"{PROCESSED}{table}/",
            data_format=defaults[table].data_format,
            columns=tuple(ColumnDefinition(f.name, glue_type(f.type), "", f.nullable)
                          for f in schemas[table]),
            partition_key=PARTITION_COLUMN, partition_comment="",
        )
        for table in TABLES
    ]
    return [*custom, streams_table(), run_log_table()]


def _typed_columns(definition: TableDefinition) -> str:
    casts = [f"CAST({c.name} AS {duckdb_type(c.glue_type)}) AS {c.name}"
             for c in definition.columns]
    return ", ".join([*casts, definition.partition_key])


def _create_iceberg_view(connection: duckdb.DuckDBPyConnection, lake_dir: Path,
                         definition: TableDefinition) -> bool:
    """A view over the data files of the table's current snapshot; False if it has none."""
    files = current_data_files(lake_dir, definition.name)
    if not files:
        return False
    source = (f"read_parquet([{', '.join(_sql_string(str(path)) for path in files)}], "
              # the partition is a column of the files: not from their folder names
              "union_by_name = true, hive_partitioning = false)")
    present = {row[0] for row in connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    # A column a newer version added is in no file written before it: it reads null, as in
    # Athena.
    columns = [f"CAST({c.name} AS {duckdb_type(c.glue_type)}) AS {c.name}" if c.name in present
               else f"CAST(NULL AS {duckdb_type(c.glue_type)}) AS {c.name}"
               for c in definition.columns]
    connection.execute(f"CREATE VIEW {definition.name} AS SELECT {', '.join(columns)}, "
                       f"{definition.partition_key} FROM {source}")
    return True


def _create_view(
    connection: duckdb.DuckDBPyConnection, lake_dir: Path, definition: TableDefinition,
    iceberg: bool = False,
) -> None:
    files = lake_dir / definition.prefix
    table = definition.name
    if iceberg:
        if _create_iceberg_view(connection, lake_dir, definition):
            return
    elif any(files.glob("**/*.parquet")):
        pattern = _sql_string(str(files / "**" / "*.parquet"))
        source = (f"read_parquet({pattern}, hive_partitioning = true, "
                  "hive_types_autocast = false, union_by_name = true)")
        connection.execute(
            f"CREATE VIEW {table} AS SELECT {_typed_columns(definition)} FROM {source}"
        )
        return
    nulls = [f"CAST(NULL AS {duckdb_type(c.glue_type)}) AS {c.name}" for c in definition.columns]
    connection.execute(
        f"CREATE VIEW {table} AS SELECT {', '.join(nulls)}, "
        f"CAST(NULL AS VARCHAR) AS {definition.partition_key} WHERE false"
    )


def open_lake(
    lake_dir: Path, schemas: Mapping[str, pa.Schema] | None = None, iceberg: bool = True,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per catalog table of the lake at
    `lake_dir` (the transform's tables and the run log), typed as the Glue tables are.
    `iceberg=False`: the transform's tables are plain Parquet files under
    `processed/<table>/snapshot_date=<day>/` (a reference lake of the benchmarks)."""
    connection = duckdb.connect(":memory:")
    # Athena's `timestamp` is the UTC wall clock: cast UTC-adjusted Parquet timestamps in UTC.
    connection.execute("SET TimeZone = 'UTC'")
    for definition in _definitions(schemas):
        # The transform's tables are Iceberg tables (their current snapshot); tables made from
        # other schemas (tests of the old layout's schema changes) and the run log and streams
        # are files under their prefix.
        _create_view(connection, lake_dir, definition,
                     iceberg=iceberg and schemas is None and definition.name in TABLE_DEFINITIONS)
    if schemas is None:  # the catalog's views, from the same SQL Athena runs (over the
        for view in all_views():  # catalog's own tables: other schemas may lack their columns)
            connection.execute(f"CREATE VIEW {view.name} AS {view.sql}")
    return connection


def run_sql(
    connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[Any] = ()
) -> QueryResult:
    """Run one statement (its `?` markers bound to `parameters`, as Athena's execution
    parameters are); LakeQueryError carries the engine's message if it fails."""
    try:
        cursor = connection.execute(sql, list(parameters)) if parameters else (
            connection.execute(sql))
        if cursor is None:  # DuckDB returns no cursor for blanks and comments
            raise LakeQueryError("no statement (only blanks or comments)")
        columns = [column[0] for column in cursor.description or []]
        rows = cursor.fetchall() if columns else []
    except duckdb.Error as error:
        raise LakeQueryError(first_line(error)) from None
    return QueryResult(columns, rows)


def rows_per_table(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every table, across all snapshots."""
    return {
        table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        for table in TABLES
    }
