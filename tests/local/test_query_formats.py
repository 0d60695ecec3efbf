"""`query` output a program can rely on: CSV when not on a terminal, JSON or a table on request;
no value is ever cut, whatever the width."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from spotify_etl.cli import main
from spotify_local.duckdb_athena import open_lake, run_sql

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
SQL = ("SELECT song_id, song_name, url, artist_ids, song_added, popularity FROM songs "
       "ORDER BY ALL")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from spotify_runtime.transform.iceberg_writer import write_batch
    from spotify_runtime.transform.raw_to_parquet import transform_raw_file

    from spotify_local.moto_aws import lake_catalog

    lake = tmp_path_factory.mktemp("formats") / "lake"
    files = [transform_raw_file((FIXTURES / name).read_bytes(),
                                f"raw/to_process/tutorial/{name}")
             for name in ("playlist_envelope.json", "artist_envelope.json")]
    with lake_catalog(lake) as (catalog, database):  # the tables as the transform writes them
        write_batch(catalog, database, files)
    return lake


def _expected(lake: Path) -> list[dict]:
    return run_sql(open_lake(lake), SQL).as_dicts()


def _query(capsys: pytest.CaptureFixture[str], lake: Path, *extra: str) -> str:
    capsys.readouterr()
    assert main(["query", "--lake", str(lake), SQL, *extra]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_not_on_a_terminal_the_default_is_csv_with_every_value_whole(lake, capsys) -> None:
    rows = list(csv.DictReader(io.StringIO(_query(capsys, lake))))
    expected = _expected(lake)
    assert len(rows) == len(expected) > 3
    for row, want in zip(rows, expected, strict=True):
        assert row["song_id"] == want["song_id"] and len(row["song_id"]) == 22
        assert row["song_name"] == want["song_name"]  # quotes, commas, newlines intact
        assert row["url"] == want["url"]
        assert json.loads(row["artist_ids"]) == want["artist_ids"]
        assert row["popularity"] == ("" if want["popularity"] is None else str(want["popularity"]))


def test_json_holds_typed_values(lake, capsys) -> None:
    rows = json.loads(_query(capsys, lake, "--format", "json"))
    expected = _expected(lake)
    assert [row["song_id"] for row in rows] == [row["song_id"] for row in expected]
    assert [row["artist_ids"] for row in rows] == [row["artist_ids"] for row in expected]
    assert [row["popularity"] for row in rows] == [row["popularity"] for row in expected]
    assert {row["song_added"] is None for row in rows} <= {True, False}


def test_a_table_into_a_file_is_as_wide_as_its_values(lake, capsys) -> None:
    out = _query(capsys, lake, "--format", "table")
    for want in _expected(lake):
        assert want["url"] in out and want["song_id"] in out
    assert "…" not in out
