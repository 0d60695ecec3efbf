"""A stand-in for Lambda's SQS event source mapping: pollers that invoke a worker per batch.

`max_concurrency` slots each own one worker container (what Lambda's maximum concurrency bounds).
A slot receives up to `batch_size` visible messages, invokes the worker with an SQS event's
records and an invocation deadline, then deletes every message not reported in
`batchItemFailures` (ReportBatchItemFailures). If the invocation raises, every message stays and
comes back after its visibility timeout, as on Lambda. Slots wait on the virtual clock, so they
run as participants of spotify_etl.local.virtual_clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spotify_runtime.deadline import SAFETY_MARGIN_SECONDS, Deadline
from spotify_runtime.queue_worker import BatchResult, Outcome

from spotify_etl.local.sqs_standin import SQSStandIn
from spotify_etl.local.virtual_clock import VirtualClock

LOG = logging.getLogger(__name__)

Invoke = Callable[[list[dict[str, Any]], Deadline], BatchResult]
"""One container's worker: handle an SQS event's records before the deadline."""

IDLE_POLL_SECONDS = 1.0
"""How long an idle slot waits before polling again while other slots are busy."""


@dataclass
class EventSourceStats:
    """What the pollers saw: outcomes of every message handled, invocations, last activity."""

    outcomes: Counter[str] = field(default_factory=Counter)
    invocations: int = 0
    failed_invocations: int = 0
    finished_at: float = 0.0
    """Simulated time the last message was landed or dead-lettered."""


def to_lambda_records(messages: list[dict[str, Any]], queue_arn: str) -> list[dict[str, Any]]:
    """SQS messages in the shape of a Lambda SQS event's `Records`."""
    return [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message["Attributes"],
            "messageAttributes": message.get("MessageAttributes", {}),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": queue_arn.split(":")[3],
        }
        for message in messages
    ]


class EventSourceMapping:
    """Pollers for one queue; `run` returns when the queue is empty and no slot is busy."""

    def __init__(
        self,
        *,
        sqs: SQSStandIn,
        queue_url: str,
        clock: VirtualClock,
        containers: list[Invoke],
        batch_size: int = 1,
        function_timeout_seconds: float = 900.0,
        give_up_after_seconds: float = 7 * 24 * 3600.0,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.clock = clock
        self.containers = containers
        self.batch_size = batch_size
        self.function_timeout_seconds = function_timeout_seconds
        self.give_up_at = clock.now() + give_up_after_seconds
        self.stats = EventSourceStats()
        self._busy = 0

    def spawn(self) -> list:
        """Start one participant thread per slot (call while holding the clock's baton)."""
        return [
            self.clock.spawn(lambda invoke=invoke: self._slot(invoke), name=f"slot-{index}")
            for index, invoke in enumerate(self.containers)
        ]

    def _slot(self, invoke: Invoke) -> None:
        while self.clock.now() < self.give_up_at:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size
            ).get("Messages", [])
            if received:
                self._invoke(invoke, received)
                continue
            if self.sqs.size(self.queue_url) == 0 and self._busy == 0:
                return
            next_visible = self.sqs.next_visible_at(self.queue_url)
            wait = IDLE_POLL_SECONDS if next_visible is None else next_visible - self.clock.now()
            if self._busy:  # a busy slot may re-send or release a message at any moment
                wait = min(wait, IDLE_POLL_SECONDS)
            self.clock.sleep(max(wait, 0.001))

    def _invoke(self, invoke: Invoke, received: list[dict[str, Any]]) -> None:
        records = to_lambda_records(received, self.sqs.arn(self.queue_url))
        deadline = Deadline(
            self.clock.now() + self.function_timeout_seconds - SAFETY_MARGIN_SECONDS,
            self.clock.now,
        )
        self._busy += 1
        self.stats.invocations += 1
        try:
            result = invoke(records, deadline)
        except Exception:
            LOG.exception("worker invocation failed; its messages return after the timeout")
            self.stats.failed_invocations += 1
            return
        finally:
            self._busy -= 1
        failed = {item["itemIdentifier"] for item in result.response["batchItemFailures"]}
        for record in records:
            if record["messageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue_url,
                                        ReceiptHandle=record["receiptHandle"])
        for outcome in result.outcomes.values():
            self.stats.outcomes[outcome.value] += 1
            if outcome in (Outcome.LANDED, Outcome.DEAD_LETTERED):
                self.stats.finished_at = self.clock.now()
