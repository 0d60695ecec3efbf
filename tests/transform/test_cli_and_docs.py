"""`python -m spotify_etl transform`, and docs/tables.md kept in sync with tables.py."""

import json
from pathlib import Path

import pyarrow.parquet as pq
from spotify_runtime.transform.tables import SCHEMAS, render_markdown

from spotify_etl.cli import main
from spotify_etl.day_objects import source_rows

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "raw"


def test_cli_writes_tables_and_prints_rows_and_skips(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["transform", str(FIXTURES / "playlist_envelope.json"), "--out", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    assert "songs" in printed and " 4 rows" in printed
    assert "skipped null_track" in printed and "skipped episode" in printed
    songs = out / "songs" / "snapshot_date=2026-11-24" / "songs.parquet"
    assert list(source_rows(songs.read_bytes())) == [
        "playlist__37i9dQZF1DXcBWIGoYBM5M__playlist_envelope"]
    table = pq.read_table(songs)
    assert table.column("song_name").to_pylist()[0] == 'Héllo, "World"\nLine two 🎵'
    assert sorted(p.parent.parent.name for p in out.rglob("*.parquet")) == sorted(
        ["songs", "albums", "artists", "playlist_tracks", "playlists"]  # tables with rows
    )
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # nothing staged beside it
    assert not [p for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"
                and p.name != ".lock"]  # no staged file left inside


def test_cli_snapshot_date_override(tmp_path, capsys):
    status = main(["transform", str(FIXTURES / "playlist_paging_seed.json"), "--out",
                   str(tmp_path), "--snapshot-date", "2023-01-31"])
    assert status == 0
    assert {p.parent.name for p in tmp_path.rglob("*.parquet")} == {"snapshot_date=2023-01-31"}
    assert "snapshot_date=2023-01-31" in capsys.readouterr().out


def test_cli_bad_input_is_one_line_and_leaves_no_output(tmp_path, capsys):
    doc = json.loads((FIXTURES / "playlist_envelope.json").read_text(encoding="utf-8"))
    doc["extracted_at"] = "someday"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    status = main(["transform", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert status != 0
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "extracted_at: 'someday' is not an ISO 8601 timestamp" in err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_cli_missing_file(tmp_path, capsys):
    assert main(["transform", str(tmp_path / "nope.json"), "--out", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nope.json" in err and err.count("\n") == 1


def test_tables_doc_is_generated_from_the_schemas():
    doc = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert doc == render_markdown(), (
        "docs/tables.md is stale: python -m spotify_runtime.transform.tables > docs/tables.md"
    )
    for table, schema in SCHEMAS.items():
        assert f"## {table}" in doc
        assert all(f"| `{name}` |" in doc for name in schema.names)
    assert "snapshot_date" not in SCHEMAS["songs"].names  # the partition, not a column
