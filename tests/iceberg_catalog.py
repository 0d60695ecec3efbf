"""Where the Iceberg tests start: moto's Glue as strict as Glue, an empty bucket and database."""

from __future__ import annotations

import boto3
from pyiceberg.catalog import Catalog
from spotify_runtime.iceberg_tables import glue_catalog

from spotify_etl.standins.moto_aws import strict_glue_table_versions


def empty_glue_catalog(bucket: str, database: str) -> Catalog:
    """A Glue catalog on the running moto (stale VersionIds refused), with `bucket` and
    `database` created and no table yet."""
    strict_glue_table_versions()
    boto3.client("s3").create_bucket(Bucket=bucket)
    boto3.client("glue").create_database(DatabaseInput={"Name": database})
    return glue_catalog()
