"""CloudWatch metrics as Embedded Metric Format lines on stdout (no API calls from Lambda)."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from spotify_runtime.contract import (
    METRIC_DIMENSION_BUCKET,
    METRIC_RAW_FILE_FAILURES,
    METRIC_RAW_FILES_QUARANTINED,
    METRICS_NAMESPACE,
)

RAW_FILES_QUARANTINED = METRIC_RAW_FILES_QUARANTINED
RAW_FILE_FAILURES = METRIC_RAW_FILE_FAILURES

_SINK: list[Callable[[str], None]] = []
_SINK_LOCK = threading.Lock()


@contextmanager
def collected(sink: Callable[[str], None]) -> Iterator[None]:
    """Send EMF records to `sink` instead of stdout while the block runs (every thread).

    For runs without Lambda's log shipping (the local pipeline), which would otherwise print
    them among their own output.
    """
    with _SINK_LOCK:
        _SINK.append(sink)
    try:
        yield
    finally:
        with _SINK_LOCK:
            _SINK.remove(sink)


def _write(line: str) -> None:
    if _SINK:
        _SINK[-1](line)
    else:
        print(line, file=sys.stdout, flush=True)


def emf_line(metric: str, value: float, *, bucket: str, unit: str = "Count") -> str:
    """One EMF record for `metric` with the Bucket dimension."""
    return emf_record({metric: value}, bucket=bucket, unit=unit)


def emf_record(
    values: dict[str, float], *, bucket: str, dimensions: dict[str, str] | None = None,
    unit: str = "Count",
) -> str:
    """One EMF record for several metrics sharing the Bucket (and any further) dimensions."""
    extra = dict(dimensions or {})
    return json.dumps({
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": METRICS_NAMESPACE,
                "Dimensions": [[METRIC_DIMENSION_BUCKET, *extra]],
                "Metrics": [{"Name": name, "Unit": unit} for name in values],
            }],
        },
        METRIC_DIMENSION_BUCKET: bucket,
        **extra,
        **values,
    })


def emit_record(
    values: dict[str, float], *, bucket: str, dimensions: dict[str, str] | None = None,
    unit: str = "Count",
) -> None:
    """Print one EMF record of several metrics (see `emf_record`)."""
    _write(emf_record(values, bucket=bucket, dimensions=dimensions, unit=unit))


def emit(metric: str, value: float, *, bucket: str) -> None:
    """Print the EMF record; Lambda ships stdout to CloudWatch Logs, which extracts it."""
    _write(emf_line(metric, value, bucket=bucket))
