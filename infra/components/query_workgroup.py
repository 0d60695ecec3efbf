"""The Athena workgroup and the named queries, one per file in `infra/queries/` and
`lambdas/spotify_runtime/report/queries/`.

The workgroup enforces engine v3, encrypted results under `athena-results/` and a scan limit.
"""

from __future__ import annotations

from aws_cdk import aws_athena as athena
from aws_cdk import aws_s3 as s3
from constructs import Construct
from spotify_runtime import layout

from infra.components.catalog import Catalog
from infra.config import EnvironmentSettings
from infra.constructs.retention import removal_policy
from infra.constructs.stable_ids import keep_logical_id
from infra.named_queries import REPORT_QUERIES_DIR, load_named_queries
from infra.naming import resource_prefix

ATHENA_ENGINE = "Athena engine version 3"


class QueryWorkgroup(Construct):
    """`workgroup`: where the named queries over the catalog's tables run."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        bucket: s3.IBucket,
        catalog: Catalog,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = resource_prefix(settings)
        database = catalog.database
        database_name = catalog.database_name
        workgroup = athena.CfnWorkGroup(
            self,
            "WorkGroup",
            name=prefix,
            description="Queries over the Spotify snapshots",
            state="ENABLED",
            recursive_delete_option=settings.destroy_on_removal,
            work_group_configuration=athena.CfnWorkGroup.WorkGroupConfigurationProperty(
                enforce_work_group_configuration=True,
                engine_version=athena.CfnWorkGroup.EngineVersionProperty(
                    selected_engine_version=ATHENA_ENGINE
                ),
                publish_cloud_watch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=settings.athena_bytes_scanned_cutoff_mb
                * 1024
                * 1024,
                result_configuration=athena.CfnWorkGroup.ResultConfigurationProperty(
                    output_location=f"s3://{bucket.bucket_name}/{layout.ATHENA_RESULTS}",
                    encryption_configuration=athena.CfnWorkGroup.EncryptionConfigurationProperty(
                        encryption_option="SSE_S3"
                    ),
                ),
            ),
        )
        workgroup.apply_removal_policy(removal_policy(settings))
        # One per .sql file: a teammate's new query file becomes a named query on the next deploy.
        # The report's queries too: they read the `listening` view, defined at deploy as well,
        # and take the period as execution parameters. Their days and hours are those of the
        # schedule's time zone, written into their text here (Athena takes only a literal zone).
        zone = settings.schedule_time_zone
        for query in [*load_named_queries(zone=zone),
                      *load_named_queries(REPORT_QUERIES_DIR, zone)]:
            named_query = athena.CfnNamedQuery(
                self,
                f"Query-{query.name}",
                name=query.name,
                description=query.description,
                database=database_name,
                query_string=query.sql,
                work_group=workgroup.ref,
            )
            named_query.node.add_dependency(database)
        keep_logical_id(workgroup, "WorkGroup")
        self.workgroup = workgroup
