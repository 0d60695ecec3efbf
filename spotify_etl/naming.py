"""Physical names shared by the stacks of one environment."""

from __future__ import annotations

import aws_cdk as cdk

from spotify_etl.config import EnvironmentSettings


def resource_prefix(settings: EnvironmentSettings) -> str:
    """`spotify-etl-<env>`: the start of every name we choose (workgroup, crawler, database)."""
    return f"spotify-etl-{settings.name}"


def data_lake_bucket_name(stack: cdk.Stack, settings: EnvironmentSettings) -> str:
    """`spotify-etl-<env>-<account>-<region>`, computable in any stack of the environment.

    A known name lets TransformStack and CatalogStack address the bucket without CloudFormation
    exports, and keeps IAM resources (and their cdk-nag findings) readable.
    """
    return f"{resource_prefix(settings)}-{stack.account}-{stack.region}"
