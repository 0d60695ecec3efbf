"""One upload under `imports/` -> `streams`, its account in the run log; a refused upload is
copied to `imports-failed/` with a report (the upload itself stays where it was put).

No Spotify request at all: the export already holds names and URIs.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from spotify_runtime import metrics
from spotify_runtime.contract import METRIC_IMPORTS_QUARANTINED
from spotify_runtime.history_import.importer import ImportReport, import_files, run_record
from spotify_runtime.history_import.members import NotAnExportError, upload_members
from spotify_runtime.layout import ERROR_REPORT_SUFFIX, failed_import_key
from spotify_runtime.partition_files import S3ObjectStore
from spotify_runtime.run_log import RunRecorder

LOG = logging.getLogger(__name__)
IMPORTED = "imported"
QUARANTINED = "quarantined"
MAX_UPLOAD_BYTES = 600 * 1024 * 1024
"""A heavy listener's zip is tens of MB; an upload above this would not fit the function's
memory next to its plays, and is refused unread."""


class StreamsObjectStore(S3ObjectStore):
    """The month objects, for a role that may not list the bucket (least privilege).

    Without s3:ListBucket, S3 answers a GetObject of a missing key with 403, not 404: read as
    "absent". Safe whatever the cause: the write that follows is conditional on the object not
    existing (If-None-Match: *), so it can never replace a month it could not read; it fails
    with 412 instead and the import stops (PartitionContentionError) with nothing lost.
    """

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object and its ETag, or None when absent (404, or 403 without ListBucket)."""
        try:
            return super().get(key)
        except self.s3.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("AccessDenied", "403"):
                return None
            raise


@dataclass(frozen=True)
class UploadOutcome:
    """What became of one upload."""

    key: str
    status: str
    summary: dict[str, Any]


def import_upload(s3: Any, bucket: str, key: str, *, recorder: RunRecorder,
                  discriminator: str, now: datetime | None = None) -> UploadOutcome:
    """Import one upload; quarantine it (copy and report) if it is not an export."""
    now = now or datetime.now(UTC)
    began = time.monotonic()
    try:
        report = _import(s3, bucket, key, now)
        outcome = UploadOutcome(key, IMPORTED, report.summary())
        record = run_record(now, key, IMPORTED, report)
    except NotAnExportError as error:
        failed = _quarantine(s3, bucket, key, str(error), now)
        metrics.emit(METRIC_IMPORTS_QUARANTINED, 1, bucket=bucket)
        outcome = UploadOutcome(key, QUARANTINED, {"message": str(error), "copied_to": failed})
        record = run_record(now, key, QUARANTINED, None, error=str(error))
    record.duration_ms = round((time.monotonic() - began) * 1000)
    recorder.record(record, discriminator)
    LOG.info("upload s3://%s/%s %s: %s", bucket, key, outcome.status, outcome.summary)
    return outcome


def _import(s3: Any, bucket: str, key: str, now: datetime) -> ImportReport:
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    if size > MAX_UPLOAD_BYTES:
        raise NotAnExportError(f"{key}: {size} bytes is larger than any export "
                               f"({MAX_UPLOAD_BYTES} at most)")
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    members = upload_members(key, data)
    if not members.files:
        raise NotAnExportError(f"{key}: no streaming-history file in the upload "
                               f"({len(members.ignored)} other files)")
    return import_files(members.files, StreamsObjectStore(s3, bucket), ignored=members.ignored,
                        now=now)


def _quarantine(s3: Any, bucket: str, key: str, message: str, now: datetime) -> str:
    """Copy the upload to imports-failed/ and write the report beside it."""
    failed = failed_import_key(key)
    s3.copy_object(Bucket=bucket, Key=failed, CopySource={"Bucket": bucket, "Key": key})
    report = {"key": key, "failed_at": now.isoformat(), "reason": "not_an_export",
              "message": message}
    s3.put_object(Bucket=bucket, Key=f"{failed}.{now:%Y%m%dT%H%M%S.%fZ}{ERROR_REPORT_SUFFIX}",
                  Body=json.dumps(report).encode(), ContentType="application/json")
    return failed
