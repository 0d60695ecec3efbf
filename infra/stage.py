"""One environment: IngestStack, TransformStack, CatalogStack, HistoryImportStack and
ReportStack, wired one way.

The others use the bucket of IngestStack (by its known name) and its alert topic, so they depend
on it; IngestStack refers to none of them. TransformStack creates its Iceberg tables in
CatalogStack's database, so it also depends on CatalogStack.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from infra.config import EnvironmentSettings
from infra.stacks.catalog import CatalogStack
from infra.stacks.history_import import HistoryImportStack
from infra.stacks.ingest import IngestStack
from infra.stacks.report import ReportStack
from infra.stacks.transform import TransformStack


class SpotifyEtlStage(cdk.Stage):
    """`SpotifyEtl-<env>`: deploy it with `cdk deploy "SpotifyEtl-<env>/*"`."""

    def __init__(self, scope: Construct, settings: EnvironmentSettings) -> None:
        env = cdk.Environment(account=settings.account, region=settings.region)
        super().__init__(scope, settings.stage_name, env=env)
        cdk.Tags.of(self).add("project", "spotify-etl")
        cdk.Tags.of(self).add("environment", settings.name)

        self.ingest = IngestStack(
            self, "Ingest", settings=settings, description="spotify-etl: data lake and extraction"
        )
        self.transform = TransformStack(
            self,
            "Transform",
            settings=settings,
            alert_topic=self.ingest.alert_topic,
            extraction=self.ingest.extraction,
            description="spotify-etl: raw JSON to the Iceberg tables",
        )
        self.catalog = CatalogStack(
            self,
            "Catalog",
            settings=settings,
            description="spotify-etl: Glue catalog and Athena workgroup",
        )
        self.history_import = HistoryImportStack(
            self,
            "HistoryImport",
            settings=settings,
            alert_topic=self.ingest.alert_topic,
            description="spotify-etl: Spotify's personal-data export to the streams table",
        )
        self.report = ReportStack(
            self,
            "Report",
            settings=settings,
            alert_topic=self.ingest.alert_topic,
            description="spotify-etl: the monthly report, to the bucket and the owner",
        )
        # All read the bucket IngestStack creates.
        self.transform.add_stack_dependency(self.ingest, "reads and writes the data-lake bucket")
        # The transform's Iceberg tables live in the catalog's database, and take the names of
        # Parquet tables an earlier version kept in CatalogStack: it deploys (drops them) first.
        self.transform.add_stack_dependency(self.catalog,
                                            "creates its Iceberg tables in the catalog's database")
        self.history_import.add_stack_dependency(self.ingest,
                                                 "imports uploads of the data-lake bucket")
        self.catalog.add_stack_dependency(self.ingest, "queries the data-lake bucket")
        self.report.add_stack_dependency(self.ingest, "writes reports/ of the data-lake bucket")
        self.report.add_stack_dependency(self.catalog, "queries the workgroup and the catalog")
