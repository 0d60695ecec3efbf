"""One raw file's bytes to its Parquet files: what the Lambda handler and the CLI both run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from spotify_runtime.envelope import iso_utc
from spotify_runtime.layout import PROCESSED, processed_key
from spotify_runtime.sources import USER_KEY_ID, USER_SOURCE_TYPES
from spotify_runtime.transform.build import BuiltTables, build_tables
from spotify_runtime.transform.parquet import parquet_bytes
from spotify_runtime.transform.quality import check_tables
from spotify_runtime.transform.reader import RawDocument, read_document
from spotify_runtime.transform.snapshot import snapshot_date as derive_snapshot_date


@dataclass(frozen=True)
class TransformedFile:
    """The outputs of one raw file, serialized and ready to write."""

    snapshot_date: date
    built: BuiltTables
    outputs: dict[str, bytes]
    """Key under the bucket (`processed/<table>/snapshot_date=<d>/<stem>.parquet`) -> Parquet.
    Tables without rows (e.g. playlist_tracks of an album) are not written."""
    run_at: datetime | None = None
    """The envelope's run (None for a paging object)."""

    def relative_outputs(self) -> dict[str, bytes]:
        """The same outputs keyed relative to `processed/` (`<table>/snapshot_date=...`)."""
        return {key.removeprefix(PROCESSED): data for key, data in self.outputs.items()}

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
    key (or a file name): it names the outputs and, for a bare paging object, may carry the
    snapshot date. `snapshot_date` overrides the derived date. `name_outputs`, given the parsed
    document, returns the key that names the outputs instead of `key` (see `source_run_key`).
    Raises InvalidRawFileError for input that can never be transformed (QualityCheckError when
    its tables fail a data-quality check).
    """
    document = read_document(data() if callable(data) else data)
    built = build_tables(document)
    check_tables(built)  # a failed check quarantines the file like any other bad input
    day = snapshot_date or derive_snapshot_date(document, key, last_modified)
    output_key = name_outputs(document) if name_outputs else key
    outputs = {
        processed_key(name, day, output_key): parquet_bytes(table)
        for name, table in built.tables.items()
        if table.num_rows
    }
    return TransformedFile(snapshot_date=day, built=built, outputs=outputs,
                           run_at=document.run_at)


UNNAMED_SOURCE = "unnamed"
"""The ID segment of `source_run_key` for a paging object that names no playlist."""


def source_run_key(document: RawDocument, file_name: str) -> str:
    """`<type>/<id>/<file name>`: the raw key a local file would have had in the bucket.

    Raw files of one run share their file name (the run's timestamp) across sources, so a file
    name alone does not tell their outputs apart; the source type and ID from the document do.
    """
    if document.source_id:
        ident = document.source_id
    elif document.source_type in USER_SOURCE_TYPES:
        ident = USER_KEY_ID
    else:
        ident = UNNAMED_SOURCE
    return f"{document.source_type}/{ident}/{file_name}"
