"""Where the Iceberg tests start: moto's Glue as strict as Glue, an empty bucket and database."""

from __future__ import annotations

import boto3
import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table
from spotify_runtime.iceberg_tables import glue_catalog, replace_source_files

from spotify_local.iceberg_lake import restore_tables
from spotify_local.moto_aws import strict_glue_table_versions


def empty_glue_catalog(bucket: str, database: str) -> Catalog:
    """A Glue catalog on the running moto (stale VersionIds refused), with `bucket` and
    `database` created and no table yet."""
    strict_glue_table_versions()
    boto3.client("s3").create_bucket(Bucket=bucket)
    boto3.client("glue").create_database(DatabaseInput={"Name": database})
    return glue_catalog()


def transform_catalog(bucket: str, database: str) -> Catalog:
    """`empty_glue_catalog` with the transform's tables created in it as the deploy creates
    them (GLUE_DATABASE set for the handler)."""
    import os

    catalog = empty_glue_catalog(bucket, database)
    restore_tables(catalog, database, bucket, None)
    os.environ["GLUE_DATABASE"] = database
    return catalog


def table_rows(catalog: Catalog, database: str, table: str) -> list[dict]:
    """Every row of the table's current snapshot, in a stable order."""
    rows = catalog.load_table(f"{database}.{table}").scan().to_arrow().to_pylist()
    return sorted(rows, key=lambda row: repr(sorted(row.items(), key=lambda item: item[0])))


def rows_per_source(catalog: Catalog, database: str, table: str) -> dict[str, int]:
    """{source_file: rows} of the table's current snapshot."""
    counts: dict[str, int] = {}
    for row in table_rows(catalog, database, table):
        counts[row["source_file"]] = counts.get(row["source_file"], 0) + 1
    return counts


def write_folder_rows(lake, table: str, columns, partition: str, source: str) -> None:
    """Commit `columns` (rows of the transform table's runtime schema) into the lake folder's
    table as `source`'s rows of `partition`, as the transform would."""
    from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

    from spotify_local.moto_aws import lake_catalog

    with lake_catalog(lake) as (catalog, database):
        rows = TABLE_DEFINITIONS[table].rows(columns, partition, source)
        replace_source_file(catalog.load_table(f"{database}.{table}"), rows, source)


def replace_source_file(iceberg: Table, rows: pa.Table, source_file: str) -> None:
    """Replace every row of `source_file` by `rows` (rows of the table, all of that source) in
    one commit; no rows: delete the source's rows. Retried at the catalog on a conflict."""
    replace_source_files(iceberg, rows, {source_file})
