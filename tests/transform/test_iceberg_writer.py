"""A batch of transformed raw files into the Iceberg tables (transform/iceberg_writer.py): one
commit per table per batch, and a batch or one of its files delivered again replaces its rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from spotify_runtime.layout import raw_key
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS, write_batch
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from spotify_local.iceberg_lake import create_or_evolve
from tests.iceberg_catalog import empty_glue_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
DATABASE = "lake"
BUCKET = "lake-bucket"
RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)


@pytest.fixture
def catalog(aws_in_process):
    catalog = empty_glue_catalog(BUCKET, DATABASE)
    for table in TABLE_DEFINITIONS.values():
        create_or_evolve(catalog, DATABASE, table, f"s3://{BUCKET}/tables/{table.name}")
    return catalog


def _files():
    return [transform_raw_file((FIXTURES / fixture).read_bytes(), raw_key(kind, ident, RUN_AT))
            for fixture, kind, ident in (
                ("playlist_envelope.json", "playlist", "37i9dQZF1DXcBWIGoYBM5M"),
                ("album_envelope.json", "album", "4aawyAB9vmqN3uQ7FjRGTy"),
                ("artist_envelope.json", "artist", "0TnOYISbd1XYRBk9myaseg"))]


def _state(catalog) -> dict[str, tuple[int, int]]:
    """Rows and snapshots per table that has rows."""
    found = {}
    for name in TABLE_DEFINITIONS:
        table = catalog.load_table(f"{DATABASE}.{name}")
        if rows := len(table.scan().to_arrow()):
            found[name] = (rows, len(table.snapshots()))
    return found


def test_a_batch_is_one_commit_per_table_and_redelivery_replaces(catalog):
    files = _files()
    expected = {}
    for transformed in files:
        for key, rows in transformed.tables.items():
            name = key.split("/")[1]
            expected[name] = expected.get(name, 0) + rows.num_rows

    assert write_batch(catalog, DATABASE, files) == expected
    assert _state(catalog) == {name: (rows, 1) for name, rows in expected.items()}

    write_batch(catalog, DATABASE, files[1:2])  # one file of the batch delivered again
    write_batch(catalog, DATABASE, files)  # the whole batch delivered again
    assert {name: rows for name, (rows, _) in _state(catalog).items()} == expected
