"""Which raw objects an invocation names, checked before S3 is touched.

Accepted shapes: an EventBridge "Object Created" event (each SQS message of the deployed trigger
carries one; spotify_runtime.s3_events parses it) and classic S3 notification records. An object
is accepted only if it is in the function's own bucket (`DATA_BUCKET`) and its key matches the
raw-key layout exactly (`layout.is_raw_key`; an error report moved there with its raw file never
does); anything else is logged once and dropped.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote_plus

from spotify_runtime.layout import RAW_IMPORTS, is_error_report, is_raw_key
from spotify_runtime.s3_events import S3Object, object_created

LOG = logging.getLogger(__name__)


def raw_objects(event: dict[str, Any], bucket: str) -> list[S3Object]:
    """The raw objects of `bucket` to transform named by `event`, in order, without duplicates."""
    found: list[S3Object] = []
    for named in _named_objects(event):
        key = named.key
        if named.bucket != bucket:
            LOG.warning("dropping s3://%s/%s: not this function's bucket (%s)",
                        named.bucket, key, bucket)
        elif is_error_report(key):
            LOG.info("ignoring s3://%s/%s: an error report, not a raw file", bucket, key)
        elif not is_raw_key(key):
            LOG.warning("dropping s3://%s/%r: not a raw key (<type>/<id>/<timestamp>.json "
                        "from the extractor, or a file name directly under %s)",
                        bucket, key, RAW_IMPORTS)
        elif named not in found:
            found.append(named)
    return found


def _named_objects(event: dict[str, Any]) -> list[S3Object]:
    if not isinstance(event.get("Records"), list):
        created = object_created(event)
        return [] if created is None else [created]
    named = []
    for record in event["Records"]:
        s3 = record.get("s3") if isinstance(record, dict) else None
        key = (s3 or {}).get("object", {}).get("key")
        if not isinstance(key, str) or not key or not str(
            record.get("eventName", "ObjectCreated")
        ).startswith("ObjectCreated"):
            LOG.warning("dropping a record that is not an S3 object creation")
            continue
        named.append(S3Object(s3.get("bucket", {}).get("name"), unquote_plus(key)))
    return named
