"""The transform's run-log row and metrics for one raw file it handled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from spotify_runtime import metrics
from spotify_runtime.contract import (
    METRIC_LATEST_SNAPSHOT_DATE,
    METRIC_RAW_FILES_TRANSFORMED,
)
from spotify_runtime.layout import RAW_TIMESTAMP_FORMAT, relative_raw_key
from spotify_runtime.run_log import TRANSFORM, RunRecord, RunRecorder
from spotify_runtime.sources import USER_KEY_ID
from spotify_runtime.transform.service import PROCESSED, Outcome


def source_and_run(key: str, snapshot_date: str | None) -> tuple[str, datetime]:
    """The source (`type:id`) and run time a raw key names (`<type>/<id>/<run ts>.json`).

    A key of another shape (a seed file, a backfill) names the file itself as the source; a key
    without a run time (those, and a listening key named by its cursor) gives the run by its
    snapshot date (midnight UTC), else now.
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


def run_record(outcome: Outcome, duration_ms: int) -> RunRecord:
    """The row for one handled raw file."""
    summary: dict[str, Any] = outcome.summary
    source, run_at = source_and_run(outcome.key, summary.get("snapshot_date"))
    if summary.get("run_at"):  # the envelope names its run (a listening key names its cursor)
        run_at = datetime.fromisoformat(summary["run_at"].replace("Z", "+00:00"))
    row = RunRecord(run_at=run_at, stage=TRANSFORM, source=source, outcome=outcome.status,
                    duration_ms=duration_ms, raw_key=outcome.key)
    if outcome.status == PROCESSED:
        row.items = summary.get("items")
        row.rows = dict(summary.get("rows") or {})
        row.skipped = dict(summary.get("skipped") or {})
    else:  # quarantined: the error report
        row.error = summary.get("message")
        row.quality_check = summary.get("check")
        numbers = summary.get("numbers") or {}
        row.items = numbers.get("items")
    return row


def record_outcome(
    recorder: RunRecorder | None, bucket: str, outcome: Outcome, duration_ms: int,
    record_id: str, earlier_ids: Sequence[str] = (),
) -> RunRecord:
    """Write the delivery's run-log row (as `record_id`, with `unrecorded` rows for those of
    `earlier_ids` that have none) and emit the file's metrics. Raises RunLogWriteError when the
    row cannot be written."""
    row = run_record(outcome, duration_ms)
    # Metrics first: a delivery whose row fails is redelivered as `already_done`, which emits
    # none, so the file still counts once.
    if outcome.status == PROCESSED:
        day = int(str(outcome.summary["snapshot_date"]).replace("-", ""))
        metrics.emit_record({METRIC_RAW_FILES_TRANSFORMED: 1}, bucket=bucket)
        metrics.emit_record({METRIC_LATEST_SNAPSHOT_DATE: day}, bucket=bucket, unit="None")
    if recorder is not None:
        recorder.record(row, record_id, earlier_ids)
    return row
