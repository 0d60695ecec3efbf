"""The extract worker handler end to end: moto SQS/S3/Secrets Manager, the local Spotify API."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import boto3
import pytest
from spotify_runtime import layout
from spotify_runtime.extract import credentials as credentials_module
from spotify_runtime.extract import worker as extract_worker
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.messages import ExtractMessage
from spotify_runtime.extract.raw_sink import S3RawSink
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.extract.worker import (
    WorkerSettings,
    build_container,
    worker_pacer,
)

from spotify_etl_dev.fake_spotify import FakeSpotify
from spotify_etl_dev.sqs_event_source import to_lambda_records

from .conftest import RUN_AT, RecordingSQS, drain, playlist_sources

BUCKET = "data-bucket"


class LambdaContext:
    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@pytest.fixture
def fake() -> Iterator[FakeSpotify]:
    with FakeSpotify() as server:
        for index, source in enumerate(playlist_sources(3)):
            server.add_generated_playlist(source.id, 60 + 70 * index, seed=index)
        yield server


@pytest.fixture
def env(aws, fake: FakeSpotify, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Queues, bucket and secret on moto; the worker's environment pointing at them."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    secret = boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="spotify", SecretString=json.dumps({
            "client_id": fake.client_id, "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token,
        }),
    )
    dlq = sqs.create_queue(QueueName="extract-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="extract")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    values = {
        "DATA_BUCKET": BUCKET, "SPOTIFY_SECRET_ID": secret["ARN"], "EXTRACT_DLQ_URL": dlq,
        "EXTRACT_MAX_ATTEMPTS": "3", "EXTRACT_REQUESTS_PER_30S": "90",
        "EXTRACT_MAX_CONCURRENCY": "2", "SPOTIFY_API_URL": fake.api_url,
        "SPOTIFY_ACCOUNTS_URL": fake.accounts_url,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    extract_worker.forget_container()
    credentials_module.clear_secret_cache()
    yield {**values, "queue": queue, "arn": arn["Attributes"]["QueueArn"]}
    extract_worker.forget_container()


def send(env: dict[str, str], *sources, attempt: int = 0) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    for source in sources:
        body = ExtractMessage(source, RUN_AT, attempt).to_body()
        sqs.send_message(QueueUrl=env["queue"], MessageBody=body)


def poll(env: dict[str, str], invoke) -> dict:
    """What the event source mapping does once: receive, invoke, delete the successes."""
    sqs = boto3.client("sqs", region_name="us-east-1")
    received = sqs.receive_message(QueueUrl=env["queue"], MaxNumberOfMessages=10,
                                   AttributeNames=["All"]).get("Messages", [])
    event = {"Records": to_lambda_records(received, env["arn"])}
    response = invoke(event)
    failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
    for record in event["Records"]:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=env["queue"], ReceiptHandle=record["receiptHandle"])
    return response


def raw_keys() -> list[str]:
    listing = boto3.client("s3", region_name="us-east-1").list_objects_v2(
        Bucket=BUCKET, Prefix=layout.RAW_TO_PROCESS)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def paced_worker(settings: WorkerSettings, sqs, fake: FakeSpotify):
    """A worker container as the handler builds it, with waits that take no time."""
    pacer = worker_pacer(settings)
    client = SpotifyClient(
        SpotifyCredentials(fake.client_id, fake.client_secret, fake.refresh_token),
        api_url=fake.api_url, accounts_url=fake.accounts_url, throttle=pacer,
        sleep=lambda _seconds: None,
    )
    return build_container(
        settings, sqs=sqs, sink=S3RawSink(boto3.client("s3", region_name="us-east-1"), BUCKET),
        client=client, pacer=pacer, rng=random.Random(3),
    )


def via_handler(event: dict) -> dict:
    return extract_worker.handler(event, LambdaContext())


def test_messages_land_and_one_token_serves_the_container(env, fake) -> None:
    sources = playlist_sources(3)
    send(env, *sources[:2])
    assert poll(env, via_handler) == {"batchItemFailures": []}
    send(env, sources[2])
    assert poll(env, via_handler) == {"batchItemFailures": []}

    assert raw_keys() == sorted(layout.raw_key("playlist", s.id, RUN_AT) for s in sources)
    assert fake.count("^/api/token") == 1
    assert drain(boto3.client("sqs", region_name="us-east-1"), env["queue"]) == []


def test_twice_delivered_message_leaves_one_raw_file(env, fake) -> None:
    source = playlist_sources(1)[0]
    send(env, source, source)  # SQS at-least-once: the same request twice
    poll(env, via_handler)
    send(env, source, attempt=1)  # and a retry of it
    poll(env, via_handler)

    assert raw_keys() == [layout.raw_key("playlist", source.id, RUN_AT)]
    assert fake.count(f"^/v1/playlists/{source.id}$") == 3


def test_long_retry_after_defers_the_message_without_a_raw_file(env, fake) -> None:
    fake.inject_fault(429, "^/v1/playlists/", retry_after=3600, count=None)
    recording = RecordingSQS(boto3.client("sqs", region_name="us-east-1"))
    worker = paced_worker(WorkerSettings.from_env(env), recording, fake)
    send(env, *playlist_sources(2))

    response = poll(env, lambda event: worker.handle_batch(event["Records"],
                                                           Deadline.after(290)).response)

    assert len(response["batchItemFailures"]) == 2
    assert len(recording.visibility) == 2
    assert all(3600 <= seconds <= 3660 for seconds in recording.visibility)
    assert fake.count("^/v1/playlists/", status=429) == 1  # the second was deferred from memory
    assert raw_keys() == []
    attributes = recording.get_queue_attributes(QueueUrl=env["queue"], AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "2"


def test_failing_source_retries_then_dead_letters_with_its_last_error(env, fake) -> None:
    source = playlist_sources(1)[0]
    fake.inject_fault(503, f"^/v1/playlists/{source.id}", count=None)
    settings = WorkerSettings(dlq_url=env["EXTRACT_DLQ_URL"], max_attempts=2,
                              retry_base_delay_seconds=0)
    worker = paced_worker(settings, boto3.client("sqs", region_name="us-east-1"), fake)
    send(env, source)

    def invoke(event):
        return worker.handle_batch(event["Records"], Deadline.after(290)).response

    assert poll(env, invoke) == {"batchItemFailures": []}  # retry scheduled (re-sent)
    assert poll(env, invoke) == {"batchItemFailures": []}  # last attempt: dead-lettered

    sqs = boto3.client("sqs", region_name="us-east-1")
    assert drain(sqs, env["queue"]) == []
    [dead] = drain(sqs, env["EXTRACT_DLQ_URL"])
    body = json.loads(dead["Body"])
    assert (body["source"], body["attempt"]) == (str(source), 1)
    assert "503" in body["last_error"]
    assert "503" in dead["MessageAttributes"]["LastError"]["StringValue"]
    assert raw_keys() == []


def test_worker_settings_come_from_the_environment_and_name_bad_values() -> None:
    settings = WorkerSettings.from_env({
        "EXTRACT_DLQ_URL": "https://dlq", "EXTRACT_MAX_ATTEMPTS": "4",
        "EXTRACT_REQUESTS_PER_30S": "120", "EXTRACT_MAX_CONCURRENCY": "3",
    })
    assert (settings.max_attempts, settings.requests_per_30s, settings.max_concurrency) == (
        4, 120, 3)
    assert WorkerSettings.from_env({"EXTRACT_DLQ_URL": "https://dlq"}).requests_per_30s == 90
    with pytest.raises(RuntimeError, match="EXTRACT_DLQ_URL"):
        WorkerSettings.from_env({})
    with pytest.raises(ValueError, match="EXTRACT_MAX_CONCURRENCY"):
        WorkerSettings.from_env({"EXTRACT_DLQ_URL": "x", "EXTRACT_MAX_CONCURRENCY": "two"})
    with pytest.raises(ValueError, match="EXTRACT_REQUESTS_PER_30S"):
        WorkerSettings.from_env({"EXTRACT_DLQ_URL": "x", "EXTRACT_REQUESTS_PER_30S": "0"})


def test_planner_to_worker_lands_every_configured_source(env, fake, monkeypatch) -> None:
    from spotify_runtime.extract import planner

    sources = playlist_sources(3)
    monkeypatch.setenv("EXTRACT_QUEUE_URL", env["queue"])
    monkeypatch.setenv("SOURCES", json.dumps([str(source) for source in sources]))

    planned = planner.handler({"run_at": "2026-11-24T18:10:00Z"}, None)
    responses = [poll(env, via_handler) for _ in range(2)]  # the second poll finds nothing left

    assert planned == {"run_at": "2026-11-24T18:10:00Z", "sources": "all", "messages_sent": 3}
    assert responses == [{"batchItemFailures": []}] * 2
    assert raw_keys() == sorted(layout.raw_key("playlist", s.id, RUN_AT) for s in sources)
    assert drain(boto3.client("sqs", region_name="us-east-1"), env["queue"]) == []
    assert fake.count("^/api/token") == 1
