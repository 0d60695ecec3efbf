"""Transformation: an Object Created event under `raw/to_process/` -> the transform Lambda ->
Parquet tables under `processed/`, the raw file archived (or quarantined).

The bucket sends Object Created events to EventBridge; the rule here invokes the transform
asynchronously, with bounded retries and an on-failure queue. Runtime code:
`lambdas/spotify_runtime/transform/`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from spotify_runtime import contract, layout

from spotify_etl.config import EnvironmentSettings
from spotify_etl.constructs.alerts import Alarms
from spotify_etl.constructs.lambda_code import RUNTIME_PYTHON_VERSION, transform_code
from spotify_etl.constructs.nag import DLQ_REASON, acknowledge
from spotify_etl.constructs.python_function import PythonFunction
from spotify_etl.constructs.queues import secure_queue

RETRY_ATTEMPTS = 2
"""Lambda's asynchronous retries (0-2) before the event goes to the on-failure queue."""
MAX_EVENT_AGE = cdk.Duration.hours(6)


def pandas_layer_arn_parameter(settings: EnvironmentSettings) -> str:
    """The public SSM parameter that holds the AWS SDK for pandas layer ARN in each region."""
    return (
        f"/aws/service/aws-sdk-pandas/{settings.pandas_layer_version}"
        f"/py{RUNTIME_PYTHON_VERSION}/x86_64/layer-arn"
    )


class Transformation(Construct):
    """`transform` (PythonFunction), `failures` (its on-failure queue) and its trigger rule.

    Its grants on the bucket are wired by the stack.
    """

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
        self.failures = secure_queue(self, "TransformFailures", settings=settings)
        acknowledge(self.failures, "AwsSolutions-SQS3", DLQ_REASON)
        pandas_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "AwsSdkPandasLayer",
            ssm.StringParameter.value_for_string_parameter(
                self, pandas_layer_arn_parameter(settings)
            ),
        )
        self.transform = PythonFunction(
            self,
            "Transform",
            settings=settings,
            code=transform_code(),
            handler=contract.TRANSFORM_HANDLER,
            description="Turns one raw file into Parquet tables under processed/",
            timeout=cdk.Duration.seconds(contract.TRANSFORM_TIMEOUT_SECONDS),
            memory_size=settings.transform_memory_mb,
            layers=[pandas_layer],
            environment={contract.ENV_DATA_BUCKET: bucket.bucket_name},
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(self.failures),
        )
        events.Rule(
            self,
            "RawFileCreated",
            description=f"Object Created under {layout.RAW_TO_PROCESS} -> transform",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [bucket.bucket_name]},
                    "object": {"key": [{"prefix": layout.RAW_TO_PROCESS}]},
                },
            ),
            # These retries cover delivery to Lambda; the function's own retries are above.
            targets=[
                targets.LambdaFunction(
                    self.transform.function,
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
            cloudwatch.Metric(
                namespace=contract.METRICS_NAMESPACE,
                metric_name=contract.METRIC_RAW_FILES_QUARANTINED,
                dimensions_map={contract.METRIC_DIMENSION_BUCKET: bucket.bucket_name},
                statistic="Sum",
                period=cdk.Duration.minutes(5),
            ),
            "RawFilesQuarantined: the transform moved a raw file to raw/failed/",
        )
