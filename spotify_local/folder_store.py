"""A folder that stands in for the data-lake bucket: the local CLI's and the local run's lake.

One class behind the protocols the Lambda code writes through (partition_files.ObjectStore,
extract.raw_sink.RawSink, extract.state.CursorStore), at the same keys as in S3. Every write is
atomic (a reader never sees half a file), and a partition's compare-and-swap holds a lock file
per folder, as S3's conditional write is one step.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from spotify_runtime.extract.raw_sink import encode_envelope
from spotify_runtime.extract.state import StateError, decode_cursor, encode_cursor
from spotify_runtime.partition_files import WriteConflictError


class FolderStore:
    """Objects as files under `root`: partition objects, raw envelopes and cursors."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def get(self, key: str) -> tuple[bytes, str] | None:
        """An object's bytes and tag (its content's hash), or None when it does not exist."""
        path = self.root / key
        if not path.is_file():
            return None
        body = path.read_bytes()
        return body, hashlib.md5(body).hexdigest()

    def put_if(self, key: str, body: bytes, expected_tag: str | None) -> None:
        """Write `body` only if the object still has `expected_tag` (None: absent); otherwise
        WriteConflictError."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.get(key)
            if (current[1] if current else None) != expected_tag:
                raise WriteConflictError(key)
            self._replace(path, body)

    def write(self, key: str, envelope: dict[str, Any]) -> str:
        """Write a raw envelope; returns the file's path."""
        path = self.root / key
        self._replace(path, encode_envelope(envelope))
        return str(path)

    def read(self, key: str) -> int | None:
        """The cursor at `key`, or None when there is none yet."""
        path = self.root / key
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StateError(f"cannot read {path}: {error.strerror}") from None
        return decode_cursor(data, str(path))

    def advance(self, key: str, after_ms: int) -> int:
        """Store the cursor `after_ms` unless the stored one is newer; returns the stored one."""
        current = self.read(key)
        if current is not None and current >= after_ms:
            return current
        path = self.root / key
        try:
            self._replace(path, encode_cursor(after_ms))
        except OSError as error:
            raise StateError(f"cannot write {path}: {error.strerror}") from None
        return after_ms

    @staticmethod
    def _replace(path: Path, body: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        staged.write_bytes(body)
        os.replace(staged, path)
