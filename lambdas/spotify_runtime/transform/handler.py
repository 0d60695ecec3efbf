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

from pyiceberg.catalog import Catalog

from spotify_runtime import container
from spotify_runtime.contract import (
    DEFAULT_TRANSFORM_BATCH_MAX_MIB,
    ENV_DATA_BUCKET,
    ENV_GLUE_DATABASE,
    ENV_TRANSFORM_BATCH_MAX_MIB,
)
from spotify_runtime.iceberg_tables import glue_catalog
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.no_pandas import keep_pandas_out
from spotify_runtime.run_log import delivery_id, earlier_delivery_ids
from spotify_runtime.transform.batch import BatchWriter, Delivery
from spotify_runtime.transform.events import (
    is_sqs_event,
    raw_objects,
    sqs_message_event,
)

LOG = logging.getLogger(__name__)
SECONDS_KEPT_AFTER_WAITING = 30
"""Of the invocation's time, what a write waiting for a busy run-log object leaves for the rest
of the batch before it gives up and the message is delivered again."""
MIB = 1024 * 1024

if os.environ.get("AWS_LAMBDA_RUNTIME_API"):  # a Lambda container runs only this handler
    keep_pandas_out()


def handler(event: dict[str, Any], context: Any = None, *, s3: Any = None,
            catalog: Catalog | None = None) -> dict[str, Any]:
    """Transform every raw object the event names into the Iceberg tables.

    Returns `{"results": [{"bucket", "key", "status", ...}], "batchItemFailures": [...]}`
    (the failures only for SQS batches); bad input is quarantined, not raised. Each file handled
    is written to the run log (`pipeline_runs`) in its bucket.
    """
    configure_logging()
    bucket = required_env(ENV_DATA_BUCKET)
    if not isinstance(event, dict):
        LOG.warning("dropping an event that is not a JSON object")
        return {"results": []}
    writer = BatchWriter(
        s3=s3 or container.aws_client("s3"),
        catalog=catalog or container.kept("iceberg-catalog", glue_catalog),
        database=required_env(ENV_GLUE_DATABASE),
        max_bytes=_batch_max_mib() * MIB,
        deadline=_write_deadline(context),
    )
    if not is_sqs_event(event):  # invoked directly: errors raise
        for ref in raw_objects(event, bucket):
            writer.add(Delivery(ref.bucket, ref.key, record_id=ref.key))
        writer.finish()
        return {"results": writer.results}
    for record in event["Records"]:
        message_event = sqs_message_event(record) if isinstance(record, dict) else None
        if message_event is None:
            continue  # dropped (logged): another delivery would not make it readable
        message_id = record.get("messageId", "")
        receives = record.get("attributes", {}).get("ApproximateReceiveCount", "")
        try:
            refs = raw_objects(message_event, bucket)
        except Exception:
            LOG.exception("message %s names no raw file it can read; it stays on the queue",
                          message_id)
            writer.failed_messages.append(message_id)
            continue
        for ref in refs:
            # An EventBridge event names one object; a message naming several (an S3
            # notification) gives each its own row id.
            message = message_id if len(refs) == 1 else f"{message_id}:{ref.key}"
            writer.add(Delivery(ref.bucket, ref.key, delivery_id(message, receives),
                                tuple(earlier_delivery_ids(message, receives)), message_id,
                                alone=_delivered_before(receives)))
    writer.finish()
    return {"results": writer.results,
            "batchItemFailures": [{"itemIdentifier": m} for m in writer.failed_messages]}


def _delivered_before(receives: str) -> bool:
    try:
        return int(receives) > 1
    except (TypeError, ValueError):
        return False


def _batch_max_mib() -> int:
    value = os.environ.get(ENV_TRANSFORM_BATCH_MAX_MIB, "")
    try:
        return int(value) if value else DEFAULT_TRANSFORM_BATCH_MAX_MIB
    except ValueError:
        raise ValueError(f"{ENV_TRANSFORM_BATCH_MAX_MIB} must be a whole number of MiB, "
                         f"not {value!r}") from None


def _write_deadline(context: Any) -> float | None:
    """Until when (`time.monotonic()`) a run-log write may wait for other writers: the
    invocation's time left, less SECONDS_KEPT_AFTER_WAITING; None without a Lambda context."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return time.monotonic() + remaining() / 1000 - SECONDS_KEPT_AFTER_WAITING
