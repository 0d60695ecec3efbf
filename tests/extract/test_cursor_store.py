"""The S3 cursor store on moto: a missing cursor is a first run, a denied read is an error (never a
reset), and the cursor never moves backwards."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from spotify_runtime.extract.state import S3CursorStore, StateError
from spotify_runtime.layout import state_key

KEY = state_key("recently-played", "me")


@pytest.fixture
def s3(aws_in_process):
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket="lake")
    return client


def test_missing_then_advanced_and_never_backwards(s3):
    store = S3CursorStore(s3, "lake")
    assert store.read(KEY) is None
    assert store.advance(KEY, 2_000) == 2_000
    assert store.advance(KEY, 1_000) == 2_000  # a late, older delivery keeps the newer cursor
    assert S3CursorStore(s3, "lake").read(KEY) == 2_000  # a new container reads it from S3
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="lake")["Contents"]]
    assert keys == ["state/recently-played/me.json"]


def test_a_denied_read_is_an_error_not_a_first_run():
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("get_object", service_error_code="AccessDenied",
                              http_status_code=403)
        with pytest.raises(StateError, match=r"cannot read s3://lake/state/recently-played/me\.json"):
            S3CursorStore(client, "lake").read(KEY)


def test_a_cursor_that_is_not_a_time_is_refused(s3):
    s3.put_object(Bucket="lake", Key=KEY, Body=b'{"after_ms": "yesterday"}')
    with pytest.raises(StateError, match="is not a Unix time in milliseconds"):
        S3CursorStore(s3, "lake").read(KEY)
