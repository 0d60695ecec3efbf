"""History import handler: uploads under `imports/` named by S3 Object Created events -> streams.

Deployed, an SQS event source delivers the import queue's messages (each an EventBridge Object
Created event) one at a time; a message whose import raised stays on the queue for another
delivery (the merge is idempotent), then goes to the failure queue. A refused upload is not a
failure: it is quarantined with a report. Only keys of `DATA_BUCKET` under `imports/` are read.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any
from urllib.parse import unquote_plus

from spotify_runtime import container
from spotify_runtime.contract import ENV_DATA_BUCKET
from spotify_runtime.history_import.service import import_upload
from spotify_runtime.layout import is_import_key
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.no_pandas import keep_pandas_out
from spotify_runtime.run_log import S3RunRecorder

LOG = logging.getLogger(__name__)

if os.environ.get("AWS_LAMBDA_RUNTIME_API"):  # a Lambda container runs only this handler
    keep_pandas_out()


def uploads(body: Any, bucket: str) -> list[str]:
    """The import keys of `bucket` an EventBridge Object Created event names (logged if none)."""
    detail = body.get("detail") if isinstance(body, dict) else None
    if (not isinstance(detail, dict) or body.get("source") != "aws.s3"
            or body.get("detail-type") != "Object Created"):
        LOG.warning("dropping a message that is not an S3 Object Created event")
        return []
    named_bucket = (detail.get("bucket") or {}).get("name")
    key = unquote_plus(str((detail.get("object") or {}).get("key") or ""))
    if named_bucket != bucket or not is_import_key(key):
        LOG.warning("dropping s3://%s/%r: not an upload under imports/ of %s",
                    named_bucket, key, bucket)
        return []
    return [key]


def handler(event: dict[str, Any], context: Any = None, *, s3: Any = None) -> dict[str, Any]:
    """Import every upload the SQS batch names; answers with a partial batch response."""
    configure_logging()
    bucket = required_env(ENV_DATA_BUCKET)
    s3 = s3 or container.aws_client("s3")
    results, failures = [], []
    for record in event.get("Records", []) if isinstance(event, dict) else []:
        try:
            body = json.loads(record.get("body") or "")
        except (ValueError, AttributeError):
            LOG.warning("dropping a message whose body is not JSON")
            continue
        for key in uploads(body, bucket):
            try:
                outcome = import_upload(s3, bucket, key, recorder=S3RunRecorder(s3, bucket),
                                        discriminator=f"{key}#{record.get('messageId')}")
                results.append({"key": key, "status": outcome.status, **outcome.summary})
            except Exception:
                LOG.exception("import of s3://%s/%s failed; its message stays on the queue",
                              bucket, key)
                failures.append({"itemIdentifier": record["messageId"]})
    return {"results": results, "batchItemFailures": failures}
