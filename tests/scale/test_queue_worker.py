"""The worker's per-message decisions: defer, retry, dead-letter, land.

Each test runs against moto's SQS and against the simulation's SQS stand-in (on real time), so
the stand-in is held to the behaviour the worker relies on.
"""

from __future__ import annotations

import json
import random
import time

import pytest
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import RateLimitedError, SourceUnavailableError, TransientError
from spotify_runtime.extract.message_body import ExtractMessage
from spotify_runtime.extract.pacing import PacingOverrunError
from spotify_runtime.extract.queue_worker import MessageOutcome, MessageRetryPolicy, QueueWorker

from spotify_local.sqs_event_source import to_lambda_records
from spotify_local.sqs_queue import SQSStandIn

from .conftest import RUN_AT, RecordingSQS, drain, playlist_sources
from .extractors import FunctionExtractor


@pytest.fixture(params=["moto", "standin"])
def sqs(request):
    """boto3's SQS client on moto, or the simulation's stand-in."""
    if request.param == "moto":
        return request.getfixturevalue("sqs_moto")
    return SQSStandIn(time.monotonic)


def make_queues(sqs):
    dlq = sqs.create_queue(QueueName="extract-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="extract")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    return queue, dlq, arn["Attributes"]["QueueArn"]


def deliver(sqs, worker: QueueWorker, queue: str, arn: str) -> list[MessageOutcome]:
    """One event source mapping poll: receive, invoke, delete what was not reported failed."""
    received = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    records = to_lambda_records(received, arn)
    result = worker.handle_batch(records, Deadline.after(600))
    failed = {item["itemIdentifier"] for item in result.response["batchItemFailures"]}
    for record in records:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=record["receiptHandle"])
    return list(result.outcomes.values())


def send(sqs, queue: str, message: ExtractMessage) -> None:
    sqs.send_message(QueueUrl=queue, MessageBody=message.to_body())


def test_long_retry_after_defers_with_visibility_from_the_header(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    source = playlist_sources(1)[0]
    send(sqs, queue, ExtractMessage(source, RUN_AT))
    send(sqs, queue, ExtractMessage(playlist_sources(2)[1], RUN_AT))
    calls = []

    def rate_limited(src, run_at, deadline):
        calls.append(src)
        raise RateLimitedError("Spotify asked to wait 3600 s", retry_after_seconds=3600)

    recording = RecordingSQS(sqs)
    worker = QueueWorker(sqs=recording, dlq_url=dlq, extractor=FunctionExtractor(rate_limited),
                         rng=random.Random(1))

    assert deliver(sqs, worker, queue, arn) == [MessageOutcome.DEFERRED, MessageOutcome.DEFERRED]

    # The second message is deferred from memory, without asking Spotify again.
    assert len(calls) == 1
    assert len(recording.visibility) == 2
    assert all(3600 <= seconds <= 3660 for seconds in recording.visibility)
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"
    assert drain(sqs, dlq) == []


def test_retry_after_beyond_twelve_hours_is_capped() -> None:
    from spotify_runtime.extract.queue_worker import (
        MAX_VISIBILITY_SECONDS,
        defer_visibility_seconds,
    )

    seconds = defer_visibility_seconds(90_000, elapsed=10, rng=random.Random(0))
    assert 0 < seconds < MAX_VISIBILITY_SECONDS


def test_failing_source_is_retried_then_dead_lettered_with_its_last_error(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    source = playlist_sources(1)[0]
    send(sqs, queue, ExtractMessage(source, RUN_AT))
    attempts = []

    def failing(src, run_at, deadline):
        attempts.append(src)
        raise TransientError(f"{src}: HTTP 503 after 3 tries (attempt {len(attempts)})")

    worker = QueueWorker(sqs=sqs, dlq_url=dlq, extractor=FunctionExtractor(failing),
                         policy=MessageRetryPolicy(max_attempts=3, base_delay_seconds=0))

    outcomes = [outcome for _ in range(3) for outcome in deliver(sqs, worker, queue, arn)]

    assert outcomes == [MessageOutcome.RETRY_SCHEDULED, MessageOutcome.RETRY_SCHEDULED,
                        MessageOutcome.DEAD_LETTERED]
    assert len(attempts) == 3
    assert drain(sqs, queue) == []
    [dead] = drain(sqs, dlq)
    body = json.loads(dead["Body"])
    assert body["source"] == str(source)
    assert body["run_at"] == "2026-11-24T18:10:00Z"
    assert (body["attempt"], body["failed_attempts"]) == (2, 3)
    assert "attempt 3" in body["last_error"]
    assert "attempt 3" in dead["MessageAttributes"]["LastError"]["StringValue"]
    assert dead["MessageAttributes"]["ErrorType"]["StringValue"] == "TransientError"


def test_unavailable_source_and_malformed_message_are_dead_lettered_at_once(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    send(sqs, queue, ExtractMessage(playlist_sources(1)[0], RUN_AT))
    sqs.send_message(QueueUrl=queue, MessageBody='{"source": "playlist:nope"}')

    def unavailable(src, run_at, deadline):
        raise SourceUnavailableError(f"{src}: 404, not found")

    worker = QueueWorker(sqs=sqs, dlq_url=dlq, extractor=FunctionExtractor(unavailable))

    assert deliver(sqs, worker, queue, arn) == [MessageOutcome.DEAD_LETTERED] * 2
    errors = sorted(m["MessageAttributes"]["ErrorType"]["StringValue"] for m in drain(sqs, dlq))
    assert errors == ["InvalidMessageError", "SourceUnavailableError"]


def test_landed_message_is_deleted(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    send(sqs, queue, ExtractMessage(playlist_sources(1)[0], RUN_AT, attempt=1))
    landed = []
    worker = QueueWorker(
        sqs=sqs, dlq_url=dlq,
        extractor=FunctionExtractor(
            lambda src, run_at, deadline: landed.append((src, run_at)) or "key"),
    )

    assert deliver(sqs, worker, queue, arn) == [MessageOutcome.LANDED]
    assert landed == [(playlist_sources(1)[0], RUN_AT)]
    assert drain(sqs, queue) == []


def test_a_failing_sqs_call_returns_only_that_message_to_the_queue(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    for source in playlist_sources(2):
        send(sqs, queue, ExtractMessage(source, RUN_AT))

    class BrokenDLQ(RecordingSQS):
        def send_message(self, **kwargs):
            raise RuntimeError("SQS is down")

    calls = []

    def first_unavailable(src, run_at, deadline):
        calls.append(src)
        if len(calls) == 1:
            raise SourceUnavailableError(f"{src}: 404")
        return "key"

    worker = QueueWorker(sqs=BrokenDLQ(sqs), dlq_url=dlq,
                         extractor=FunctionExtractor(first_unavailable))

    assert deliver(sqs, worker, queue, arn) == [MessageOutcome.RETURNED, MessageOutcome.LANDED]


def test_a_message_is_not_started_with_the_invocation_nearly_over(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    send(sqs, queue, ExtractMessage(playlist_sources(1)[0], RUN_AT))
    recording = RecordingSQS(sqs)
    worker = QueueWorker(sqs=recording, dlq_url=dlq,
                         extractor=FunctionExtractor(lambda *args: "never called"))
    received = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"])["Messages"]

    result = worker.handle_batch(to_lambda_records(received, arn), Deadline.after(2))

    assert list(result.outcomes.values()) == [MessageOutcome.NOT_STARTED]
    assert result.response == {"batchItemFailures": [{"itemIdentifier": received[0]["MessageId"]}]}
    assert recording.visibility == [1]


def test_a_source_that_outruns_two_invocations_of_its_own_is_dead_lettered(sqs) -> None:
    queue, dlq, arn = make_queues(sqs)
    large, small = playlist_sources(2)
    send(sqs, queue, ExtractMessage(large, RUN_AT))
    send(sqs, queue, ExtractMessage(small, RUN_AT))

    def out_of_pace(src, run_at, deadline):
        raise PacingOverrunError(f"{src}: next slot in 0.0 s does not fit",
                                 retry_after_seconds=0.0)

    class RecordingSends(RecordingSQS):
        sent: list[dict] = []

        def send_message(self, **kwargs):
            if kwargs["QueueUrl"] == queue:
                self.sent.append(json.loads(kwargs["MessageBody"]))
            return self.client.send_message(**kwargs)

    recording = RecordingSends(sqs)
    worker = QueueWorker(sqs=recording, dlq_url=dlq, extractor=FunctionExtractor(out_of_pace))

    # One batch: the first source uses the invocation up (an overrun that counts), the second
    # is not started (it comes back in 1 s, its count untouched).
    assert deliver(sqs, worker, queue, arn) == [MessageOutcome.PACED_OUT,
                                                MessageOutcome.NOT_STARTED]
    assert [(body["source"], body["overruns"]) for body in recording.sent] == [(str(large), 1)]

    outcomes: list[MessageOutcome] = []
    for _ in range(20):
        time.sleep(0.2)
        outcomes += deliver_one_at_a_time(sqs, worker, queue, arn)
        if outcomes.count(MessageOutcome.DEAD_LETTERED) == 2:
            break
    # Each had two invocations of its own: the large one now, the small one after one more.
    assert sorted(outcomes) == sorted([MessageOutcome.DEAD_LETTERED, MessageOutcome.PACED_OUT,
                                       MessageOutcome.DEAD_LETTERED])
    errors = {json.loads(m["Body"])["source"]: m["MessageAttributes"]["ErrorType"]["StringValue"]
              for m in drain(sqs, dlq)}
    assert errors == {str(large): "SourceTooLargeError", str(small): "SourceTooLargeError"}


def deliver_one_at_a_time(sqs, worker: QueueWorker, queue: str, arn: str) -> list[MessageOutcome]:
    """A poll with batch size 1."""
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1,
                                   AttributeNames=["All"]).get("Messages", [])
    records = to_lambda_records(received, arn)
    result = worker.handle_batch(records, Deadline.after(600))
    for record in records:
        if not result.outcomes[record["messageId"]].redeliver:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=record["receiptHandle"])
    return list(result.outcomes.values())
