"""The data-lake bucket (and the bucket of its access logs), and grants on it by prefix."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct
from spotify_runtime import layout

from infra.config import EnvironmentSettings
from infra.constructs.nag import (
    KEY_PATTERN_REASON,
    PREFIX_REASON,
    acknowledge,
    acknowledge_wildcard_resource,
)
from infra.constructs.retention import removal_policy
from infra.constructs.stable_ids import keep_logical_id
from infra.naming import data_lake_bucket_name

ARCHIVE_MIN_OBJECT_BYTES = 128 * 1024
"""Smallest archived raw file moved to Glacier Instant Retrieval: the class's minimum billable
object size (a 10 KB object is billed as 128 KB there, more than it costs in Standard)."""
ARCHIVE_RULE = "ArchiveProcessedRawFiles"
TABLE_VERSIONS_RULE = "ExpireTableFileVersions"
TABLE_NONCURRENT_VERSION_DAYS = 3
"""Days a deleted or overwritten file under `tables/` stays as a noncurrent version. Iceberg
keeps its own history (snapshots, kept 3 days by the retention optimizer) and its writers,
compaction and orphan deletion delete files all the time: 30 days of versions would keep every
rewritten data file a month. Shorter than the bucket-wide rule, so it wins (S3 applies the
shorter of two expirations)."""


def secure_bucket(scope: Construct, construct_id: str, *, settings: EnvironmentSettings,
                  **properties) -> s3.Bucket:
    """A bucket as every bucket here should be: S3-encrypted, TLS only, no public access, no
    ACLs, removed with the stack only where the environment's data may go (dev)."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy(settings),
        auto_delete_objects=settings.destroy_on_removal,
        **properties,
    )


class DataLake(Construct):
    """`bucket`: raw JSON, Parquet tables and Athena results, by the prefixes of `layout`.

    Object Created events go to EventBridge, where the transform's rule listens (a direct
    notification to a Lambda in another stack would make a dependency cycle).
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings):
        super().__init__(scope, construct_id)
        access_logs = secure_bucket(
            self, "AccessLogs", settings=settings,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
        )
        keep_logical_id(access_logs, "AccessLogs8B620ECA")
        acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "This is the server access log bucket of the data lake; logging its own access "
            "would log into itself.",
        )
        lifecycle_rules = [
            s3.LifecycleRule(
                id="ExpireNoncurrentVersions",
                noncurrent_version_expiration=cdk.Duration.days(
                    settings.noncurrent_version_expiration_days
                ),
                abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
            ),
            s3.LifecycleRule(
                id=TABLE_VERSIONS_RULE,
                prefix=layout.TABLES,
                noncurrent_version_expiration=cdk.Duration.days(TABLE_NONCURRENT_VERSION_DAYS),
                # A deleted file's delete marker goes once its last version has expired.
                expired_object_delete_marker=True,
            ),
            s3.LifecycleRule(
                id="ExpireAthenaResults",
                prefix=layout.ATHENA_RESULTS,
                expiration=cdk.Duration.days(settings.athena_results_expiration_days),
            ),
            s3.LifecycleRule(
                id=ARCHIVE_RULE,
                prefix=layout.RAW_PROCESSED,
                transitions=[
                    s3.Transition(
                        storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                        transition_after=cdk.Duration.days(settings.archive_transition_days),
                    )
                ],
            ),
        ]
        self.bucket = secure_bucket(
            self, "Bucket", settings=settings,
            bucket_name=data_lake_bucket_name(cdk.Stack.of(self), settings),
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="data-lake/",
            lifecycle_rules=lifecycle_rules,
        )
        keep_logical_id(self.bucket, "DataLakeE54831B2")
        # Stated, not left to S3's default (which skips objects under 128 KB for this class):
        # Glacier IR bills every object as at least 128 KB, so a smaller raw file costs more
        # there than in Standard (docs/infrastructure.md). Set here because CloudFormation
        # types the size as a string and CDK's LifecycleRule writes a number.
        archive_rule = next(i for i, rule in enumerate(lifecycle_rules) if rule.id == ARCHIVE_RULE)
        self.bucket.node.default_child.add_property_override(
            f"LifecycleConfiguration.Rules.{archive_rule}.ObjectSizeGreaterThan",
            str(ARCHIVE_MIN_OBJECT_BYTES - 1),
        )
        # Set on the CloudFormation bucket itself: `event_bridge_enabled=True` would add CDK's
        # notification custom resource, a Lambda whose role carries an AWS managed policy.
        self.bucket.node.default_child.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        self.bucket.add_to_resource_policy(athena_results_only_through_athena(self.bucket))


def athena_results_only_through_athena(bucket: s3.IBucket) -> iam.PolicyStatement:
    """Deny reading `athena-results/` except through Athena.

    Query results hold whatever a query selected, and the bucket's readers are not the
    workgroup's users. Athena reads results (GetQueryResults, result reuse) with the caller's
    own credentials and `aws:CalledVia` athena.amazonaws.com, so with this Deny only principals
    allowed to use the workgroup (athena:GetQueryResults on it) can read them; a direct
    GetObject, the console's "download results" included, is refused for everyone.
    """
    return iam.PolicyStatement(
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=["s3:GetObject", "s3:GetObjectVersion"],
        resources=[bucket.arn_for_objects(f"{layout.ATHENA_RESULTS}*")],
        # True when aws:CalledVia is absent (a direct call) or names only other services.
        conditions={"ForAllValues:StringNotEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}},
    )


def lake_bucket(scope: Construct, settings: EnvironmentSettings) -> s3.IBucket:
    """The environment's data-lake bucket in another stack, by its known name (no exports)."""
    return s3.Bucket.from_bucket_name(
        scope, "DataLake", data_lake_bucket_name(cdk.Stack.of(scope), settings)
    )


def grant_objects(bucket: s3.IBucket, role: iam.IRole, actions: list[str],
                  *prefixes: str) -> None:
    """Allow `actions` on the objects under `prefixes` only (one statement)."""
    _grant(bucket, role, actions, [f"{prefix}*" for prefix in prefixes], PREFIX_REASON)


def grant_object_keys(bucket: s3.IBucket, role: iam.IRole, actions: list[str],
                      *key_patterns: str) -> None:
    """Allow `actions` on the objects whose keys match `key_patterns` (each `*` one day, as in
    `layout.RUN_LOG_OBJECTS`) only (one statement)."""
    _grant(bucket, role, actions, list(key_patterns), KEY_PATTERN_REASON)


def _grant(bucket: s3.IBucket, role: iam.IRole, actions: list[str], patterns: list[str],
           reason: str) -> None:
    resources = [bucket.arn_for_objects(pattern) for pattern in patterns]
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=resources))
    for resource in resources:
        acknowledge_wildcard_resource(role, resource, reason)


def grant_list(bucket: s3.IBucket, role: iam.IRole, *prefixes: str) -> None:
    """Allow listing the bucket under `prefixes` only (an `s3:prefix` condition)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}},
        )
    )
