"""The run log (`pipeline_runs`): one small JSON-lines object per fact, written by the function
that knows it.

- The extract worker writes one row each time it handles a source's message (landed, deferred,
  retry scheduled, paced out, dead-lettered with its error, ...), with the items, requests and
  429s that handling cost and its duration.
- The transform writes one row per raw file it handled (processed, quarantined with its reason
  and, for a failed data-quality check, the check's name), with rows per table and items skipped
  per reason.

Objects live under `layout.RUN_LOG` in `run_date=YYYY-MM-DD` partitions (the run's UTC day), one
per row, named by who wrote it (`extract-...`, `transform-...`) so each function's grant covers
its own names only. A name is deterministic per fact (per SQS delivery; per raw file), so a
retried invocation overwrites its row instead of adding one. `COLUMNS` is the table's schema:
the Glue table and the local DuckDB view are generated from it. Plain Python (the extract
functions carry no pyarrow).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from spotify_runtime.layout import RUN_LOG, RUN_LOG_WRITERS

LOG = logging.getLogger(__name__)

TABLE = "pipeline_runs"
PARTITION_COLUMN = "run_date"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
"""How timestamps are written: the `yyyy-mm-dd hh:mm:ss.fff` form Athena's JSON SerDes and
DuckDB both read as a `timestamp` (UTC, no zone suffix)."""

EXTRACT = "extract"
TRANSFORM = "transform"
HISTORY_IMPORT = "import"

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_at", "timestamp", "The run's scheduled time (UTC): names the run."),
    ("stage", "string", "`extract` (one handling of a source's queue message), `transform` "
                        "(one raw file) or `import` (one upload of the personal-data export)."),
    ("source", "string", "The source, `type:id` (or `saved-tracks`, `recently-played`)."),
    ("outcome", "string", "extract: landed, deferred, retry_scheduled, paced_out, "
                          "dead_lettered, not_started, returned; transform: processed, "
                          "quarantined, already_done."),
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
)
"""(name, Glue type, description) of each column, in order; `run_date` is the partition."""
DESCRIPTION = ("The run log: one row per handling of a source's extract message, one per "
               "raw file transformed and one per upload of the personal-data export imported.")


def format_timestamp(moment: datetime) -> str:
    """A run-log timestamp: UTC, millisecond precision, `yyyy-mm-dd hh:mm:ss.fff`."""
    if moment.tzinfo is None:
        raise ValueError("run-log timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)[:-3]


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

    def as_row(self) -> dict[str, Any]:
        """The JSON object written: every column of `COLUMNS`, timestamps as text."""
        row = asdict(self)
        for name in ("run_at", "recorded_at", "covered_from", "covered_to"):
            moment = getattr(self, name)
            row[name] = format_timestamp(moment) if moment is not None else None
        return {name: row[name] for name, _type, _description in COLUMNS}


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def record_key(record: RunRecord, discriminator: str) -> str:
    """`<RUN_LOG>run_date=<day>/<stage>-<source>-<run ts>-<digest>.json`.

    `discriminator` tells this fact from the others of the same source and run (an SQS message
    id and receive count; a raw key): the same fact always gets the same key.
    """
    if record.stage not in RUN_LOG_WRITERS:
        raise ValueError(f"unknown run-log stage {record.stage!r}")
    day = record.run_at.astimezone(UTC).date().isoformat()
    stamp = record.run_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(discriminator.encode("utf-8")).hexdigest()[:16]
    source = _UNSAFE.sub("-", record.source)[:80]
    return (f"{RUN_LOG}{PARTITION_COLUMN}={day}/{RUN_LOG_WRITERS[record.stage]}"
            f"{source}-{stamp}-{digest}.json")


def encode(record: RunRecord) -> bytes:
    """One JSON line (the SerDes read one object per line)."""
    return (json.dumps(record.as_row(), ensure_ascii=False, separators=(",", ":")) + "\n").encode()


class RunRecorder(Protocol):
    """Where run-log rows go; `discriminator` as in `record_key`."""

    def record(self, record: RunRecord, discriminator: str) -> None: ...


class S3RunRecorder:
    """Writes each row as its own object in the data-lake bucket.

    A failure to write is logged and swallowed: the run log describes the pipeline, it must never
    be the reason a source is retried or a raw file stays unprocessed.
    """

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def record(self, record: RunRecord, discriminator: str) -> None:
        """Put the row; log (never raise) on failure."""
        key = record_key(record, discriminator)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=encode(record),
                               ContentType="application/x-ndjson")
        except Exception as error:
            LOG.warning("could not write run-log row s3://%s/%s: %s", self.bucket, key, error)


class MemoryRunRecorder:
    """Keeps rows in memory (the scale simulation and tests); safe across worker threads."""

    def __init__(self) -> None:
        self.records: list[RunRecord] = []
        self.keys: dict[str, RunRecord] = {}
        self._lock = threading.Lock()

    def record(self, record: RunRecord, discriminator: str) -> None:
        """Keep the row (a repeated fact replaces its earlier row, as an S3 overwrite would)."""
        key = record_key(record, discriminator)
        with self._lock:
            if key in self.keys:
                self.records.remove(self.keys[key])
            self.keys[key] = record
            self.records.append(record)
