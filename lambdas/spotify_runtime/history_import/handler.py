"""History import handler: uploads under `imports/` named by S3 Object Created events -> streams.

Deployed, an SQS event source delivers the import queue's messages (each an EventBridge Object
Created event) one at a time, through the shared loop (spotify_runtime.sqs_batch): a message
whose import raised stays on the queue for another delivery (the merge is idempotent), then goes
to the failure queue. A refused upload is not a failure: it is quarantined with a report. Only
keys of `DATA_BUCKET` under `imports/` are read (docs/history-import.md).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from spotify_runtime import container
from spotify_runtime.contract import ENV_DATA_BUCKET
from spotify_runtime.history_import.service import import_upload
from spotify_runtime.layout import is_import_key
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.no_pandas import keep_pandas_out
from spotify_runtime.run_log import S3RunRecorder
from spotify_runtime.s3_events import object_created
from spotify_runtime.sqs_batch import PartialBatch, SqsMessage, event_records

LOG = logging.getLogger(__name__)

if os.environ.get("AWS_LAMBDA_RUNTIME_API"):  # a Lambda container runs only this handler
    keep_pandas_out()


def uploads(body: Any, bucket: str) -> list[str]:
    """The import keys of `bucket` an EventBridge Object Created event names (logged if none)."""
    created = object_created(body)
    if created is None:
        return []
    if created.bucket != bucket or not is_import_key(created.key):
        LOG.warning("dropping s3://%s/%r: not an upload under imports/ of %s",
                    created.bucket, created.key, bucket)
        return []
    return [created.key]


def handler(event: dict[str, Any], context: Any = None, *, s3: Any = None) -> dict[str, Any]:
    """Import every upload the SQS batch names; answers with a partial batch response."""
    configure_logging()
    bucket = required_env(ENV_DATA_BUCKET)
    s3 = s3 or container.aws_client("s3")
    results: list[dict[str, Any]] = []

    def import_each(message: SqsMessage) -> None:
        """Import the message's upload; raising fails the message (PartialBatch)."""
        body = message.json_event()
        for key in uploads(body, bucket) if body is not None else []:
            outcome = import_upload(s3, bucket, key, recorder=S3RunRecorder(s3, bucket),
                                    discriminator=f"{key}#{message.message_id}")
            results.append({"key": key, "status": outcome.status, **outcome.summary})

    batch = PartialBatch()
    batch.handle_each(event_records(event), import_each)
    return {"results": results, **batch.response}
