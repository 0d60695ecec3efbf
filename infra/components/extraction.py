"""Extraction: schedule -> planner Lambda -> extract queue -> extract worker Lambda.

The planner sends one message per configured source; the worker (bounded concurrency, paced
below Spotify's rate limit) lands each source's raw JSON. A source that keeps failing ends in
the dead-letter queue. Runtime code: `lambdas/spotify_runtime/extract/`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from spotify_runtime import contract

from infra.components.listening import schedule_payloads
from infra.config import EnvironmentSettings, sources_json
from infra.constructs.alerts import Alarms, pipeline_metric
from infra.constructs.lambda_code import (
    RUNTIME,
    SOURCES_FILE_PATH,
    aws_sdk_pandas_layer,
    extract_code,
    source_list_code,
)
from infra.constructs.nag import DLQ_REASON, acknowledge, acknowledge_wildcard_resource
from infra.constructs.python_function import PythonFunction
from infra.constructs.queues import queue_with_dead_letters, secure_queue
from infra.function_environments import planner_environment, worker_environment

SCHEDULE_RETRY_ATTEMPTS = 2
SCHEDULE_MAX_EVENT_AGE = cdk.Duration.hours(1)


class Extraction(Construct):
    """`planner`, `worker` (PythonFunction each), `queue`, `dead_letters`.

    The worker's grants on the bucket and the secret are wired by the stack that owns them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        bucket_name: str,
        secret_id: str,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.dead_letters = queue_with_dead_letters(
            self,
            "ExtractQueue",
            "ExtractDeadLetters",
            settings=settings,
            visibility_timeout_seconds=(contract.SQS_VISIBILITY_TIMEOUT_FACTOR
                                        * contract.WORKER_TIMEOUT_SECONDS),
            max_receive_count=settings.extract_max_receive_count,
        )
        code = extract_code()
        self.planner = self._planner(settings, code)
        self.worker = self._worker(settings, code, bucket_name, secret_id)
        self.schedule_dead_letters = schedule_dead_letters = self._schedules(settings)

        alarms.on_errors("PlannerErrors", self.planner.function)
        alarms.on_errors("ExtractWorkerErrors", self.worker.function)
        alarms.on_messages("ScheduleDeadLetters", schedule_dead_letters)
        alarms.on_messages("ExtractDeadLetters", self.dead_letters)
        alarms.on_at_most(
            "RefreshTokenExpiring",
            pipeline_metric(contract.METRIC_REFRESH_TOKEN_DAYS_LEFT, bucket_name, "Minimum",
                            cdk.Duration.hours(1)),
            settings.refresh_token_alarm_days,
            f"RefreshTokenExpiring: the Spotify refresh token expires in "
            f"{settings.refresh_token_alarm_days} days or fewer, or Spotify refused it; "
            "re-authorize with `python -m spotify_etl auth --env "
            f"{settings.name}` (docs/troubleshooting.md)",
        )

    def _planner(self, settings: EnvironmentSettings, code: lambda_.Code) -> PythonFunction:
        planner = PythonFunction(
            self,
            "Planner",
            settings=settings,
            code=code,
            handler=contract.PLANNER_HANDLER,
            description="Turns the source list into one extract message per source",
            timeout=cdk.Duration.seconds(contract.PLANNER_TIMEOUT_SECONDS),
            memory_size=contract.PLANNER_MEMORY_MB,
            layers=[
                lambda_.LayerVersion(
                    self,
                    "SourceList",
                    code=source_list_code(sources_json(settings.sources)),
                    compatible_runtimes=[RUNTIME],
                    description="The environment's Spotify sources (cdk.json), as a file",
                )
            ],
            environment=planner_environment(sources_file=SOURCES_FILE_PATH,
                                            extract_queue_url=self.queue.queue_url),
        )
        planner.role.add_to_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.queue.queue_arn])
        )
        return planner

    def _worker(
        self, settings: EnvironmentSettings, code: lambda_.Code, bucket_name: str,
        secret_id: str,
    ) -> PythonFunction:
        worker = PythonFunction(
            self,
            "ExtractWorker",
            settings=settings,
            code=code,
            handler=contract.WORKER_HANDLER,
            description="Extracts one Spotify source into raw/to_process/",
            timeout=cdk.Duration.seconds(contract.WORKER_TIMEOUT_SECONDS),
            memory_size=contract.WORKER_MEMORY_MB,
            # pyarrow, for its run-log rows (one Parquet object per day, spotify_runtime.run_log)
            layers=[aws_sdk_pandas_layer(self, settings)],
            environment=worker_environment(settings, bucket=bucket_name, secret_id=secret_id,
                                           queue_url=self.queue.queue_url,
                                           dlq_url=self.dead_letters.queue_url),
        )
        worker.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=settings.extract_batch_size,
                max_concurrency=settings.extract_max_concurrency,
                report_batch_item_failures=True,
            )
        )
        # Deferral after a long Retry-After (visibility) and re-enqueueing a retried source.
        worker.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sqs:ChangeMessageVisibility", "sqs:SendMessage"],
                resources=[self.queue.queue_arn],
            )
        )
        # A source that failed `extract_max_attempts` times is dead-lettered with its last error.
        worker.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sqs:SendMessage"], resources=[self.dead_letters.queue_arn]
            )
        )
        return worker

    def _schedules(self, settings: EnvironmentSettings) -> sqs.Queue:
        """The EventBridge Scheduler schedules that invoke the planner (daily, and hourly for
        the listening sources when there are any); returns their DLQ."""
        schedule_dlq = secure_queue(self, "ScheduleDeadLetters", settings=settings)
        acknowledge(schedule_dlq, "AwsSolutions-SQS3", DLQ_REASON)
        stack = cdk.Stack.of(self)
        # Only EventBridge Scheduler acting for this account's default schedule group.
        schedule_role = iam.Role(self, "ScheduleRole", assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com",
            conditions={
                "StringEquals": {
                    "aws:SourceAccount": stack.account,
                    "aws:SourceArn": stack.format_arn(
                        service="scheduler", resource="schedule-group", resource_name="default"
                    ),
                }
            },
        ))
        acknowledge_wildcard_resource(
            schedule_role,
            f"{self.planner.function.function_arn}:*",
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
                    self.planner.function,
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
