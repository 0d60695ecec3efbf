"""The export files in an upload: the zip as downloaded, or one JSON file (spotify_etl.export_paths
reads folders and files for the command line).

In a zip or a folder, the streaming-history files are recognised by name (Spotify's names of
both kinds, at any depth: `Spotify Extended Streaming History/`, `MyData/`, ...) or, for any
other `.json` file, by content (an array whose first object has `ts` or `endTime`: a renamed
file is still found); everything else there (the PDF read-me, `YourLibrary.json`,
`Playlist1.json`, ...) is listed as ignored, by name. A JSON file named directly is read
whatever its name, and refused if it is not an export. A zip that cannot be read (damaged or
cut short in the download) is refused as such, naming it.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HISTORY_NAME = re.compile(
    r"(Streaming_History_(Audio|Video)_.*|endsong(_\d+)?|"
    r"StreamingHistory(_(music|podcast|audiobook))?_?\d*)\.json", re.IGNORECASE)
"""File names of both export kinds, old and new (docs/history-import.md)."""
HISTORY_HEAD = re.compile(rb'\A\s*\[\s*\{[^{}]*?"(ts|endTime)"\s*:', re.DOTALL)
"""The start of a streaming-history file of either kind, in any of Spotify's layouts: an array
whose first object has `ts` (extended) or `endTime` (basic) before any nested object."""
HEAD_BYTES = 4096
"""How much of a `.json` file is read to tell by content (the first row fits many times)."""
ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBER_BYTES = 512 * 1024 * 1024
"""No export file comes near this (Spotify's are about 12 MB); a larger member is refused
before it is read."""


class NotAnExportError(ValueError):
    """Input that is not Spotify's export (the message is one line naming it)."""


@dataclass(frozen=True)
class ExportFile:
    """One streaming-history file, read when `read` is called (one at a time in memory); `head`
    reads only its first bytes, where that is cheaper than reading it all."""

    name: str
    read: Callable[[], bytes]
    head: Callable[[], bytes] | None = None

    def first_bytes(self) -> bytes:
        """The file's first HEAD_BYTES bytes."""
        return self.head() if self.head else self.read()[:HEAD_BYTES]


@dataclass
class Members:
    """The export files found, and the other files seen and left alone."""

    files: list[ExportFile]
    ignored: list[str]


def is_history_name(name: str) -> bool:
    """Whether a file name (any folder) is one of Spotify's streaming-history file names."""
    return bool(HISTORY_NAME.fullmatch(PurePosixPath(name).name))


def looks_like_history(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a streaming-history file (HISTORY_HEAD)."""
    return bool(HISTORY_HEAD.match(head))


def is_export_member(name: str, head: Callable[[], bytes]) -> bool:
    """A history file by its name, or a `.json` file by its first bytes."""
    if is_history_name(name):
        return True
    return PurePosixPath(name).suffix.lower() == ".json" and looks_like_history(head())


DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, EOFError)
"""What reading a damaged or truncated zip raises."""


def _damaged(label: str, why: object) -> NotAnExportError:
    return NotAnExportError(f"{label}: a damaged or truncated zip file ({why or 'cut short'}); "
                            "download it again")


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str,
                ) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            return archive.read(info)
        except DAMAGED_ZIP as error:
            raise _damaged(name, error) from None
    return read


def _zip_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    try:
        with archive.open(info) as member:
            return member.read(HEAD_BYTES)
    except DAMAGED_ZIP as error:
        raise _damaged(name, error) from None


def zip_members(data: bytes | Path, label: str) -> Members:
    """The streaming-history files of a zip (bytes of an upload, or a path)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except DAMAGED_ZIP:
        raise _damaged(label, "its table of contents is missing or unreadable") from None
    found = Members([], [])
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = f"{label}:{info.filename}"
        head = functools.partial(_zip_head, archive, info, name)
        if not is_export_member(info.filename, head):
            found.ignored.append(name)
        elif info.file_size > MAX_MEMBER_BYTES:
            raise NotAnExportError(f"{name}: {info.file_size} bytes is not a streaming-history "
                                   "file")
        else:
            found.files.append(ExportFile(
                name, _zip_reader(archive, info, name), head))
    return found


def upload_members(key: str, data: bytes) -> Members:
    """The export files of one upload: a zip, or one JSON file."""
    if data[:4] == ZIP_MAGIC:
        return zip_members(data, key)
    return Members([ExportFile(key, lambda: data)], [])
