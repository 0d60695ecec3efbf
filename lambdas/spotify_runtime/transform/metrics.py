"""CloudWatch metrics as Embedded Metric Format lines on stdout (no API calls from Lambda)."""

from __future__ import annotations

import json
import time

NAMESPACE = "SpotifyEtl"
RAW_FILES_QUARANTINED = "RawFilesQuarantined"
"""Raw files moved to raw/failed/; the stack's alarm watches it (dimension Bucket)."""


def emf_line(metric: str, value: float, *, bucket: str, unit: str = "Count") -> str:
    """One EMF record for `metric` with the Bucket dimension."""
    return json.dumps({
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [["Bucket"]],
                "Metrics": [{"Name": metric, "Unit": unit}],
            }],
        },
        "Bucket": bucket,
        metric: value,
    })


def emit(metric: str, value: float, *, bucket: str) -> None:
    """Print the EMF record; Lambda ships stdout to CloudWatch Logs, which extracts it."""
    print(emf_line(metric, value, bucket=bucket), flush=True)
