"""Where raw envelopes go: an S3 bucket (the local CLI's folder: spotify_local.folder_store)."""

from __future__ import annotations

import json
from typing import Any, Protocol


def encode_envelope(envelope: dict[str, Any]) -> bytes:
    """The bytes of a raw file: compact UTF-8 JSON (names keep their non-ASCII characters)."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class RawSink(Protocol):
    """Stores one envelope under a key from layout.raw_key; returns where it went."""

    def write(self, key: str, envelope: dict[str, Any]) -> str: ...


class S3RawSink:
    """Writes `s3://bucket/key`. A rewrite of the same key (retried run) overwrites it."""

    def __init__(self, s3_client: Any, bucket: str) -> None:
        self.s3_client = s3_client
        self.bucket = bucket

    def write(self, key: str, envelope: dict[str, Any]) -> str:
        """Put the envelope; returns its s3:// URL."""
        self.s3_client.put_object(
            Bucket=self.bucket, Key=key, Body=encode_envelope(envelope),
            ContentType="application/json",
        )
        return f"s3://{self.bucket}/{key}"
