"""Iceberg tables through PyIceberg's Glue catalog on moto (in process), with Glue's VersionId check
made strict as Glue's (`moto_aws.strict_glue_table_versions`): replacing a source, racing writers,
the codec, schema evolution, and reading the current snapshot with DuckDB."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spotify_runtime.iceberg_tables import (
    SOURCE_FILE,
    IcebergTable,
    replace_source_files,
)
from spotify_runtime.partition_files import PARQUET_CODEC

from infra.config import EnvironmentSettings
from infra.layer_versions import LAYERS
from spotify_etl.iceberg_maintenance import (
    expire_snapshots,
    referenced_files,
    remove_orphan_files,
)
from spotify_local.iceberg_lake import create_or_evolve, snapshot_data_files
from tests.iceberg_catalog import empty_glue_catalog, replace_source_file

DATABASE = "lake"
BUCKET = "lake-bucket"
PLAYS = IcebergTable("plays", pa.schema([pa.field("play_id", pa.string(), nullable=False),
                                         pa.field("ms_played", pa.int64())]), "snapshot_date")


@pytest.fixture
def catalog(aws_in_process):
    catalog = empty_glue_catalog(BUCKET, DATABASE)
    create_or_evolve(catalog, DATABASE, PLAYS, f"s3://{BUCKET}/tables/plays")
    return catalog


def plays(source: str, count: int, day: str = "2026-12-01", table: IcebergTable = PLAYS,
          **extra: list) -> pa.Table:
    columns = {"play_id": [f"{source}#{n}" for n in range(count)],
               "ms_played": list(range(count)), **extra}
    return table.rows(pa.table(columns), day, source)


def load(catalog):
    return catalog.load_table(f"{DATABASE}.plays")


def by_source(catalog) -> dict[str, int]:
    rows = load(catalog).scan().to_arrow()
    return dict(zip(*rows.group_by(SOURCE_FILE).aggregate([(SOURCE_FILE, "count")])
                    .to_pydict().values(), strict=True))


def test_a_source_written_again_replaces_exactly_its_rows(catalog):
    replace_source_file(load(catalog), plays("raw/a.json", 3), "raw/a.json")
    replace_source_file(load(catalog), plays("raw/b.json", 2, "2026-12-02"), "raw/b.json")
    replace_source_file(load(catalog), plays("raw/a.json", 4), "raw/a.json")
    replace_source_file(load(catalog), plays("raw/a.json", 4), "raw/a.json")

    assert by_source(catalog) == {"raw/a.json": 4, "raw/b.json": 2}
    with pytest.raises(ValueError, match="another source"):
        replace_source_file(load(catalog), plays("raw/c.json", 1), "raw/a.json")


def test_a_batch_of_sources_is_one_commit_and_a_redelivered_batch_replaces_them(catalog):
    batch = pa.concat_tables([plays(f"raw/{n}.json", 2 + n) for n in range(3)])
    replace_source_files(load(catalog), batch, {f"raw/{n}.json" for n in range(3)})
    snapshots = len(load(catalog).snapshots())
    again = pa.concat_tables([plays("raw/0.json", 1), plays("raw/1.json", 3)])
    replace_source_files(load(catalog), again, {"raw/0.json", "raw/1.json", "raw/2.json"})

    assert snapshots == 1  # one append, nothing to delete
    assert by_source(catalog) == {"raw/0.json": 1, "raw/1.json": 3}  # raw/2.json: no rows now
    with pytest.raises(ValueError, match="another source"):
        replace_source_files(load(catalog), batch, {"raw/0.json"})


def test_glue_refuses_an_update_from_a_stale_version(catalog):
    glue = boto3.client("glue")
    table = glue.get_table(DatabaseName=DATABASE, Name="plays")["Table"]
    table_input = {"Name": "plays", "Parameters": table["Parameters"],
                   "StorageDescriptor": table["StorageDescriptor"], "TableType": "EXTERNAL_TABLE"}
    glue.update_table(DatabaseName=DATABASE, TableInput=table_input,
                      VersionId=table["VersionId"])
    with pytest.raises(glue.exceptions.ConcurrentModificationException):
        glue.update_table(DatabaseName=DATABASE, TableInput=table_input,
                          VersionId=table["VersionId"])


def test_a_writer_behind_another_commits_after_it_without_losing_its_rows(catalog):
    behind = load(catalog)  # loaded before the other writer's commit: a stale base
    replace_source_file(load(catalog), plays("raw/a.json", 3), "raw/a.json")
    replace_source_file(behind, plays("raw/b.json", 2), "raw/b.json")

    assert by_source(catalog) == {"raw/a.json": 3, "raw/b.json": 2}
    assert len(load(catalog).snapshots()) == 2


def test_writers_racing_on_one_table_lose_no_commit(catalog, caplog):
    sources = [f"raw/{writer}-{n}.json" for writer in range(4) for n in range(3)]
    errors: list[BaseException] = []

    def write(mine: list[str]) -> None:
        try:
            for source in mine:
                replace_source_file(load(catalog), plays(source, 5), source)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(sources[w * 3:(w + 1) * 3],))
               for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert by_source(catalog) == {source: 5 for source in sources}
    retried = [r for r in caplog.records if "concurrent update" in r.getMessage()]
    assert retried, "no writer met a conflict: the race was not run"


def _codecs(catalog) -> set[str]:
    s3 = boto3.client("s3")
    found = set()
    for path in snapshot_data_files(load(catalog)):
        key = path.removeprefix(f"s3://{BUCKET}/")
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        metadata = pq.ParquetFile(pa.BufferReader(body)).metadata
        found |= {metadata.row_group(g).column(c).compression.lower()
                  for g in range(metadata.num_row_groups) for c in range(metadata.num_columns)}
    return found


def test_data_files_use_a_codec_the_functions_layer_has(catalog):
    layer = LAYERS[EnvironmentSettings("x").pandas_layer_version]
    replace_source_file(load(catalog), plays("raw/a.json", 3), "raw/a.json")

    assert _codecs(catalog) == {PARQUET_CODEC}
    assert _codecs(catalog) <= layer.parquet_codecs


def test_a_codec_the_layer_lacks_is_caught(catalog):
    layer = LAYERS[EnvironmentSettings("x").pandas_layer_version]
    with load(catalog).transaction() as transaction:  # PyIceberg's own default, zstd
        transaction.set_properties({"write.parquet.compression-codec": "zstd"})
    replace_source_file(load(catalog), plays("raw/a.json", 3), "raw/a.json")

    assert not _codecs(catalog) <= layer.parquet_codecs
    # The evolution step the deploy runs sets the writers' codec back.
    create_or_evolve(catalog, DATABASE, PLAYS, f"s3://{BUCKET}/tables/plays")
    replace_source_file(load(catalog), plays("raw/a.json", 3), "raw/a.json")
    assert _codecs(catalog) == {PARQUET_CODEC}


def test_a_column_added_by_a_new_version_reads_null_in_old_rows(catalog):
    replace_source_file(load(catalog), plays("raw/old.json", 3), "raw/old.json")
    newer = IcebergTable("plays", PLAYS.columns.append(pa.field("context", pa.string())),
                         "snapshot_date")

    create_or_evolve(catalog, DATABASE, newer, f"s3://{BUCKET}/tables/plays")
    replace_source_file(load(catalog), plays("raw/new.json", 2, table=newer, context=["x", "y"]),
                   "raw/new.json")
    replace_source_file(load(catalog), plays("raw/old.json", 3), "raw/old.json")  # an old writer

    rows = load(catalog).scan().to_arrow().sort_by("play_id").to_pydict()
    assert dict(zip(rows["play_id"], rows["context"], strict=True)) == {
        "raw/new.json#0": "x", "raw/new.json#1": "y",
        "raw/old.json#0": None, "raw/old.json#1": None, "raw/old.json#2": None,
    }


def test_duckdb_reads_the_current_snapshot_from_its_data_files(catalog, tmp_path: Path):
    for source in ("raw/a.json", "raw/b.json", "raw/a.json"):
        replace_source_file(load(catalog), plays(source, 3), source)
    s3 = boto3.client("s3")
    local = []
    for n, path in enumerate(snapshot_data_files(load(catalog))):
        target = tmp_path / f"{n}.parquet"
        s3.download_file(BUCKET, path.removeprefix(f"s3://{BUCKET}/"), str(target))
        local.append(str(target))

    count = duckdb.sql(
        f"SELECT count(*), count(DISTINCT play_id) FROM read_parquet({local!r}, union_by_name=true)"
    ).fetchall()
    assert count == [(6, 6)]


def test_maintenance_expires_snapshots_and_removes_the_files_only_they_held(catalog):
    # Five snapshots: a replacing write commits a delete and an append snapshot at once.
    for count in (3, 4, 5):  # the first two writes' data files are replaced
        replace_source_file(load(catalog), plays("raw/a.json", count), "raw/a.json")
    s3 = boto3.client("s3")
    before = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    later = datetime.now(UTC) + timedelta(seconds=5)

    assert expire_snapshots(load(catalog), later) == 4
    removed = remove_orphan_files(s3, load(catalog), later)

    table = load(catalog)
    assert len(table.snapshots()) == 1
    assert by_source(catalog) == {"raw/a.json": 5}
    after = {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert before - after == {path.removeprefix(f"s3://{BUCKET}/") for path in removed}
    assert all(key.endswith(".metadata.json") for key in after - before)  # the expiry's commit
    data = [key for key in before - after if "/data/" in key]
    assert len(data) == 2  # the replaced files, not the current one
    assert all(f"s3://{BUCKET}/{key}" in referenced_files(table) for key in after
               if "/data/" in key)
    assert remove_orphan_files(s3, table, datetime.now(UTC) - timedelta(days=3)) == []


def test_manifests_are_merged_so_a_commit_does_not_read_one_per_earlier_commit(catalog):
    # Each commit adds a manifest; an overwrite reads them all to plan. The tables' properties
    # merge them once 20 accumulate, so their number stays bounded however many commits.
    for n in range(30):
        replace_source_file(load(catalog), plays(f"raw/{n}.json", 1), f"raw/{n}.json")
    table = load(catalog)
    assert len(table.snapshots()) >= 30
    assert len(table.current_snapshot().manifests(table.io)) <= 20
    assert by_source(catalog) == {f"raw/{n}.json": 1 for n in range(30)}
