"""Parquet objects rewritten in place under S3 conditional writes (`update_object`): the run log
and `streams`, whose writers merge by row identity. A reader sees an object before or after a
write, never half of it; two writers that race get 412/409 and the loser merges again
(docs/storage.md). The transform's tables are Iceberg tables instead (iceberg_tables.py)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_CODEC = "snappy"
"""The codec of every Parquet file we write (these objects, `transform --out`, the Iceberg data
files): the AWS SDK for pandas layer's pyarrow has Snappy and zlib only (infra/layer_versions.py);
PyIceberg's default, zstd, would write files the functions cannot read
(tests/core/test_iceberg_tables.py)."""
ROW_GROUP_ROWS = 1_000_000
"""At most this many rows per row group: a partition (one table-day) is one row group, so a
reader pays one row group per object, as with a file compacted by hand."""
CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})
MAX_ATTEMPTS = 12
MAX_BACKOFF_SECONDS = 2.0
ABSENT_CODES = frozenset({"NoSuchKey", "404", "AccessDenied", "403"})
"""What a GetObject of a missing key answers, with and without s3:ListBucket."""


class WriteConflictError(Exception):
    """The object changed (or appeared) since it was read: read it again and retry."""


class PartitionContentionError(Exception):
    """The object kept changing under us for every attempt."""


class ObjectStore(Protocol):
    """Where partition objects live: S3, or a folder for the local CLI."""

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's bytes and version tag (ETag), or None when it does not exist."""

    def put_if(self, key: str, body: bytes, expected_tag: str | None) -> None:
        """Write `body` only if the object still has `expected_tag` (None: does not exist yet);
        otherwise raise WriteConflictError."""


class S3ObjectStore:
    """Partition objects in one bucket, compare-and-swap by ETag (S3 conditional writes)."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def get(self, key: str) -> tuple[bytes, str] | None:
        try:
            answer = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as error:
            # Without s3:ListBucket S3 answers a missing key with 403, not 404. Taking a 403 for
            # "absent" is safe: the write that follows carries If-None-Match: *, which S3
            # refuses (412) if the object exists, so nothing unread is ever overwritten.
            if error.response.get("Error", {}).get("Code") in ABSENT_CODES:
                return None
            raise
        return answer["Body"].read(), answer["ETag"]

    def put_if(self, key: str, body: bytes, expected_tag: str | None) -> None:
        condition = {"IfMatch": expected_tag} if expected_tag else {"IfNoneMatch": "*"}
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, **condition)
        except self.s3.exceptions.ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            # If-Match on an object deleted meanwhile answers 404 NoSuchKey: also a lost race.
            if code in CONFLICT_CODES or status in CONFLICT_CODES or code == "NoSuchKey":
                raise WriteConflictError(key) from error
            raise


@dataclass(frozen=True)
class UpdateResult:
    """What one update did: whether it wrote, and after how many attempts."""

    written: bool
    attempts: int


def update_object(store: ObjectStore, key: str, update: Callable[[bytes | None], bytes | None],
                  *, max_attempts: int = MAX_ATTEMPTS, deadline: float | None = None,
                  sleep: Callable[[float], None] = time.sleep,
                  clock: Callable[[], float] = time.monotonic) -> UpdateResult:
    """Apply `update` (old bytes or None -> new bytes, or None for "no change") to one object,
    atomically: retried from a fresh read whenever another writer got there first.

    Gives up (PartitionContentionError) after `max_attempts`, or, given a `deadline` (a `clock`
    time: a Lambda handler's time left, less what it needs after the write), not before it.
    A lost race costs only time, so a busy day's partition is waited for rather than failed:
    transforms that write the same day's objects at once take turns (docs/storage.md).
    """
    attempt = 0
    while True:
        attempt += 1
        current = store.get(key)
        body = update(current[0] if current else None)
        if body is None:
            return UpdateResult(written=False, attempts=attempt)
        try:
            store.put_if(key, body, current[1] if current else None)
            return UpdateResult(written=True, attempts=attempt)
        except WriteConflictError:
            if attempt >= max_attempts and (deadline is None or clock() >= deadline):
                raise PartitionContentionError(
                    f"{key}: still changing after {attempt} attempts") from None
            # Jittered so that writers that collided do not collide again in step.
            sleep(random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.05 * 2 ** min(attempt, 8))))


def parquet_bytes(schema: pa.Schema, parts: list[pa.Table],
                  metadata: dict[bytes, bytes] | None = None) -> bytes:
    """Snappy Parquet in memory: the parts' rows in order, in as few row groups as
    ROW_GROUP_ROWS allows (one for any partition of a day)."""
    schema = schema.with_metadata({**(schema.metadata or {}), **(metadata or {})})
    rows = (pa.concat_tables([part.cast(schema) for part in parts]) if parts
            else schema.empty_table())
    sink = pa.BufferOutputStream()
    pq.write_table(rows.replace_schema_metadata(schema.metadata), sink, compression=PARQUET_CODEC,
                   row_group_size=ROW_GROUP_ROWS)
    return sink.getvalue().to_pybytes()


