"""Data-quality checks: each fails on the damage it is for, and a failure quarantines the file
with the check's name and numbers in its error report."""

from __future__ import annotations

import json

import boto3
import pyarrow as pa
import pytest
from moto import mock_aws
from spotify_runtime.transform import raw_to_parquet
from spotify_runtime.transform.build import BuiltTables, build_tables
from spotify_runtime.transform.quality import QualityCheckError, check_tables
from spotify_runtime.transform.raw_object import read_raw_object
from spotify_runtime.transform.reader import read_document

KEY = "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json"


@pytest.fixture
def built(raw_fixture) -> BuiltTables:
    return build_tables(read_document(raw_fixture("playlist_envelope.json")))


def with_table(built: BuiltTables, name: str, table: pa.Table) -> BuiltTables:
    return BuiltTables({**built.tables, name: table}, built.items, dict(built.skipped))


def test_real_tables_pass(built):
    check_tables(built)  # raises on failure
    assert built.tables["songs"].num_rows == 4


def test_a_repeated_id_fails_unique_ids(built):
    songs = built.tables["songs"]
    doubled = with_table(built, "songs", pa.concat_tables([songs, songs.slice(0, 1)]))
    with pytest.raises(QualityCheckError) as raised:
        check_tables(doubled)
    assert raised.value.check == "unique_ids"
    assert raised.value.numbers == {"table": "songs", "column": "song_id", "rows": 5,
                                    "distinct": 4}


def test_a_null_in_a_non_nullable_column_fails_not_null(built):
    artists = built.tables["artists"]
    names = artists.column("external_url").to_pylist()
    broken = artists.set_column(2, artists.schema.field(2),
                                pa.array([None, *names[1:]], pa.string()))
    with pytest.raises(QualityCheckError) as raised:
        check_tables(with_table(built, "artists", broken))
    assert raised.value.check == "not_null"
    assert raised.value.numbers["column"] == "external_url" and raised.value.numbers["nulls"] == 1


def test_rows_beyond_the_items_kept_fail_row_counts(built):
    lying = BuiltTables(built.tables, built.items, {**built.skipped, "null_track": 6})
    with pytest.raises(QualityCheckError) as raised:
        check_tables(lying)
    assert raised.value.check == "row_counts"
    assert raised.value.numbers["kept"] < raised.value.numbers["rows"]


def test_a_failed_check_quarantines_with_its_name_and_numbers(raw_fixture, monkeypatch):
    # A regression in build_tables (a repeated song) is what the checks exist to catch.
    real = raw_to_parquet.build_tables

    def regressed(document):
        result = real(document)
        songs = result.tables["songs"]
        return with_table(result, "songs", pa.concat_tables([songs, songs.slice(0, 1)]))

    monkeypatch.setattr(raw_to_parquet, "build_tables", regressed)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lake")
        s3.put_object(Bucket="lake", Key=KEY, Body=raw_fixture("playlist_envelope.json"))
        outcome = read_raw_object(s3, "lake", KEY)
        assert outcome.status == "quarantined"
        failed = KEY.replace("to_process", "failed")
        (report_key,) = [o["Key"] for o in s3.list_objects_v2(Bucket="lake", Prefix=failed)
                         ["Contents"] if o["Key"].endswith(".error.json")]
        report = json.loads(s3.get_object(Bucket="lake", Key=report_key)["Body"].read())
        listed = s3.list_objects_v2(Bucket="lake", Prefix="raw/to_process/").get("KeyCount", 0)
    assert report["error"] == "QualityCheckError" and report["check"] == "unique_ids"
    assert report["numbers"] == {"table": "songs", "column": "song_id", "rows": 5, "distinct": 4}
    assert listed == 0  # moved to raw/failed/, and no rows built to write


def test_the_unique_flag_and_the_descriptions_agree():
    from spotify_runtime.transform.quality import is_unique
    from spotify_runtime.transform.tables import SCHEMAS

    flagged = {(t, f.name) for t, schema in SCHEMAS.items() for f in schema if is_unique(f)}
    described = {(t, f.name) for t, schema in SCHEMAS.items() for f in schema
                 if "each ID once per file" in f.metadata[b"description"].decode()}
    assert flagged == described
    assert {("songs", "song_id"), ("albums", "album_id"), ("artists", "artist_id")} <= flagged
