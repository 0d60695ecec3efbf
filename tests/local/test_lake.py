"""The Glue/Athena stand-in: views named like the Glue tables, string partitions, empty tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spotify_runtime.transform import tables
from spotify_runtime.transform.tables import TABLES

from spotify_local.duckdb_athena import (
    LakeQueryError,
    open_lake,
    rows_per_table,
    run_sql,
)

SCHEMAS = {
    **tables.SCHEMAS,
    "songs": pa.schema([("song_id", pa.string()), ("popularity", pa.int32())]),
    "albums": pa.schema([("album_id", pa.string()), ("release_date", pa.date32())]),
    "artists": pa.schema([("artist_id", pa.string()), ("artist_name", pa.string())]),
    "playlist_tracks": pa.schema([("playlist_id", pa.string()), ("position", pa.int32())]),
}


def _write(lake: Path, table: str, date: str, name: str, rows: dict) -> None:
    folder = lake / "processed" / table / f"snapshot_date={date}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(rows, schema=SCHEMAS[table]), folder / f"{name}.parquet")


def test_every_table_exists_even_without_files(tmp_path: Path) -> None:
    connection = open_lake(tmp_path, SCHEMAS)
    assert rows_per_table(connection) == dict.fromkeys(TABLES, 0)
    described = run_sql(connection, "DESCRIBE albums").rows
    assert [(row[0], row[1]) for row in described] == [
        ("album_id", "VARCHAR"),
        ("release_date", "DATE"),
        ("snapshot_date", "VARCHAR"),
    ]


def test_partitions_are_string_columns_over_all_files(tmp_path: Path) -> None:
    _write(tmp_path, "songs", "2026-11-23", "a", {"song_id": ["s1", "s2"], "popularity": [5, 7]})
    _write(tmp_path, "songs", "2026-11-24", "a", {"song_id": ["s1"], "popularity": [9]})
    _write(tmp_path, "songs", "2026-11-24", "b", {"song_id": ["s3"], "popularity": [None]})
    connection = open_lake(tmp_path, SCHEMAS)

    result = run_sql(
        connection,
        "SELECT snapshot_date, typeof(snapshot_date) AS kind, count(*) AS n "
        "FROM songs GROUP BY 1, 2 ORDER BY 1",
    )
    assert result.as_dicts() == [
        {"snapshot_date": "2026-11-23", "kind": "VARCHAR", "n": 2},
        {"snapshot_date": "2026-11-24", "kind": "VARCHAR", "n": 2},
    ]
    assert rows_per_table(connection)["songs"] == 4
    assert rows_per_table(connection)["albums"] == 0


def test_engine_errors_are_one_line(tmp_path: Path) -> None:
    connection = open_lake(tmp_path, SCHEMAS)
    with pytest.raises(LakeQueryError) as raised:
        run_sql(connection, "SELECT no_such_column FROM songs")
    assert "no_such_column" in str(raised.value)
    assert "\n" not in str(raised.value)
