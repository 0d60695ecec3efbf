"""Re-delivered events under both answers S3 may give for a missing key, and SQS batches.

S3 answers a GetObject of a missing key with 404 when the caller may list the bucket there, and
403 otherwise; which one the deployed transform gets is not verifiable here (moto always says
404). `DeniedWithoutList` is S3 as the transform's role sees it when the answer is 403: it may
list only raw/processed/ and raw/failed/ (the grant TransformStack makes, asserted in
tests/infra), and any missing key it reads is AccessDenied.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from spotify_runtime import layout
from spotify_runtime.transform.handler import handler

from tests.transform.test_handler_s3 import BUCKET, KEY, FailingS3, eventbridge, objects

LISTABLE = (layout.RAW_PROCESSED, layout.RAW_FAILED)


@pytest.fixture
def s3(aws_in_process, monkeypatch):
    from tests.iceberg_catalog import transform_catalog
    from tests.transform.test_handler_s3 import DATABASE

    monkeypatch.setenv("DATA_BUCKET", BUCKET)
    monkeypatch.setenv("GLUE_DATABASE", DATABASE)
    transform_catalog(BUCKET, DATABASE)
    return boto3.client("s3", region_name="us-east-1")


class DeniedWithoutList:
    """A real (moto) client with S3's answers to a role without s3:ListBucket on a key."""

    def __init__(self, client):
        self.client = client

    def _denied(self, operation):
        return ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                            "ResponseMetadata": {"HTTPStatusCode": 403}}, operation)

    def get_object(self, **kwargs):
        try:
            return self.client.get_object(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchKey":
                raise self._denied("GetObject") from None
            raise

    def head_object(self, **kwargs):
        raise self._denied("HeadObject")  # the transform must not need it

    def list_objects_v2(self, **kwargs):
        if not kwargs.get("Prefix", "").startswith(LISTABLE):
            raise self._denied("ListObjectsV2")
        return self.client.list_objects_v2(**kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


@pytest.fixture(params=["404", "403"])
def answering(request, s3):
    """The client as the transform sees it: moto's own 404, or 403 for a missing key."""
    return (s3 if request.param == "404" else DeniedWithoutList(s3)), request.param


def test_redelivery_after_processing_is_already_done(s3, answering, raw_fixture):
    client, _ = answering
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=raw_fixture("playlist_envelope.json"))
    assert handler(eventbridge(KEY), s3=client)["results"][0]["status"] == "processed"
    after = objects(s3)
    (again,) = handler(eventbridge(KEY), s3=client)["results"]
    assert again["status"] == "already_done"
    assert objects(s3) == after


def test_redelivery_after_quarantine_is_already_done(s3, answering):
    client, _ = answering
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"<html>")
    assert handler(eventbridge(KEY), s3=client)["results"][0]["status"] == "quarantined"
    (again,) = handler(eventbridge(KEY), s3=client)["results"]
    assert again["status"] == "already_done"


def test_a_key_neither_there_nor_archived(s3, answering):
    client, answer = answering
    if answer == "404":
        (result,) = handler(eventbridge(KEY), s3=client)["results"]
        assert result["status"] == "gone"
    else:  # a real denial, or a file deleted by hand: retried, then the failure queue's alarm
        with pytest.raises(ClientError, match="AccessDenied"):
            handler(eventbridge(KEY), s3=client)
    assert objects(s3) == {}


def sqs_event(*bodies):
    return {"Records": [
        {"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:transform", "attributes": {}}
        for i, body in enumerate(bodies)
    ]}


def test_sqs_batch_reports_only_the_failed_file(s3, raw_fixture, capsys):
    other = KEY.replace("20261124T181000Z", "20261125T181000Z")
    for key in (KEY, other):
        s3.put_object(Bucket=BUCKET, Key=key, Body=raw_fixture("playlist_envelope.json"))
    event = sqs_event(json.dumps(eventbridge(KEY)), "not json", json.dumps(eventbridge(other)))
    # Both files' rows are committed together; the first is archived and logged, then the
    # second's archive copy fails.
    response = handler(event, s3=FailingS3(s3, "copy_object", nth=2))
    assert response["batchItemFailures"] == [{"itemIdentifier": "m2"}]
    assert [r["key"] for r in response["results"]] == [KEY]
    assert other in objects(s3, layout.RAW_TO_PROCESS)  # stays for the next delivery
    emitted = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    failures = [metric for metric in emitted if "RawFileTransformFailures" in metric]
    assert [(m["RawFileTransformFailures"], m["Bucket"]) for m in failures] == [(1, BUCKET)]
    retry = handler(sqs_event(json.dumps(eventbridge(other))), s3=s3)
    assert retry["batchItemFailures"] == [] and retry["results"][0]["status"] == "processed"


def test_a_failed_commit_fails_its_batch_and_each_file_comes_back_alone(s3, raw_fixture):
    from spotify_runtime.iceberg_tables import glue_catalog

    from tests.transform.test_handler_s3 import DATABASE, FailingCatalog

    other = KEY.replace("20261124T181000Z", "20261125T181000Z")
    for key in (KEY, other):
        s3.put_object(Bucket=BUCKET, Key=key, Body=raw_fixture("playlist_envelope.json"))
    catalog = glue_catalog()
    event = sqs_event(json.dumps(eventbridge(KEY)), json.dumps(eventbridge(other)))
    response = handler(event, s3=s3, catalog=FailingCatalog(catalog, nth=1))
    assert response["batchItemFailures"] == [{"itemIdentifier": "m0"},
                                             {"itemIdentifier": "m1"}]
    assert sorted(objects(s3, layout.RAW_TO_PROCESS)) == sorted([KEY, other])
    for record in event["Records"]:  # SQS delivers them again
        record["attributes"]["ApproximateReceiveCount"] = "2"
    before = len(catalog.load_table(f"{DATABASE}.songs").metadata.snapshots)
    retry = handler(event, s3=s3, catalog=catalog)
    assert retry["batchItemFailures"] == []
    assert [r["status"] for r in retry["results"]] == ["processed", "processed"]
    songs = catalog.load_table(f"{DATABASE}.songs")
    assert len(songs.metadata.snapshots) - before == 2  # one commit each
    assert songs.scan().to_arrow().num_rows == 8
