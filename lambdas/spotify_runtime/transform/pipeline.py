"""One raw file's bytes to its Parquet files: what the Lambda handler and the CLI both run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from spotify_runtime.layout import PROCESSED, processed_key
from spotify_runtime.transform.build import BuiltTables, build_tables
from spotify_runtime.transform.parquet import parquet_bytes
from spotify_runtime.transform.quality import check_tables
from spotify_runtime.transform.reader import read_document
from spotify_runtime.transform.snapshot import snapshot_date as derive_snapshot_date


@dataclass(frozen=True)
class TransformedFile:
    """The outputs of one raw file, serialized and ready to write."""

    snapshot_date: date
    built: BuiltTables
    outputs: dict[str, bytes]
    """Key under the bucket (`processed/<table>/snapshot_date=<d>/<stem>.parquet`) -> Parquet.
    Tables without rows (e.g. playlist_tracks of an album) are not written."""

    def relative_outputs(self) -> dict[str, bytes]:
        """The same outputs keyed relative to `processed/` (`<table>/snapshot_date=...`)."""
        return {key.removeprefix(PROCESSED): data for key, data in self.outputs.items()}

    def summary(self) -> dict[str, object]:
        """Rows per table and skipped items per reason, for logs and the CLI."""
        return {
            "snapshot_date": self.snapshot_date.isoformat(),
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
) -> TransformedFile:
    """Parse, build and serialize every table of one raw file; nothing is written here.

    `data` is the raw bytes, or a function returning them: then they are released as soon as
    they are parsed, before the tables are built (lower peak memory). `key` is the raw object
    key (or a file name): it names the outputs and, for a bare paging object, may carry the
    snapshot date. `snapshot_date` overrides the derived date.
    Raises InvalidRawFileError for input that can never be transformed (QualityCheckError when
    its tables fail a data-quality check).
    """
    document = read_document(data() if callable(data) else data)
    built = build_tables(document)
    check_tables(built)  # a failed check quarantines the file like any other bad input
    day = snapshot_date or derive_snapshot_date(document, key, last_modified)
    outputs = {
        processed_key(name, day, key): parquet_bytes(table)
        for name, table in built.tables.items()
        if table.num_rows
    }
    return TransformedFile(snapshot_date=day, built=built, outputs=outputs)
