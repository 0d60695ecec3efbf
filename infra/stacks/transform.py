"""TransformStack: raw JSON under `raw/to_process/` -> the Iceberg tables under `tables/`.

Uses the bucket of IngestStack by its known name, so this stack depends on IngestStack and never
the other way round. It holds the transform's Iceberg tables (in CatalogStack's database, by its
known name) and their optimizers: what writes a table and the table change together, and the
stage deploys CatalogStack first, so a Parquet table of the same name that an earlier version
kept there is gone before its Iceberg table is created (docs/deploying.md).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct
from spotify_runtime import layout

from infra.catalog_tables import transform_iceberg_tables
from infra.components.dashboard import PipelineDashboard
from infra.components.data_lake import grant_list, grant_object_keys, grant_objects, lake_bucket
from infra.components.extraction import Extraction
from infra.components.iceberg_tables import IcebergTables
from infra.components.transformation import Transformation
from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms
from infra.constructs.retention import removal_policy
from infra.naming import glue_database_name


class TransformStack(cdk.Stack):
    """The transformation and its grants: it never writes where it is triggered."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        alert_topic: sns.ITopic,
        extraction: Extraction | None = None,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = lake_bucket(self, settings)
        alarms = Alarms(self, "Alarms", topic=alert_topic, settings=settings)
        transformation = Transformation(
            self, "Transformation", settings=settings, bucket=bucket, alarms=alarms
        )
        database = glue_database_name(settings)
        self.tables = IcebergTables(
            self, "Tables", database_name=database, bucket=bucket,
            definitions=transform_iceberg_tables(), removal_policy=removal_policy(settings))
        role = transformation.transform.role
        # Read and delete the file that triggered it; write only outside raw/to_process/.
        grant_objects(bucket, role, ["s3:GetObject", "s3:DeleteObject"], layout.RAW_TO_PROCESS)
        grant_objects(bucket, role, ["s3:PutObject"], layout.RAW_PROCESSED, layout.RAW_FAILED)
        # The tables' data and metadata files (PyIceberg names each with a fresh UUID, and
        # deletes the metadata files a table no longer keeps): under tables/ only, where no
        # event source listens.
        grant_objects(bucket, role, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                      layout.TABLES)
        self._grant_tables(role, database, list(self.tables.tables))
        # So is each day of the run log (one object a day, shared by the writers): those keys
        # and nothing else under pipeline_runs/.
        grant_object_keys(bucket, role, ["s3:GetObject", "s3:PutObject"],
                          layout.RUN_LOG_OBJECTS)
        # A re-delivered event names a file an earlier delivery already moved. Whether S3
        # answers that GetObject with 404 or 403 (a ListBucket conditioned on s3:prefix most
        # likely does not make it 404), the transform then lists the exact archived key under
        # raw/processed/ or raw/failed/ (transform/raw_object.py, _archived): listing those two
        # prefixes only, and no read of the archive, is all it takes.
        grant_list(bucket, role, layout.RAW_PROCESSED, layout.RAW_FAILED)
        self.transformation = transformation
        # The environment's dashboard lives with the last stage of the pipeline, beside its
        # alarms; it reads the extraction's metrics from IngestStack.
        if extraction is not None:
            self.dashboard = PipelineDashboard(
                self, "Dashboard", settings=settings, bucket_name=bucket.bucket_name,
                planner=extraction.planner.function, worker=extraction.worker.function,
                transform=transformation.transform.function,
                dead_letter_queues={
                    "extract dead letters": extraction.dead_letters,
                    "schedule dead letters": extraction.schedule_dead_letters,
                    "transform failures": transformation.failures,
                },
            )

    def _grant_tables(self, role: iam.IRole, database: str, tables: list[str]) -> None:
        """PyIceberg's Glue catalog: load a table (GetTable) and commit to it (UpdateTable,
        under Glue's VersionId), on the transform's tables, their database and the catalog only.
        No CreateTable or DeleteTable: the deploy creates the tables."""
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=["glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"],
            resources=[
                self.format_arn(service="glue", resource="catalog"),
                self.format_arn(service="glue", resource="database", resource_name=database),
                *[self.format_arn(service="glue", resource="table",
                                  resource_name=f"{database}/{table}") for table in tables],
            ]))
