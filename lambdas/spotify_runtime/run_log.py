"""The run log (`pipeline_runs`): one row per handling (an extract message, a raw file, an
upload), written by the function that did it into the run day's one Parquet object
(`layout.run_log_key`) under S3 conditional writes. `COLUMNS` is the table's schema: the Glue
table and the local DuckDB view are generated from it.

docs/freshness.md ("The run log") has its columns; docs/storage.md how a write works, and how a
row that could not be written is recorded by the next delivery (`unrecorded`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from spotify_runtime.layout import run_log_key
from spotify_runtime.partition_files import (
    ObjectStore,
    S3ObjectStore,
    parquet_bytes,
    update_object,
)

LOG = logging.getLogger(__name__)

TABLE = "pipeline_runs"
PARTITION_COLUMN = "run_date"
EXTRACT = "extract"
TRANSFORM = "transform"
UNRECORDED = "unrecorded"
"""Outcome of a delivery whose own row was never written (S3 failed it, or its container died):
written by a later delivery of the same message, which knows only that it happened."""
HISTORY_IMPORT = "import"
STAGES = (EXTRACT, TRANSFORM, HISTORY_IMPORT)

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_at", "timestamp", "The run's scheduled time (UTC): names the run."),
    ("stage", "string", "`extract` (one handling of a source's queue message), `transform` "
                        "(one raw file) or `import` (one upload of the personal-data export)."),
    ("source", "string", "The source, `type:id` (or `saved-tracks`, `recently-played`)."),
    ("outcome", "string", "extract: landed, deferred, retry_scheduled, paced_out, "
                          "dead_lettered, not_started, returned; transform: processed, "
                          "quarantined, already_done, gone; either: unrecorded (a delivery "
                          "whose row was lost, written by the message's next delivery)."),
    ("attempt", "int", "Failed attempts before this one (extract; 0 for transform)."),
    ("error", "string", "Why it failed: the error of a retried or dead-lettered source, the "
                        "reason a raw file was quarantined; null otherwise."),
    ("quality_check", "string", "The data-quality check a quarantined file failed; null "
                                "otherwise."),
    ("items", "bigint", "Items of the source (extract: landed only) or of the raw file."),
    ("requests", "bigint", "Spotify API requests this handling sent (retries included)."),
    ("rate_limited", "bigint", "429 answers Spotify gave this handling."),
    ("duration_ms", "bigint", "How long the handling took, in milliseconds."),
    ("raw_key", "string", "The source's raw object key (under raw/to_process/)."),
    ("rows", "map<string,bigint>", "transform: rows written per table; import: files, "
                                   "imported, already_present, months."),
    ("skipped", "map<string,bigint>", "transform: items that produced no row, per reason; "
                                      "import: rows skipped, per reason."),
    ("recorded_at", "timestamp", "When the row was written (UTC)."),
    ("covered_from", "timestamp", "import: the end of the first play the upload holds (UTC)."),
    ("covered_to", "timestamp", "import: the end of its last play (UTC); the named query "
                                "history_imports counts the API plays in that range."),
    ("record_id", "string", "Which handling: `<SQS message id>/<receive count>` of the delivery "
                            "(the raw key for a direct invocation). One row per id."),
)
"""(name, Glue type, description) of each column, in order; `run_date` is the partition."""
DESCRIPTION = ("The run log: one row per handling of a source's extract message, one per "
               "delivery of a raw file to the transform and one per upload of the personal-data "
               "export imported.")


@dataclass
class RunRecord:
    """One row of `pipeline_runs` (the partition comes from `run_at`)."""

    run_at: datetime
    stage: str
    source: str
    outcome: str
    attempt: int = 0
    error: str | None = None
    quality_check: str | None = None
    items: int | None = None
    requests: int | None = None
    rate_limited: int | None = None
    duration_ms: int | None = None
    raw_key: str | None = None
    rows: dict[str, int] | None = None
    skipped: dict[str, int] = field(default_factory=dict)
    recorded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    covered_from: datetime | None = None
    covered_to: datetime | None = None
    record_id: str = ""

    def as_row(self) -> dict[str, Any]:
        """The row written: every column of `COLUMNS`, in order (timestamps in UTC)."""
        if self.stage not in STAGES:
            raise ValueError(f"unknown run-log stage {self.stage!r} (one of {', '.join(STAGES)})")
        row = asdict(self)
        for name in ("run_at", "recorded_at", "covered_from", "covered_to"):
            if row[name] is None and name.startswith("covered"):
                continue
            if row[name].tzinfo is None:
                raise ValueError("run-log timestamps must be timezone-aware")
            row[name] = row[name].astimezone(UTC)
        return {name: row[name] for name, _type, _description in COLUMNS}

    def unrecorded(self, record_id: str) -> RunRecord:
        """The row for an earlier delivery of the same message that left none of its own."""
        return RunRecord(run_at=self.run_at, stage=self.stage, source=self.source,
                         outcome=UNRECORDED, attempt=self.attempt, raw_key=self.raw_key,
                         record_id=record_id)


_ARROW_TYPES = {
    "timestamp": pa.timestamp("ms", tz="UTC"), "string": pa.string(), "int": pa.int32(),
    "bigint": pa.int64(), "map<string,bigint>": pa.map_(pa.string(), pa.int64()),
}
SCHEMA = pa.schema([pa.field(name, _ARROW_TYPES[type_]) for name, type_, _ in COLUMNS])
"""The Parquet schema of a run-log object (Glue types of `COLUMNS`)."""


def delivery_id(message_id: str, receive_count: int | str) -> str:
    """The `record_id` of one SQS delivery of a message."""
    return f"{message_id}/{receive_count}"


def earlier_delivery_ids(message_id: str, receive_count: int | str) -> list[str]:
    """The `record_id`s of the deliveries of this message before this one (receive counts
    1 .. n-1): each should have a row by now."""
    try:
        count = int(receive_count)
    except (TypeError, ValueError):
        return []
    return [delivery_id(message_id, n) for n in range(1, count)]


def record_day(record: RunRecord) -> str:
    """The `run_date` partition of a row: its run's UTC day."""
    return record.run_at.astimezone(UTC).date().isoformat()


def to_table(records: Iterable[RunRecord]) -> pa.Table:
    """Rows as an Arrow table of `SCHEMA`."""
    rows = [record.as_row() for record in records]
    for row in rows:  # Arrow's map type takes key/value pairs
        row["rows"] = list(row["rows"].items()) if row["rows"] is not None else None
        row["skipped"] = list(row["skipped"].items()) if row["skipped"] is not None else None
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def read_table(body: bytes) -> pa.Table:
    """The rows of one run-log object."""
    return pq.read_table(io.BytesIO(body)).cast(SCHEMA)


def row_keys(table: pa.Table) -> list[tuple[str, str]]:
    """(stage, record_id) of each row of a run-log table: what a row is known by, since the
    day's object is shared by the writers, whose ids come from different queues."""
    return list(zip(table.column("stage").to_pylist(), table.column("record_id").to_pylist(),
                    strict=True))


def merge_all(old: bytes | None, entries: list[tuple[RunRecord, list[str]]]) -> bytes:
    """`merge` of several rows (each with its earlier delivery ids) in one rewrite."""
    table = read_table(old) if old else SCHEMA.empty_table()
    present = set(row_keys(table))
    added: dict[tuple[str, str], RunRecord] = {}
    for record, _ in entries:
        added[(record.stage, record.record_id)] = record
    for record, earlier_ids in entries:
        for rid in dict.fromkeys(earlier_ids):
            key = (record.stage, rid)
            if key not in present and key not in added:
                added[key] = record.unrecorded(rid)
    return _replaced(table, to_table(added.values()))


def merge_rows(old: bytes | None, rows: pa.Table) -> bytes:
    """The object `old` with every row of `rows` (a run-log table) written, each replacing the
    row of its stage and id if there is one: how `migrate-storage` folds older objects in."""
    return _replaced(read_table(old) if old else SCHEMA.empty_table(), rows.cast(SCHEMA))


def _replaced(table: pa.Table, rows: pa.Table) -> bytes:
    incoming = set(row_keys(rows))
    kept = [key not in incoming for key in row_keys(table)]
    return parquet_bytes(SCHEMA, [table.filter(pa.array(kept, pa.bool_())), rows])


class RunLogWriteError(Exception):
    """A handling's row could not be written (after the store's retries): the handler must
    leave its message on the queue, so the next delivery records it."""


class RunRecorder(Protocol):
    """Where run-log rows go."""

    def record(self, record: RunRecord, record_id: str, earlier_ids: Iterable[str] = ()) -> None:
        """Write `record` as `record_id`, and an `unrecorded` row for each of `earlier_ids`
        that has none; raise RunLogWriteError if it cannot."""


class StoreRunRecorder:
    """Writes rows into the run day's object in an object store (a local lake)."""

    def __init__(self, store: ObjectStore, where: str = "", deadline: float | None = None) -> None:
        self.store = store
        self.where = where
        self.deadline = deadline
        """Until when a write may wait for the day's object while other writers change it
        (`partition_files.update_object`); None: a few attempts."""

    def record(self, record: RunRecord, record_id: str, earlier_ids: Iterable[str] = ()) -> None:
        """Merge the row into its object (conditional write, retried on a lost race)."""
        self.record_all([(record, record_id, list(earlier_ids))])

    def record_all(self, entries: list[tuple[RunRecord, str, list[str]]]) -> None:
        """`record` for several rows, one rewrite per run day: a batch of deliveries costs one
        conditional write, not one each that the others' writes would make lose its race."""
        per_day: dict[str, list[tuple[RunRecord, list[str]]]] = {}
        for record, record_id, earlier_ids in entries:
            record.record_id = record_id
            per_day.setdefault(record_day(record), []).append((record, earlier_ids))
        for day, rows in per_day.items():
            key = run_log_key(day)
            try:
                update_object(self.store, key, lambda old, rows=rows: merge_all(old, rows),
                              deadline=self.deadline)
            except Exception as error:
                LOG.warning("could not write %d run-log row(s) to %s%s: %s", len(rows),
                            self.where, key, error)
                raise RunLogWriteError(f"{key}: {error}") from error


class S3RunRecorder(StoreRunRecorder):
    """Writes rows into the run day's object in the data-lake bucket."""

    def __init__(self, s3: Any, bucket: str, deadline: float | None = None) -> None:
        super().__init__(S3ObjectStore(s3, bucket), f"s3://{bucket}/", deadline)
