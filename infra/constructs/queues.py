"""SQS queues as every queue here should be: encrypted, TLS only, messages kept 14 days."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import EnvironmentSettings
from infra.constructs.retention import removal_policy

MAX_RETENTION = cdk.Duration.days(14)
"""SQS's maximum: a failed source or event waits two weeks for someone to look at it."""


def secure_queue(
    scope: Construct,
    construct_id: str,
    *,
    settings: EnvironmentSettings,
    visibility_timeout: cdk.Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    """An SSE-SQS encrypted, SSL-enforced queue (optionally redriving to a dead-letter queue)."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=MAX_RETENTION,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
        removal_policy=removal_policy(settings),
    )
