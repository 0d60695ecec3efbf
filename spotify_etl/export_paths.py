"""The export files a user names on the command line: zips, folders and JSON files, in any mix
(`import PATH...`). The function reads uploads with spotify_runtime.history_import.members."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spotify_runtime.history_import.members import (
    HEAD_BYTES,
    ZIP_MAGIC,
    ExportFile,
    Members,
    NotAnExportError,
    is_export_member,
    zip_members,
)


def _file_head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(HEAD_BYTES)


def _folder_members(folder: Path) -> Iterator[tuple[Path, bool]]:
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        yield path, is_export_member(path.name, lambda path=path: _file_head(path))


def _is_zip(path: Path) -> bool:
    """A zip by its first bytes, readable or not (a truncated zip has no central directory, so
    `zipfile.is_zipfile` says no, yet it is no JSON file either)."""
    return path.suffix.lower() == ".zip" or _file_head(path)[:4] == ZIP_MAGIC


def path_members(paths: list[Path]) -> Members:
    """The export files at `paths` (zips, folders, JSON files, in any mix)."""
    found = Members([], [])
    for path in paths:
        if path.is_dir():
            for file, wanted in _folder_members(path):
                if _is_zip(file):
                    _extend(found, zip_members(file, str(file)))
                elif wanted:
                    found.files.append(_path_file(file))
                else:
                    found.ignored.append(str(file))
        elif not path.exists():
            raise NotAnExportError(f"{path}: no such file or folder")
        elif _is_zip(path):
            _extend(found, zip_members(path, str(path)))
        else:
            found.files.append(_path_file(path))
    return found


def _path_file(path: Path) -> ExportFile:
    return ExportFile(str(path), path.read_bytes, lambda: _file_head(path))


def _extend(found: Members, more: Members) -> None:
    found.files += more.files
    found.ignored += more.ignored
