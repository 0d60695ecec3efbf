"""PyIceberg's file IO on a boto3 S3 client: every byte of a table goes through botocore.

PyIceberg's default file IO for `s3://` uses pyarrow's own S3 client (C++), which neither
botocore's retry configuration nor anything hooked into botocore's events sees, and which reads
its endpoint from other settings than the rest of the Lambda code. Through boto3, a table's data,
manifest and metadata files are read and written like every other object the functions touch:
same credentials, same endpoint resolution (`AWS_ENDPOINT_URL` where it is set), same retries.

Objects are read whole on open (data files here are one table-day of one batch: kilobytes to a
few MB; manifests and metadata smaller still). Files are put without a condition: PyIceberg names
every file it writes with a fresh UUID, and a conditional put whose answer was lost would be
refused on botocore's retry although it had landed.
"""

from __future__ import annotations

import io
from types import TracebackType
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pyiceberg.io import FileIO, InputFile, InputStream, OutputFile, OutputStream
from pyiceberg.typedef import EMPTY_DICT, Properties

_MISSING = ("NoSuchKey", "404", "NotFound")


def _bucket_and_key(location: str) -> tuple[str, str]:
    parsed = urlparse(location)
    if parsed.scheme not in ("s3", "s3a", "s3n"):
        raise ValueError(f"not an S3 location: {location}")
    return parsed.netloc, parsed.path.lstrip("/")


class _Reader(io.BytesIO, InputStream):  # type: ignore[misc]
    """An object's bytes, seekable."""


class _Writer(io.BytesIO, OutputStream):  # type: ignore[misc]
    """Buffers the file and puts it on close (S3 has no append)."""

    def __init__(self, client: Any, bucket: str, key: str) -> None:
        super().__init__()
        self._client, self._bucket, self._key = client, bucket, key
        self._failed = False

    def close(self) -> None:
        """Put the file (once), unless the block writing it failed: no half file."""
        if not self.closed and not self._failed:
            self._client.put_object(Bucket=self._bucket, Key=self._key, Body=self.getvalue())
        super().close()

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, exctype: type[BaseException] | None, excinst: BaseException | None,
                 exctb: TracebackType | None) -> None:
        self._failed = exctype is not None
        self.close()


class _File(InputFile, OutputFile):
    def __init__(self, client: Any, location: str) -> None:
        super().__init__(location)
        self._client = client
        self._bucket, self._key = _bucket_and_key(location)

    def _head(self) -> dict[str, Any] | None:
        try:
            return self._client.head_object(Bucket=self._bucket, Key=self._key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise

    def __len__(self) -> int:
        head = self._head()
        if head is None:
            raise FileNotFoundError(self.location)
        return int(head["ContentLength"])

    def exists(self) -> bool:
        return self._head() is not None

    def open(self, seekable: bool = True) -> InputStream:
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=self._key)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise FileNotFoundError(self.location) from error
            raise
        return _Reader(body)

    def create(self, overwrite: bool = False) -> OutputStream:
        return _Writer(self._client, self._bucket, self._key)

    def to_input_file(self) -> InputFile:
        return self


TABLE_FILE_ATTEMPTS = 8
"""Attempts per table-file request (botocore's standard retry mode, backoff and jitter). A
commit makes a few dozen S3 requests; with the default 3, a busy prefix's 503s fail a whole
batch now and then, and every table file has a fresh name, so a request is safe to repeat."""


class BotoFileIO(FileIO):
    """`py-io-impl` of the tables' catalog: S3 through one boto3 client."""

    def __init__(self, properties: Properties = EMPTY_DICT) -> None:
        super().__init__(properties)
        self._client = boto3.client("s3", config=Config(
            retries={"mode": "standard", "max_attempts": TABLE_FILE_ATTEMPTS}))

    def new_input(self, location: str) -> InputFile:
        """The object at `location` to read."""
        return _File(self._client, location)

    def new_output(self, location: str) -> OutputFile:
        """The object at `location` to write."""
        return _File(self._client, location)

    def delete(self, location: str | InputFile | OutputFile) -> None:
        """Delete the object (absent already: nothing to do, as S3's DeleteObject)."""
        name = location if isinstance(location, str) else location.location
        bucket, key = _bucket_and_key(name)
        self._client.delete_object(Bucket=bucket, Key=key)
