"""IngestStack: the data lake, the Spotify secret and the daily extraction.

Schedule (18:10 UTC by default) -> planner Lambda (one SQS message per source) -> extract queue
-> extract worker Lambda (bounded concurrency, paced below Spotify's rate limit) -> raw JSON under
`raw/to_process/`. A source that keeps failing ends in the extract dead-letter queue; the alert
topic created here is shared by the alarms of every stack of the environment.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from spotify_runtime import contract, layout

from spotify_etl.config import EnvironmentSettings, sources_json
from spotify_etl.constructs.alerts import Alarms, AlertTopic
from spotify_etl.constructs.lambda_code import (
    RUNTIME,
    SOURCES_FILE_PATH,
    extract_code,
    source_list_code,
)
from spotify_etl.constructs.listening import (
    alarm_on_gaps,
    grant_state_prefix,
    needs_cursors,
    schedule_payloads,
)
from spotify_etl.constructs.nag import (
    DLQ_REASON,
    PREFIX_REASON,
    acknowledge,
    acknowledge_wildcard_resource,
)
from spotify_etl.constructs.python_function import PythonFunction
from spotify_etl.constructs.queues import secure_queue
from spotify_etl.constructs.retention import removal_policy
from spotify_etl.naming import data_lake_bucket_name

ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"
PLANNER_TIMEOUT = cdk.Duration.seconds(contract.PLANNER_TIMEOUT_SECONDS)
WORKER_TIMEOUT = cdk.Duration.seconds(contract.WORKER_TIMEOUT_SECONDS)
SCHEDULE_RETRY_ATTEMPTS = 2
SCHEDULE_MAX_EVENT_AGE = cdk.Duration.hours(1)

SECRET_TEMPLATE = {"client_id": "REPLACE_ME"}
"""Documented shape `{"client_id", "client_secret", "refresh_token"?}`. The stack creates a
placeholder (client_secret generated) and never holds a real credential; put the real values
with `aws secretsmanager put-secret-value` (see README)."""


class IngestStack(cdk.Stack):
    """Owns the bucket, the secret, the extraction and the environment's alert topic."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Server access logs are delivered under a bucket policy, not the legacy log-delivery
        # ACL (which needs ACLs enabled on the log bucket). Set here, before any bucket exists,
        # so the stack does not depend on a flag in cdk.json.
        self.node.set_context(ACCESS_LOGS_USE_BUCKET_POLICY, True)

        self.bucket = self._data_lake(settings)
        self.secret, secret_id, secret_arn_for_policy = self._spotify_secret(settings)
        # The alert topic is shared by the alarms of every stack of the environment.
        self.alert_topic = AlertTopic(self, "Alerts", settings=settings).topic
        alarms = Alarms(self, "Alarms", topic=self.alert_topic)

        # --- Extraction: schedule -> planner -> queue -> worker --------------------------------
        extract_dlq = secure_queue(self, "ExtractDeadLetters", settings=settings)
        extract_queue = secure_queue(
            self,
            "ExtractQueue",
            settings=settings,
            # Lambda's rule for SQS sources: at least six times the function timeout.
            visibility_timeout=cdk.Duration.seconds(
                contract.SQS_VISIBILITY_TIMEOUT_FACTOR * contract.WORKER_TIMEOUT_SECONDS
            ),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=extract_dlq, max_receive_count=settings.extract_max_receive_count
            ),
        )
        code = extract_code()

        planner = PythonFunction(
            self,
            "Planner",
            settings=settings,
            code=code,
            handler=contract.PLANNER_HANDLER,
            description="Turns the source list into one extract message per source",
            timeout=PLANNER_TIMEOUT,
            layers=[
                lambda_.LayerVersion(
                    self,
                    "SourceList",
                    code=source_list_code(sources_json(settings.sources)),
                    compatible_runtimes=[RUNTIME],
                    description="The environment's Spotify sources (cdk.json), as a file",
                )
            ],
            environment={
                contract.ENV_SOURCES_FILE: SOURCES_FILE_PATH,
                contract.ENV_EXTRACT_QUEUE_URL: extract_queue.queue_url,
            },
        )
        planner.role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[extract_queue.queue_arn])
        )

        worker = PythonFunction(
            self,
            "ExtractWorker",
            settings=settings,
            code=code,
            handler=contract.WORKER_HANDLER,
            description="Extracts one Spotify source into raw/to_process/",
            timeout=WORKER_TIMEOUT,
            memory_size=contract.WORKER_MEMORY_MB,
            # Only the secret's id: the credentials themselves are read at run time.
            environment={
                contract.ENV_DATA_BUCKET: self.bucket.bucket_name,
                contract.ENV_SPOTIFY_SECRET_ID: secret_id,
                contract.ENV_EXTRACT_QUEUE_URL: extract_queue.queue_url,
                contract.ENV_EXTRACT_DLQ_URL: extract_dlq.queue_url,
                contract.ENV_EXTRACT_MAX_ATTEMPTS: str(settings.extract_max_attempts),
                contract.ENV_EXTRACT_REQUESTS_PER_30S: str(settings.extract_requests_per_30s),
                contract.ENV_EXTRACT_MAX_CONCURRENCY: str(settings.extract_max_concurrency),
            },
        )
        worker.function.add_event_source(
            event_sources.SqsEventSource(
                extract_queue,
                batch_size=settings.extract_batch_size,
                max_concurrency=settings.extract_max_concurrency,
                report_batch_item_failures=True,
            )
        )
        raw_to_process = self.bucket.arn_for_objects(f"{layout.RAW_TO_PROCESS}*")
        worker.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[raw_to_process])
        )
        acknowledge_wildcard_resource(worker.role, raw_to_process, PREFIX_REASON)
        if needs_cursors(settings):
            grant_state_prefix(worker.role, self.bucket)
            alarm_on_gaps(alarms, self.bucket)
        worker.role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[secret_arn_for_policy]
            )
        )
        # Deferral after a long Retry-After (visibility) and re-enqueueing a retried source.
        worker.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sqs:ChangeMessageVisibility", "sqs:SendMessage"],
                resources=[extract_queue.queue_arn],
            )
        )
        # A source that failed `extract_max_attempts` times is dead-lettered with its last error.
        worker.role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[extract_dlq.queue_arn])
        )

        schedule_dlq = self._daily_schedule(settings, planner)

        alarms.on_errors("PlannerErrors", planner.function)
        alarms.on_errors("ExtractWorkerErrors", worker.function)
        alarms.on_messages("ScheduleDeadLetters", schedule_dlq)
        alarms.on_messages("ExtractDeadLetters", extract_dlq)

    def _data_lake(self, settings: EnvironmentSettings) -> s3.Bucket:
        """The data-lake bucket and the bucket that receives its server access logs."""
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(365))],
            removal_policy=removal_policy(settings),
            auto_delete_objects=settings.destroy_on_removal,
        )
        acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "This is the server access log bucket of the data lake; logging its own access "
            "would log into itself.",
        )
        bucket = s3.Bucket(
            self,
            "DataLake",
            bucket_name=data_lake_bucket_name(self, settings),
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="data-lake/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireNoncurrentVersions",
                    noncurrent_version_expiration=cdk.Duration.days(
                        settings.noncurrent_version_expiration_days
                    ),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
                s3.LifecycleRule(
                    id="ArchiveProcessedRawFiles",
                    prefix=layout.RAW_PROCESSED,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
                            transition_after=cdk.Duration.days(settings.archive_transition_days),
                        )
                    ],
                ),
            ],
            removal_policy=removal_policy(settings),
            auto_delete_objects=settings.destroy_on_removal,
        )
        # Object Created events go to EventBridge, where TransformStack has its rule (a direct
        # notification to a Lambda in another stack would make a dependency cycle). Set on the
        # CloudFormation bucket itself: `event_bridge_enabled=True` would add CDK's notification
        # custom resource, a Lambda whose role carries an AWS managed policy.
        bucket.node.default_child.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled", True
        )
        return bucket

    def _spotify_secret(
        self, settings: EnvironmentSettings
    ) -> tuple[secretsmanager.ISecret, str, str]:
        """(secret, id the worker reads it by, ARN pattern to grant): imported or created."""
        if settings.secret_name:
            secret = secretsmanager.Secret.from_secret_name_v2(
                self, "SpotifySecret", settings.secret_name
            )
            # Secrets Manager appends six random characters to the name in the ARN.
            return secret, settings.secret_name, f"{secret.secret_arn}-??????"
        secret = secretsmanager.Secret(
            self,
            "SpotifySecret",
            description=f"spotify-etl {settings.name}: Spotify app credentials "
            '{"client_id", "client_secret", "refresh_token"?}',
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(SECRET_TEMPLATE),
                generate_string_key="client_secret",
            ),
            removal_policy=removal_policy(settings),
        )
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "Spotify client secrets and refresh tokens are reissued only in Spotify's "
            "developer dashboard or by the user's consent; no rotation Lambda can do that.",
        )
        return secret, secret.secret_arn, secret.secret_arn

    def _daily_schedule(self, settings: EnvironmentSettings, planner: PythonFunction) -> sqs.Queue:
        """The EventBridge Scheduler schedule that invokes the planner; returns its DLQ."""
        schedule_dlq = secure_queue(self, "ScheduleDeadLetters", settings=settings)
        acknowledge(schedule_dlq, "AwsSolutions-SQS3", DLQ_REASON)
        schedule_role = iam.Role(
            self, "ScheduleRole", assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com")
        )
        acknowledge_wildcard_resource(
            schedule_role,
            f"{planner.function.function_arn}:*",
            "Added by the scheduler target's grantInvoke: the planner function and its "
            "versions/aliases, no other function.",
        )
        daily_input, listening_input = schedule_payloads(settings)
        schedules = [("DailyExtraction", "daily extraction", settings.schedule_cron,
                      settings.schedule_time_zone, daily_input)]
        if listening_input is not None:
            schedules.append(("ListeningExtraction", "listening sources (recently-played)",
                              settings.listening_schedule_cron, "UTC", listening_input))
        for construct_id, what, cron, time_zone, payload in schedules:
            scheduler.Schedule(
                self,
                construct_id,
                description=f"spotify-etl {settings.name}: {what}",
                schedule=scheduler.ScheduleExpression.expression(
                    f"cron({cron})", cdk.TimeZone.of(time_zone)
                ),
                target=scheduler_targets.LambdaInvoke(
                    planner.function,
                    # The scheduled time names the run, so a retried invocation plans the same
                    # run; the payload's `sources` picks the schedule's sources.
                    input=scheduler.ScheduleTargetInput.from_object(payload),
                    retry_attempts=SCHEDULE_RETRY_ATTEMPTS,
                    max_event_age=SCHEDULE_MAX_EVENT_AGE,
                    dead_letter_queue=schedule_dlq,
                    role=schedule_role,
                ),
            )
        return schedule_dlq
