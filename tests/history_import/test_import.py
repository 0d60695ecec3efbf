"""Imports into `streams`: each play once however often and in whatever order exports come, the
zip as downloaded, folders, the command line, and every real export file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from spotify_runtime.history_import.export_files import DUPLICATE_IN_IMPORT, read_export_file
from spotify_runtime.history_import.importer import import_files
from spotify_runtime.history_import.members import ExportFile, NotAnExportError
from spotify_runtime.history_import.same_play import DOUBLE_LOGGED
from spotify_runtime.layout import STREAMS

from spotify_etl.cli import main
from spotify_etl.export_paths import path_members
from spotify_local.folder_store import FolderStore
from spotify_local.spotify_export import basic_row, dump, export_zip, extended_row

REPO_ROOT = Path(__file__).resolve().parents[2]
REAL_EXPORTS = REPO_ROOT.parent / "shared" / "real-spotify" / "exports"
"""Real exports recorded by other public projects, beside the clone (CI has them there too);
read only, never copied into the project."""
T0 = datetime(2025, 12, 31, 22, 0, tzinfo=UTC)
TRACKS = [(f"{n:022d}", f"Track {n}", "Artist", "Album") for n in range(30)]


def export(first: int, last: int) -> ExportFile:
    """Plays first..last-1 (one every 20 minutes from T0: across the new year)."""
    rows = [extended_row(T0 + timedelta(minutes=20 * n), 100_000, track=TRACKS[n % 30])
            for n in range(first, last)]
    data = dump(rows)
    return ExportFile(f"Streaming_History_Audio_{first}.json", lambda: data)


def lake_rows(lake: Path) -> list[dict]:
    rows = []
    for path in sorted((lake / STREAMS).rglob("*.parquet")):
        rows += pq.read_table(path).to_pylist()
    return rows


def test_the_same_export_twice_adds_nothing(tmp_path):
    store = FolderStore(tmp_path)
    first = import_files([export(0, 10)], store)
    again = import_files([export(0, 10)], store)
    assert (first.imported, first.already_present) == (10, 0)
    assert (again.imported, again.already_present) == (0, 10)
    assert len(lake_rows(tmp_path)) == 10


def test_overlapping_exports_and_an_old_one_after_a_newer_lose_nothing(tmp_path):
    store = FolderStore(tmp_path)
    newer = import_files([export(5, 20)], store)
    older = import_files([export(0, 12)], store)
    assert (newer.imported, older.imported, older.already_present) == (15, 5, 7)
    rows = lake_rows(tmp_path)
    assert len(rows) == 20 and len({row["play_id"] for row in rows}) == 20
    assert rows == sorted(rows, key=lambda row: row["ended_at"])


def test_one_object_per_month_of_the_end_time(tmp_path):
    import_files([export(0, 10)], FolderStore(tmp_path))  # 22:00 Dec 31 .. Jan 1
    months = sorted(p.parent.name for p in (tmp_path / STREAMS).rglob("*.parquet"))
    assert months == ["ended_month=2025-12", "ended_month=2026-01"]
    assert [p.name for p in (tmp_path / STREAMS).rglob("*.parquet")] == ["streams.parquet"] * 2


def test_duplicates_across_files_of_one_import_are_counted(tmp_path):
    report = import_files([export(0, 6), export(3, 9)], FolderStore(tmp_path))
    assert report.imported == 9 and report.skipped == {DUPLICATE_IN_IMPORT: 3}
    assert report.rows_in_files == 12


def test_a_bad_file_stops_the_import_before_anything_is_written(tmp_path):
    bad = ExportFile("Streaming_History_Audio_1.json", lambda: b'{"not": "an export"}')
    with pytest.raises(NotAnExportError):
        import_files([export(0, 5), bad], FolderStore(tmp_path))
    assert not (tmp_path / STREAMS).exists()


def test_the_zip_as_downloaded_in_a_folder_with_other_files(tmp_path):
    files = {"Streaming_History_Audio_2025_0.json": export(0, 4).read(),
             "Streaming_History_Video_2025.json": dump([])}
    (tmp_path / "my_spotify_data.zip").write_bytes(export_zip(files))
    (tmp_path / "Playlist1.json").write_text('{"playlists": []}')
    members = path_members([tmp_path])
    assert sorted(Path(f.name.split(":")[-1]).name for f in members.files) == sorted(files)
    ignored = sorted(Path(name.split(":")[-1]).name for name in members.ignored)
    assert ignored == ["Playlist1.json", "ReadMeFirst_ExtendedStreamingHistory.pdf"]
    report = import_files(members.files, FolderStore(tmp_path / "lake"))
    assert report.imported == 4


def test_command_line_prints_what_it_did(tmp_path, capsys):
    export_file = tmp_path / "Streaming_History_Audio_2025_0.json"
    rows = [extended_row(T0, 100_000, track=TRACKS[0]), extended_row(T0, 0, track=TRACKS[1])]
    export_file.write_bytes(dump(rows))
    lake = tmp_path / "lake"
    assert main(["import", str(export_file), "--lake", str(lake)]) == 0
    assert main(["import", str(export_file), "--lake", str(lake)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "imported: 1 plays" in out[1] and out[2] == "already present: 0"
    assert "imported: 0 plays" in out[6] and out[7] == "already present: 1"
    assert out[3] == out[8] == "skipped: nothing_played 1"
    assert out[4] == out[9] == "merged (another row of the same play): none"


def test_command_line_names_merges_and_replacements(tmp_path, capsys):
    ended, ms = T0 + timedelta(seconds=30), 201_000
    basic = tmp_path / "StreamingHistory_music_0.json"
    basic.write_bytes(dump([basic_row(ended, ms, TRACKS[0][2], TRACKS[0][1])]))
    extended = tmp_path / "Streaming_History_Audio_2025.json"
    extended.write_bytes(dump([extended_row(ended, ms, track=TRACKS[0])]))
    lake = tmp_path / "lake"
    assert main(["import", str(basic), "--lake", str(lake)]) == 0
    assert main(["import", str(extended), "--lake", str(lake)]) == 0
    assert main(["import", str(basic), "--lake", str(lake)]) == 0
    out = capsys.readouterr().out
    assert ("replaced: 1 Account-data row(s) of earlier imports by their Extended-history row"
            in out)
    assert "merged (another row of the same play): same_play_in_extended_history 1" in out
    assert len(lake_rows(lake)) == 1


def test_command_line_refuses_a_file_that_is_not_an_export(tmp_path, capsys):
    library = tmp_path / "YourLibrary.json"
    library.write_text(json.dumps({"tracks": []}))
    assert main(["import", str(library), "--lake", str(tmp_path / "lake")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a Spotify streaming-history file" in err
    assert main(["import", str(tmp_path / "missing.zip"), "--lake", str(tmp_path)]) == 1
    assert "missing.zip: no such file or folder" in capsys.readouterr().err
    bad_zip = tmp_path / "broken.zip"
    bad_zip.write_bytes(b"PK\x03\x04 truncated")
    assert main(["import", str(bad_zip), "--lake", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad_zip}: a damaged or truncated zip file") and (
        err.count("\n") == 1)
    assert not (tmp_path / STREAMS).exists()


def test_every_real_export_file_imports_and_every_row_is_accounted_for(tmp_path):
    assert REAL_EXPORTS.is_dir(), f"{REAL_EXPORTS}: the real exports belong beside the clone"
    real = sorted(REAL_EXPORTS.rglob("*.json"))
    history = []
    for path in real:
        data = path.read_bytes()
        try:
            parsed = read_export_file(path.name, data)
        except NotAnExportError:
            assert not isinstance(json.loads(data), list), path  # only non-history files
            continue
        rows_in_file = len(json.loads(data))
        assert parsed.file_rows == rows_in_file, path
        assert parsed.rows.num_rows + sum(parsed.skipped.values()) == rows_in_file, path
        history.append(ExportFile(str(path), lambda data=data: data))
    assert len(history) >= 17
    report = import_files(history, FolderStore(tmp_path))
    assert (report.imported + report.already_present + sum(report.merged.values())
            + sum(report.skipped.values())
            == report.rows_in_files == sum(len(json.loads(f.read())) for f in history))
    assert len(lake_rows(tmp_path)) == report.imported
    # The real endsong.json export: 21 plays logged twice, 16-18 s apart (test_same_play.py).
    assert report.merged[DOUBLE_LOGGED] == 21
    again = import_files(history, FolderStore(tmp_path))
    assert (again.imported, again.already_present) == (0, report.imported)


def test_env_uploads_the_files_unread_under_imports(tmp_path, capsys, aws_in_process):
    import boto3

    (tmp_path / "my_spotify_data.zip").write_bytes(export_zip({"endsong_0.json": b"[]"}))
    (tmp_path / "Playlist1.json").write_text("{}")
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = "spotify-etl-dev-123456789012-us-east-1"  # moto's account
    s3.create_bucket(Bucket=bucket)
    assert main(["import", "--env", "dev", str(tmp_path)]) == 0
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("imports/")
    assert keys[0].endswith("/my_spotify_data.zip")  # not Playlist1.json
    assert "uploaded" in capsys.readouterr().out
