"""Events at the edge: which raw objects an invocation names, checked before S3 is touched.

Accepted shapes: SQS records (the deployed trigger: the rule delivers into the transform queue)
whose body is an EventBridge "Object Created" event, the EventBridge event itself, and classic
S3 notification records. An object is accepted only if it is in the function's own bucket
(`DATA_BUCKET`) and its key matches the raw-key layout exactly (`layout.is_raw_key`; an error
report moved there with its raw file never does); anything else is logged once and dropped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from spotify_runtime.layout import RAW_IMPORTS, is_error_report, is_raw_key

LOG = logging.getLogger(__name__)
SQS_EVENT_SOURCE = "aws:sqs"


@dataclass(frozen=True)
class RawObject:
    """One raw object an event names."""

    bucket: str
    key: str
    """The decoded key (S3 URL-encodes keys in events: a space arrives as `+`)."""


def is_sqs_event(event: Any) -> bool:
    """Whether `event` is an SQS event source's batch (records from a queue)."""
    records = event.get("Records") if isinstance(event, dict) else None
    return isinstance(records, list) and any(
        isinstance(record, dict) and record.get("eventSource") == SQS_EVENT_SOURCE
        for record in records
    )


def sqs_message_event(record: dict[str, Any]) -> dict[str, Any] | None:
    """The EventBridge event an SQS record carries, or None (logged) if its body is not one."""
    try:
        body = json.loads(record.get("body") or "")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        LOG.warning("dropping SQS message %s: its body is not a JSON event",
                    record.get("messageId"))
        return None
    return body


def raw_objects(event: dict[str, Any], bucket: str) -> list[RawObject]:
    """The raw objects of `bucket` to transform named by `event`, in order, without duplicates."""
    found: list[RawObject] = []
    for named_bucket, sent in _named_objects(event):
        key = unquote_plus(sent)
        if named_bucket != bucket:
            LOG.warning("dropping s3://%s/%s: not this function's bucket (%s)",
                        named_bucket, key, bucket)
        elif is_error_report(key):
            LOG.info("ignoring s3://%s/%s: an error report, not a raw file", bucket, key)
        elif not is_raw_key(key):
            LOG.warning("dropping s3://%s/%r: not a raw key (<type>/<id>/<timestamp>.json "
                        "from the extractor, or a file name directly under %s)",
                        bucket, key, RAW_IMPORTS)
        elif (ref := RawObject(bucket, key)) not in found:
            found.append(ref)
    return found


def _named_objects(event: dict[str, Any]) -> list[tuple[str | None, str]]:
    if isinstance(event.get("Records"), list):
        named = []
        for record in event["Records"]:
            s3 = record.get("s3") if isinstance(record, dict) else None
            key = (s3 or {}).get("object", {}).get("key")
            if not isinstance(key, str) or not key or not str(
                record.get("eventName", "ObjectCreated")
            ).startswith("ObjectCreated"):
                LOG.warning("dropping a record that is not an S3 object creation")
                continue
            named.append((s3.get("bucket", {}).get("name"), key))
        return named
    detail = event.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get("object"), dict):
        if event.get("detail-type") != "Object Created" or event.get("source") != "aws.s3":
            LOG.warning("dropping a %r event from %r", event.get("detail-type"),
                        event.get("source"))
            return []
        key = detail["object"].get("key")
        if not isinstance(key, str) or not key:
            LOG.warning("dropping an Object Created event without a key")
            return []
        bucket = detail.get("bucket", {})
        return [(bucket.get("name") if isinstance(bucket, dict) else None, key)]
    LOG.warning("dropping an event that is neither an S3 notification nor Object Created: %s",
                sorted(event))
    return []
