"""ReportStack: the monthly report, from the catalog's tables to the bucket and the owner.

Uses the bucket of IngestStack by its known name and the workgroup and database of CatalogStack
by theirs, so it depends on both and neither on it.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.components.data_lake import lake_bucket
from infra.components.monthly_report import MonthlyReport
from infra.config import EnvironmentSettings
from infra.constructs.alerts import Alarms


class ReportStack(cdk.Stack):
    """The monthly report function, its schedule, grants and alarms."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings,
                 alert_topic: sns.ITopic, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bucket = lake_bucket(self, settings)
        alarms = Alarms(self, "Alarms", topic=alert_topic, settings=settings)
        self.report = MonthlyReport(self, "MonthlyReport", settings=settings, bucket=bucket,
                                    alarms=alarms)
