"""An in-process stand-in for the SQS calls the planner and worker make, on a (virtual) clock,
with SQS's rules: a received message is invisible for the visibility timeout; a visibility
change counts from now, for the latest receipt only, at most 12 hours after that receive;
`DelaySeconds` 0..900; batches of at most 10 unique ids; `ApproximateReceiveCount`, and redrive
to the dead-letter queue after `maxReceiveCount` receives.

Moto's SQS keeps real time, so it cannot run an accelerated simulation (docs/scaling.md).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from spotify_local.identity import ACCOUNT, REGION

MAX_VISIBILITY_SECONDS = 43_200
MAX_DELAY_SECONDS = 900


class SQSStandInError(Exception):
    """An SQS error response; `code` is SQS's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class _Message:
    message_id: str
    body: str
    attributes: dict[str, Any]
    sent_at: float
    visible_at: float
    receive_count: int = 0
    receipt_handle: str | None = None
    received_at: float | None = None
    first_received_at: float | None = None


@dataclass
class _Queue:
    name: str
    visibility_timeout: int
    dead_letter: _Queue | None = None
    max_receive_count: int | None = None
    messages: dict[str, _Message] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self.name}"

    @property
    def arn(self) -> str:
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.name}"


class SQSStandIn:
    """The subset of boto3's SQS client the pipeline uses, plus a few inspection helpers."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._queues: dict[str, _Queue] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- inspection (not part of the SQS API) ---------------------------------------------------
    def arn(self, url: str) -> str:
        """The queue's ARN (what an event source mapping puts in each record)."""
        return self._queue(url).arn

    def bodies(self, url: str) -> list[str]:
        """Bodies of every message on the queue, visible or not."""
        with self._lock:
            return [message.body for message in self._queue(url).messages.values()]

    def messages(self, url: str) -> list[dict[str, Any]]:
        """Every message on the queue with its attributes (for summaries and tests)."""
        with self._lock:
            return [
                {"Body": m.body, "MessageAttributes": m.attributes, "ReceiveCount": m.receive_count}
                for m in self._queue(url).messages.values()
            ]

    def size(self, url: str) -> int:
        """Messages on the queue, visible, delayed or in flight."""
        with self._lock:
            return len(self._queue(url).messages)

    def next_visible_at(self, url: str) -> float | None:
        """When the next message becomes visible (None when the queue is empty)."""
        with self._lock:
            times = [m.visible_at for m in self._queue(url).messages.values()]
        return min(times) if times else None

    # -- the SQS API ---------------------------------------------------------------------------
    def create_queue(self, QueueName: str, Attributes: dict[str, str] | None = None) -> dict:  # noqa: N803
        """Create a queue; honours the `VisibilityTimeout` and `RedrivePolicy` attributes."""
        attributes = Attributes or {}
        redrive = json.loads(attributes.get("RedrivePolicy", "null")) or {}
        dead_letter = None
        if redrive:
            arn = redrive["deadLetterTargetArn"]
            dead_letter = next((q for q in self._queues.values() if q.arn == arn), None)
            if dead_letter is None:
                raise SQSStandInError("InvalidParameterValue", f"no dead-letter queue {arn}")
        queue = _Queue(
            QueueName, int(attributes.get("VisibilityTimeout", 30)), dead_letter,
            int(redrive["maxReceiveCount"]) if redrive else None,
        )
        self._queues.setdefault(queue.url, queue)
        return {"QueueUrl": queue.url}

    def get_queue_attributes(
        self, QueueUrl: str, AttributeNames: list[str] | None = None  # noqa: N803
    ) -> dict[str, dict[str, str]]:
        """QueueArn, VisibilityTimeout and the approximate counts of visible and in-flight (or
        delayed) messages."""
        with self._lock:
            queue = self._queue(QueueUrl)
            now = self._clock()
            visible = sum(1 for m in queue.messages.values() if m.visible_at <= now)
            return {"Attributes": {
                "QueueArn": queue.arn,
                "VisibilityTimeout": str(queue.visibility_timeout),
                "ApproximateNumberOfMessages": str(visible),
                "ApproximateNumberOfMessagesNotVisible": str(len(queue.messages) - visible),
            }}

    def get_queue_url(self, QueueName: str, QueueOwnerAWSAccountId: str | None = None) -> dict:  # noqa: N803
        for queue in self._queues.values():
            if queue.name == QueueName:
                return {"QueueUrl": queue.url}
        raise SQSStandInError("AWS.SimpleQueueService.NonExistentQueue", QueueName)

    def send_message(
        self,
        QueueUrl: str,  # noqa: N803
        MessageBody: str,  # noqa: N803
        DelaySeconds: int = 0,  # noqa: N803
        MessageAttributes: dict[str, Any] | None = None,  # noqa: N803
    ) -> dict[str, str]:
        if not 0 <= DelaySeconds <= MAX_DELAY_SECONDS:
            raise SQSStandInError("InvalidParameterValue", f"DelaySeconds {DelaySeconds}")
        with self._lock:
            queue = self._queue(QueueUrl)
            now = self._clock()
            message_id = f"m-{next(self._ids)}"
            queue.messages[message_id] = _Message(
                message_id, MessageBody, dict(MessageAttributes or {}), now, now + DelaySeconds
            )
        return {"MessageId": message_id}

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict:  # noqa: N803
        if not 1 <= len(Entries) <= 10:
            raise SQSStandInError("AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                                  f"{len(Entries)} entries")
        if len({entry["Id"] for entry in Entries}) != len(Entries):
            raise SQSStandInError("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "ids")
        successful = []
        for entry in Entries:
            sent = self.send_message(
                QueueUrl, entry["MessageBody"], entry.get("DelaySeconds", 0),
                entry.get("MessageAttributes"),
            )
            successful.append({"Id": entry["Id"], "MessageId": sent["MessageId"]})
        return {"Successful": successful, "Failed": []}

    def receive_message(
        self,
        QueueUrl: str,  # noqa: N803
        MaxNumberOfMessages: int = 1,  # noqa: N803
        VisibilityTimeout: int | None = None,  # noqa: N803
        **_ignored: Any,
    ) -> dict[str, Any]:
        with self._lock:
            queue = self._queue(QueueUrl)
            now = self._clock()
            timeout = queue.visibility_timeout if VisibilityTimeout is None else VisibilityTimeout
            received = []
            for message in sorted(queue.messages.values(), key=lambda m: (m.visible_at, m.sent_at)):
                if len(received) >= MaxNumberOfMessages or message.visible_at > now:
                    break
                if self._redrive(queue, message):
                    continue
                message.receive_count += 1
                message.receipt_handle = f"{message.message_id}#{message.receive_count}"
                message.received_at = now
                message.first_received_at = message.first_received_at or now
                message.visible_at = now + timeout
                received.append(self._as_received(queue, message))
        return {"Messages": received} if received else {}

    def delete_message(self, QueueUrl: str, ReceiptHandle: str) -> dict:  # noqa: N803
        with self._lock:
            queue = self._queue(QueueUrl)
            message_id = ReceiptHandle.split("#")[0]
            # SQS accepts a stale handle for delete; the message is gone either way.
            queue.messages.pop(message_id, None)
        return {}

    def change_message_visibility(
        self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int  # noqa: N803
    ) -> dict:
        with self._lock:
            queue = self._queue(QueueUrl)
            now = self._clock()
            message = queue.messages.get(ReceiptHandle.split("#")[0])
            if message is None or message.receipt_handle != ReceiptHandle:
                raise SQSStandInError("ReceiptHandleIsInvalid", ReceiptHandle)
            if message.visible_at <= now:
                raise SQSStandInError("AWS.SimpleQueueService.MessageNotInflight", ReceiptHandle)
            if not 0 <= VisibilityTimeout <= MAX_VISIBILITY_SECONDS:
                raise SQSStandInError(
                    "InvalidParameterValue", f"VisibilityTimeout {VisibilityTimeout}"
                )
            if now + VisibilityTimeout - (message.received_at or now) > MAX_VISIBILITY_SECONDS:
                raise SQSStandInError("InvalidParameterValue",
                                      "visibility beyond 12 hours after the receive")
            message.visible_at = now + VisibilityTimeout
        return {}

    # -- internals -------------------------------------------------------------------------------
    def _queue(self, url: str) -> _Queue:
        try:
            return self._queues[url]
        except KeyError:
            raise SQSStandInError("AWS.SimpleQueueService.NonExistentQueue", url) from None

    def _redrive(self, queue: _Queue, message: _Message) -> bool:
        """Move a message that has used up its receives to the dead-letter queue."""
        if queue.dead_letter is None or queue.max_receive_count is None:
            return False
        if message.receive_count < queue.max_receive_count:
            return False
        del queue.messages[message.message_id]
        message.visible_at = self._clock()
        queue.dead_letter.messages[message.message_id] = message
        return True

    @staticmethod
    def _as_received(queue: _Queue, message: _Message) -> dict[str, Any]:
        first_received_ms = int((message.first_received_at or 0) * 1000)
        return {
            "MessageId": message.message_id,
            "ReceiptHandle": message.receipt_handle,
            "Body": message.body,
            "MessageAttributes": message.attributes,
            "Attributes": {
                "ApproximateReceiveCount": str(message.receive_count),
                "SentTimestamp": str(int(message.sent_at * 1000)),
                "ApproximateFirstReceiveTimestamp": str(first_received_ms),
            },
        }
