"""CloudWatch metrics as Embedded Metric Format lines on stdout (no API calls from Lambda)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from spotify_runtime.contract import (
    METRIC_DIMENSION_BUCKET,
    METRIC_RAW_FILE_FAILURES,
    METRIC_RAW_FILES_QUARANTINED,
    METRICS_NAMESPACE,
)

RAW_FILES_QUARANTINED = METRIC_RAW_FILES_QUARANTINED
RAW_FILE_FAILURES = METRIC_RAW_FILE_FAILURES


def emf_line(metric: str, value: float, *, bucket: str, unit: str = "Count") -> str:
    """One EMF record for `metric` with the Bucket dimension."""
    return json.dumps({
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": METRICS_NAMESPACE,
                "Dimensions": [[METRIC_DIMENSION_BUCKET]],
                "Metrics": [{"Name": metric, "Unit": unit}],
            }],
        },
        METRIC_DIMENSION_BUCKET: bucket,
        metric: value,
    })


_SINK: Callable[[str], None] | None = None


def set_sink(sink: Callable[[str], None] | None) -> None:
    """Send EMF records to `sink` instead of stdout (the local run collects them; None: back to
    stdout, as in Lambda)."""
    global _SINK
    _SINK = sink


def emit(metric: str, value: float, *, bucket: str) -> None:
    """Print the EMF record; Lambda ships stdout to CloudWatch Logs, which extracts it."""
    line = emf_line(metric, value, bucket=bucket)
    if _SINK is not None:
        _SINK(line)
    else:
        print(line, file=sys.stdout, flush=True)
