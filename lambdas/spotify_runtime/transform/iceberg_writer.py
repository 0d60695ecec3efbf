"""A batch of transformed raw files into the Iceberg tables: one commit per table per batch.

Each raw file's rows keep its name (`TransformedFile.source_file`, the raw file's stem) in the
column `source_file`; a table's commit replaces exactly the batch's source files, so a batch
delivered again, or one of its files delivered alone, replaces its rows instead of adding them. A
commit per table per batch, not per file: a commit's cost grows with the commits before it
(docs/storage.md, "Moving to Apache Iceberg"). If a table's commit fails, the batch fails as a
whole and is delivered again: the tables already committed get the same rows again (no change).

The transform handler writes through it (transform/batch.py), as does the Iceberg write
benchmark (bench/iceberg_bench.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import ValidationException

from spotify_runtime.iceberg_tables import IcebergTable, evolve, replace_source_files
from spotify_runtime.layout import partition_table
from spotify_runtime.transform.raw_to_parquet import TransformedFile
from spotify_runtime.transform.tables import SCHEMAS

CONFLICT_ATTEMPTS = 8
"""Times a table's commit is planned when a concurrent commit added files its overwrite filter
may match (serializable isolation: PyIceberg judges by the files' `source_file` bounds, so
batches of other raw files can look like a conflict too)."""
CONFLICT_WAIT_SECONDS = 0.2
"""The first wait before planning again (doubled each time, with jitter)."""
SNAPSHOT_PARTITION = "snapshot_date"
"""The transform's tables' partition column: the raw file's UTC extraction day, `yyyy-MM-dd`."""
TABLE_DEFINITIONS = {name: IcebergTable(name, schema, SNAPSHOT_PARTITION)
                     for name, schema in SCHEMAS.items()}
"""Each table the transform writes, as an Iceberg definition (catalog_tables uses these)."""



def batch_rows(files: Sequence[TransformedFile]) -> dict[str, pa.Table]:
    """Each table's rows of the batch, as rows of its Iceberg table."""
    parts: dict[str, list[pa.Table]] = {}
    for transformed in files:
        day = transformed.snapshot_date.isoformat()
        for key, rows in transformed.tables.items():
            name = partition_table(key)
            parts.setdefault(name, []).append(
                TABLE_DEFINITIONS[name].rows(rows, day, transformed.source_file))
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}


def write_batch(catalog: Catalog, database: str,
                files: Sequence[TransformedFile]) -> dict[str, int]:
    """Make each table's rows of the batch's source files exactly the batch's, one commit per table
    that has rows; returns the rows written per table.

    A table a file has no rows of (an album has no playlist_tracks) is not touched for it: the
    transform of one raw file always yields the same tables."""
    source_files = {transformed.source_file for transformed in files}
    written = {}
    for name, rows in batch_rows(files).items():
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            table = evolve(catalog.load_table(f"{database}.{name}"), TABLE_DEFINITIONS[name])
            try:
                replace_source_files(table, rows, source_files)
                break
            except ValidationException:
                # A concurrent commit added files that may hold rows of these source files (another
                # delivery of one of these raw files, or a batch whose `source_file` bounds
                # overlap): PyIceberg refuses to overwrite rows it has not seen. Plan the
                # overwrite again on the table as it is now.
                if attempt == CONFLICT_ATTEMPTS:
                    raise
                time.sleep(CONFLICT_WAIT_SECONDS * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
        written[name] = rows.num_rows
    return written
