"""HistoryImportStack: uploads of Spotify's personal-data export under `imports/` -> `streams`.

Uses the bucket of IngestStack by its known name, so it depends on IngestStack and never the
other way round.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.components.data_lake import lake_bucket
from infra.components.history_import import HistoryImport
from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms


class HistoryImportStack(cdk.Stack):
    """The history import, its queues, rule, grants and alarms."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings,
                 alert_topic: sns.ITopic, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = lake_bucket(self, settings)
        alarms = Alarms(self, "Alarms", topic=alert_topic, settings=settings)
        self.history_import = HistoryImport(self, "HistoryImport", settings=settings,
                                            bucket=bucket, alarms=alarms)
