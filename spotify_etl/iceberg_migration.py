"""Moving a lake of one Parquet object per table and day into the Iceberg tables (issue 26).

Each object becomes one commit to its table, replacing exactly the rows it holds: a table-day's
sources keep their raw-file stems as `source_file` (so a later re-delivery replaces them), a
run-log day's rows are each `<stage>/<record_id>`, a `streams` month is `migrated:<m>`. Running
it again replaces the same rows with the same rows; the old objects stay, and `verify` compares
every object with its table. docs/storage.md ("Moving to Apache Iceberg", Migration).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import And, EqualTo, In
from spotify_runtime import layout, run_log
from spotify_runtime.history_import import streams
from spotify_runtime.iceberg_tables import SOURCE_FILE, IcebergTable

from infra.catalog_tables import iceberg_tables
from spotify_etl.day_objects import source_rows


@dataclass(frozen=True)
class OldObject:
    """One object of the old layout: its table, partition value and rows per source."""

    key: str
    table: str
    partition: str
    sources: dict[str, pa.Table]


def _partition_value(key: str, column: str) -> str:
    (part,) = [part for part in key.split("/") if part.startswith(f"{column}=")]
    return part.removeprefix(f"{column}=")


def read_old_object(key: str, body: bytes) -> OldObject | None:
    """The rows of an old-layout object by source; None for a key that is none of them."""
    if key.startswith(layout.STREAMS) and key.endswith("/streams.parquet"):
        month = _partition_value(key, layout.STREAMS_PARTITION)
        return OldObject(key, streams.TABLE, month,
                         {f"migrated:{month}": pq.read_table(pa.BufferReader(body))})
    if is_partition_key(key):
        table = layout.partition_table(key)
        return OldObject(key, table, _partition_value(key, "snapshot_date"), source_rows(body))
    if key.startswith(layout.RUN_LOG) and key.endswith("/runs.parquet"):
        rows = run_log.read_table(body)
        names = [f"{stage}/{record_id}" for stage, record_id in run_log.row_keys(rows)]
        return OldObject(key, run_log.TABLE, _partition_value(key, run_log.PARTITION_COLUMN),
                         {name: rows.slice(n, 1) for n, name in enumerate(names)})
    return None


def _conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """`rows` with `schema`'s columns; one an older version did not write reads null."""
    return pa.Table.from_arrays(
        [rows.column(field.name) if field.name in rows.column_names
         else pa.nulls(rows.num_rows, field.type) for field in schema],
        schema=schema)


def _rows(definition: IcebergTable, old: OldObject) -> pa.Table:
    parts = [definition.rows(_conform(rows, definition.columns), old.partition, source)
             for source, rows in sorted(old.sources.items())]
    return pa.concat_tables(parts) if parts else definition.arrow_schema.empty_table()


def _filter(definition: IcebergTable, old: OldObject) -> And:
    return And(EqualTo(definition.partition, old.partition), In(SOURCE_FILE, set(old.sources)))


def migrate_object(catalog: Catalog, database: str, old: OldObject) -> int:
    """Make the table's rows of `old`'s partition and sources exactly `old`'s, in one commit;
    returns the rows written."""
    definition = _definitions()[old.table]
    table = catalog.load_table(f"{database}.{old.table}")
    rows = _rows(definition, old)
    if old.sources:
        table.overwrite(rows, overwrite_filter=_filter(definition, old))
    return rows.num_rows


def table_rows_of(catalog: Catalog, database: str, old: OldObject) -> pa.Table:
    """What the table holds of `old`'s partition and sources (for `verify`)."""
    definition = _definitions()[old.table]
    table = catalog.load_table(f"{database}.{old.table}")
    if not old.sources:
        return definition.arrow_schema.empty_table()
    return table.scan(row_filter=_filter(definition, old)).to_arrow()


def verify(catalog: Catalog, database: str, old: OldObject) -> bool:
    """Whether the table holds exactly `old`'s rows for its partition and sources (as multisets
    of rows, every column of the old layout compared)."""
    definition = _definitions()[old.table]
    expected = _rows(definition, old)
    found = table_rows_of(catalog, database, old).select(expected.column_names)
    return _sorted(found.cast(expected.schema)).equals(_sorted(expected))


def _sorted(table: pa.Table) -> pa.Table:
    keys = [name for name in table.column_names
            if not pa.types.is_nested(table.schema.field(name).type)]
    return table.take(pc.sort_indices(table, [(name, "ascending") for name in keys]))


def old_objects(objects: Iterator[tuple[str, bytes]]) -> Iterator[OldObject]:
    """Each old-layout object among (key, body) pairs; other keys are skipped."""
    for key, body in objects:
        old = read_old_object(key, body)
        if old is not None:
            yield old


def _definitions() -> dict[str, IcebergTable]:
    return {definition.name: definition for definition in iceberg_tables()}


def is_partition_key(key: str) -> bool:
    """Whether `key` is a partition object (`partition_key`), not an old per-raw-file one."""
    parts = key.removeprefix(layout.PROCESSED).split("/")
    return (key.startswith(layout.PROCESSED) and len(parts) == 3
            and parts[1].startswith("snapshot_date=") and parts[2] == f"{parts[0]}.parquet")
