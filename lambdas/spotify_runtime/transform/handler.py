"""Transform handler: raw files named by S3 Object Created events -> tables.

Deployed, an SQS event source delivers batches from the transform queue (each message an
EventBridge Object Created event) and the handler answers with a partial batch response: a
message whose file failed stays on the queue for another delivery, then goes to the failure
queue. An EventBridge event or a classic S3 notification invoked directly is handled too
(errors raise). Only objects of `DATA_BUCKET` under the raw-key layout are touched.

Every delivery is written to the run log, a repeated one too (`already_done`), as the row of
that delivery (SQS message id and receive count). When the row cannot be written, the message
is reported as a batch item failure: its next delivery finds the file archived and records
itself and, as `unrecorded`, the earlier deliveries with no row (spotify_runtime.run_log).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from spotify_runtime import container, metrics
from spotify_runtime.contract import ENV_DATA_BUCKET
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.run_log import RunLogWriteError, delivery_id, earlier_delivery_ids
from spotify_runtime.transform.events import (
    is_sqs_event,
    raw_objects,
    sqs_message_event,
)
from spotify_runtime.transform.no_pandas import keep_pandas_out
from spotify_runtime.transform.raw_object import Outcome, process_raw_object

LOG = logging.getLogger(__name__)
SECONDS_KEPT_AFTER_WAITING = 30
"""Of the invocation's time, what a write waiting for a busy partition leaves for the rest of
the file (archiving it, its run-log row) before it gives up and the file is delivered again."""

if os.environ.get("AWS_LAMBDA_RUNTIME_API"):  # a Lambda container runs only this handler
    keep_pandas_out()


def handler(event: dict[str, Any], context: Any = None, *, s3: Any = None) -> dict[str, Any]:
    """Transform every raw object the event names.

    Returns `{"results": [{"bucket", "key", "status", ...}], "batchItemFailures": [...]}`
    (the failures only for SQS batches); bad input is quarantined, not raised. Each file handled
    is written to the run log (`pipeline_runs`) in its bucket.
    """
    configure_logging()
    bucket = required_env(ENV_DATA_BUCKET)
    s3 = s3 or container.aws_client("s3")
    if not isinstance(event, dict):
        LOG.warning("dropping an event that is not a JSON object")
        return {"results": []}
    deadline = _write_deadline(context)
    if not is_sqs_event(event):  # invoked directly: errors raise
        return {"results": [_result(process_raw_object(s3, ref.bucket, ref.key,
                                                       deadline=deadline), ref.bucket)
                            for ref in raw_objects(event, bucket)]}
    results: list[dict[str, Any]] = []
    failures: list[dict[str, str]] = []
    for record in event["Records"]:
        message_event = sqs_message_event(record) if isinstance(record, dict) else None
        if message_event is None:
            continue  # dropped (logged): another delivery would not make it readable
        message_id = record.get("messageId", "")
        receives = record.get("attributes", {}).get("ApproximateReceiveCount", "")
        try:
            refs = raw_objects(message_event, bucket)
            for ref in refs:
                # An EventBridge event names one object; a message naming several (an S3
                # notification) gives each its own row id.
                message = message_id if len(refs) == 1 else f"{message_id}:{ref.key}"
                outcome = process_raw_object(s3, ref.bucket, ref.key,
                                             delivery_id(message, receives),
                                             earlier_delivery_ids(message, receives),
                                             deadline)
                results.append(_result(outcome, ref.bucket))
        except RunLogWriteError:
            LOG.warning("message %s: its run-log row could not be written; it stays on the "
                        "queue so that its next delivery records it", message_id)
            failures.append({"itemIdentifier": message_id})
        except Exception:
            LOG.exception("raw file of message %s failed; it stays on the queue", message_id)
            failures.append({"itemIdentifier": message_id})
            metrics.emit(metrics.RAW_FILE_FAILURES, 1, bucket=bucket)
    return {"results": results, "batchItemFailures": failures}


def _result(outcome: Outcome, bucket: str) -> dict[str, Any]:
    """The handler's answer for one raw file."""
    return {"bucket": bucket, "key": outcome.key, "status": outcome.status, **outcome.summary}


def _write_deadline(context: Any) -> float | None:
    """Until when (`time.monotonic()`) a partition write may wait for other transforms: the
    invocation's time left, less SECONDS_KEPT_AFTER_WAITING; None without a Lambda context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + remaining() / 1000 - SECONDS_KEPT_AFTER_WAITING
