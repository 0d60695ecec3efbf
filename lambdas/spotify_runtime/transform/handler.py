"""Transform handler: raw files named by S3 Object Created events -> tables.

Deployed, an SQS event source delivers batches from the transform queue (each message an
EventBridge Object Created event): the shared loop (spotify_runtime.sqs_batch) hands each
message's raw files to one BatchWriter, which commits them together and fails only the messages
whose files failed. Invoked directly with an EventBridge event or a classic S3 notification,
errors raise. docs/transform.md and docs/storage.md (the run log) tell the story.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
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
from spotify_runtime.sqs_batch import PartialBatch, SqsMessage, is_sqs_event
from spotify_runtime.transform.batch import BatchWriter, Delivery
from spotify_runtime.transform.events import raw_objects

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
    batch = PartialBatch()
    writer = BatchWriter(
        s3=s3 or container.aws_client("s3"),
        catalog=catalog or container.kept("iceberg-catalog", glue_catalog),
        database=required_env(ENV_GLUE_DATABASE),
        max_bytes=_batch_max_mib() * MIB,
        deadline=_write_deadline(context),
        batch=batch,
    )
    if not is_sqs_event(event):  # invoked directly: errors raise
        for ref in raw_objects(event, bucket):
            writer.add(Delivery(ref.bucket, ref.key, record_id=ref.key))
        writer.finish()
        return {"results": writer.results}

    deliveries: list[Delivery] = []

    def read(message: SqsMessage) -> None:
        """The message's raw files as deliveries (raw_objects raising fails the message)."""
        message_event = message.json_event()
        if message_event is None:
            return  # dropped (logged): another delivery would not make it readable
        refs = raw_objects(message_event, bucket)
        for ref in refs:
            # An EventBridge event names one object; a message naming several (an S3
            # notification) gives each its own row id.
            named = message if len(refs) == 1 else replace(
                message, message_id=f"{message.message_id}:{ref.key}")
            deliveries.append(Delivery(ref.bucket, ref.key, named.delivery_id,
                                       tuple(named.earlier_delivery_ids), message.message_id,
                                       alone=message.delivered_before))

    batch.handle_each(event["Records"], read)
    # The writer works on the batch as a whole and fails the messages of the files it could
    # not write (`batch`). Anything else it raises fails the invocation: SQS then delivers the
    # whole batch again, rather than delete messages whose files were never written.
    for delivery in deliveries:
        writer.add(delivery)
    writer.finish()
    return {"results": writer.results, **batch.response}


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
