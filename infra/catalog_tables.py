"""The catalog's table definitions, generated from the runtime's schemas with no per-table code:
the one source of the Glue tables (components/catalog.py, components/iceberg_tables.py) and the
local DuckDB views (spotify_local/duckdb_athena.py). Types are Glue (Hive DDL) type names;
`duckdb_type` gives the local equivalent, so a query meets the same types in both engines.

Which tables are Iceberg and which Parquet, and where each lives: docs/storage.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
from spotify_runtime import layout, run_log
from spotify_runtime.history_import import streams
from spotify_runtime.iceberg_tables import IcebergTable
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS
from spotify_runtime.transform.tables import SCHEMAS, TABLE_DESCRIPTIONS, TABLES

PARQUET = "parquet"
SNAPSHOT_PARTITION = "snapshot_date"


@dataclass(frozen=True)
class DateProjection:
    """A `date` partition projection: partitions from `start` up to NOW, one per day or month
    as `format` says (Athena's default step for the format's precision)."""

    start: str | None
    """First partition; None: the environment's `lake_start_date` (config.py)."""
    format: str
    """Java date format of the partition values (`yyyy-MM-dd`, `yyyy-MM`)."""


DAY_PROJECTION = DateProjection(None, "yyyy-MM-dd")
"""Snapshot and run-log days: from the first day of data (Athena looks for every day of the
range, so it starts where the data does)."""
MONTH_PROJECTION = DateProjection("2006-01", "yyyy-MM")
"""`streams` (ended_month): exports go back to an account's first play (Spotify launched in
2008; earlier end times are refused as clock errors), so months from 2006 to NOW: about 250
partitions, of which Athena lists only those a query's range touches. An `injected` projection
would make every query name its months, which the `listening` view cannot; days from 2006
would be 7,000 partitions for one object a month."""


@dataclass(frozen=True)
class ColumnDefinition:
    """One catalog column: Glue type, description (the Glue comment), nullability."""

    name: str
    glue_type: str
    comment: str
    nullable: bool = True


@dataclass(frozen=True)
class TableDefinition:
    """One catalog table: its data under `layout.PROCESSED`/`layout.RUN_LOG`, one string
    partition key holding a `yyyy-MM-dd` day."""

    name: str
    description: str
    prefix: str
    """Key prefix of the table's data (`processed/songs/`, `pipeline_runs/`)."""
    data_format: str
    columns: tuple[ColumnDefinition, ...]
    partition_key: str
    partition_comment: str
    projection: DateProjection = DAY_PROJECTION


def glue_type(type_: pa.DataType) -> str:
    """The Glue type Athena must declare to read a Parquet column of Arrow type `type_`.

    Timestamps are `timestamp` only in millisecond or microsecond precision (the transform
    writes milliseconds, UTC-adjusted); anything unmapped raises, so a new column type cannot
    reach the catalog undeclared.
    """
    if pa.types.is_timestamp(type_) and type_.unit in ("ms", "us"):
        return "timestamp"
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return f"array<{glue_type(type_.value_type)}>"
    if pa.types.is_map(type_):
        return f"map<{glue_type(type_.key_type)},{glue_type(type_.item_type)}>"
    if pa.types.is_struct(type_):
        fields = ",".join(f"{field.name}:{glue_type(field.type)}" for field in type_)
        return f"struct<{fields}>"
    simple = {
        pa.string(): "string", pa.large_string(): "string", pa.int8(): "tinyint",
        pa.int16(): "smallint", pa.int32(): "int", pa.int64(): "bigint", pa.bool_(): "boolean",
        pa.float32(): "float", pa.float64(): "double", pa.date32(): "date",
        pa.binary(): "binary",
    }
    if type_ in simple:
        return simple[type_]
    raise ValueError(f"no Glue type for Arrow type {type_} (add it to catalog_tables.glue_type)")


_DUCKDB_PRIMITIVES = {
    "string": "VARCHAR", "tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER",
    "bigint": "BIGINT", "boolean": "BOOLEAN", "float": "FLOAT", "double": "DOUBLE",
    "date": "DATE", "timestamp": "TIMESTAMP", "binary": "BLOB",
}
_GENERIC = re.compile(r"^(array|map)<(.*)>$")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "<"
        depth -= char == ">"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def duckdb_type(glue: str) -> str:
    """The DuckDB type a Glue type reads as (`timestamp`: TIMESTAMP, wall clock in UTC, as in
    Athena)."""
    if glue in _DUCKDB_PRIMITIVES:
        return _DUCKDB_PRIMITIVES[glue]
    match = _GENERIC.match(glue)
    if match and match.group(1) == "array":
        return f"{duckdb_type(match.group(2))}[]"
    if match:
        key, value = _split_top_level(match.group(2))
        return f"MAP({duckdb_type(key)}, {duckdb_type(value)})"
    raise ValueError(f"no DuckDB type for Glue type {glue!r}")


def _description(field: pa.Field) -> str:
    return (field.metadata or {}).get(b"description", b"").decode("utf-8")


def processed_tables() -> list[TableDefinition]:
    """One definition per table the transform writes, in `tables.TABLES` order."""
    return [
        TableDefinition(
            name=name,
            description=TABLE_DESCRIPTIONS.get(name, name),
            prefix=f"{layout.PROCESSED}{name}/",
            data_format=PARQUET,
            columns=tuple(
                ColumnDefinition(field.name, glue_type(field.type), _description(field),
                                 field.nullable)
                for field in SCHEMAS[name]
            ),
            partition_key=SNAPSHOT_PARTITION,
            partition_comment="UTC day of the snapshot (yyyy-MM-dd): the raw file's extraction "
                              "day.",
        )
        for name in TABLES
    ]


def run_log_table() -> TableDefinition:
    """The run log, `pipeline_runs`."""
    return TableDefinition(
        name=run_log.TABLE,
        description=run_log.DESCRIPTION,
        prefix=layout.RUN_LOG,
        data_format=PARQUET,
        columns=tuple(ColumnDefinition(name, type_, comment)
                      for name, type_, comment in run_log.COLUMNS),
        partition_key=run_log.PARTITION_COLUMN,
        partition_comment="UTC day of the run (yyyy-MM-dd).",
    )


def streams_table() -> TableDefinition:
    """`streams`: the personal-data export's plays, one Parquet object per month."""
    return TableDefinition(
        name=streams.TABLE,
        description=streams.DESCRIPTION,
        prefix=layout.STREAMS,
        data_format=PARQUET,
        columns=tuple(ColumnDefinition(field.name, glue_type(field.type), _description(field),
                                       field.nullable) for field in streams.STREAMS_SCHEMA),
        partition_key=layout.STREAMS_PARTITION,
        partition_comment="UTC month the play ended (yyyy-MM).",
        projection=MONTH_PROJECTION,
    )


def all_tables() -> list[TableDefinition]:
    """Every catalogued table."""
    return [*processed_tables(), streams_table(), run_log_table()]


def iceberg_tables() -> list[IcebergTable]:
    """Every catalogued table as an Iceberg definition: the runtime's Arrow schema of the table
    (the one its writer builds rows of) and the same partition column, in `all_tables` order."""
    definitions = {**TABLE_DEFINITIONS,
                   streams.TABLE: IcebergTable(streams.TABLE, streams.STREAMS_SCHEMA,
                                               layout.STREAMS_PARTITION),
                   run_log.TABLE: IcebergTable(run_log.TABLE, run_log.SCHEMA,
                                               run_log.PARTITION_COLUMN)}
    return [definitions[table.name] for table in all_tables()]


def iceberg_location(bucket: str, table: IcebergTable) -> str:
    """Where a table's data and metadata files live: `s3://<bucket>/tables/<table>`
    (`layout.TABLES`), apart from the one-object-per-day layout under `processed/`."""
    return f"s3://{bucket}/{layout.TABLES}{table.name}"


def transform_iceberg_tables() -> list[IcebergTable]:
    """The transform's tables (`TABLE_DEFINITIONS`), in `tables.TABLES` order: what the deploy
    creates as Iceberg tables, at `iceberg_location`."""
    return [TABLE_DEFINITIONS[name] for name in TABLES]


def parquet_tables() -> list[TableDefinition]:
    """The tables the deploy keeps as Glue Parquet tables: every table of `all_tables` that the
    transform does not write as Iceberg (`streams`, the run log `pipeline_runs`)."""
    return [table for table in all_tables() if table.name not in TABLE_DEFINITIONS]
