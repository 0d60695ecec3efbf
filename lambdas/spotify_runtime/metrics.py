"""CloudWatch metrics as Embedded Metric Format lines on stdout (no API calls from Lambda)."""

from __future__ import annotations

import json
import sys
import time

from spotify_runtime.contract import (
    METRIC_DIMENSION_BUCKET,
    METRICS_NAMESPACE,
)


def write_line(line: str) -> None:
    """Print one EMF line on stdout, where Lambda ships it to CloudWatch Logs."""
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
    write_line(emf_record(values, bucket=bucket, dimensions=dimensions, unit=unit))


def emit(metric: str, value: float, *, bucket: str) -> None:
    """Print the EMF record; Lambda ships stdout to CloudWatch Logs, which extracts it."""
    write_line(emf_line(metric, value, bucket=bucket))
