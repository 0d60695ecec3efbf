"""One SQS batch from an event source mapping, handled message by message and answered with a
partial batch response: the loop the extract worker, the transform and the history import
share. docs/development.md ("Queue-fed functions") tells what each of them does per message.

Ours, not Powertools' batch utility: these few dozen lines would otherwise be about 1 MB
(zipped) more in each function's package and about 150 ms more imports on each cold start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from spotify_runtime.run_log import delivery_id, earlier_delivery_ids

LOG = logging.getLogger(__name__)
SQS_EVENT_SOURCE = "aws:sqs"


@dataclass(frozen=True)
class SqsMessage:
    """One record of an SQS event, the fields we use typed."""

    message_id: str
    body: str
    receive_count: str = ""
    """`ApproximateReceiveCount` as SQS sent it: "1" on the first delivery, "" if absent."""
    receipt_handle: str = ""
    queue_arn: str = ""

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SqsMessage:
        """The message an SQS event record carries."""
        attributes = record.get("attributes")
        receives = attributes.get("ApproximateReceiveCount", "") if isinstance(
            attributes, dict) else ""
        return cls(message_id=str(record.get("messageId", "")),
                   body=record.get("body") or "",
                   receive_count=str(receives),
                   receipt_handle=record.get("receiptHandle", ""),
                   queue_arn=record.get("eventSourceARN", ""))

    @property
    def delivery_id(self) -> str:
        """This delivery's run-log `record_id` (message id and receive count)."""
        return delivery_id(self.message_id, self.receive_count)

    @property
    def earlier_delivery_ids(self) -> list[str]:
        """The run-log ids of this message's earlier deliveries, each of which should have a
        row by now (the run log writes an `unrecorded` row for any that has none)."""
        return earlier_delivery_ids(self.message_id, self.receive_count)

    @property
    def delivered_before(self) -> bool:
        """Whether SQS delivered this message before (its last batch did not delete it)."""
        try:
            return int(self.receive_count) > 1
        except ValueError:
            return False

    def json_event(self) -> dict[str, Any] | None:
        """The JSON object the body holds (an EventBridge event), or None (logged)."""
        try:
            body = json.loads(self.body)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            LOG.warning("dropping SQS message %s: its body is not a JSON event", self.message_id)
            return None
        return body


def is_sqs_event(event: Any) -> bool:
    """Whether `event` is an SQS event source's batch (records from a queue)."""
    return any(isinstance(record, dict) and record.get("eventSource") == SQS_EVENT_SOURCE
               for record in event_records(event))


def event_records(event: Any) -> list[Any]:
    """The `Records` of an event; [] for anything that is not an object holding a list."""
    records = event.get("Records") if isinstance(event, dict) else None
    return records if isinstance(records, list) else []


@dataclass
class PartialBatch:
    """The messages of one batch that go back to the queue (`batchItemFailures`), each once, in
    the order they failed; every other message of the batch is deleted by the event source."""

    failed: list[str] = field(default_factory=list)

    def fail(self, message_id: str) -> None:
        """Report a message as a batch item failure: SQS delivers it again."""
        if message_id not in self.failed:
            self.failed.append(message_id)

    def handle_each(self, records: Iterable[Any], handle: Callable[[SqsMessage], None]) -> None:
        """Call `handle` on each message, in order. A message whose handling raises is logged
        and fails; the rest go on. `handle` may also fail its message itself (`fail`), and a
        function that works on the batch as a whole fails messages after this loop.

        A record that is not an object is dropped (logged): no delivery would make it readable.
        """
        for record in records:
            if not isinstance(record, dict):
                LOG.warning("dropping an SQS record that is not an object")
                continue
            message = SqsMessage.from_record(record)
            try:
                handle(message)
            except Exception:
                LOG.exception("message %s failed; it stays on the queue", message.message_id)
                self.fail(message.message_id)

    @property
    def response(self) -> dict[str, list[dict[str, str]]]:
        """The partial batch response for the SQS event source mapping."""
        return {"batchItemFailures": [{"itemIdentifier": message_id}
                                      for message_id in self.failed]}
