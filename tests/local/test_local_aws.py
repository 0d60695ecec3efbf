"""The local AWS endpoint: IngestStack's layout, events as EventBridge sends them, env restored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from spotify_runtime.extract.credentials import SpotifyCredentials

from spotify_local.lake_sync import download_bucket, list_keys, replace_lake, seed_bucket
from spotify_local.moto_aws import as_s3_sends_it, local_aws, start_event_capture


@pytest.fixture
def no_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("DATA_BUCKET", "left-alone")


def test_bucket_secret_and_environment(no_endpoint: None) -> None:
    with local_aws() as local:
        assert os.environ["AWS_ENDPOINT_URL"] == local.endpoint_url
        assert os.environ["DATA_BUCKET"] == local.bucket
        assert os.environ["SPOTIFY_SECRET_ID"] == local.secret_id
        s3 = local.client("s3")
        assert s3.get_bucket_versioning(Bucket=local.bucket)["Status"] == "Enabled"
        # EventBridge notifications: moto does not echo them back; the event test proves them.
        local.store_spotify_secret(SpotifyCredentials("id-1", "secret-1", "refresh-1"))
        stored = local.client("secretsmanager").get_secret_value(SecretId=local.secret_id)
        assert json.loads(stored["SecretString"]) == {
            "client_id": "id-1", "client_secret": "secret-1", "refresh_token": "refresh-1"
        }
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert os.environ["DATA_BUCKET"] == "left-alone"
    assert "SPOTIFY_SECRET_ID" not in os.environ


def _received_events(local) -> list[dict]:
    """Every event on the transform queue (removed), as the demo's event source reads them."""
    sqs, events = local.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=local.event_queue_url,
                                          MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            events.append(json.loads(as_s3_sends_it(message["Body"])))
            sqs.delete_message(QueueUrl=local.event_queue_url,
                               ReceiptHandle=message["ReceiptHandle"])
    return events


def test_object_created_under_to_process_only_with_encoded_keys(no_endpoint: None) -> None:
    with local_aws() as local:
        s3 = local.client("s3")
        s3.put_object(Bucket=local.bucket, Key="raw/to_process/before-capture.json", Body=b"{}")
        start_event_capture(local)
        s3.put_object(Bucket=local.bucket, Key="raw/to_process/a b+c/ü.json", Body=b"{}")
        s3.put_object(Bucket=local.bucket, Key="processed/songs/x.parquet", Body=b"x")
        events = _received_events(local)
        assert _received_events(local) == []
    assert [event["detail-type"] for event in events] == ["Object Created"]
    detail = events[0]["detail"]
    assert detail["bucket"]["name"] == local.bucket
    assert detail["object"]["key"] == "raw/to_process/a+b%2Bc/%C3%BC.json"


def test_lake_round_trip_keeps_history_and_drops_moved_files(
    tmp_path: Path, no_endpoint: None
) -> None:
    lake = tmp_path / "lake"
    for key in ("raw/processed/a/1.json", "raw/to_process/a/2.json", "processed/songs/p.parquet"):
        (lake / key).parent.mkdir(parents=True, exist_ok=True)
        (lake / key).write_text(key, encoding="utf-8")
    (lake / "notes.txt").write_text("mine", encoding="utf-8")
    with local_aws() as local:
        s3 = local.client("s3")
        seeded = seed_bucket(s3, local.bucket, lake)
        s3.copy_object(
            Bucket=local.bucket, Key="raw/processed/a/2.json",
            CopySource={"Bucket": local.bucket, "Key": "raw/to_process/a/2.json"},
        )
        s3.delete_object(Bucket=local.bucket, Key="raw/to_process/a/2.json")
        staging = tmp_path / "staging"
        downloaded = download_bucket(s3, local.bucket, staging)
        assert list_keys(s3, local.bucket) == sorted(downloaded)
    replace_lake(staging, lake)
    assert len(seeded) == 3
    # (the empty Iceberg tables the endpoint starts with, as a deploy creates them, come too)
    files = sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*")
                   if p.is_file() and not p.relative_to(lake).as_posix().startswith("tables/"))
    assert files == [
        "notes.txt", "processed/songs/p.parquet", "raw/processed/a/1.json", "raw/processed/a/2.json"
    ]
    moved = (lake / "raw/processed/a/2.json").read_text(encoding="utf-8")
    assert moved == "raw/to_process/a/2.json"
