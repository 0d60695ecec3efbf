"""An S3 client over a local folder, for running the Lambda code in-process many times.

The moto server answers a real boto3 client over HTTP, which is what the local run and the tests
use; at a year of runs (12,000 transforms) its per-request cost would dominate. This stand-in
offers the few client calls the transform and the run log make (get, put with S3's conditional
writes, copy, delete, list) on `root/<key>`, refuses what S3 refuses for them (a missing key, a
failed `If-Match` / `If-None-Match`, another bucket) with the error codes botocore raises, and
counts the objects each call writes, so a benchmark can report what the code wrote. Threads may
share it: a conditional write's check and write are one step, as in S3.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError


class NoSuchKeyError(ClientError):
    """What boto3 raises as `client.exceptions.NoSuchKey`."""


class _Exceptions:
    NoSuchKey = NoSuchKeyError
    ClientError = ClientError


def _error(code: str, status: int, operation: str, message: str) -> ClientError:
    error_class = NoSuchKeyError if code == "NoSuchKey" else ClientError
    return error_class({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def _etag(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


class FolderS3:
    """`bucket`'s objects as the files under `root`; `puts` counts objects written and
    `put_bytes` their bytes per top-level prefix (`processed`, `pipeline_runs`, `raw`, ...) since
    the last `reset_counts`."""

    exceptions = _Exceptions

    def __init__(self, root: Path, bucket: str) -> None:
        self.root = Path(root)
        self.bucket = bucket
        self.puts: Counter[str] = Counter()
        self.put_bytes: Counter[str] = Counter()
        self._writing = threading.Lock()

    def reset_counts(self) -> tuple[Counter[str], Counter[str]]:
        """(objects, bytes) written so far per prefix, then start again from zero."""
        counts = (self.puts, self.put_bytes)
        self.puts, self.put_bytes = Counter(), Counter()
        return counts

    def _path(self, bucket: str, key: str, operation: str) -> Path:
        if bucket != self.bucket:
            raise _error("NoSuchBucket", 404, operation, f"no bucket {bucket!r}")
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise _error("InvalidArgument", 400, operation, f"bad key {key!r}")
        return self.root / key

    def _write(self, path: Path, key: str, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)  # a reader sees the old object or the new one, as in S3
        self.puts[key.split("/", 1)[0]] += 1
        self.put_bytes[key.split("/", 1)[0]] += len(data)

    def get_object(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:  # noqa: N803
        """The object's body, ETag and LastModified; NoSuchKey if absent."""
        path = self._path(Bucket, Key, "GetObject")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise _error("NoSuchKey", 404, "GetObject", Key) from None
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return {"Body": io.BytesIO(data), "ETag": _etag(data), "LastModified": modified,
                "ContentLength": len(data)}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes,  # noqa: N803
                   IfMatch: str | None = None, IfNoneMatch: str | None = None,  # noqa: N803
                   **_: Any) -> dict[str, Any]:
        """Write the object; with `IfMatch`/`IfNoneMatch="*"` only if the condition holds
        (412 PreconditionFailed otherwise, 404 NoSuchKey for `IfMatch` on a missing key)."""
        path = self._path(Bucket, Key, "PutObject")
        data = Body if isinstance(Body, bytes) else Body.read()
        if IfNoneMatch is not None and IfNoneMatch != "*":
            raise _error("NotImplemented", 501, "PutObject", "If-None-Match accepts only *")
        with self._writing:
            if IfMatch is not None or IfNoneMatch is not None:
                current = _etag(path.read_bytes()) if path.exists() else None
                if IfNoneMatch == "*" and current is not None:
                    raise _error("PreconditionFailed", 412, "PutObject", f"{Key} exists")
                if IfMatch is not None and current is None:
                    raise _error("NoSuchKey", 404, "PutObject", Key)
                if IfMatch is not None and IfMatch != current:
                    raise _error("PreconditionFailed", 412, "PutObject", f"{Key} changed")
            self._write(path, Key, data)
        return {"ETag": _etag(data)}

    def copy_object(self, *, Bucket: str, Key: str, CopySource: dict[str, str],  # noqa: N803
                    **_: Any) -> dict[str, Any]:
        """Copy an object of this bucket; NoSuchKey if the source is absent."""
        source = self._path(CopySource["Bucket"], CopySource["Key"], "CopyObject")
        target = self._path(Bucket, Key, "CopyObject")
        if not source.exists():
            raise _error("NoSuchKey", 404, "CopyObject", CopySource["Key"])
        with self._writing:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            self.puts[Key.split("/", 1)[0]] += 1
            self.put_bytes[Key.split("/", 1)[0]] += target.stat().st_size
        return {}

    def delete_object(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:  # noqa: N803
        """Delete the object (deleting a missing key succeeds, as in S3)."""
        self._path(Bucket, Key, "DeleteObject").unlink(missing_ok=True)
        return {}

    def list_objects_v2(self, *, Bucket: str, Prefix: str = "",  # noqa: N803
                        MaxKeys: int = 1000, **_: Any) -> dict[str, Any]:  # noqa: N803
        """Keys under `Prefix` in key order, at most `MaxKeys` (no continuation: callers here
        ask for one key)."""
        self._path(Bucket, Prefix or "x", "ListObjectsV2")
        folder = self.root / Prefix.rsplit("/", 1)[0] if "/" in Prefix else self.root
        keys = sorted(
            path.relative_to(self.root).as_posix()
            for path in (folder.rglob("*") if folder.is_dir() else ())
            if path.is_file() and not path.name.endswith(".partial")
        )
        matching = [key for key in keys if key.startswith(Prefix)][:MaxKeys]
        return {"Contents": [{"Key": key} for key in matching], "KeyCount": len(matching)}
