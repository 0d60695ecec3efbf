"""The listening pieces of the extraction: the worker's grant on the cursor prefix and the
listening schedule beside the daily one (docs/listening.md). Kept apart so the ingest stack only
calls them."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from spotify_runtime import contract, layout

from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms, pipeline_metric
from infra.constructs.nag import acknowledge_wildcard_resource

STATE_REASON = (
    "The extraction state (one cursor object per listening source) lives under this prefix; a "
    "key prefix is the narrowest scope S3 IAM can express, and it excludes the data."
)


def needs_cursors(settings: EnvironmentSettings) -> bool:
    """Whether any configured source keeps a cursor (and the worker needs the state prefix)."""
    return any(source.is_listening for source in settings.sources)


def grant_state_prefix(role: iam.IRole, bucket: s3.IBucket) -> None:
    """Read and write the cursors under layout.STATE, and list that prefix only: without
    s3:ListBucket a missing cursor answers AccessDenied instead of NoSuchKey."""
    state_objects = bucket.arn_for_objects(f"{layout.STATE}*")
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:GetObject", "s3:PutObject"], resources=[state_objects],
    ))
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
        conditions={"StringLike": {"s3:prefix": [f"{layout.STATE}*"]}},
    ))
    acknowledge_wildcard_resource(role, state_objects, STATE_REASON)


def schedule_payloads(
    settings: EnvironmentSettings,
) -> tuple[dict[str, str], dict[str, str] | None]:
    """The daily schedule's payload and the listening schedule's (None: no listening schedule).

    With a listening schedule the daily one plans every source but the listening ones, so
    each source runs on exactly one schedule.
    """
    run_at = {contract.RUN_AT_FIELD: scheduler.ContextAttribute.scheduled_time}
    if not settings.listening_sources:
        return run_at, None
    return ({**run_at, contract.SOURCE_GROUP_FIELD: contract.SOURCE_GROUP_DAILY},
            {**run_at, contract.SOURCE_GROUP_FIELD: contract.SOURCE_GROUP_LISTENING})


def alarm_on_gaps(alarms: Alarms, bucket: s3.IBucket) -> None:
    """Alert when a recently-played run found a full page newer than its cursor (plays may be
    lost: the listening schedule runs too rarely for this much listening)."""
    alarms.on_metric(
        "ListeningHistoryGaps",
        pipeline_metric(contract.METRIC_LISTENING_GAPS, bucket.bucket_name, "Sum",
                        cdk.Duration.hours(1)),
        "ListeningHistoryGaps: a recently-played run found 50 plays newer than its cursor; "
        "plays in between may be lost (the log line names the interval)",
    )
