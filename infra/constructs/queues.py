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


def queue_with_dead_letters(
    scope: Construct,
    queue_id: str,
    dead_letters_id: str,
    *,
    settings: EnvironmentSettings,
    visibility_timeout_seconds: int,
    max_receive_count: int,
) -> tuple[sqs.Queue, sqs.Queue]:
    """A work queue and the secure queue it redrives to after `max_receive_count` receives.

    The visibility timeout is a multiple of the consuming function's timeout (AWS's guidance for
    SQS event sources, `contract.SQS_VISIBILITY_TIMEOUT_FACTOR`), so a message is not handed to a
    second invocation while the first still runs.
    """
    dead_letters = secure_queue(scope, dead_letters_id, settings=settings)
    queue = secure_queue(
        scope,
        queue_id,
        settings=settings,
        visibility_timeout=cdk.Duration.seconds(visibility_timeout_seconds),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters,
                                              max_receive_count=max_receive_count),
    )
    return queue, dead_letters
