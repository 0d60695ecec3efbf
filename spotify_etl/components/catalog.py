"""The Glue catalog: the database and the weekly crawler over `processed/`.

The crawler makes one table per folder of `processed/` (layout.TABLES), weekly, crawling only new
partitions, with its own least-privilege role and encrypted logs.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct
from spotify_runtime import layout

from spotify_etl.components.data_lake import grant_list, grant_objects
from spotify_etl.config import EnvironmentSettings
from spotify_etl.constructs.keys import environment_key
from spotify_etl.constructs.nag import acknowledge_wildcard_resource
from spotify_etl.constructs.retention import log_retention, removal_policy
from spotify_etl.constructs.stable_ids import keep_logical_id
from spotify_etl.naming import resource_prefix, stack_instance_suffix

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


class Catalog(Construct):
    """`database` (and `database_name`) kept current by a weekly crawler over `processed/`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        bucket: s3.IBucket,
    ) -> None:
        super().__init__(scope, construct_id)
        self._stack = cdk.Stack.of(self)
        prefix = resource_prefix(settings)
        self.database_name = database_name = prefix.replace("-", "_")
        self.database = database = glue.Database(
            self,
            "Database",
            database_name=database_name,
            description="Spotify snapshots (Parquet tables under processed/)",
            removal_policy=removal_policy(settings),
        )
        keep_logical_id(database, "DatabaseB269D8BB")

        # Glue writes an encrypted crawler's logs to /aws-glue/crawlers-role/<role>-<config>;
        # that group is created here, with our retention and our key.
        role_name = f"{prefix}-crawler"
        # Where the environment is retained on destroy (prod), a retained security
        # configuration or log group with a fixed name would make the next deploy fail: the
        # name carries this stack instance's id, so a new stack gets new names.
        security_configuration_name = f"{prefix}-crawler-{stack_instance_suffix(self._stack)}"
        log_group_name = f"/aws-glue/crawlers-role/{role_name}-{security_configuration_name}"
        log_group, log_key = self._encrypted_log_group(settings, log_group_name)
        security_configuration = glue.SecurityConfiguration(
            self,
            "CrawlerSecurity",
            security_configuration_name=security_configuration_name,
            cloud_watch_encryption=glue.CloudWatchEncryption.kms(log_key),
        )
        security_configuration.apply_removal_policy(removal_policy(settings))
        keep_logical_id(security_configuration, "CrawlerSecurityE00904D9")
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
        keep_logical_id(crawler, "Crawler")
        crawler.node.add_dependency(database, crawler_role, log_group)
        self.crawler = crawler

    def _encrypted_log_group(
        self, settings: EnvironmentSettings, name: str
    ) -> tuple[logs.LogGroup, kms.Key]:
        """A log group and its own key, which CloudWatch Logs may use for that group only."""
        key = environment_key(
            self, "CrawlerLogKey", settings=settings, purpose="Glue crawler log encryption"
        )
        keep_logical_id(key, "CrawlerLogKeyD05568E7")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{self._stack.region}.amazonaws.com")],
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
        keep_logical_id(log_group, "CrawlerLogsD758F63D")
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
        keep_logical_id(role, "CrawlerRoleA9495AEE")
        grant_objects(bucket, role, ["s3:GetObject"], layout.PROCESSED)
        grant_list(bucket, role, layout.PROCESSED)
        catalog_arn = self._stack.format_arn(service="glue", resource="catalog")
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetDatabase"], resources=[catalog_arn, database.database_arn]
            )
        )
        tables = [
            self._stack.format_arn(
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
        return self._stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=name,
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
