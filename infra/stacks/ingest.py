"""IngestStack: the data lake, the Spotify secret, the alert topic and the daily extraction.

Schedule -> planner -> extract queue -> extract worker -> raw JSON under `raw/to_process/`.
The alert topic created here is shared by the alarms of every stack of the environment.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct
from spotify_runtime import layout

from infra.components.data_lake import DataLake, grant_object_keys, grant_objects
from infra.components.extraction import Extraction
from infra.components.listening import alarm_on_gaps, grant_state_prefix, needs_cursors
from infra.components.spotify_secret import SpotifySecret
from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms, AlertTopic

ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


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

        lake = DataLake(self, "Lake", settings=settings)
        secret = SpotifySecret(self, "Spotify", settings=settings)
        self.alert_topic = AlertTopic(self, "Alerts", settings=settings).topic
        alarms = Alarms(self, "Alarms", topic=self.alert_topic, settings=settings)

        extraction = Extraction(
            self, "Extraction", settings=settings, bucket_name=lake.bucket.bucket_name,
            secret_id=secret.secret_id, alarms=alarms,
        )
        grant_objects(lake.bucket, extraction.worker.role, ["s3:PutObject"], layout.RAW_TO_PROCESS)
        # The run log's day objects only (pipeline_runs/run_date=*/runs.parquet), read and
        # rewritten under a condition to add a row (docs/storage.md).
        grant_object_keys(lake.bucket, extraction.worker.role, ["s3:GetObject", "s3:PutObject"],
                          layout.RUN_LOG_OBJECTS)
        secret.grant_read(extraction.worker.role)
        # A refresh token Spotify rotates is written back (the old one may stop working).
        secret.grant_put_value(extraction.worker.role)
        if needs_cursors(settings):
            grant_state_prefix(extraction.worker.role, lake.bucket)
            alarm_on_gaps(alarms, lake.bucket)

        self.bucket = lake.bucket
        self.secret = secret.secret
        self.extraction = extraction
