"""The simulation's stand-ins: SQS semantics on a virtual clock, and the clock's turn-taking."""

from __future__ import annotations

import json

import pytest

from spotify_local.sqs_queue import SQSStandIn, SQSStandInError
from spotify_local.virtual_clock import VirtualClock


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_visibility_timeout_receive_count_and_redrive() -> None:
    time = Time()
    sqs = SQSStandIn(time)
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    redrive = json.dumps({"deadLetterTargetArn": sqs.arn(dlq), "maxReceiveCount": 2})
    queue = sqs.create_queue(QueueName="q", Attributes={
        "VisibilityTimeout": "60", "RedrivePolicy": redrive})["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="a")

    [first] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert sqs.receive_message(QueueUrl=queue) == {}  # invisible while in flight
    time.now = 61
    [second] = sqs.receive_message(QueueUrl=queue)["Messages"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    with pytest.raises(SQSStandInError, match="ReceiptHandleIsInvalid"):
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=first["ReceiptHandle"],
                                      VisibilityTimeout=10)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=second["ReceiptHandle"],
                                  VisibilityTimeout=3600)
    time.now = 61 + 3599
    assert sqs.receive_message(QueueUrl=queue) == {}
    time.now = 61 + 3601
    assert sqs.receive_message(QueueUrl=queue) == {}  # received twice already: redriven
    assert sqs.bodies(dlq) == ["a"]
    assert sqs.size(queue) == 0


def test_delay_batch_limits_and_twelve_hour_ceiling() -> None:
    time = Time()
    sqs = SQSStandIn(time)
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=900)
    assert sqs.receive_message(QueueUrl=queue) == {}
    with pytest.raises(SQSStandInError):
        sqs.send_message(QueueUrl=queue, MessageBody="x", DelaySeconds=901)
    with pytest.raises(SQSStandInError):
        sqs.send_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(i), "MessageBody": "x"} for i in range(11)])
    time.now = 900
    [message] = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=3600)["Messages"]
    time.now = 900 + 600
    with pytest.raises(SQSStandInError, match="12 hours"):
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"],
                                      VisibilityTimeout=43_200)


def test_virtual_clock_runs_participants_in_wake_up_order() -> None:
    clock = VirtualClock()
    log: list[tuple[str, float]] = []

    def participant(name: str, naps: list[float]) -> None:
        for nap in naps:
            clock.sleep(nap)
            log.append((name, clock.now()))

    clock.enter()
    threads = [clock.spawn(lambda: participant("a", [5, 5]), "a"),
               clock.spawn(lambda: participant("b", [3, 4, 10]), "b")]
    clock.leave()
    for thread in threads:
        thread.join(timeout=10)
    clock.raise_errors()

    assert log == [("b", 3), ("a", 5), ("b", 7), ("a", 10), ("b", 17)]
