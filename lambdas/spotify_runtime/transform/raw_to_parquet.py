"""One raw file's bytes to its rows per table partition: what the Lambda handler and the CLI both
run. Writing them (into the one object of each table and day) is the caller's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

import pyarrow as pa

from spotify_runtime.envelope import iso_utc
from spotify_runtime.layout import PROCESSED, partition_key, processed_file_stem
from spotify_runtime.partition_files import parquet_bytes
from spotify_runtime.transform.build import BuiltTables, build_tables
from spotify_runtime.transform.quality import check_tables
from spotify_runtime.transform.reader import RawDocument, read_document
from spotify_runtime.transform.snapshot import snapshot_date as derive_snapshot_date


@dataclass(frozen=True)
class TransformedFile:
    """The rows of one raw file, per partition object, ready to write."""

    snapshot_date: date
    built: BuiltTables
    tables: dict[str, pa.Table]
    """Partition key (`processed/<table>/snapshot_date=<d>/<table>.parquet`) -> this file's rows
    of that table. Tables without rows (e.g. playlist_tracks of an album) are left out."""
    source_file: str
    """The name of this file's rows in each partition object and table (the column
    `source_file`; `layout.processed_file_stem`)."""
    run_at: datetime | None = None
    """The envelope's run (None for a paging object)."""

    @cached_property
    def outputs(self) -> dict[str, bytes]:
        """This file's rows of each partition alone, as Parquet (what it adds to the lake)."""
        return {key: parquet_bytes(table.schema, [table]) for key, table in self.tables.items()}

    def relative_tables(self) -> dict[str, pa.Table]:
        """`tables` keyed relative to `processed/` (`<table>/snapshot_date=...`)."""
        return {key.removeprefix(PROCESSED): table for key, table in self.tables.items()}

    def summary(self) -> dict[str, object]:
        """Rows per table and skipped items per reason, for logs and the CLI."""
        return {
            "snapshot_date": self.snapshot_date.isoformat(),
            **({"run_at": iso_utc(self.run_at)} if self.run_at else {}),
            "items": self.built.items,
            "rows": self.built.rows(),
            "skipped": dict(self.built.skipped),
        }


def transform_raw_file(
    data: bytes | Callable[[], bytes],
    key: str,
    *,
    last_modified: datetime | None = None,
    snapshot_date: date | None = None,
    name_outputs: Callable[[RawDocument], str] | None = None,
) -> TransformedFile:
    """Parse, build and serialize every table of one raw file; nothing is written here.

    `data` is the raw bytes, or a function returning them: then they are released as soon as
    they are parsed, before the tables are built (lower peak memory). `key` is the raw object
    key (or a file name): it names the file's rows in the partitions (`source_file`) and, for a bare
    paging object, may carry the snapshot date. `snapshot_date` overrides the derived date.
    `name_outputs`, given the parsed document, returns the key that names the rows instead of
    `key` (see `source_run_key`).
    Raises InvalidRawFileError for input that can never be transformed (QualityCheckError when
    its tables fail a data-quality check).
    """
    document = read_document(data() if callable(data) else data)
    built = build_tables(document)
    check_tables(built)  # a failed check quarantines the file like any other bad input
    day = snapshot_date or derive_snapshot_date(document, key, last_modified)
    output_key = name_outputs(document) if name_outputs else key
    tables = {partition_key(name, day): table
              for name, table in built.tables.items() if table.num_rows}
    return TransformedFile(snapshot_date=day, built=built, tables=tables,
                           source_file=processed_file_stem(output_key), run_at=document.run_at)


