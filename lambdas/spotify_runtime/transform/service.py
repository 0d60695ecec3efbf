"""One raw S3 object end to end, with no data lost on any path.

1. Read `raw/to_process/<rel>`. If S3 answers 404 or 403 (without s3:ListBucket on a key, S3
   answers 403 for a missing object, and ListBucket under an s3:prefix condition most likely
   does not change that for GetObject), look for `raw/processed/<rel>` or `raw/failed/<rel>`:
   there, an earlier delivery finished (succeed, do nothing); not there, a 403 is a real denial
   (raise) and a 404 a file deleted by hand (logged, nothing to do).
2. Build and serialize every table in memory (bad input stops here, before any write).
3. Put every table's rows into its partition object (`processed/<table>/snapshot_date=<d>/
   <table>.parquet`) as this file's source, under S3 conditional writes (docs/storage.md); if a
   write fails, take this file's rows out of the partitions already written (best effort) and
   raise: the raw object stays and Lambda retries.
4. Only then copy the raw object to `raw/processed/<rel>` and delete the original.

Bad input (not JSON, not an accepted shape, missing fields) moves the raw object to
`raw/failed/<rel>` with `<rel>.<failed at>.error.json` beside it (never replacing an older
report) and emits the RawFilesQuarantined metric;
the invocation succeeds so it is not retried forever. A file's rows are named by its raw key in
each partition, so a retry or a re-delivered event replaces them instead of duplicating.
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
from spotify_runtime.partition_files import (
    ObjectStore,
    S3ObjectStore,
    remove_source,
    replace_source_rows,
)
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.pipeline import TransformedFile, transform_raw_file

LOG = logging.getLogger(__name__)

PROCESSED = "processed"
QUARANTINED = "quarantined"
ALREADY_DONE = "already_done"
GONE = "gone"
_MISSING = ("NoSuchKey", "404", "NotFound")
_DENIED = ("AccessDenied", "403", "Forbidden")


@dataclass(frozen=True)
class Outcome:
    """What happened to one raw object."""

    status: str
    """`processed`, `quarantined`, `already_done` (archived by an earlier delivery) or `gone`
    (neither there nor archived: deleted by someone else)."""
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
        code = error.response.get("Error", {}).get("Code")
        if code not in _MISSING + _DENIED:
            raise
        if _archived(s3, bucket, key):
            LOG.info("s3://%s/%s was archived by an earlier delivery: nothing to do", bucket, key)
            return Outcome(ALREADY_DONE, key)
        if code in _DENIED:
            raise
        LOG.warning("s3://%s/%s is gone and was never archived (deleted by hand?)", bucket, key)
        return Outcome(GONE, key)
    try:  # the body is read inside, so the raw bytes are freed once parsed
        transformed = transform_raw_file(
            response["Body"].read, key, last_modified=response.get("LastModified")
        )
    except InvalidRawFileError as error:
        return _quarantine(s3, bucket, key, error)
    written = write_partitions(S3ObjectStore(s3, bucket), transformed)
    _move(s3, bucket, key, processed_raw_key(key))
    summary = {**transformed.summary(), "outputs": written}
    LOG.info("transformed s3://%s/%s: %s", bucket, key, json.dumps(summary))
    return Outcome(PROCESSED, key, summary)


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


def write_partitions(store: ObjectStore, transformed: TransformedFile) -> list[str]:
    """Make `transformed`'s rows its source's rows in each partition object; on a failure, take
    them out of the partitions already written (best effort: a retry writes them all again) and
    raise. Returns the partition keys."""
    written: list[str] = []
    try:
        for key, table in transformed.tables.items():
            replace_source_rows(store, key, transformed.source, table)
            written.append(key)
    except Exception:
        for key in written:
            try:
                remove_source(store, key, transformed.source)
            except Exception:  # the retry of the whole file rewrites the same rows anyway
                LOG.warning("could not take %s out of %s", transformed.source, key)
        raise
    return written


def _move(s3: Any, bucket: str, source: str, target: str) -> None:
    """Copy then delete; if the delete fails the retry repeats the (idempotent) whole."""
    s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": source})
    s3.delete_object(Bucket=bucket, Key=source)


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


def _quarantine(s3: Any, bucket: str, key: str, error: InvalidRawFileError) -> Outcome:
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
    metrics.emit(metrics.RAW_FILES_QUARANTINED, 1, bucket=bucket)
    return Outcome(QUARANTINED, key, report)
