"""Extraction state that must outlive a container: the recently-played cursor.

Kept in the environment's own storage, beside the data it describes: an S3 object under
`layout.STATE` (deployed; the worker is granted that prefix only) or a file under the output
directory (the local CLI, `--out DIR`), at the same relative key. Nothing is cached in memory,
so a recycled container or a redeploy reads what the last run wrote.

Document: `{"after_ms": <newest played_at landed, Unix ms>, "updated_at": "<ISO UTC>"}`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from spotify_runtime.envelope import iso_utc
from spotify_runtime.extract.errors import ExtractError

LOG = logging.getLogger(__name__)

_MISSING = ("NoSuchKey", "404", "NotFound")


class StateError(ExtractError):
    """The state could not be read or written; the run fails and is retried (nothing lost)."""


class CursorStore(Protocol):
    """Reads and advances one cursor per state key (layout.state_key)."""

    def read(self, key: str) -> int | None: ...

    def advance(self, key: str, after_ms: int) -> int: ...


def decode_cursor(data: bytes, where: str) -> int | None:
    """The cursor in a state document (`where` names it in errors); StateError if it is not one."""
    try:
        value = json.loads(data).get("after_ms")
    except (ValueError, AttributeError):
        raise StateError(f"{where}: not a cursor document (expected {{\"after_ms\": ...}}); "
                         "delete it to start over from Spotify's last 50 plays") from None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StateError(f"{where}: after_ms {value!r} is not a Unix time in milliseconds")
    return value


def encode_cursor(after_ms: int) -> bytes:
    """The state document for a cursor."""
    return json.dumps({"after_ms": after_ms, "updated_at": iso_utc(datetime.now(UTC))}).encode()


class S3CursorStore:
    """Cursors as small JSON objects in the data bucket, under layout.STATE.

    `advance` re-reads before writing and never moves a cursor backwards, so two deliveries of
    the same message racing each other leave the newer cursor.
    """

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self.s3_client = s3_client
        self.bucket = bucket

    def read(self, key: str) -> int | None:
        """The cursor at `key`, or None when there is none yet."""
        try:
            response = self.s3_client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _MISSING:
                return None
            # Without s3:ListBucket on the prefix a missing key answers AccessDenied; the stack
            # grants it, so a denial here is a real one and must not reset the cursor.
            raise StateError(f"cannot read s3://{self.bucket}/{key}: {code}") from None
        return decode_cursor(response["Body"].read(), f"s3://{self.bucket}/{key}")

    def advance(self, key: str, after_ms: int) -> int:
        """Store `after_ms` unless the stored cursor is already newer; returns the stored one."""
        current = self.read(key)
        if current is not None and current >= after_ms:
            return current
        try:
            self.s3_client.put_object(Bucket=self.bucket, Key=key, Body=encode_cursor(after_ms),
                                      ContentType="application/json")
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            raise StateError(f"cannot write s3://{self.bucket}/{key}: {code}") from None
        return after_ms
