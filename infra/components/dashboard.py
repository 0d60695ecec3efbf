"""The environment's CloudWatch dashboard: one widget per question an operator asks.

The custom metrics are the EMF metrics of `contract.py` (namespace `SpotifyEtl`, dimension
`Bucket`), emitted by the extract worker (outcomes, requests, 429s), the transform (files
transformed and quarantined, latest snapshot date) and the refresh token's countdown
(RefreshTokenDaysLeft, published by every worker invocation); the rest are Lambda's and SQS's
own metrics.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct
from spotify_runtime import contract

from infra.config import EnvironmentSettings
from infra.constructs.alerts import pipeline_metric
from infra.naming import resource_prefix

DAY = cdk.Duration.days(1)
HOUR = cdk.Duration.hours(1)
WIDTH = 12
HEIGHT = 6


class PipelineDashboard(Construct):
    """`dashboard`, named `spotify-etl-<env>-pipeline`, one widget per operator question."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        bucket_name: str,
        planner: lambda_.IFunction,
        worker: lambda_.IFunction,
        transform: lambda_.IFunction,
        dead_letter_queues: dict[str, sqs.IQueue],
    ) -> None:
        super().__init__(scope, construct_id)
        self._bucket_name = bucket_name

        def outcome(name: str, period: cdk.Duration) -> cloudwatch.Metric:
            return self._metric(contract.METRIC_WORKER_OUTCOME, "Sum", period, label=name,
                                extra={contract.METRIC_DIMENSION_OUTCOME: name})

        widgets: list[cloudwatch.IWidget] = [
            cloudwatch.GraphWidget(
                title="Did every run's sources land? (runs, landed / dead-lettered per day)",
                left=[outcome("landed", DAY), outcome("dead_lettered", DAY)],
                right=[planner.metric_invocations(statistic="Sum", period=DAY,
                                                  label="runs (planner invocations)")],
                period=DAY, stacked=False, width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.GraphWidget(
                title="What did the extract worker do with each message? (outcomes per hour)",
                left=[outcome(name, HOUR) for name in contract.WORKER_OUTCOMES],
                period=HOUR, stacked=True, width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.GraphWidget(
                title="How many Spotify requests, and how many 429s? (per hour)",
                left=[self._metric(contract.METRIC_SPOTIFY_REQUESTS, "Sum", HOUR,
                                   label="requests")],
                right=[self._metric(contract.METRIC_SPOTIFY_RATE_LIMITED, "Sum", HOUR,
                                    label="429 answers")],
                period=HOUR, width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.GraphWidget(
                title="Is the transform slow or failing? (duration, errors)",
                left=[transform.metric_duration(statistic="Maximum", period=HOUR,
                                                label="duration (max)")],
                right=[transform.metric_errors(statistic="Sum", period=HOUR, label="errors"),
                       worker.metric_errors(statistic="Sum", period=HOUR,
                                            label="extract worker errors")],
                period=HOUR, width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.GraphWidget(
                title="Were raw files quarantined? (files transformed / quarantined per day)",
                left=[self._metric(contract.METRIC_RAW_FILES_TRANSFORMED, "Sum", DAY,
                                   label="transformed"),
                      self._metric(contract.METRIC_RAW_FILES_QUARANTINED, "Sum", DAY,
                                   label="quarantined")],
                period=DAY, width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.GraphWidget(
                title="Is anything waiting in a dead-letter queue? (messages visible)",
                left=[queue.metric_approximate_number_of_messages_visible(
                    statistic="Maximum", period=cdk.Duration.minutes(5), label=label)
                    for label, queue in dead_letter_queues.items()],
                width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.SingleValueWidget(
                title="How many days before Spotify needs a new authorization?",
                metrics=[self._metric(contract.METRIC_REFRESH_TOKEN_DAYS_LEFT, "Minimum",
                                      DAY, label="days left")],
                set_period_to_time_range=True, width=WIDTH, height=HEIGHT,
            ),
            cloudwatch.SingleValueWidget(
                title="What is the latest snapshot date in the tables? (YYYYMMDD)",
                metrics=[self._metric(contract.METRIC_LATEST_SNAPSHOT_DATE, "Maximum", DAY,
                                      label="latest snapshot_date")],
                set_period_to_time_range=True, full_precision=True, width=WIDTH, height=HEIGHT,
            ),
        ]
        self.widgets = widgets
        rows = [widgets[index:index + 2] for index in range(0, len(widgets), 2)]
        self.dashboard = cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{resource_prefix(settings)}-pipeline",
            default_interval=cdk.Duration.days(7),
            widgets=rows,
        )

    def _metric(
        self, name: str, statistic: str, period: cdk.Duration, *, label: str,
        extra: dict[str, str] | None = None,
    ) -> cloudwatch.Metric:
        return pipeline_metric(name, self._bucket_name, statistic, period, label=label,
                               dimensions=extra)
