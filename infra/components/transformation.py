"""Transformation: an Object Created event under `raw/to_process/` -> the transform queue -> the
transform Lambda -> Parquet tables under `processed/`, the raw file archived (or quarantined).

The bucket sends Object Created events to EventBridge; the rule here puts them on the transform
queue, and an SQS event source feeds the function with a maximum concurrency
(`transform_max_concurrency`): a backfill of thousands of raw files waits in the queue instead of
starting thousands of functions, and no concurrency is reserved from the account's quota (on a
new account, whose quota is 10, any reservation would fail the deploy). A file whose transform
keeps failing goes to the failure queue after `transform_max_receive_count` deliveries; so does
an event the rule cannot deliver. Runtime code: `lambdas/spotify_runtime/transform/`.
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
from infra.constructs.lambda_code import aws_sdk_pandas_layer, transform_code
from infra.constructs.nag import DLQ_REASON, acknowledge
from infra.constructs.python_function import PythonFunction
from infra.constructs.queues import queue_with_dead_letters

RETRY_ATTEMPTS = 2
"""EventBridge's delivery retries into the transform queue before the event goes to the
failure queue."""
MAX_EVENT_AGE = cdk.Duration.hours(6)


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
            visibility_timeout_seconds=(contract.SQS_VISIBILITY_TIMEOUT_FACTOR
                                        * contract.TRANSFORM_TIMEOUT_SECONDS),
            max_receive_count=settings.transform_max_receive_count,
        )
        acknowledge(self.failures, "AwsSolutions-SQS3", DLQ_REASON)
        self.transform = PythonFunction(
            self,
            "Transform",
            settings=settings,
            code=transform_code(),
            handler=contract.TRANSFORM_HANDLER,
            description="Turns one raw file into Parquet tables under processed/",
            timeout=cdk.Duration.seconds(contract.TRANSFORM_TIMEOUT_SECONDS),
            memory_size=settings.transform_memory_mb,
            layers=[aws_sdk_pandas_layer(self, settings)],
            environment={contract.ENV_DATA_BUCKET: bucket.bucket_name},
        )
        self.transform.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=contract.TRANSFORM_BATCH_SIZE,
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
