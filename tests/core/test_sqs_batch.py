"""The SQS batch loop the queue-fed functions share, and the Object Created parser."""

from __future__ import annotations

import json

import pytest
from spotify_runtime.s3_events import S3Object, object_created
from spotify_runtime.sqs_batch import PartialBatch, SqsMessage, event_records, is_sqs_event


def record(message_id: str, body: str = "{}", receives: str = "1") -> dict:
    return {"messageId": message_id, "body": body, "eventSource": "aws:sqs",
            "attributes": {"ApproximateReceiveCount": receives}, "receiptHandle": f"h-{message_id}",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q"}


def test_a_message_whose_handling_raises_fails_alone_and_the_rest_go_on():
    handled = []

    def handle(message: SqsMessage) -> None:
        handled.append(message.message_id)
        if message.message_id == "b":
            raise RuntimeError("boom")

    batch = PartialBatch()
    batch.handle_each([record("a"), "not a record", record("b"), record("c")], handle)
    assert handled == ["a", "b", "c"]
    assert batch.response == {"batchItemFailures": [{"itemIdentifier": "b"}]}


def test_a_message_failed_twice_is_listed_once_in_the_order_it_first_failed():
    batch = PartialBatch()
    for message_id in ("x", "y", "x"):
        batch.fail(message_id)
    assert [item["itemIdentifier"] for item in batch.response["batchItemFailures"]] == ["x", "y"]


def test_a_message_names_its_delivery_and_the_earlier_ones():
    message = SqsMessage.from_record(record("m", receives="3"))
    assert (message.receipt_handle, message.queue_arn) == (
        "h-m", "arn:aws:sqs:us-east-1:123456789012:q")
    assert message.delivery_id == "m/3"
    assert message.earlier_delivery_ids == ["m/1", "m/2"]
    assert message.delivered_before
    first = SqsMessage.from_record({"messageId": "n", "body": "[1]"})
    assert (first.earlier_delivery_ids, first.delivered_before) == ([], False)
    assert first.json_event() is None  # a list, not an event


def test_only_a_batch_with_records_from_a_queue_is_an_sqs_event():
    assert is_sqs_event({"Records": [record("a")]})
    assert not is_sqs_event({"Records": [{"eventSource": "aws:s3"}]})
    assert not is_sqs_event({"detail": {}})
    assert event_records("not an event") == []


def created(key, bucket="lake", **changes):
    return {"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key}}, **changes}


@pytest.mark.parametrize(("event", "expected"), [
    (created("imports/my+data%21.zip"), S3Object("lake", "imports/my data!.zip")),
    (created("k", bucket=None), S3Object(None, "k")),
    (created("k", source="aws.other"), None),
    (created("k", **{"detail-type": "Object Deleted"}), None),
    (created(""), None),
    (created(7), None),
    ({"detail": "nothing"}, None),
    (json.dumps(created("k")), None),  # still a string: the caller parses the body first
])
def test_object_created_names_the_decoded_key_of_an_s3_object_created_event(event, expected):
    assert object_created(event) == expected
