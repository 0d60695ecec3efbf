"""Transform handler: S3 Object Created (EventBridge or classic notification) -> tables.

The event names the bucket; `DATA_BUCKET` is only a fallback for events that do not.
"""

from __future__ import annotations

import os
import time
from typing import Any

import boto3

from spotify_runtime.contract import ENV_DATA_BUCKET
from spotify_runtime.logs import configure_logging
from spotify_runtime.run_log import S3RunRecorder
from spotify_runtime.transform.events import raw_objects
from spotify_runtime.transform.run_record import record_outcome
from spotify_runtime.transform.service import process_raw_object


def handler(event: dict[str, Any], context: Any = None, *, s3: Any = None) -> dict[str, Any]:
    """Transform every raw object the event names; raise (so Lambda retries) on S3 failures.

    Returns `{"results": [{"key", "status", ...}]}`; bad input is quarantined, not raised.
    Each file handled is written to the run log (`pipeline_runs`) in its bucket.
    """
    configure_logging()
    s3 = s3 or boto3.client("s3")
    results = []
    for ref in raw_objects(event, default_bucket=os.environ.get(ENV_DATA_BUCKET)):
        began = time.monotonic()
        outcome = process_raw_object(s3, ref.bucket, ref.key)
        duration_ms = round((time.monotonic() - began) * 1000)
        record_outcome(S3RunRecorder(s3, ref.bucket), ref.bucket, outcome, duration_ms)
        results.append({"bucket": ref.bucket, "key": outcome.key, "status": outcome.status,
                        **outcome.summary})
    return {"results": results}
