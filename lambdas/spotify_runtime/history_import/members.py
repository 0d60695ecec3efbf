"""The export files in what a user hands over: the zip as downloaded, a folder, JSON files.

In a zip or a folder, the streaming-history files are recognised by name (Spotify's names of
both kinds, at any depth: `Spotify Extended Streaming History/`, `MyData/`, ...); everything else
there (the PDF read-me, `YourLibrary.json`, `Playlist1.json`, ...) is listed as ignored. A JSON
file named directly is read whatever its name, and refused if it is not an export.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HISTORY_NAME = re.compile(
    r"(Streaming_History_(Audio|Video)_.*|endsong(_\d+)?|"
    r"StreamingHistory(_(music|podcast|audiobook))?_?\d*)\.json", re.IGNORECASE)
"""File names of both export kinds, old and new (docs/history-import.md)."""
MAX_MEMBER_BYTES = 512 * 1024 * 1024
"""No export file comes near this (Spotify's are about 12 MB); a larger member is refused
before it is read."""


class NotAnExportError(ValueError):
    """Input that is not Spotify's export (the message is one line naming it)."""


@dataclass(frozen=True)
class ExportFile:
    """One streaming-history file, read when `read` is called (one at a time in memory)."""

    name: str
    read: Callable[[], bytes]


@dataclass
class Members:
    """The export files found, and the other files seen and left alone."""

    files: list[ExportFile]
    ignored: list[str]


def is_history_name(name: str) -> bool:
    """Whether a file name (any folder) is one of Spotify's streaming-history file names."""
    return bool(HISTORY_NAME.fullmatch(PurePosixPath(name).name))


def zip_members(data: bytes | Path, label: str) -> Members:
    """The streaming-history files of a zip (bytes of an upload, or a path)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except zipfile.BadZipFile:
        raise NotAnExportError(f"{label}: not a zip file") from None
    found = Members([], [])
    for info in archive.infolist():
        if info.is_dir():
            continue
        if not is_history_name(info.filename):
            found.ignored.append(f"{label}:{info.filename}")
        elif info.file_size > MAX_MEMBER_BYTES:
            raise NotAnExportError(f"{label}:{info.filename}: {info.file_size} bytes is not a "
                                   "streaming-history file")
        else:
            found.files.append(ExportFile(f"{label}:{info.filename}",
                                          lambda info=info: archive.read(info)))
    return found


def _folder_members(folder: Path) -> Iterator[tuple[Path, bool]]:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield path, is_history_name(path.name)


def path_members(paths: list[Path]) -> Members:
    """The export files at `paths` (zips, folders, JSON files, in any mix)."""
    found = Members([], [])
    for path in paths:
        if path.is_dir():
            for file, wanted in _folder_members(path):
                if file.suffix.lower() == ".zip":
                    _extend(found, zip_members(file, str(file)))
                elif wanted:
                    found.files.append(ExportFile(str(file), file.read_bytes))
                else:
                    found.ignored.append(str(file))
        elif not path.exists():
            raise NotAnExportError(f"{path}: no such file or folder")
        elif zipfile.is_zipfile(path):
            _extend(found, zip_members(path, str(path)))
        else:
            found.files.append(ExportFile(str(path), path.read_bytes))
    return found


def upload_members(key: str, data: bytes) -> Members:
    """The export files of one upload: a zip, or one JSON file."""
    if data[:4] == b"PK\x03\x04":
        return zip_members(data, key)
    return Members([ExportFile(key, lambda: data)], [])


def _extend(found: Members, more: Members) -> None:
    found.files += more.files
    found.ignored += more.ignored
