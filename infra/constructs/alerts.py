"""Where failures are reported: one SNS topic per environment and the alarms that publish to it.

A topic policy replaces SNS's default policy, so the topic's policy itself must allow the one
service that publishes to it: CloudWatch (our alarms), only from alarms named
`spotify-etl-<env>-*` in this account. The topic's key lets the same service use it (see
AlertTopic). docs/infrastructure.md lists every such path. (EventBridge was allowed too while a
rule forwarded the Glue crawler's failures; the crawler is gone, and so is that grant.)
"""

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
from spotify_runtime import contract

from infra.config import EnvironmentSettings
from infra.constructs.keys import environment_key
from infra.naming import resource_prefix

PERIOD = cdk.Duration.minutes(5)


NO_ALERT_EMAIL_WARNING = "spotify-etl:noAlertEmail"
"""Id of the synth-time warning of an environment whose alarms notify nobody."""

CLOUDWATCH = "cloudwatch.amazonaws.com"


def alert_name_prefix(settings: EnvironmentSettings) -> str:
    """`spotify-etl-<env>-`: every alarm is named with it; the topic's and the key's policies
    allow publishing only from alarms named so."""
    return f"{resource_prefix(settings)}-"



def pipeline_metric(
    name: str, bucket_name: str, statistic: str, period: cdk.Duration, *,
    label: str | None = None, dimensions: dict[str, str] | None = None,
) -> cloudwatch.Metric:
    """One of the metrics our functions emit as EMF (contract.py), for the environment's
    bucket: the shape every alarm and dashboard widget on them shares."""
    return cloudwatch.Metric(
        namespace=contract.METRICS_NAMESPACE,
        metric_name=name,
        dimensions_map={contract.METRIC_DIMENSION_BUCKET: bucket_name, **(dimensions or {})},
        statistic=statistic,
        period=period,
        label=label,
    )

class AlertTopic(Construct):
    """The environment's alert topic, encrypted with its own key.

    (Alarms cannot publish to a topic encrypted with the AWS managed `alias/aws/sns` key.)
    Without `alert_email` the topic has no subscriber: synth warns, it does not fail.
    """

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings):
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        prefix = alert_name_prefix(settings)
        alarm_arns = stack.format_arn(
            service="cloudwatch", resource="alarm", resource_name=f"{prefix}*",
            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
        )
        key = environment_key(
            self, "Key", settings=settings, purpose="alert topic encryption"
        )
        key_actions = ["kms:Decrypt", "kms:GenerateDataKey*"]
        # SNS encrypts what a publisher sends with the publisher's own permissions on the key.
        key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal(CLOUDWATCH)],
            actions=key_actions,
            resources=["*"],  # in a key policy, "*" is this key
            conditions=_from_our(stack, alarm_arns),
        ))
        self.key = key
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name=f"spotify-etl {settings.name} alerts",
            master_key=key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal(CLOUDWATCH)],
            actions=["sns:Publish"],
            resources=[self.topic.topic_arn],
            conditions=_from_our(stack, alarm_arns),
        ))
        if settings.alert_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(settings.alert_email))
        else:
            cdk.Annotations.of(self).add_warning_v2(
                NO_ALERT_EMAIL_WARNING,
                f"environment {settings.name!r} sets no alert_email: its alarms go to an SNS "
                "topic nobody is subscribed to (set spotify-etl.environments."
                f"{settings.name}.alert_email in cdk.json, or subscribe to the topic yourself)",
            )


def _from_our(stack: cdk.Stack, source_arns: str) -> dict[str, dict[str, str]]:
    """A service principal acting for resources of this account whose ARN matches."""
    return {
        "StringEquals": {"aws:SourceAccount": stack.account},
        "ArnLike": {"aws:SourceArn": source_arns},
    }


class Alarms(Construct):
    """Alarms of one stack, all notifying the same topic; one method per kind of failure."""

    def __init__(
        self, scope: Construct, construct_id: str, *, topic: sns.ITopic,
        settings: EnvironmentSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self._topic = topic
        self._action = actions.SnsAction(topic)
        self._prefix = alert_name_prefix(settings)

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
            # The topic accepts alarms named with the environment's prefix only.
            alarm_name=f"{self._prefix}{construct_id}",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        return alarm
