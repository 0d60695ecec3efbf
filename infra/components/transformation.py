"""Transformation: an Object Created event under `raw/to_process/` -> the transform queue -> the
transform Lambda -> the Iceberg tables under `tables/`, the raw file archived (or quarantined).
Runtime code: `lambdas/spotify_runtime/transform/`.

Why batches, a maximum concurrency and no reserved concurrency, and where failures go:
docs/infrastructure.md (TransformStack).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from constructs import Construct
from spotify_runtime import contract, layout

from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms, pipeline_metric
from infra.constructs.lambda_code import transform_code
from infra.constructs.nag import DLQ_REASON, acknowledge
from infra.constructs.python_function import PythonFunction
from infra.constructs.queues import queue_with_dead_letters
from infra.function_environments import transform_environment
from infra.naming import glue_database_name

RETRY_ATTEMPTS = 2
"""EventBridge's delivery retries into the transform queue before the event goes to the
failure queue."""
MAX_EVENT_AGE = cdk.Duration.hours(6)


def visibility_timeout_seconds(settings: EnvironmentSettings) -> int:
    """The transform queue's visibility timeout: six times the function's timeout plus the
    batching window (AWS's advice for an SQS event source), so a message is not handed to a
    second invocation while a batch holding it is still gathered or running."""
    return (contract.SQS_VISIBILITY_TIMEOUT_FACTOR * contract.TRANSFORM_TIMEOUT_SECONDS
            + settings.transform_batching_window_seconds)


class Transformation(Construct):
    """`transform` (PythonFunction), `queue` (its trigger), `failures` (the queue's dead-letter
    queue and the rule's) and the rule. Its grants on the bucket are wired by the stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        bucket: s3.IBucket,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.failures = queue_with_dead_letters(
            self,
            "TransformQueue",
            "TransformFailures",
            settings=settings,
            visibility_timeout_seconds=visibility_timeout_seconds(settings),
            max_receive_count=settings.transform_max_receive_count,
        )
        acknowledge(self.failures, "AwsSolutions-SQS3", DLQ_REASON)
        self.transform = PythonFunction(
            self,
            "Transform",
            settings=settings,
            code=transform_code(),
            handler=contract.TRANSFORM_HANDLER,
            description="Turns batches of raw files into the Iceberg tables under tables/",
            timeout=cdk.Duration.seconds(contract.TRANSFORM_TIMEOUT_SECONDS),
            memory_size=settings.transform_memory_mb,
            # No layer: pyarrow and PyIceberg are in the asset (lambda_code.transform_code).
            environment=transform_environment(settings, bucket=bucket.bucket_name,
                                              glue_database=glue_database_name(settings)),
        )
        window = settings.transform_batching_window_seconds
        self.transform.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=settings.transform_batch_size,
                max_batching_window=cdk.Duration.seconds(window) if window else None,
                max_concurrency=settings.transform_max_concurrency,
                report_batch_item_failures=True,
            )
        )
        self.rule = events.Rule(
            self,
            "RawFileCreated",
            description=f"Object Created under {layout.RAW_TO_PROCESS} -> transform queue",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [bucket.bucket_name]},
                    "object": {"key": [{"prefix": layout.RAW_TO_PROCESS}]},
                },
            ),
            # These retries cover delivery into the queue; the queue's redrive covers the
            # transform's own failures.
            targets=[
                targets.SqsQueue(
                    self.queue,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                    dead_letter_queue=self.failures,
                )
            ],
        )
        alarms.on_errors("TransformErrors", self.transform.function)
        alarms.on_messages("TransformFailures", self.failures)
        alarms.on_metric(
            "RawFilesQuarantined",
            pipeline_metric(contract.METRIC_RAW_FILES_QUARANTINED, bucket.bucket_name, "Sum",
                            cdk.Duration.minutes(5)),
            "RawFilesQuarantined: the transform moved a raw file to raw/failed/",
        )
        # A file whose transform raised is reported in the batch response, not as a Lambda
        # error: this alarm says so at the first failure, not only once it reaches the DLQ.
        alarms.on_metric(
            "RawFileTransformFailures",
            pipeline_metric(contract.METRIC_RAW_FILE_FAILURES, bucket.bucket_name, "Sum",
                            cdk.Duration.minutes(5)),
            "RawFileTransformFailures: a raw file's transform failed; it will be retried",
        )
