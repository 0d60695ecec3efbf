"""CatalogStack: the Glue database and crawler over `processed/`, and the Athena workgroup.

The crawler makes one table per folder of `processed/` (layout.TABLES), weekly, crawling only new
partitions. The workgroup enforces encrypted results under `athena-results/` and a scan limit;
one named query per file in `spotify_etl/queries/`.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_athena as athena
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct
from spotify_runtime import layout

from spotify_etl.config import EnvironmentSettings
from spotify_etl.constructs.keys import environment_key
from spotify_etl.constructs.nag import PREFIX_REASON, acknowledge_wildcard_resource
from spotify_etl.constructs.retention import log_retention, removal_policy
from spotify_etl.named_queries import load_named_queries
from spotify_etl.naming import data_lake_bucket_name, resource_prefix

ATHENA_ENGINE = "Athena engine version 3"
TABLE_LEVEL = layout.PROCESSED.count("/") + 2
"""S3 path depth of a table folder: bucket (1) / processed (2) / <table> (3)."""
CRAWLER_TABLE_ACTIONS = [
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
    "glue:GetPartition",
    "glue:GetPartitions",
    "glue:BatchGetPartition",
    "glue:CreatePartition",
    "glue:BatchCreatePartition",
    "glue:UpdatePartition",
    "glue:BatchUpdatePartition",
]


class CatalogStack(cdk.Stack):
    """Makes `processed/` queryable: Glue tables kept current by a crawler, an Athena workgroup."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = s3.Bucket.from_bucket_name(self, "DataLake", data_lake_bucket_name(self, settings))
        prefix = resource_prefix(settings)
        database_name = prefix.replace("-", "_")
        database = glue.Database(
            self,
            "Database",
            database_name=database_name,
            description="Spotify snapshots (Parquet tables under processed/)",
            removal_policy=removal_policy(settings),
        )

        # --- Crawler ------------------------------------------------------------------------
        # Glue writes an encrypted crawler's logs to /aws-glue/crawlers-role/<role>-<config>;
        # that group is created here, with our retention and our key.
        role_name = security_configuration_name = f"{prefix}-crawler"
        log_group_name = f"/aws-glue/crawlers-role/{role_name}-{security_configuration_name}"
        log_group, log_key = self._encrypted_log_group(settings, log_group_name)
        security_configuration = glue.SecurityConfiguration(
            self,
            "CrawlerSecurity",
            security_configuration_name=security_configuration_name,
            cloud_watch_encryption=glue.CloudWatchEncryption.kms(log_key),
        )
        crawler_role = self._crawler_role(
            bucket, database, database_name, role_name, log_group_name
        )
        crawler = glue.CfnCrawler(
            self,
            "Crawler",
            name=f"{prefix}-processed",
            role=crawler_role.role_arn,
            database_name=database_name,
            description=f"One table per folder of {layout.PROCESSED}",
            targets=glue.CfnCrawler.TargetsProperty(
                s3_targets=[
                    glue.CfnCrawler.S3TargetProperty(
                        path=f"s3://{bucket.bucket_name}/{layout.PROCESSED}{table}/"
                    )
                    for table in layout.TABLES
                ]
            ),
            schedule=glue.CfnCrawler.ScheduleProperty(
                schedule_expression=f"cron({settings.crawler_cron})"
            ),
            recrawl_policy=glue.CfnCrawler.RecrawlPolicyProperty(
                recrawl_behavior="CRAWL_NEW_FOLDERS_ONLY"
            ),
            # CRAWL_NEW_FOLDERS_ONLY requires LOG for both.
            schema_change_policy=glue.CfnCrawler.SchemaChangePolicyProperty(
                update_behavior="LOG", delete_behavior="LOG"
            ),
            configuration=json.dumps(
                {
                    "Version": 1.0,
                    "Grouping": {"TableLevelConfiguration": TABLE_LEVEL},
                    "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"}},
                }
            ),
            crawler_security_configuration=security_configuration.security_configuration_name,
        )
        crawler.node.add_dependency(database, crawler_role, log_group)

        # --- Athena ---------------------------------------------------------------------------
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
        for query in load_named_queries():
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

    def _encrypted_log_group(
        self, settings: EnvironmentSettings, name: str
    ) -> tuple[logs.LogGroup, kms.Key]:
        """A log group and its own key, which CloudWatch Logs may use for that group only."""
        key = environment_key(
            self, "CrawlerLogKey", settings=settings, purpose="Glue crawler log encryption"
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "ArnLike": {"kms:EncryptionContext:aws:logs:arn": self._log_group_arn(name)}
                },
            )
        )
        log_group = logs.LogGroup(
            self,
            "CrawlerLogs",
            log_group_name=name,
            encryption_key=key,
            retention=log_retention(settings),
            removal_policy=removal_policy(settings),
        )
        return log_group, key

    def _crawler_role(
        self,
        bucket: s3.IBucket,
        database: glue.Database,
        database_name: str,
        role_name: str,
        log_group_name: str,
    ) -> iam.Role:
        """Read `processed/`, maintain our tables, write its own logs; nothing else."""
        role = iam.Role(
            self,
            "CrawlerRole",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description="Glue crawler over processed/ (inline policies only)",
        )
        processed = bucket.arn_for_objects(f"{layout.PROCESSED}*")
        role.add_to_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=[processed]))
        acknowledge_wildcard_resource(role, processed, PREFIX_REASON)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{layout.PROCESSED}*"]}},
            )
        )
        catalog_arn = self.format_arn(service="glue", resource="catalog")
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetDatabase"], resources=[catalog_arn, database.database_arn]
            )
        )
        tables = [
            self.format_arn(
                service="glue", resource="table", resource_name=f"{database_name}/{table}"
            )
            for table in layout.TABLES
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                actions=CRAWLER_TABLE_ACTIONS,
                resources=[catalog_arn, database.database_arn, *tables],
            )
        )
        log_group_arn = self._log_group_arn(log_group_name)
        log_streams = f"{log_group_arn}:log-stream:*"
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:AssociateKmsKey",
                ],
                resources=[log_group_arn, log_streams],
            )
        )
        acknowledge_wildcard_resource(
            role,
            log_streams,
            "Glue names a stream per crawl; the grant covers the streams of the crawler's own "
            "log group only.",
        )
        return role

    def _log_group_arn(self, name: str) -> str:
        return self.format_arn(
            service="logs",
            resource="log-group",
            resource_name=name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
