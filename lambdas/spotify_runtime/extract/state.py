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
import os
from datetime import UTC, datetime
from pathlib import Path
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


def _decode(data: bytes, where: str) -> int | None:
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


def _encode(after_ms: int) -> bytes:
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
        return _decode(response["Body"].read(), f"s3://{self.bucket}/{key}")

    def advance(self, key: str, after_ms: int) -> int:
        """Store `after_ms` unless the stored cursor is already newer; returns the stored one."""
        current = self.read(key)
        if current is not None and current >= after_ms:
            return current
        try:
            self.s3_client.put_object(Bucket=self.bucket, Key=key, Body=_encode(after_ms),
                                      ContentType="application/json")
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            raise StateError(f"cannot write s3://{self.bucket}/{key}: {code}") from None
        return after_ms


class DirectoryCursorStore:
    """Cursors as files under a directory (`extract --out DIR` keeps them under DIR)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def read(self, key: str) -> int | None:
        """The cursor at `root/key`, or None when there is none yet."""
        path = self.root / key
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StateError(f"cannot read {path}: {error.strerror}") from None
        return _decode(data, str(path))

    def advance(self, key: str, after_ms: int) -> int:
        """Store `after_ms` (atomically) unless the stored cursor is newer; returns the stored."""
        current = self.read(key)
        if current is not None and current >= after_ms:
            return current
        path = self.root / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(_encode(after_ms))
            partial.replace(path)
        except OSError as error:
            raise StateError(f"cannot write {path}: {error.strerror}") from None
        return after_ms
