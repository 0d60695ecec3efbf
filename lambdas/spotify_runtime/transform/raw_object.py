"""One raw S3 object's steps, with no data lost on any path, and its run-log row: read and build
its rows (`read_raw_object`), archive it once the batch (transform/batch.py) has committed them
(`archive_written`), quarantine bad input, record the delivery (`record_outcome`).

docs/transform.md ("One raw object, step by step") tells each step and why it is safe to repeat.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from spotify_runtime import metrics
from spotify_runtime.contract import (
    METRIC_LATEST_SNAPSHOT_DATE,
    METRIC_RAW_FILES_QUARANTINED,
    METRIC_RAW_FILES_TRANSFORMED,
)
from spotify_runtime.envelope import iso_utc
from spotify_runtime.layout import (
    RAW_TIMESTAMP_FORMAT,
    error_report_key,
    failed_raw_key,
    partition_table,
    processed_raw_key,
    relative_raw_key,
)
from spotify_runtime.run_log import TRANSFORM, RunRecord, S3RunRecorder
from spotify_runtime.sources import USER_KEY_ID
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_to_parquet import TransformedFile, transform_raw_file

LOG = logging.getLogger(__name__)

TRANSFORMED = "processed"
"""The file's rows are in the tables and it is archived; the run log's outcome `processed`
(docs/freshness.md), so the value stays."""
QUARANTINED = "quarantined"
ALREADY_DONE = "already_done"
GONE = "gone"
_MISSING = ("NoSuchKey", "404", "NotFound")
_DENIED = ("AccessDenied", "403", "Forbidden")


@dataclass(frozen=True)
class RawFileOutcome:
    """What happened to one raw object."""

    status: str
    """`processed`, `quarantined`, `already_done` (archived by an earlier delivery) or `gone`
    (neither there nor archived: deleted by someone else)."""
    key: str
    summary: dict[str, Any] = field(default_factory=dict)
    """Rows per table, skipped items and written keys (processed); the error report
    (quarantined)."""


@dataclass(frozen=True)
class BuiltFile:
    """A raw file read and transformed: its rows built, not yet written to the tables."""

    key: str
    transformed: TransformedFile
    began: float
    """`time.monotonic()` when its handling began (its run-log row's duration)."""

    @property
    def nbytes(self) -> int:
        """The bytes its built rows hold in memory (what a batch is bounded by)."""
        return sum(table.nbytes for table in self.transformed.tables.values())


def read_raw_object(s3: Any, bucket: str, key: str) -> RawFileOutcome | BuiltFile:
    """Read and transform `s3://bucket/key` (under raw/to_process/): its rows, ready to write;
    or, for a file that needs no write, what happened to it: quarantined (bad input, moved to
    raw/failed/ with its report), `already_done` or `gone`.

    Raises botocore errors (and anything unexpected) with the raw object still in place."""
    began = time.monotonic()
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        return _absent(s3, bucket, key, error)
    try:  # the body is read inside, so the raw bytes are freed once parsed
        transformed = transform_raw_file(
            response["Body"].read, key, last_modified=response.get("LastModified")
        )
    except InvalidRawFileError as error:
        return _quarantine(s3, bucket, key, error)
    return BuiltFile(key, transformed, began)


def archive_written(s3: Any, bucket: str, built: BuiltFile) -> RawFileOutcome:
    """The file's rows are in the tables: move it to raw/processed/ (a failure raises, the file
    stays, and its next delivery writes the same rows again: no change). If another delivery
    of the same file (SQS delivers a message again once its visibility timeout passes, even
    while the first is still at work) archived it first, the file is `already_done`: that
    delivery wrote the same rows."""
    try:
        _move(s3, bucket, built.key, processed_raw_key(built.key))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in _MISSING or not _archived(
                s3, bucket, built.key):
            raise
        LOG.info("s3://%s/%s was archived by another delivery meanwhile", bucket, built.key)
        return RawFileOutcome(ALREADY_DONE, built.key)
    summary = {**built.transformed.summary(), "outputs": sorted(
        {partition_table(key) for key in built.transformed.tables})}
    LOG.info("transformed s3://%s/%s: %s", bucket, built.key, json.dumps(summary))
    return RawFileOutcome(TRANSFORMED, built.key, summary)



@dataclass(frozen=True)
class HandledFile:
    """One delivery's outcome, waiting for its run-log row."""

    outcome: RawFileOutcome
    duration_ms: int
    record_id: str
    earlier_ids: tuple[str, ...] = ()


def handled(outcome: RawFileOutcome, began: float, record_id: str,
            earlier_ids: Sequence[str] = ()) -> HandledFile:
    """The outcome of a delivery whose handling began at `began` (time.monotonic) and ends now."""
    return HandledFile(outcome, round((time.monotonic() - began) * 1000), record_id,
                       tuple(earlier_ids))


def record_outcomes(s3: Any, bucket: str, files: Sequence[HandledFile],
                    deadline: float | None = None) -> None:
    """Emit each file's metrics and write its delivery's run-log row (as its `record_id`, with an
    `unrecorded` row for each of its `earlier_ids` that has none), one write per run day;
    RunLogWriteError if the rows cannot be written.

    Metrics first: a delivery whose row fails is redelivered as `already_done`, which emits
    none, so the file still counts once.
    """
    for each in files:
        if each.outcome.status == TRANSFORMED:
            day = int(str(each.outcome.summary["snapshot_date"]).replace("-", ""))
            metrics.emit_record({METRIC_RAW_FILES_TRANSFORMED: 1}, bucket=bucket)
            metrics.emit_record({METRIC_LATEST_SNAPSHOT_DATE: day}, bucket=bucket, unit="None")
    S3RunRecorder(s3, bucket, deadline).record_all(
        [(run_record(each.outcome, each.duration_ms), each.record_id, list(each.earlier_ids))
         for each in files])


def _absent(s3: Any, bucket: str, key: str, error: ClientError) -> RawFileOutcome:
    """`already_done` or `gone` for a raw object S3 did not give; raises a real failure."""
    code = error.response.get("Error", {}).get("Code")
    if code not in _MISSING + _DENIED:
        raise error
    if _archived(s3, bucket, key):
        LOG.info("s3://%s/%s was archived by an earlier delivery: nothing to do", bucket, key)
        return RawFileOutcome(ALREADY_DONE, key)
    if code in _DENIED:
        raise error
    LOG.warning("s3://%s/%s is gone and was never archived (deleted by hand?)", bucket, key)
    return RawFileOutcome(GONE, key)


def _archived(s3: Any, bucket: str, key: str) -> bool:
    """Whether an earlier delivery moved `key` to raw/processed/ or raw/failed/.

    A listing with the exact key as prefix: it needs only s3:ListBucket on those two prefixes
    (no read of the archived objects), and a listing answers the same whatever the caller may
    read, unlike a GetObject or HeadObject of a missing key (403 or 404).
    """
    for target in (processed_raw_key(key), failed_raw_key(key)):
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=target, MaxKeys=1)
        if any(item["Key"] == target for item in listed.get("Contents", [])):
            return True
    return False


def _move(s3: Any, bucket: str, key: str, target: str) -> None:
    """Copy then delete; if the delete fails the retry repeats the (idempotent) whole."""
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)


def error_report(bucket: str, key: str, error: InvalidRawFileError,
                 failed_at: datetime | None = None) -> dict[str, Any]:
    """The `<key>.<failed at>.error.json` written beside a quarantined raw file."""
    failed_at = failed_at or datetime.now(UTC)
    return {
        "bucket": bucket,
        "key": key,
        "moved_to": failed_raw_key(key),
        "error": type(error).__name__,
        "where": error.where,
        "what": error.what,
        "message": str(error),
        "failed_at": iso_utc(failed_at),
        **getattr(error, "details", {}),  # a failed data-quality check: its name and numbers
    }


def _quarantine(s3: Any, bucket: str, key: str, error: InvalidRawFileError) -> RawFileOutcome:
    failed_at = datetime.now(UTC)
    report = error_report(bucket, key, error, failed_at)
    s3.put_object(
        Bucket=bucket,
        Key=error_report_key(key, failed_at),
        Body=json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"),
        ContentType="application/json",
    )
    _move(s3, bucket, key, failed_raw_key(key))
    LOG.error("quarantined s3://%s/%s: %s", bucket, key, error)
    metrics.emit(METRIC_RAW_FILES_QUARANTINED, 1, bucket=bucket)
    return RawFileOutcome(QUARANTINED, key, report)


def source_and_run(key: str, snapshot_date: str | None) -> tuple[str, datetime]:
    """The source (`type:id`) and run time a raw key names (`<type>/<id>/<run ts>.json`).

    A key of another shape (a tutorial file backfilled under raw/to_process/tutorial/) names the
    file itself as the source; a key without a run time (those, and a listening key named by its
    cursor) gives the run by its snapshot date (midnight UTC), else now.
    """
    try:
        relative = relative_raw_key(key)
    except ValueError:
        relative = key
    parts = relative.removesuffix(".json").split("/")
    source = relative
    if len(parts) == 3:
        source = parts[0] if parts[1] == USER_KEY_ID else f"{parts[0]}:{parts[1]}"
        try:
            return source, datetime.strptime(parts[2], RAW_TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:  # a listening key (`after-<cursor>`) names its cursor, not its run
            pass
    if snapshot_date:
        return source, datetime.fromisoformat(snapshot_date).replace(tzinfo=UTC)
    return source, datetime.now(UTC)


def run_record(outcome: RawFileOutcome, duration_ms: int) -> RunRecord:
    """The row for one handled raw file."""
    summary: dict[str, Any] = outcome.summary
    source, run_at = source_and_run(outcome.key, summary.get("snapshot_date"))
    if summary.get("run_at"):  # the envelope names its run (a listening key names its cursor)
        run_at = datetime.fromisoformat(summary["run_at"].replace("Z", "+00:00"))
    row = RunRecord(run_at=run_at, stage=TRANSFORM, source=source, outcome=outcome.status,
                    duration_ms=duration_ms, raw_key=outcome.key)
    if outcome.status == TRANSFORMED:
        row.items = summary.get("items")
        row.rows = dict(summary.get("rows") or {})
        row.skipped = dict(summary.get("skipped") or {})
    else:  # quarantined: the error report (already_done, gone: none)
        row.error = summary.get("message")
        row.quality_check = summary.get("check")
        numbers = summary.get("numbers") or {}
        row.items = numbers.get("items")
    return row
