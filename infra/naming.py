"""Physical names shared by the stacks of one environment."""

from __future__ import annotations

import aws_cdk as cdk

from infra.config import EnvironmentSettings


def resource_prefix(settings: EnvironmentSettings) -> str:
    """`spotify-etl-<env>`: the start of every name we choose (workgroup, database, alarms)."""
    return f"spotify-etl-{settings.name}"


def glue_database_name(settings: EnvironmentSettings) -> str:
    """`spotify_etl_<env>`: the Glue database of the catalog's tables (Athena's default
    database for the environment's queries)."""
    return resource_prefix(settings).replace("-", "_")


def data_lake_bucket_name(stack: cdk.Stack, settings: EnvironmentSettings) -> str:
    """`spotify-etl-<env>-<account>-<region>`, computable in any stack of the environment.

    A known name lets TransformStack and CatalogStack address the bucket without CloudFormation
    exports, and keeps IAM resources (and their cdk-nag findings) readable.
    """
    return bucket_name_in(settings, stack.account, stack.region)


def bucket_name_in(settings: EnvironmentSettings, account: str, region: str) -> str:
    """The data-lake bucket's name for a known account and region (the command line's uploads)."""
    return f"{resource_prefix(settings)}-{account}-{region}"
