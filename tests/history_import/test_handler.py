"""The import handler at the edge (events it takes and drops) and its store for a role without
s3:ListBucket, against moto."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from spotify_runtime.history_import.handler import handler, uploads
from spotify_runtime.history_import.service import StreamsObjectStore
from spotify_runtime.layout import STREAMS, streams_key
from spotify_runtime.partition_files import WriteConflictError

BUCKET = "lake"


def created(key, bucket=BUCKET, source="aws.s3"):
    return {"source": source, "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key}}}


@pytest.mark.parametrize(("event", "expected"), [
    (created("imports/2026/my+spotify+data.zip"), ["imports/2026/my spotify data.zip"]),
    (created("imports/2026/my_spotify_data.zip", bucket="other"), []),
    (created("raw/to_process/x.json"), []),
    (created("imports/../processed/x.zip"), []),
    (created("imports/"), []),
    (created("imports/x.zip", source="aws.other"), []),
    ({"detail": "nothing"}, []),
])
def test_only_uploads_under_imports_of_its_bucket_are_taken(event, expected):
    assert uploads(event, BUCKET) == expected


@pytest.fixture
def s3(aws_in_process, monkeypatch):
    monkeypatch.setenv("DATA_BUCKET", BUCKET)
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_messages_that_are_not_events_are_dropped_not_retried(s3):
    records = [{"messageId": "1", "body": "not json", "eventSource": "aws:sqs"},
               {"messageId": "2", "body": json.dumps(created("raw/x.json")),
                "eventSource": "aws:sqs"}]
    assert handler({"Records": records}, s3=s3) == {"results": [], "batchItemFailures": []}


def test_an_import_that_raises_stays_on_the_queue(s3):
    record = {"messageId": "m-1", "eventSource": "aws:sqs",
              "body": json.dumps(created("imports/gone.zip"))}  # HeadObject: 404
    answer = handler({"Records": [record]}, s3=s3)
    assert answer["batchItemFailures"] == [{"itemIdentifier": "m-1"}]


def test_a_month_it_may_not_read_is_absent_and_never_overwritten(s3):
    class Forbidden:
        """S3 as a role without s3:ListBucket sees it: GetObject answers 403."""

        exceptions = s3.exceptions

        def get_object(self, **_kwargs):
            raise ClientError({"Error": {"Code": "AccessDenied"}}, "GetObject")

        def put_object(self, **kwargs):
            return s3.put_object(**kwargs)

    key = streams_key("2026-11")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"existing month")
    store = StreamsObjectStore(Forbidden(), BUCKET)
    assert store.get(key) is None
    with pytest.raises(WriteConflictError):  # If-None-Match: * refuses, nothing is replaced
        store.put_if(key, b"new", None)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"existing month"
    assert key.startswith(STREAMS)
