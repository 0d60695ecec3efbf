"""The deployed worker handler on listening and library sources (moto S3/SQS, the local Spotify):
the cursor in S3 under state/ survives new containers, a message delivered twice or retried
lands no play twice, a gap emits its metric, and my-playlists expands through the queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from spotify_runtime import contract, layout
from spotify_runtime.extract.message_body import ExtractMessage, parse_body
from spotify_runtime.sources import Source
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from spotify_local.lambda_context import new_container
from spotify_local.spotify import sample_data
from spotify_local.spotify.content import OTHER_USERS_PLAYLIST_ID, PLAYLIST_ID
from spotify_local.spotify.library import played_at_ms

from . import test_extract_worker as worker_tests
from .conftest import RUN_AT, drain
from .test_extract_worker import BUCKET, poll, via_handler

# The worker tests' fixtures: moto queues, bucket and secret, and the local Spotify.
env = worker_tests.env
fake = worker_tests.fake

LISTENING = Source("recently-played")


def _s3():
    return boto3.client("s3", region_name="us-east-1")


def _send(env, source: Source, run_at: datetime, copies: int = 1) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    for _ in range(copies):
        sqs.send_message(QueueUrl=env["queue"], MessageBody=ExtractMessage(source, run_at)
                         .to_body())


def _history(fake) -> list[str]:
    return sorted(play["played_at"] for play in fake.content.recently_played)


def _listening_plays() -> list:
    """Every plays row the transform makes of the raw recently-played files in the bucket."""
    s3 = _s3()
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=layout.RAW_TO_PROCESS + "recently-played/")
    played = []
    for item in listing.get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        outputs = transform_raw_file(body, item["Key"]).outputs
        played += [row for key, data in outputs.items() if key.split("/")[1] == "plays"
                   for row in pq.read_table(pa.BufferReader(data)).column("played_at").to_pylist()]
    return played


def test_the_cursor_survives_new_containers_and_hourly_runs_land_each_play_once(env, fake):
    history = _history(fake)
    for hour, index in enumerate((19, 39, len(history) - 1)):
        fake.listening_clock = lambda index=index: played_at_ms(history[index])
        new_container()  # every run in a new container: only S3 remembers
        _send(env, LISTENING, RUN_AT + timedelta(hours=hour))
        assert poll(env, via_handler) == {"batchItemFailures": []}
        state = json.loads(_s3().get_object(
            Bucket=BUCKET, Key=layout.state_key("recently-played", "me"))["Body"].read())
        assert state["after_ms"] == played_at_ms(history[index])
    played = _listening_plays()
    assert len(played) == len(set(played)) == len(history)


def test_a_message_delivered_twice_or_retried_lands_no_play_twice(env, fake, capsys):
    history = _history(fake)
    fake.listening_clock = lambda: played_at_ms(history[29])
    _send(env, LISTENING, RUN_AT, copies=2)  # SQS delivers at least once: here, twice
    assert poll(env, via_handler) == {"batchItemFailures": []}
    fake.listening_clock = lambda: played_at_ms(history[34])
    _send(env, LISTENING, RUN_AT)  # the same run again (a retried schedule invocation)
    assert poll(env, via_handler) == {"batchItemFailures": []}
    played = _listening_plays()
    assert len(played) == len(set(played)) == 35
    assert contract.METRIC_LISTENING_GAPS not in capsys.readouterr().out


def test_a_full_page_after_the_cursor_emits_the_gap_metric(env, fake, capsys):
    history = _history(fake)
    fake.listening_clock = lambda: played_at_ms(history[0])
    _send(env, LISTENING, RUN_AT)
    poll(env, via_handler)
    capsys.readouterr()
    fake.listening_clock = lambda: played_at_ms(history[-1])
    _send(env, LISTENING, RUN_AT + timedelta(hours=9))
    assert poll(env, via_handler) == {"batchItemFailures": []}
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if contract.METRIC_LISTENING_GAPS in line]
    assert len(records) == 1 and records[0][contract.METRIC_LISTENING_GAPS] == 1
    assert records[0][contract.METRIC_DIMENSION_BUCKET] == BUCKET


def test_my_playlists_expands_into_the_users_own_and_collaborative_playlists(env, fake):
    collaborative, metadata_items = "c" * 22, sample_data.generate_playlist(
        "c" * 22, 5, seed=4, owner_id="someoneelse")
    metadata_items[0]["collaborative"] = True
    fake.add_playlist(*metadata_items)
    _send(env, Source("my-playlists"), RUN_AT)
    assert poll(env, via_handler) == {"batchItemFailures": []}
    sqs = boto3.client("sqs", region_name="us-east-1")
    queued = [parse_body(m["Body"]) for m in drain(sqs, env["queue"])]
    owned = [ident for ident, (metadata, _) in fake.content.playlists.items()
             if metadata["owner"]["id"] == fake.user_id]
    assert PLAYLIST_ID in owned and collaborative not in owned
    assert sorted(str(m.source) for m in queued) == sorted(
        [f"playlist:{ident}" for ident in owned] + [f"playlist:{collaborative}"])
    assert f"playlist:{OTHER_USERS_PLAYLIST_ID}" not in {str(m.source) for m in queued}
    assert {m.run_at for m in queued} == {RUN_AT.astimezone(UTC)}
