"""History import: an upload under `imports/` -> the import queue -> the import Lambda -> the
`streams` table (one Parquet object per month under `processed/streams/`).

As the transform: the bucket sends Object Created events to EventBridge, this rule puts those
under `imports/` on the import queue, and an SQS event source feeds the function one upload at a
time at a bounded concurrency. An import that keeps failing goes to the failure queue after
`HISTORY_IMPORT_MAX_RECEIVE_COUNT` deliveries (the merge is idempotent, so a retry adds nothing
twice); an upload that is not an export is not a failure: the function copies it to
`imports-failed/` with a report, and an alarm says so. No Spotify request, no secret.
Runtime code: `lambdas/spotify_runtime/history_import/`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_s3 as s3
from constructs import Construct
from spotify_runtime import contract, layout

from infra.components.data_lake import grant_object_keys, grant_objects
from infra.components.transformation import MAX_EVENT_AGE, RETRY_ATTEMPTS
from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms, pipeline_metric
from infra.constructs.lambda_code import aws_sdk_pandas_layer, history_import_code
from infra.constructs.nag import DLQ_REASON, acknowledge
from infra.constructs.python_function import PythonFunction
from infra.constructs.queues import queue_with_dead_letters
from infra.function_environments import history_import_environment

MAX_RECEIVE_COUNT = 3
"""Deliveries of one upload before its message goes to the failure queue."""


class HistoryImport(Construct):
    """`function` (PythonFunction), `queue` (its trigger), `failures` and the rule, with the
    function's grants: read `imports/`, merge `processed/streams/`, write its quarantine and its
    own run-log rows. Nothing it writes is under the prefix it listens to."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings,
                 bucket: s3.IBucket, alarms: Alarms) -> None:
        super().__init__(scope, construct_id)
        self.queue, self.failures = queue_with_dead_letters(
            self, "ImportQueue", "ImportFailures", settings=settings,
            visibility_timeout_seconds=(contract.SQS_VISIBILITY_TIMEOUT_FACTOR
                                        * contract.HISTORY_IMPORT_TIMEOUT_SECONDS),
            max_receive_count=MAX_RECEIVE_COUNT,
        )
        acknowledge(self.failures, "AwsSolutions-SQS3", DLQ_REASON)
        self.function = PythonFunction(
            self, "Import", settings=settings, code=history_import_code(),
            handler=contract.HISTORY_IMPORT_HANDLER,
            description="Imports Spotify's personal-data export uploaded under imports/ into "
                        "the streams table",
            timeout=cdk.Duration.seconds(contract.HISTORY_IMPORT_TIMEOUT_SECONDS),
            memory_size=contract.HISTORY_IMPORT_MEMORY_MB,
            layers=[aws_sdk_pandas_layer(self, settings)],
            environment=history_import_environment(bucket=bucket.bucket_name),
        )
        self.function.function.add_event_source(event_sources.SqsEventSource(
            self.queue, batch_size=contract.HISTORY_IMPORT_BATCH_SIZE,
            max_concurrency=contract.HISTORY_IMPORT_MAX_CONCURRENCY,
            report_batch_item_failures=True))
        self.rule = events.Rule(
            self, "UploadCreated",
            description=f"Object Created under {layout.IMPORTS} -> history import queue",
            event_pattern=events.EventPattern(
                source=["aws.s3"], detail_type=["Object Created"],
                detail={"bucket": {"name": [bucket.bucket_name]},
                        "object": {"key": [{"prefix": layout.IMPORTS}]}},
            ),
            targets=[targets.SqsQueue(self.queue, retry_attempts=RETRY_ATTEMPTS,
                                      max_event_age=MAX_EVENT_AGE,
                                      dead_letter_queue=self.failures)],
        )
        role = self.function.role
        # Read the uploads (kept as uploaded: no write or delete there); HeadObject is GetObject.
        grant_objects(bucket, role, ["s3:GetObject"], layout.IMPORTS)
        # The month objects are read and replaced under conditional writes. No ListBucket: a
        # missing month then reads as 403, which the function takes for "absent", safely,
        # since its write is conditional on the object not existing (service.py).
        grant_objects(bucket, role, ["s3:GetObject", "s3:PutObject"], layout.STREAMS)
        # So are the run log's day objects (docs/storage.md), and nothing else there.
        grant_object_keys(bucket, role, ["s3:GetObject", "s3:PutObject"], layout.RUN_LOG_OBJECTS)
        grant_objects(bucket, role, ["s3:PutObject"], layout.IMPORTS_FAILED)
        alarms.on_errors("HistoryImportErrors", self.function.function)
        alarms.on_messages("HistoryImportFailures", self.failures)
        alarms.on_metric(
            "HistoryImportsQuarantined",
            pipeline_metric(contract.METRIC_IMPORTS_QUARANTINED, bucket.bucket_name, "Sum",
                            cdk.Duration.minutes(5)),
            "HistoryImportsQuarantined: an upload under imports/ is not an export; see "
            "imports-failed/",
        )
