"""`migrate-storage` on a lake written the previous way: every row moves into one object per
table and day, once; old files go only after; a later re-delivery replaces instead of adding."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from spotify_runtime import run_log
from spotify_runtime.layout import raw_key
from spotify_runtime.partition_files import PartitionContentionError, WriteConflictError
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS, write_batch
from spotify_runtime.transform.raw_to_parquet import TransformedFile, transform_raw_file

from spotify_etl.cli import main
from spotify_etl.commands.migrate_storage import migrate, old_lake_folder
from spotify_local.folder_store import FolderStore
from spotify_local.iceberg_lake import folder_table
from spotify_local.moto_aws import lake_catalog
from tests.run_log_rows import merge_row

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
RUN = "20261124T181000Z"
OLD_RUN_LOG_ROW = {
    "run_at": "2026-11-24 18:10:00.000", "stage": "transform", "source": "album:x",
    "outcome": "processed", "attempt": 0, "error": None, "quality_check": None, "items": 3,
    "requests": None, "rate_limited": None, "duration_ms": 12, "raw_key": "raw/to_process/a",
    "rows": {"songs": 3}, "skipped": {}, "recorded_at": "2026-11-24 18:11:02.345",
}


def _transformed(fixture: str, kind: str, ident: str) -> TransformedFile:
    key = raw_key(kind, ident, datetime(2026, 11, 24, 18, 10, tzinfo=UTC))
    return transform_raw_file((FIXTURES / fixture).read_bytes(), key)


def _old_lake(lake: Path) -> list[TransformedFile]:
    """What the previous versions wrote: one Parquet object per raw file and table (named by the
    raw file's stem), one JSON-lines object per run-log row, and (the layout just before one
    run-log object a day) a writer's own run-log object of the day."""
    files = [_transformed("playlist_envelope.json", "playlist", "37i9dQZF1DXcBWIGoYBM5M"),
             _transformed("album_envelope.json", "album", "4aawyAB9vmqN3uQ7FjRGTy")]
    for transformed in files:
        for key, body in transformed.outputs.items():
            old = lake / key.rsplit("/", 1)[0] / f"{transformed.source_file}.parquet"
            old.parent.mkdir(parents=True, exist_ok=True)
            old.write_bytes(body)
    old_log = lake / "pipeline_runs" / "run_date=2026-11-24" / "transform-album-x-1.json"
    old_log.parent.mkdir(parents=True)
    old_log.write_text(json.dumps(OLD_RUN_LOG_ROW) + "\n", encoding="utf-8")
    extract_row = run_log.RunRecord(run_at=datetime(2026, 11, 24, 18, 10, tzinfo=UTC),
                                    stage="extract", source="album:x", outcome="landed",
                                    items=3, record_id="m-1/1")
    (old_log.parent / "extract-runs.parquet").write_bytes(merge_row(None, extract_row))
    return files


def _rows_per_table(lake: Path) -> dict[str, int]:
    """Rows per transform table: in the day objects of the old layout and in the Iceberg
    tables (a migration moves them from one to the other)."""
    from spotify_local.iceberg_lake import current_row_count

    counts: dict[str, int] = {}
    for path in (lake / "processed").rglob("*.parquet"):
        table = path.relative_to(lake / "processed").parts[0]
        counts[table] = counts.get(table, 0) + pq.read_metadata(path).num_rows
    for table in TABLE_DEFINITIONS:
        if current_row_count(lake, table):
            counts[table] = counts.get(table, 0) + current_row_count(lake, table)
    return counts


def test_an_old_lake_moves_into_the_iceberg_tables(tmp_path, capsys):
    lake = tmp_path / "lake"
    files = _old_lake(lake)
    before = _rows_per_table(lake)
    assert main(["migrate-storage", "--lake", str(lake)]) == 0
    out = capsys.readouterr().out
    assert "folded 8 table file(s) and 2 run-log file(s)" in out
    # one day of songs, albums, artists, playlist_tracks, playlists
    assert "moved 5 table-day object(s) into the Iceberg tables" in out
    assert _rows_per_table(lake) == before  # no row lost or duplicated
    assert not list((lake / "processed").rglob("*.parquet"))  # all moved
    songs = folder_table(lake, "songs").scan().to_arrow()
    assert sorted(set(songs.column("source_file").to_pylist())) == sorted(
        t.source_file for t in files)
    assert not list((lake / "pipeline_runs").rglob("*.json"))
    (log,) = (lake / "pipeline_runs").rglob("*.parquet")
    assert log.name == "runs.parquet"  # one object for the day, whoever wrote the rows
    landed, row = sorted(run_log.read_table(log.read_bytes()).to_pylist(),
                         key=lambda r: r["stage"])
    assert (landed["stage"], landed["record_id"], landed["outcome"]) == (
        "extract", "m-1/1", "landed")
    assert row["record_id"] == "migrated:transform-album-x-1.json#1"
    assert row["rows"] == [("songs", 3)] and row["items"] == 3

    # Again: nothing left to fold, nothing changes.
    snapshot = {p: p.read_bytes() for p in lake.rglob("*") if p.is_file()}
    assert main(["migrate-storage", "--lake", str(lake)]) == 0
    assert {p: p.read_bytes() for p in lake.rglob("*") if p.is_file()} == snapshot

    # A re-delivered raw file of the old days replaces its migrated rows, adds none.
    with lake_catalog(lake) as (catalog, database):
        write_batch(catalog, database, [files[0]])
    assert _rows_per_table(lake) == before


def test_an_old_file_stays_until_its_rows_are_in_the_new_object(tmp_path):
    lake = tmp_path / "lake"
    _old_lake(lake)
    before = sorted(p for p in lake.rglob("*.parquet"))

    class RefusingStore(FolderStore):
        def put_if(self, key, body, expected_tag):
            raise WriteConflictError(key)  # the new object never takes the rows

    folder = old_lake_folder(lake)
    folder.store = RefusingStore(lake)
    with pytest.raises(PartitionContentionError):
        migrate(folder, max_attempts=2)
    assert sorted(p for p in lake.rglob("*.parquet")) == before  # every old file still there
