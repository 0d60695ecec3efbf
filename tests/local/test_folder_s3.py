"""FolderS3 refuses what S3 refuses for the calls it offers, with botocore's error codes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from bench.folder_s3 import FolderS3

BUCKET = "lake"


@pytest.fixture
def s3(tmp_path):
    return FolderS3(tmp_path, BUCKET)


def code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def test_get_of_a_missing_key_is_no_such_key(s3):
    with pytest.raises(s3.exceptions.NoSuchKey) as caught:
        s3.get_object(Bucket=BUCKET, Key="processed/x.parquet")
    assert code(caught) == "NoSuchKey"


def test_conditional_writes_succeed_only_on_the_expected_version(s3):
    key = "processed/songs/snapshot_date=2026-01-01/part.parquet"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"one", IfNoneMatch="*")
    with pytest.raises(ClientError) as exists:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"two", IfNoneMatch="*")
    assert code(exists) == "PreconditionFailed"
    tag = s3.get_object(Bucket=BUCKET, Key=key)["ETag"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"two", IfMatch=tag)
    with pytest.raises(ClientError) as stale:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"three", IfMatch=tag)
    assert code(stale) == "PreconditionFailed"
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.put_object(Bucket=BUCKET, Key="processed/none", Body=b"x", IfMatch=tag)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"two"
    assert s3.reset_counts() == ({"processed": 2}, {"processed": 6})
    assert s3.reset_counts() == ({}, {})


def test_copy_list_delete_and_other_buckets(s3):
    s3.put_object(Bucket=BUCKET, Key="raw/to_process/a/b/1.json", Body=b"{}")
    s3.copy_object(Bucket=BUCKET, Key="raw/processed/a/b/1.json",
                   CopySource={"Bucket": BUCKET, "Key": "raw/to_process/a/b/1.json"})
    s3.delete_object(Bucket=BUCKET, Key="raw/to_process/a/b/1.json")
    s3.delete_object(Bucket=BUCKET, Key="raw/to_process/a/b/1.json")  # gone: still succeeds
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="raw/processed/a/b/1.json", MaxKeys=1)
    assert [item["Key"] for item in listed["Contents"]] == ["raw/processed/a/b/1.json"]
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="raw/to_process/")["KeyCount"] == 0
    with pytest.raises(ClientError) as missing:
        s3.copy_object(Bucket=BUCKET, Key="x", CopySource={"Bucket": BUCKET, "Key": "nope"})
    assert code(missing) == "NoSuchKey"
    with pytest.raises(ClientError) as other:
        s3.get_object(Bucket="someone-else", Key="raw/processed/a/b/1.json")
    assert code(other) == "NoSuchBucket"
