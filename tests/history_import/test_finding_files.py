"""What an import finds in a folder or zip: streaming-history files by name or by content,
every other file listed by name, a damaged zip named as such, an empty export refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from spotify_runtime.history_import.importer import import_files
from spotify_runtime.history_import.members import (
    ExportFile,
    NotAnExportError,
    looks_like_history,
    upload_members,
)
from spotify_runtime.layout import STREAMS

from spotify_etl.cli import main
from spotify_etl.export_paths import path_members
from spotify_local.folder_store import FolderStore
from spotify_local.spotify_export import basic_row, dump, export_zip, extended_row
from tests.history_import.test_import import REAL_EXPORTS, T0, TRACKS


def extended(n: int) -> bytes:
    return dump([extended_row(T0.replace(minute=i), 100_000, track=TRACKS[i]) for i in range(n)])


@pytest.mark.parametrize("layout", ["pretty", "minified", "jackson"])
def test_both_kinds_are_told_by_their_first_bytes_in_every_layout(layout):
    assert looks_like_history(dump([extended_row(T0, 1, track=TRACKS[0])], layout)[:4096])
    assert looks_like_history(dump([basic_row(T0, 1, "A", "T")], layout)[:4096])
    assert not looks_like_history(b'{"tracks": []}')
    assert not looks_like_history(b'[{"name": "x", "items": [{"ts": 1}]}]')  # nested, no row
    assert not looks_like_history(b"[]")


def test_renamed_history_files_are_found_by_content_in_a_folder_and_a_zip(tmp_path, capsys):
    (tmp_path / "my history (1).json").write_bytes(extended(3))
    (tmp_path / "Playlist1.json").write_text('{"playlists": []}')
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "export.zip").write_bytes(export_zip({"renamed.json": extended(5)}))
    members = path_members([tmp_path])
    assert sorted(f.name.rsplit("/", 1)[-1] for f in members.files) == [
        "my history (1).json", "renamed.json"]
    ignored = sorted(name.rsplit("/", 1)[-1] for name in members.ignored)
    assert ignored == ["Playlist1.json", "ReadMeFirst_ExtendedStreamingHistory.pdf", "notes.txt"]
    assert main(["import", str(tmp_path), "--lake", str(tmp_path / "lake")]) == 0
    out = capsys.readouterr().out
    assert "imported: 5 plays" in out  # 3 + 5 rows, the first 3 of each are the same plays
    ignored_line = next(line for line in out.splitlines() if line.startswith("ignored"))
    assert "Playlist1.json" in ignored_line and "notes.txt" in ignored_line
    assert "ReadMeFirst_ExtendedStreamingHistory.pdf" in ignored_line


def test_a_truncated_zip_is_named_a_damaged_zip(tmp_path):
    whole = export_zip({"Streaming_History_Audio_2025.json": extended(20)})
    cut = whole[: len(whole) // 2]
    with pytest.raises(NotAnExportError, match="damaged or truncated zip file"):
        upload_members("imports/export.zip", cut)
    (tmp_path / "export.zip").write_bytes(cut)
    with pytest.raises(NotAnExportError, match=r"export\.zip: a damaged or truncated zip"):
        path_members([tmp_path / "export.zip"])
    no_suffix = tmp_path / "download"
    no_suffix.write_bytes(cut)  # a zip by its first bytes, whatever its name
    with pytest.raises(NotAnExportError, match="damaged or truncated zip"):
        path_members([no_suffix])


def test_a_member_whose_bytes_are_damaged_is_named(tmp_path):
    data = bytearray(export_zip({"Streaming_History_Audio_2025.json": extended(20)}))
    start = data.index(b"Streaming_History_Audio_2025.json") + 60  # inside its compressed bytes
    data[start:start + 40] = bytes(40)
    members = upload_members("imports/export.zip", bytes(data))
    with pytest.raises(NotAnExportError, match=r"Streaming_History_Audio_2025\.json: a damaged"):
        import_files(members.files, FolderStore(tmp_path))
    assert not (tmp_path / STREAMS).exists()


def test_an_export_with_no_rows_is_refused_and_nothing_is_written(tmp_path, capsys):
    empty = tmp_path / "Streaming_History_Audio_2025.json"
    empty.write_bytes(b"[]")
    assert main(["import", str(empty), "--lake", str(tmp_path / "lake")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no rows (an empty streaming history is not an export)" in err
    assert not (tmp_path / "lake").exists()


def test_an_empty_file_beside_other_exports_is_reported_and_skipped(tmp_path):
    files = {"Streaming_History_Audio_2025.json": extended(4),
             "Streaming_History_Video_2025.json": b"[]"}
    members = upload_members("imports/export.zip", export_zip(files))
    report = import_files(members.files, FolderStore(tmp_path))
    assert report.imported == 4 and len(report.files) == 1
    assert [name for name in report.ignored if "Video" in name] == [
        "imports/export.zip:Spotify Extended Streaming History/"
        "Streaming_History_Video_2025.json (empty: no rows)"]


def test_every_real_history_file_is_found_and_every_other_file_listed():
    real = REAL_EXPORTS
    assert real.is_dir(), f"{real}: the real exports belong beside the clone"
    members = path_members([real])
    found = sorted(Path(f.name).name for f in members.files)
    ignored = sorted(Path(name).name for name in members.ignored)
    assert len(found) == 20 and "endsong.json" in found  # 13 extended, 7 basic
    assert ignored == ["PROVENANCE.md", "Playlist1.json", "YourLibrary.json"]


def test_files_are_written_one_by_one_as_they_are_read(tmp_path):
    store = FolderStore(tmp_path)
    january = tmp_path / STREAMS / "ended_month=2025-01"
    seen_when_read: list[bool] = []

    def month_file(month: int, check: bool) -> ExportFile:
        data = dump([extended_row(T0.replace(year=2025, month=month, day=15), 100_000,
                                  track=TRACKS[month])])

        def read() -> bytes:
            if check:
                seen_when_read.append(january.exists())
            return data
        return ExportFile(f"Streaming_History_Audio_2025_{month}.json", read,
                          lambda: data[:4096])

    files = [month_file(1, False), month_file(2, False), month_file(3, True)]
    report = import_files(files, store)
    # The third file is read (one ahead of the writes) after the first one's month was written.
    assert seen_when_read == [True] and report.imported == 3 and report.months == 3


def test_a_file_that_breaks_after_its_start_is_skipped_and_named(tmp_path, capsys):
    good = extended(3)
    broken = good[: len(good) // 2]  # starts as an export, cut short: not valid JSON
    (tmp_path / "Streaming_History_Audio_2025_0.json").write_bytes(good)
    (tmp_path / "Streaming_History_Audio_2025_1.json").write_bytes(broken)
    assert main(["import", str(tmp_path), "--lake", str(tmp_path / "lake")]) == 0
    out = capsys.readouterr().out
    assert "imported: 3 plays" in out
    assert "damaged, skipped: " in out and "Streaming_History_Audio_2025_1.json" in out
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "Streaming_History_Audio_2025_1.json").write_bytes(broken)
    assert main(["import", str(alone), "--lake", str(alone / "lake")]) == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert not (alone / "lake").exists()
