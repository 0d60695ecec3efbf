"""`python -m spotify_etl migrate-storage [--lake DIR | --env NAME]`: bring a lake written by an
earlier version to today's storage: old per-raw-file objects folded into one object per table
(or run-log) day, then each transform table's day object moved into its Iceberg table. An old
object is deleted only once its rows are read back where they went (run it again after an
interruption: no change). docs/storage.md ("Migrating a deployed environment").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from spotify_runtime import run_log
from spotify_runtime.layout import (
    PROCESSED,
    RUN_LOG,
    partition_key,
    run_log_key,
)
from spotify_runtime.partition_files import (
    ObjectStore,
    S3ObjectStore,
    update_object,
)
from spotify_runtime.transform.tables import SCHEMAS

from spotify_etl.day_objects import replace_source_rows, source_rows
from spotify_etl.errors import CliError
from spotify_etl.iceberg_migration import is_partition_key
from spotify_local.folder_store import FolderStore
from spotify_local.moto_aws import patched_environ


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `migrate-storage` subcommand."""
    parser = sub.add_parser(
        "migrate-storage",
        help="fold a lake of the previous version into one object per table and day",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--lake", type=Path, metavar="DIR", help="a local lake folder")
    target.add_argument("--env", help="the deployed environment (cdk.json) whose bucket to fold")
    parser.set_defaults(func=run)


@dataclass
class Migration:
    """What a migration did."""

    table_files: int = 0
    run_log_files: int = 0
    iceberg_objects: int = 0
    """Table-day objects moved into the Iceberg tables."""
    rows: int = 0


class _Lake:
    """The store plus listing and deleting, for a folder or a bucket, and the catalog its
    Iceberg tables are in (a context manager yielding the catalog and the database)."""

    def __init__(self, store: ObjectStore, keys: list[str], delete: Any,
                 listing: Any = None, tables: Any = None) -> None:
        self.store, self.keys, self.delete = store, keys, delete
        self.listing, self.tables = listing, tables


def old_lake_folder(root: Path) -> _Lake:
    """A local lake folder to migrate."""
    if not root.is_dir():
        raise CliError(f"--lake {root}: not a folder")
    from spotify_local.moto_aws import lake_catalog

    def listing() -> list[str]:
        return sorted(path.relative_to(root).as_posix()
                      for prefix in (PROCESSED, RUN_LOG) for path in (root / prefix).rglob("*")
                      if path.is_file() and not path.name.startswith("."))

    return _Lake(FolderStore(root), listing(), lambda key: (root / key).unlink(),
                 listing, lambda: lake_catalog(root))


def _s3_lake(env: str) -> _Lake:
    from infra.config import ConfigError, load_environment
    from infra.naming import bucket_name_in
    from spotify_etl.commands.auth import cli_aws_client

    try:
        settings = load_environment(env)
    except ConfigError as error:
        raise CliError(f"--env {env}: {error}") from None
    account = settings.account or cli_aws_client("sts", settings.region).get_caller_identity()[
        "Account"]
    bucket = bucket_name_in(settings, account, settings.region)
    s3 = cli_aws_client("s3", settings.region)

    def listing() -> list[str]:
        return [item["Key"] for prefix in (PROCESSED, RUN_LOG)
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                         Prefix=prefix)
                for item in page.get("Contents", [])]

    @contextmanager
    def tables() -> Iterator[tuple[Any, str]]:
        from spotify_runtime.iceberg_tables import glue_catalog

        from infra.naming import glue_database_name

        with patched_environ({"AWS_REGION": settings.region,
                              "AWS_DEFAULT_REGION": settings.region}):
            yield glue_catalog(), glue_database_name(settings)

    return _Lake(S3ObjectStore(s3, bucket), listing(),
                 lambda key: s3.delete_object(Bucket=bucket, Key=key), listing, tables)


def _aligned(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    """`rows` with the current schema's columns (an older file may lack a newer column)."""
    columns = [rows.column(f.name).cast(f.type) if f.name in rows.column_names
               else pa.nulls(rows.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def old_table_files(keys: list[str]) -> Iterator[tuple[str, str, date, str]]:
    """(key, table, day, stem) of each per-raw-file table object of the previous version."""
    for key in keys:
        parts = key.removeprefix(PROCESSED).split("/")
        if (key.startswith(PROCESSED) and len(parts) == 3 and parts[0] in SCHEMAS
                and parts[1].startswith("snapshot_date=") and parts[2].endswith(".parquet")
                and not is_partition_key(key)):
            day = date.fromisoformat(parts[1].removeprefix("snapshot_date="))
            yield key, parts[0], day, parts[2].removesuffix(".parquet")


def fold_table_file(store: ObjectStore, key: str, table: str, day: date, stem: str,
                    **options: Any) -> int:
    """Put one old table object's rows into its partition object as the source `stem`; returns
    its row count once the partition holds them (raises if it does not)."""
    old = store.get(key)
    if old is None:
        return 0
    rows = _aligned(pq.read_table(pa.BufferReader(old[0])), SCHEMAS[table])
    target = partition_key(table, day)
    replace_source_rows(store, target, stem, rows, **options)
    held = store.get(target)
    if held is None or not source_rows(held[0]).get(stem, pa.table({})).equals(rows):
        raise CliError(f"{target}: does not hold the rows of {key} after the write; {key} kept")
    return rows.num_rows


def _old_run_log_rows(body: bytes, name: str) -> list[run_log.RunRecord]:
    records = []
    for number, line in enumerate(body.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        for column in ("run_at", "recorded_at"):
            row[column] = datetime.fromisoformat(row[column]).replace(tzinfo=UTC)
        row["record_id"] = f"migrated:{name}#{number}"
        records.append(run_log.RunRecord(**{c: row.get(c) for c, _t, _d in run_log.COLUMNS}))
    return records


def old_run_log_files(keys: list[str]) -> Iterator[tuple[str, str]]:
    """(key, run day) of each run-log object written by an earlier version: JSON lines, or a
    writer's own Parquet object of the day."""
    for key in keys:
        parts = key.removeprefix(RUN_LOG).split("/")
        if (key.startswith(RUN_LOG) and len(parts) == 2 and parts[0].startswith("run_date=")
                and (parts[1].endswith(".json") or parts[1].endswith("-runs.parquet"))):
            yield key, parts[0].removeprefix("run_date=")


def fold_run_log_file(store: ObjectStore, key: str, day: str, **options: Any) -> int:
    """Put one old run-log object's rows into the day's object; returns how many rows it held
    once the day's object holds them (raises if it does not)."""
    old = store.get(key)
    if old is None:
        return 0
    name = key.rsplit("/", 1)[1]
    if name.endswith(".json"):
        records = _old_run_log_rows(old[0], name)
        for record in records:
            record.skipped = record.skipped or {}
        rows = run_log.to_table(records)
    else:
        rows = run_log.read_table(old[0])
    target = run_log_key(day)
    update_object(store, target, lambda body: run_log.merge_rows(body, rows), **options)
    held = store.get(target)
    table = run_log.read_table(held[0]) if held else run_log.SCHEMA.empty_table()
    if not set(run_log.row_keys(rows)) <= set(run_log.row_keys(table)):
        raise CliError(f"{target}: does not hold the rows of {key} after the write; {key} kept")
    return rows.num_rows


def migrate(lake: _Lake, **options: Any) -> Migration:
    """Fold every old object of `lake` and delete it once its rows are in the new one
    (`options` go to the conditional writes: `max_attempts`, `sleep`)."""
    done = Migration()
    for key, table, day, stem in old_table_files(lake.keys):
        done.rows += fold_table_file(lake.store, key, table, day, stem, **options)
        lake.delete(key)
        done.table_files += 1
    for key, day in old_run_log_files(lake.keys):
        done.rows += fold_run_log_file(lake.store, key, day, **options)
        lake.delete(key)
        done.run_log_files += 1
    if lake.tables is not None:
        with lake.tables() as (catalog, database):
            move_into_iceberg(lake, catalog, database, done)
    return done


def move_into_iceberg(lake: _Lake, catalog: Any, database: str, done: Migration) -> None:
    """Move each transform table's day object into its Iceberg table (one commit, replacing
    exactly its partition's rows of its sources: iceberg_migration.py); the object is deleted
    only once the table holds exactly its rows, so running this again loses and doubles
    nothing."""
    from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

    from spotify_etl.iceberg_migration import migrate_object, read_old_object, verify

    for key in lake.listing():
        if not is_partition_key(key):
            continue
        held = lake.store.get(key)
        old = read_old_object(key, held[0]) if held else None
        if old is None or old.table not in TABLE_DEFINITIONS:
            continue
        done.rows += migrate_object(catalog, database, old)
        if not verify(catalog, database, old):
            raise CliError(f"{key}: its table does not hold its rows after the commit; kept")
        lake.delete(key)
        done.iceberg_objects += 1


def run(args: argparse.Namespace) -> int:
    """Migrate the lake; print what was folded."""
    lake = old_lake_folder(args.lake) if args.lake is not None else _s3_lake(args.env)
    done = migrate(lake)
    print(f"folded {done.table_files} table file(s) and {done.run_log_files} run-log file(s) "
          f"into one object per table and day, moved {done.iceberg_objects} table-day "
          f"object(s) into the Iceberg tables ({done.rows} rows)")
    return 0
