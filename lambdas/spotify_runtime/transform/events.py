"""S3 events at the edge: EventBridge "Object Created" and classic notification records.

Only JSON objects under `raw/to_process/` are returned; anything else (an error report moved
there with its raw file, for one) is logged and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from spotify_runtime.layout import RAW_TO_PROCESS, is_error_report

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawObject:
    """One raw object an event names."""

    bucket: str
    key: str
    """The decoded key (S3 URL-encodes keys in events: a space arrives as `+`)."""


def raw_objects(event: dict[str, Any], default_bucket: str | None = None) -> list[RawObject]:
    """The raw objects to transform named by `event`, in event order, without duplicates."""
    found: list[RawObject] = []
    for bucket, sent in _named_objects(event):
        key = unquote_plus(sent)
        bucket = bucket or default_bucket
        if not bucket:
            LOG.warning("ignoring %r: the event names no bucket and DATA_BUCKET is unset", key)
        elif is_error_report(key):
            LOG.info("ignoring s3://%s/%s: an error report, not a raw file", bucket, key)
        elif not _is_raw_json(key):
            LOG.info("ignoring s3://%s/%s: not a .json object under %s",
                     bucket, key, RAW_TO_PROCESS)
        elif (ref := RawObject(bucket, key)) not in found:
            found.append(ref)
    return found


def _is_raw_json(key: str) -> bool:
    return key.startswith(RAW_TO_PROCESS) and key.endswith(".json")


def _named_objects(event: dict[str, Any]) -> list[tuple[str | None, str]]:
    if isinstance(event.get("Records"), list):
        named = []
        for record in event["Records"]:
            s3 = record.get("s3") if isinstance(record, dict) else None
            key = (s3 or {}).get("object", {}).get("key")
            if not key or not str(record.get("eventName", "ObjectCreated")).startswith(
                "ObjectCreated"
            ):
                LOG.info("ignoring a record that is not an S3 object creation: %s", record)
                continue
            named.append((s3.get("bucket", {}).get("name"), key))
        return named
    detail = event.get("detail")
    if isinstance(detail, dict) and "object" in detail:
        if event.get("detail-type", "Object Created") != "Object Created":
            LOG.info("ignoring a %r event", event.get("detail-type"))
            return []
        return [(detail.get("bucket", {}).get("name"), detail["object"]["key"])]
    LOG.warning("ignoring an event that is neither an S3 notification nor Object Created: %s",
                sorted(event))
    return []
