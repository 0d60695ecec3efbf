"""The extract worker's EMF metrics: one record per handled message (outcome, requests, 429s)."""

from __future__ import annotations

from collections.abc import Callable

from spotify_runtime import metrics
from spotify_runtime.contract import (
    METRIC_DIMENSION_OUTCOME,
    METRIC_SPOTIFY_RATE_LIMITED,
    METRIC_SPOTIFY_REQUESTS,
    METRIC_WORKER_OUTCOME,
)
from spotify_runtime.run_log import RunRecord


def outcome_metrics(bucket: str) -> Callable[[RunRecord], None]:
    """A queue-worker `on_outcome` hook emitting the handling as metrics for `bucket`."""

    def emit(row: RunRecord) -> None:
        metrics.emit_record({METRIC_WORKER_OUTCOME: 1}, bucket=bucket,
                            dimensions={METRIC_DIMENSION_OUTCOME: row.outcome})
        metrics.emit_record({METRIC_SPOTIFY_REQUESTS: row.requests or 0,
                             METRIC_SPOTIFY_RATE_LIMITED: row.rate_limited or 0}, bucket=bucket)

    return emit
