"""One raw S3 object end to end, with no data lost on any path.

1. Read `raw/to_process/<rel>`; if it is gone, an earlier delivery finished: succeed, do nothing.
2. Build and serialize every table in memory (bad input stops here, before any write).
3. Write every table to `processed/...`; if a write fails, remove what this attempt wrote
   (best effort) and raise: the raw object stays and Lambda retries.
4. Only then copy the raw object to `raw/processed/<rel>` and delete the original.

Bad input (not JSON, not an accepted shape, missing fields) moves the raw object to
`raw/failed/<rel>` with `<rel>.error.json` beside it and emits the RawFilesQuarantined metric;
the invocation succeeds so it is not retried forever. Output names are deterministic, so a
retry or a re-delivered event overwrites instead of duplicating.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from spotify_runtime import metrics
from spotify_runtime.envelope import iso_utc
from spotify_runtime.layout import error_report_key, failed_raw_key, processed_raw_key
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.pipeline import transform_raw_file

LOG = logging.getLogger(__name__)

PROCESSED = "processed"
QUARANTINED = "quarantined"
ALREADY_DONE = "already_done"
_MISSING = ("NoSuchKey", "404", "NotFound")


@dataclass(frozen=True)
class Outcome:
    """What happened to one raw object."""

    status: str
    """`processed`, `quarantined` or `already_done` (the object was no longer there)."""
    key: str
    summary: dict[str, Any] = field(default_factory=dict)
    """Rows per table, skipped items and written keys (processed); the error report
    (quarantined)."""


def process_raw_object(s3: Any, bucket: str, key: str) -> Outcome:
    """Transform `s3://bucket/key` (under raw/to_process/) and archive or quarantine it.

    Raises botocore errors (and anything unexpected) so the caller's retries take over; the raw
    object is still in place whenever this raises.
    """
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _MISSING:
            LOG.info("s3://%s/%s is gone: already processed by an earlier delivery", bucket, key)
            return Outcome(ALREADY_DONE, key)
        raise
    try:  # the body is read inside, so the raw bytes are freed once parsed
        transformed = transform_raw_file(
            response["Body"].read, key, last_modified=response.get("LastModified")
        )
    except InvalidRawFileError as error:
        return _quarantine(s3, bucket, key, error)
    written = _write_all(s3, bucket, transformed.outputs)
    _move(s3, bucket, key, processed_raw_key(key))
    summary = {**transformed.summary(), "outputs": written}
    LOG.info("transformed s3://%s/%s: %s", bucket, key, json.dumps(summary))
    return Outcome(PROCESSED, key, summary)


def _write_all(s3: Any, bucket: str, outputs: dict[str, bytes]) -> list[str]:
    written: list[str] = []
    try:
        for out_key, body in outputs.items():
            s3.put_object(Bucket=bucket, Key=out_key, Body=body,
                          ContentType="application/vnd.apache.parquet")
            written.append(out_key)
    except Exception:
        # Leave no half set of tables behind for a file that stays in to_process (best effort:
        # a retry overwrites the same keys anyway).
        for out_key in written:
            try:
                s3.delete_object(Bucket=bucket, Key=out_key)
            except ClientError:
                LOG.warning("could not remove partial output s3://%s/%s", bucket, out_key)
        raise
    return written


def _move(s3: Any, bucket: str, source: str, target: str) -> None:
    """Copy then delete; if the delete fails the retry repeats the (idempotent) whole."""
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source})
    s3.delete_object(Bucket=bucket, Key=source)


def error_report(bucket: str, key: str, error: InvalidRawFileError) -> dict[str, Any]:
    """The `<key>.error.json` written beside a quarantined raw file."""
    return {
        "bucket": bucket,
        "key": key,
        "moved_to": failed_raw_key(key),
        "error": type(error).__name__,
        "where": error.where,
        "what": error.what,
        "message": str(error),
        "failed_at": iso_utc(datetime.now(UTC)),
        **getattr(error, "details", {}),  # a failed data-quality check: its name and numbers
    }


def _quarantine(s3: Any, bucket: str, key: str, error: InvalidRawFileError) -> Outcome:
    report = error_report(bucket, key, error)
    s3.put_object(
        Bucket=bucket,
        Key=error_report_key(key),
        Body=json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"),
        ContentType="application/json",
    )
    _move(s3, bucket, key, failed_raw_key(key))
    LOG.error("quarantined s3://%s/%s: %s", bucket, key, error)
    metrics.emit(metrics.RAW_FILES_QUARANTINED, 1, bucket=bucket)
    return Outcome(QUARANTINED, key, report)
