"""A lake written by today's writers (one object per table and day, the run log's day object,
`streams` months) moves into the Iceberg tables without losing or doubling a row, twice over,
and a raw file delivered again afterwards replaces its migrated rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from spotify_runtime import run_log
from spotify_runtime.history_import import streams
from spotify_runtime.layout import raw_key, run_log_key
from spotify_runtime.partition_files import update_object
from spotify_runtime.transform.raw_to_parquet import TransformedFile, transform_raw_file

from infra.catalog_tables import iceberg_location, iceberg_tables
from spotify_etl.commands.transform import write_partitions
from spotify_etl.iceberg_migration import migrate_object, old_objects, verify
from spotify_local.folder_store import FolderStore
from spotify_local.iceberg_lake import create_or_evolve
from tests.iceberg_catalog import empty_glue_catalog, replace_source_file
from tests.run_log_rows import merge_row

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
DATABASE = "lake"
BUCKET = "lake-bucket"
RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)


def _transformed(fixture: str, kind: str, ident: str) -> TransformedFile:
    return transform_raw_file((FIXTURES / fixture).read_bytes(), raw_key(kind, ident, RUN_AT))


def _todays_lake(root: Path) -> list[TransformedFile]:
    store = FolderStore(root)
    files = [_transformed("playlist_envelope.json", "playlist", "37i9dQZF1DXcBWIGoYBM5M"),
             _transformed("album_envelope.json", "album", "4aawyAB9vmqN3uQ7FjRGTy"),
             _transformed("artist_envelope.json", "artist", "0TnOYISbd1XYRBk9myaseg")]
    for transformed in files:
        write_partitions(store, transformed)
    for stage, record_id in (("extract", "m-1/1"), ("transform", "m-2/1"), ("transform", "m-2/2")):
        record = run_log.RunRecord(run_at=RUN_AT, stage=stage, source="album:x",
                                   outcome="landed", items=3, record_id=record_id)
        update_object(store, run_log_key("2026-11-24"),
                      lambda old, record=record: merge_row(old, record))
    plays = [{"play_id": f"p{n}", "ended_at": datetime(2026, 10 + n % 2, 3, tzinfo=UTC),
              "ms_played": 1000 * n, "content_type": "track", "export_kind": "extended"}
             for n in range(5)]
    streams.write_streams(store, pa.Table.from_pylist(plays, schema=streams.STREAMS_SCHEMA))
    return files


def _objects(root: Path):
    for path in sorted(root.rglob("*.parquet")):
        yield path.relative_to(root).as_posix(), path.read_bytes()


@pytest.fixture
def catalog(aws_in_process):
    catalog = empty_glue_catalog(BUCKET, DATABASE)
    for table in iceberg_tables():
        create_or_evolve(catalog, DATABASE, table, iceberg_location(BUCKET, table))
    return catalog


def _rows_per_table(catalog) -> dict[str, int]:
    counts = {table.name: len(catalog.load_table(f"{DATABASE}.{table.name}").scan().to_arrow())
              for table in iceberg_tables()}
    return {name: count for name, count in counts.items() if count}


def test_todays_lake_moves_into_the_iceberg_tables_once(catalog, tmp_path):
    files = _todays_lake(tmp_path)
    old = list(old_objects(_objects(tmp_path)))
    expected: dict[str, int] = {}
    for item in old:
        expected[item.table] = expected.get(item.table, 0) + sum(
            rows.num_rows for rows in item.sources.values())
    assert {"songs", "albums", "artists", "streams", "pipeline_runs"} <= set(expected)

    for item in old:
        migrate_object(catalog, DATABASE, item)
    assert _rows_per_table(catalog) == expected
    assert all(verify(catalog, DATABASE, item) for item in old)

    for item in old:  # interrupted and run again: the same rows replace the same rows
        migrate_object(catalog, DATABASE, item)
    assert _rows_per_table(catalog) == expected

    # The transform delivering an old day's raw file again replaces its migrated rows.
    album = files[1]
    for key, rows in album.tables.items():
        table_name = key.split("/")[1]
        definition = {t.name: t for t in iceberg_tables()}[table_name]
        table = catalog.load_table(f"{DATABASE}.{table_name}")
        replace_source_file(table, definition.rows(rows, album.snapshot_date.isoformat(),
                                              album.source_file), album.source_file)
    assert _rows_per_table(catalog) == expected
