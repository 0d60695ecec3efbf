"""The extract worker handler end to end: moto SQS/S3/Secrets Manager, the local Spotify API."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import boto3
import pytest
from spotify_runtime import layout
from spotify_runtime.extract import worker as extract_worker
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.message_body import ExtractMessage
from spotify_runtime.extract.raw_sink import S3RawSink
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.extract.worker import (
    WorkerSettings,
    build_queue_worker,
    worker_pacer,
)
from spotify_runtime.sources import parse_source

from spotify_local.lambda_context import new_container
from spotify_local.spotify.server import FakeSpotify
from spotify_local.sqs_event_source import to_lambda_records

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
    new_container()
    yield {**values, "queue": queue, "arn": arn["Attributes"]["QueueArn"]}
    new_container()


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
    return build_queue_worker(
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


# --- Spotify's refresh-token lifecycle and quota, through the worker --------------------------

def emf_values(output: str, metric: str) -> list[float]:
    values = []
    for line in output.splitlines():
        if line.startswith("{") and f'"{metric}"' in line:
            values.append(json.loads(line)[metric])
    return values


def test_expired_refresh_token_dead_letters_each_user_source_once_and_albums_still_land(
    env, fake, capsys
) -> None:
    from spotify_local.spotify.content import ALBUM_ID

    fake.expire_refresh_tokens()
    user_sources = [parse_source("saved-tracks"), parse_source("recently-played"),
                    playlist_sources(1)[0]]
    send(env, parse_source(f"album:{ALBUM_ID}"), *user_sources)

    assert poll(env, via_handler) == {"batchItemFailures": []}

    sqs = boto3.client("sqs", region_name="us-east-1")
    assert drain(sqs, env["queue"]) == []  # nothing retried
    dead = drain(sqs, env["EXTRACT_DLQ_URL"])
    assert sorted(json.loads(m["Body"])["source"] for m in dead) == sorted(
        str(s) for s in user_sources)
    errors = {json.loads(m["Body"])["last_error"] for m in dead}
    assert len(errors) == 1  # the same one line for each
    [error] = errors
    assert "invalid_grant" in error and "six months" in error
    assert f"`python -m spotify_etl auth --secret-id {env['SPOTIFY_SECRET_ID']}`" in error
    assert raw_keys() == [layout.raw_key("album", ALBUM_ID, RUN_AT)]
    # One refused refresh, one client-credentials token; no request for a user source.
    assert fake.count("^/api/token", status=400) == 1 and fake.count("^/api/token") == 2
    assert fake.count("^/v1/(me|playlists)/") == 0
    assert emf_values(capsys.readouterr().out, "RefreshTokenDaysLeft") == [0]


def test_rotated_refresh_token_is_written_back_and_the_next_container_uses_it(
    env, fake, capsys
) -> None:
    from datetime import UTC, datetime, timedelta

    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    authorized_at = (datetime.now(UTC) - timedelta(days=170)).replace(microsecond=0)
    original = fake.refresh_token
    secrets.put_secret_value(SecretId=env["SPOTIFY_SECRET_ID"], SecretString=json.dumps({
        "client_id": fake.client_id, "client_secret": fake.client_secret,
        "refresh_token": original, "authorized_at": authorized_at.isoformat(),
    }))
    fake.rotate_refresh_tokens = True
    send(env, parse_source("saved-tracks"))
    assert poll(env, via_handler) == {"batchItemFailures": []}

    stored = json.loads(secrets.get_secret_value(SecretId=env["SPOTIFY_SECRET_ID"])
                        ["SecretString"])
    assert stored["refresh_token"] == fake.refresh_token != original
    assert not fake.refresh_token_valid(original)  # the old one no longer works
    assert stored["authorized_at"] == authorized_at.isoformat()  # rotation extends nothing
    [days] = emf_values(capsys.readouterr().out, "RefreshTokenDaysLeft")
    assert 11.9 < days < 12.1  # 182 - 170

    new_container()  # a new container reads the secret again
    send(env, parse_source("recently-played"))
    assert poll(env, via_handler) == {"batchItemFailures": []}
    assert len(raw_keys()) == 2 and fake.count("^/api/token", status=400) == 0


class DelayRecordingSQS(RecordingSQS):
    """Records the re-sent messages' DelaySeconds and hands moto 0, so the test need not wait
    the 15 minutes; every other call goes to moto as is."""

    def __init__(self, client) -> None:
        super().__init__(client)
        self.delays: list[int] = []
        self.handles: list[str] = []

    def change_message_visibility(self, **kwargs):
        self.handles.append(kwargs["ReceiptHandle"])
        return super().change_message_visibility(**kwargs)

    def make_visible(self, queue_url: str) -> None:
        """What the passing of the visibility timeouts set so far would do."""
        for handle in self.handles:
            self.client.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle,
                                                  VisibilityTimeout=0)
        self.handles.clear()

    def send_message(self, **kwargs):
        self.delays.append(kwargs.pop("DelaySeconds", 0))
        return self.client.send_message(**kwargs)


def test_quota_429_defers_every_message_without_another_request_until_retry_after(
    env, fake, capsys
) -> None:
    import time
    from datetime import UTC, datetime, timedelta

    shift = [0.0]
    fake.clock = lambda: time.monotonic() + shift[0]

    def now() -> datetime:
        return datetime.now(UTC) + timedelta(seconds=shift[0])

    settings = WorkerSettings.from_env(env)
    sqs = DelayRecordingSQS(boto3.client("sqs", region_name="us-east-1"))
    metrics: list[tuple[str, float]] = []

    def container() -> object:
        pacer = worker_pacer(settings)
        client = SpotifyClient(
            SpotifyCredentials(fake.client_id, fake.client_secret, fake.refresh_token),
            api_url=fake.api_url, accounts_url=fake.accounts_url, throttle=pacer,
            sleep=lambda _seconds: None, now=now,
            clock=lambda: time.monotonic() + shift[0],
        )
        worker = build_queue_worker(
            settings, sqs=sqs, client=client, pacer=pacer, rng=random.Random(3),
            sink=S3RawSink(boto3.client("s3", region_name="us-east-1"), BUCKET),
            metric=lambda name, value: metrics.append((name, value)),
        )
        worker._now = now
        return worker

    def invoke_with(worker):
        return lambda event: worker.handle_batch(event["Records"], Deadline.after(290)).response

    sources = playlist_sources(3)
    fake.exhaust_quota(86_400)
    send(env, *sources)
    first = container()
    assert poll(env, invoke_with(first)) == {"batchItemFailures": []}  # re-sent, waiting
    assert fake.count("^/v1/", status=429) == 1  # the first request only; the rest from memory
    assert sqs.delays == [900, 900, 900]
    waiting = drain(sqs, env["queue"])
    assert len(waiting) == 3 and all("not_before" in json.loads(m["Body"]) for m in waiting)
    for message in waiting:  # make them visible again, as after their delay
        sqs.client.change_message_visibility(QueueUrl=env["queue"],
                                             ReceiptHandle=message["ReceiptHandle"],
                                             VisibilityTimeout=0)

    # Later receives, in new containers that know nothing: deferred by visibility, 12 h at most.
    for hours, low, high in ((0.25, 43_000, 43_140), (12.5, 41_000, 43_140)):
        shift[0] = hours * 3600
        sqs.visibility.clear()
        response = poll(env, invoke_with(container()))
        assert len(response["batchItemFailures"]) == 3
        assert all(low <= seconds <= high for seconds in sqs.visibility), sqs.visibility
        sqs.make_visible(env["queue"])
    assert fake.count("^/v1/") == 1  # still no further request
    assert drain(sqs, env["EXTRACT_DLQ_URL"]) == []

    shift[0] = 86_400 + 60  # the Retry-After has passed
    assert poll(env, invoke_with(container())) == {"batchItemFailures": []}
    assert raw_keys() == sorted(layout.raw_key("playlist", s.id, RUN_AT) for s in sources)
    assert drain(sqs, env["EXTRACT_DLQ_URL"]) == []
    assert metrics.count(("QuotaDeferrals", 1)) == 3 + 3 + 3
