"""TransformStack: raw JSON under `raw/to_process/` -> Parquet tables under `processed/`.

The bucket (IngestStack) sends Object Created events to EventBridge; the rule here invokes the
transform asynchronously, so this stack depends on IngestStack and never the other way round.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_ssm as ssm
from constructs import Construct
from spotify_runtime import contract, layout

from spotify_etl.config import EnvironmentSettings
from spotify_etl.constructs.alerts import Alarms
from spotify_etl.constructs.lambda_code import RUNTIME_PYTHON_VERSION, transform_code
from spotify_etl.constructs.nag import (
    DLQ_REASON,
    PREFIX_REASON,
    acknowledge,
    acknowledge_wildcard_resource,
)
from spotify_etl.constructs.python_function import PythonFunction
from spotify_etl.constructs.queues import secure_queue
from spotify_etl.naming import data_lake_bucket_name

TRANSFORM_TIMEOUT = cdk.Duration.seconds(contract.TRANSFORM_TIMEOUT_SECONDS)
RETRY_ATTEMPTS = 2
"""Lambda's asynchronous retries (0-2) before the event goes to the on-failure queue."""
MAX_EVENT_AGE = cdk.Duration.hours(6)


def pandas_layer_arn_parameter(settings: EnvironmentSettings) -> str:
    """The public SSM parameter that holds the AWS SDK for pandas layer ARN in each region."""
    return (
        f"/aws/service/aws-sdk-pandas/{settings.pandas_layer_version}"
        f"/py{RUNTIME_PYTHON_VERSION}/x86_64/layer-arn"
    )


class TransformStack(cdk.Stack):
    """The transform function, its trigger, its failure queue and its alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        alert_topic: sns.ITopic,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = s3.Bucket.from_bucket_name(self, "DataLake", data_lake_bucket_name(self, settings))

        failures = secure_queue(self, "TransformFailures", settings=settings)
        acknowledge(failures, "AwsSolutions-SQS3", DLQ_REASON)
        pandas_layer = lambda_.LayerVersion.from_layer_version_arn(
            self,
            "AwsSdkPandasLayer",
            ssm.StringParameter.value_for_string_parameter(
                self, pandas_layer_arn_parameter(settings)
            ),
        )
        transform = PythonFunction(
            self,
            "Transform",
            settings=settings,
            code=transform_code(),
            handler=contract.TRANSFORM_HANDLER,
            description="Turns one raw file into Parquet tables under processed/",
            timeout=TRANSFORM_TIMEOUT,
            memory_size=settings.transform_memory_mb,
            layers=[pandas_layer],
            environment={contract.ENV_DATA_BUCKET: bucket.bucket_name},
            retry_attempts=RETRY_ATTEMPTS,
            max_event_age=MAX_EVENT_AGE,
            on_failure=destinations.SqsDestination(failures),
        )

        # Read and delete the file that triggered it; never write where it is triggered.
        reads = bucket.arn_for_objects(f"{layout.RAW_TO_PROCESS}*")
        writes = [
            bucket.arn_for_objects(f"{prefix}*")
            for prefix in (layout.RAW_PROCESSED, layout.RAW_FAILED, layout.PROCESSED)
        ]
        transform.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:DeleteObject"], resources=[reads])
        )
        transform.role.add_to_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=writes)
        )
        # A write of the tables that fails half way removes the tables it did write, so a file
        # that stays in to_process leaves no partial snapshot for Athena to read.
        transform.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:DeleteObject"],
                resources=[bucket.arn_for_objects(f"{layout.PROCESSED}*")],
            )
        )
        for resource in (reads, *writes):
            acknowledge_wildcard_resource(transform.role, resource, PREFIX_REASON)
        # Without ListBucket a missing key answers 403, not 404 (an already moved file looks
        # like a permission problem); limited to the prefix it reads.
        transform.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{layout.RAW_TO_PROCESS}*"]}},
            )
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
                    transform.function,
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                    dead_letter_queue=failures,
                )
            ],
        )

        alarms = Alarms(self, "Alarms", topic=alert_topic)
        alarms.on_errors("TransformErrors", transform.function)
        alarms.on_messages("TransformFailures", failures)
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
