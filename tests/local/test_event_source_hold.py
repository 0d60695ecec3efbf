"""The local event source mapping against moto's SQS: a slow invocation under a short
visibility timeout, with and without `hold_while_running` (docs/storage.md, "Cost and limits")."""

from __future__ import annotations

import threading
import time

import pytest

from spotify_local.moto_aws import local_aws
from spotify_local.sqs_event_source import EventSourceMapping, RealClock

VISIBILITY_SECONDS = 1
INVOCATION_SECONDS = 3.5


def _deliveries(hold: bool) -> list[str]:
    """Message IDs the two slots were handed while one invocation outlived the timeout."""
    handed: list[str] = []
    lock = threading.Lock()

    def slow_worker(records, _deadline):
        with lock:
            handed.extend(record["messageId"] for record in records)
        time.sleep(INVOCATION_SECONDS)
        return {"batchItemFailures": []}

    with local_aws() as local:
        sqs = local.client("sqs")
        url = sqs.create_queue(QueueName="held", Attributes={
            "VisibilityTimeout": str(VISIBILITY_SECONDS)})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="one raw file")
        EventSourceMapping(sqs=sqs, queue_url=url, clock=RealClock(),
                           containers=[slow_worker] * 2, hold_while_running=hold).run()
        left = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0).get("Messages", [])
    assert left == []  # handled and deleted either way
    return handed


def test_a_held_message_is_not_handed_to_a_second_invocation_while_the_first_runs():
    handed = _deliveries(hold=True)
    assert len(handed) == 1


def test_without_holding_the_short_timeout_hands_it_out_again():
    # What the fault runs did before: the check above could not pass by accident.
    handed = _deliveries(hold=False)
    assert len(handed) >= 2 and len(set(handed)) == 1


def test_holding_needs_real_time():
    with local_aws() as local:
        sqs = local.client("sqs")
        url = sqs.create_queue(QueueName="virtual")["QueueUrl"]

        class Frozen:  # any clock that is not RealClock
            def now(self):
                return 0.0

        with pytest.raises(ValueError, match="real time only"):
            EventSourceMapping(sqs=sqs, queue_url=url, clock=Frozen(), containers=[],
                               hold_while_running=True)
