"""S3's EventBridge "Object Created" event, parsed at the edge into the object it names: the
transform (raw files) and the history import (uploads) are both fed these events through SQS.
Which keys each accepts is its own business (transform/events.py, history_import/handler.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

LOG = logging.getLogger(__name__)
S3_SOURCE = "aws.s3"
OBJECT_CREATED = "Object Created"


@dataclass(frozen=True)
class S3Object:
    """One object an event names."""

    bucket: str | None
    """None when the event names no bucket (never from S3 itself: refused by every caller)."""
    key: str
    """The decoded key (S3 URL-encodes keys in events: a space arrives as `+`)."""


def object_created(event: Any) -> S3Object | None:
    """The object an EventBridge "Object Created" event from S3 names; None (logged) for any
    other event, or one without a key."""
    detail = event.get("detail") if isinstance(event, dict) else None
    if (not isinstance(detail, dict) or event.get("source") != S3_SOURCE
            or event.get("detail-type") != OBJECT_CREATED):
        LOG.warning("dropping an event that is not an S3 Object Created event: %r from %r",
                    event.get("detail-type") if isinstance(event, dict) else None,
                    event.get("source") if isinstance(event, dict) else None)
        return None
    named = detail.get("object")
    key = named.get("key") if isinstance(named, dict) else None
    if not isinstance(key, str) or not key:
        LOG.warning("dropping an Object Created event without a key")
        return None
    bucket = detail.get("bucket")
    name = bucket.get("name") if isinstance(bucket, dict) else None
    return S3Object(name if isinstance(name, str) else None, unquote_plus(key))
