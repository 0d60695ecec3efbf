"""A stand-in for Lambda's SQS event source mapping: pollers that invoke a worker per batch.

`max_concurrency` slots each own one worker container (what Lambda's maximum concurrency bounds).
A slot receives up to `batch_size` visible messages, invokes the worker with an SQS event's
records and an invocation deadline, then deletes every message not reported in
`batchItemFailures` (ReportBatchItemFailures). If the invocation raises, every message stays and
comes back after its visibility timeout, as on Lambda; the queue's redrive policy moves a
message received `maxReceiveCount` times to its dead-letter queue.

The same mapping drives the demo (moto's SQS over HTTP, real time: `RealClock`) and the scale
simulation (`SQSStandIn` on a `VirtualClock`); it uses only SQS API calls on the queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from botocore.exceptions import ClientError
from spotify_runtime.extract.deadline import SAFETY_MARGIN_SECONDS, Deadline
from spotify_runtime.extract.queue_worker import BatchResult, MessageOutcome

from spotify_local.lambda_context import run_containers_as_threads

LOG = logging.getLogger(__name__)

Invoke = Callable[[list[dict[str, Any]], Deadline], BatchResult | dict[str, Any]]
"""One container's worker: handle an SQS event's records before the deadline; returns the
partial batch response (a Lambda handler) or a BatchResult (which also says what happened)."""


class Clock(Protocol):
    """What the pollers need of time: VirtualClock, or RealClock for the demo."""

    def now(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...
    def spawn(self, target: Callable[[], None], name: str) -> threading.Thread: ...


class RealClock:
    """Wall-clock time for the demo: slots are plain threads, sleeps are real."""

    def now(self) -> float:
        """Monotonic seconds."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(seconds)

    def spawn(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Start `target` in a daemon thread; its exception is kept for `raise_errors`."""
        def body() -> None:
            try:
                target()
            except BaseException as error:
                self._errors.append(error)

        thread = threading.Thread(target=body, name=name, daemon=True)
        thread.start()
        return thread

    def __init__(self) -> None:
        self._errors: list[BaseException] = []

    def raise_errors(self) -> None:
        """Re-raise the first exception a slot thread ended with."""
        if self._errors:
            raise self._errors[0]

IDLE_POLL_SECONDS = 1.0
"""How long an idle slot waits before polling again while other slots are busy."""


@dataclass
class EventSourceStats:
    """What the pollers saw: outcomes of every message handled, invocations, last activity."""

    outcomes: Counter[str] = field(default_factory=Counter)
    """Per message, when the worker says (BatchResult); a Lambda handler's response only tells
    which messages stay (`redelivered`) and which are deleted (`deleted`)."""
    invocations: int = 0
    deliveries: int = 0
    """Messages handed to the worker, counting each receive of the same message."""
    failed_invocations: int = 0
    finished_at: float = 0.0
    """Simulated time the last message was landed or dead-lettered."""


def queue_counts(sqs: Any, queue_url: str) -> tuple[int, int]:
    """(visible, in flight or delayed) messages on a queue, as SQS reports them."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    visible = int(attributes.get(names[0], 0))
    return visible, int(attributes.get(names[1], 0)) + int(attributes.get(names[2], 0))


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
        sqs: Any,
        queue_url: str,
        clock: Clock,
        containers: list[Invoke],
        batch_size: int = 1,
        function_timeout_seconds: float = 900.0,
        give_up_after_seconds: float = 7 * 24 * 3600.0,
        idle_grace_seconds: float | None = None,
        hold_while_running: bool = False,
    ) -> None:
        """`sqs` is a boto3 SQS client (or the stand-in); one slot per entry of `containers`.

        `hold_while_running` (real time only): keep a running invocation's messages invisible,
        renewing their visibility every third of the queue's timeout. Deployed, an invocation
        ends within the function's timeout, well before its messages' visibility timeout (six
        times that); a run that shortens the visibility timeout so that died invocations'
        messages come back soon would otherwise hand a slow invocation's messages to a second
        one while the first still runs. Only for a handler that sets no visibility itself
        (the extract worker defers messages that way, and a renewal would undo it).

        `idle_grace_seconds`: stop once no message has been visible for that long and no slot is
        busy, even if some are still in flight or delayed (the demo does not wait out a
        deferral of hours); None waits for an empty queue (or `give_up_after_seconds`).
        """
        run_containers_as_threads()  # each slot's thread is a container of its own
        self.sqs = sqs
        self.queue_url = queue_url
        self.clock = clock
        self.containers = containers
        self.batch_size = batch_size
        self.function_timeout_seconds = function_timeout_seconds
        self.give_up_at = clock.now() + give_up_after_seconds
        self.idle_grace_seconds = idle_grace_seconds
        self.stats = EventSourceStats()
        self._busy = 0
        self._lock = threading.Lock()
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn", "VisibilityTimeout"]
        )["Attributes"]
        self._queue_arn = attributes["QueueArn"]
        self._visibility_seconds = int(attributes["VisibilityTimeout"])
        if hold_while_running and not isinstance(clock, RealClock):
            raise ValueError("hold_while_running renews visibility on a thread: real time only")
        self.hold_while_running = hold_while_running

    def run(self) -> EventSourceStats:
        """Poll until done (real time: call from an ordinary thread); returns the stats."""
        for thread in self.spawn():
            thread.join()
        raise_errors = getattr(self.clock, "raise_errors", None)
        if raise_errors is not None:
            raise_errors()
        return self.stats


    def spawn(self) -> list:
        """Start one participant thread per slot (call while holding the clock's baton)."""
        return [
            self.clock.spawn(lambda invoke=invoke: self._slot(invoke), name=f"slot-{index}")
            for index, invoke in enumerate(self.containers)
        ]

    def _slot(self, invoke: Invoke) -> None:
        idle_since: float | None = None
        while self.clock.now() < self.give_up_at:
            received = self._receive_batch()
            if received:
                idle_since = None
                self._invoke(invoke, received)
                continue
            visible, waiting = queue_counts(self.sqs, self.queue_url)
            if visible + waiting == 0 and self._busy == 0:
                return
            now = self.clock.now()
            idle_since = now if idle_since is None or self._busy else idle_since
            if self.idle_grace_seconds is not None and now - idle_since >= self.idle_grace_seconds:
                return
            # The stand-in knows when its next message shows; a real queue is polled.
            next_visible = getattr(self.sqs, "next_visible_at", lambda _url: None)(self.queue_url)
            wait = IDLE_POLL_SECONDS if next_visible is None else next_visible - now
            if self._busy or self.idle_grace_seconds is not None:
                wait = min(wait, IDLE_POLL_SECONDS)  # a busy slot may re-send a message
            self.clock.sleep(max(wait, 0.001))

    def _receive_batch(self) -> list[dict[str, Any]]:
        """Up to `batch_size` visible messages. SQS hands out at most 10 per receive; Lambda's
        poller gathers larger batches (up to the batching window) from several receives, which
        here end when the queue has no more visible messages."""
        batch: list[dict[str, Any]] = []
        while len(batch) < self.batch_size:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=min(10, self.batch_size - len(batch)),
                AttributeNames=["All"], MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                break
            batch.extend(received)
        return batch

    def _delete(self, receipt_handle: str) -> None:
        """Delete a handled message. A message received again meanwhile (its visibility timeout
        passed during a long invocation) has a newer handle; SQS answers a delete with the older
        one with success and may keep the message (DeleteMessage API reference), while moto
        refuses it: either way the message may come back, and it is handled as a repeat."""
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt_handle)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ReceiptHandleIsInvalid":
                raise
            LOG.info("a message was received again before its delete: it may come back")

    def _hold(self, records: list[dict[str, Any]]) -> Callable[[], None]:
        """Renew `records`' visibility until the returned function is called (which waits
        for the renewing thread to end, so no renewal follows the invocation's end)."""
        done = threading.Event()

        def renew() -> None:
            while not done.wait(self._visibility_seconds / 3):
                for record in records:
                    try:
                        self.sqs.change_message_visibility(
                            QueueUrl=self.queue_url, ReceiptHandle=record["receiptHandle"],
                            VisibilityTimeout=self._visibility_seconds)
                    except ClientError:  # deleted meanwhile by a twin's invocation: nothing held
                        LOG.info("could not renew a message's visibility", exc_info=True)

        thread = threading.Thread(target=renew, name="hold-visibility", daemon=True)
        thread.start()

        def stop() -> None:
            done.set()
            thread.join()
        return stop

    def _invoke(self, invoke: Invoke, received: list[dict[str, Any]]) -> None:
        records = to_lambda_records(received, self._queue_arn)
        deadline = Deadline(
            self.clock.now() + self.function_timeout_seconds - SAFETY_MARGIN_SECONDS,
            self.clock.now,
        )
        with self._lock:
            self._busy += 1
            self.stats.invocations += 1
            self.stats.deliveries += len(records)
        stop_holding = self._hold(records) if self.hold_while_running else None
        try:
            result = invoke(records, deadline)
        except Exception:
            LOG.exception("worker invocation failed; its messages return after the timeout")
            with self._lock:
                self.stats.failed_invocations += 1
            return
        finally:
            if stop_holding is not None:
                stop_holding()
            with self._lock:
                self._busy -= 1
        response = result.response if isinstance(result, BatchResult) else result
        failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
        for record in records:
            if record["messageId"] not in failed:
                self._delete(record["receiptHandle"])
        with self._lock:
            if not isinstance(result, BatchResult):
                self.stats.outcomes["redelivered"] += len(failed)
                self.stats.outcomes["deleted"] += len(records) - len(failed)
                self.stats.finished_at = self.clock.now()
                return
            for outcome in result.outcomes.values():
                self.stats.outcomes[outcome.value] += 1
                if outcome in (MessageOutcome.LANDED, MessageOutcome.DEAD_LETTERED):
                    self.stats.finished_at = self.clock.now()
