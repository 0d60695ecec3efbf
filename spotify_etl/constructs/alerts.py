"""Where failures are reported: one SNS topic per environment and the alarms that publish to it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from spotify_etl.config import EnvironmentSettings
from spotify_etl.constructs.keys import environment_key

PERIOD = cdk.Duration.minutes(5)


class AlertTopic(Construct):
    """The environment's alert topic, encrypted with a key CloudWatch alarms are allowed to use.

    (Alarms cannot publish to a topic encrypted with the AWS managed `alias/aws/sns` key.)
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings):
        super().__init__(scope, construct_id)
        key = environment_key(
            self, "Key", settings=settings, purpose="alert topic encryption"
        )
        key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=f"spotify-etl {settings.name} alerts",
            master_key=key,
            enforce_ssl=True,
        )
        if settings.alert_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alert_email))


class Alarms(Construct):
    """Alarms of one stack, all notifying the same topic; one method per kind of failure."""

    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)

    def on_errors(self, construct_id: str, function: lambda_.IFunction) -> cloudwatch.Alarm:
        """Any invocation error of `function` (an unhandled exception or a timeout)."""
        return self._alarm(
            construct_id,
            function.metric_errors(period=PERIOD, statistic="Sum"),
            f"{construct_id}: the function failed at least once",
        )

    def on_messages(self, construct_id: str, queue: sqs.IQueue) -> cloudwatch.Alarm:
        """Any visible message in `queue` (a dead-letter or on-failure queue)."""
        return self._alarm(
            construct_id,
            queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            f"{construct_id}: a message is waiting; something was not processed",
        )

    def on_metric(
        self, construct_id: str, metric: cloudwatch.Metric, description: str
    ) -> cloudwatch.Alarm:
        """Any non-zero value of a custom metric."""
        return self._alarm(construct_id, metric, description)

    def on_at_most(
        self, construct_id: str, metric: cloudwatch.Metric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        """A custom metric at or below `threshold` (a countdown such as days left)."""
        return self._alarm(
            construct_id, metric, description, threshold=threshold,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, description: str,
        *, threshold: float = 0,
        comparison: cloudwatch.ComparisonOperator = (
            cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
        ),
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        return alarm
