"""CatalogStack: the Glue catalog over `processed/` and the Athena workgroup that queries it."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra.components.catalog import Catalog
from infra.components.data_lake import lake_bucket
from infra.components.query_workgroup import QueryWorkgroup
from infra.config import EnvironmentSettings


class CatalogStack(cdk.Stack):
    """Makes `processed/` queryable: Glue tables, an Athena workgroup and named queries."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = lake_bucket(self, settings)
        self.catalog = Catalog(self, "Catalog", settings=settings, bucket=bucket)
        self.queries = QueryWorkgroup(
            self, "Queries", settings=settings, bucket=bucket, catalog=self.catalog
        )
