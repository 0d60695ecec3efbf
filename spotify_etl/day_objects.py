"""The table layout before Iceberg: one Parquet object per table and day, each raw file's rows a
run of rows named in the object's key-value metadata. `transform --out DIR` writes it (a folder
of plain Parquet, no catalog needed); `migrate-storage` reads it into the Iceberg tables
(docs/storage.md)."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from spotify_runtime.partition_files import ObjectStore, UpdateResult, parquet_bytes, update_object

SOURCES_METADATA_KEY = b"spotify_etl.source_rows"
"""Parquet key-value metadata: JSON {source: [first row, row count]}."""


def source_rows(body: bytes) -> dict[str, pa.Table]:
    """Each source's rows in a partition object written by `replace_source_rows`."""
    table = pq.read_table(pa.BufferReader(body))
    index = json.loads((table.schema.metadata or {}).get(SOURCES_METADATA_KEY, b"{}"))
    return {source: table.slice(first, count) for source, (first, count) in index.items()}


def replace_source_rows(store: ObjectStore, key: str, source: str, rows: pa.Table,
                        **options: Any) -> UpdateResult:
    """Make `rows` the partition's rows from `source`, keeping every other source's rows: the
    same source written twice (a retry, a re-delivery) leaves one copy."""

    def update(old: bytes | None) -> bytes | None:
        parts = source_rows(old) if old else {}
        if source in parts and parts[source].equals(rows.cast(parts[source].schema)):
            return None
        parts[source] = rows
        return _partition_bytes(rows.schema, parts)

    return update_object(store, key, update, **options)


def _partition_bytes(schema: pa.Schema, parts: dict[str, pa.Table]) -> bytes:
    """A partition object: the sources' rows one after another, in name order, each source's
    first row and row count in the key-value metadata."""
    index, first = {}, 0
    for name in sorted(parts):
        index[name] = [first, parts[name].num_rows]
        first += parts[name].num_rows
    metadata = {SOURCES_METADATA_KEY: json.dumps(index, sort_keys=True).encode()}
    return parquet_bytes(schema, [parts[name] for name in sorted(parts)], metadata)
