import json
import logging
import re

import boto3
import pytest
from moto import mock_aws
from spotify_runtime import credentials, handlers
from spotify_runtime.errors import InvalidCredentialsError, SourcesFailedError
from spotify_runtime.handlers import extract
from spotify_runtime.layout import RAW_TO_PROCESS

from spotify_etl.local.catalogue import ALBUM_ID, ARTIST_ID, EDITORIAL_PLAYLIST_ID, PLAYLIST_ID
from spotify_etl.local.fake_spotify import FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN

BUCKET = "spotify-etl-data-test"
SECRET_ID = "spotify-etl/test"


class Context:
    def get_remaining_time_in_millis(self) -> int:
        return 900_000


@pytest.fixture
def aws(monkeypatch, fake):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("secretsmanager").create_secret(Name=SECRET_ID, SecretString=json.dumps({
            "client_id": fake.client_id, "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token,
        }))
        monkeypatch.setenv("DATA_BUCKET", BUCKET)
        monkeypatch.setenv("SPOTIFY_SECRET_ID", SECRET_ID)
        monkeypatch.setenv("SPOTIFY_API_URL", fake.api_url)
        monkeypatch.setenv("SPOTIFY_ACCOUNTS_URL", fake.accounts_url)
        handlers.forget_container_state()
        credentials.clear_secret_cache()
        yield boto3.client("s3")
        handlers.forget_container_state()
        credentials.clear_secret_cache()


def stored(s3) -> dict[str, bytes]:
    listing = s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listing}


def test_handler_writes_one_envelope_per_source_with_one_token(aws, fake):
    sources = [f"playlist:{PLAYLIST_ID}", f"album:{ALBUM_ID}", f"artist:{ARTIST_ID}",
               "saved-tracks", "recently-played"]
    result = extract.handler({"sources": sources}, Context())
    objects = stored(aws)
    assert len(objects) == 5
    key_shape = re.compile(
        re.escape(RAW_TO_PROCESS) + r"[a-z-]+/(?:[0-9A-Za-z]{22}|me)/\d{8}T\d{6}Z\.json"
    )
    assert all(key_shape.fullmatch(key) for key in objects)
    stamp = result["run_at"].replace("-", "").replace(":", "")
    assert f"{RAW_TO_PROCESS}playlist/{PLAYLIST_ID}/{stamp}.json" in objects
    assert f"{RAW_TO_PROCESS}saved-tracks/me/{stamp}.json" in objects
    envelope = json.loads(objects[f"{RAW_TO_PROCESS}album/{ALBUM_ID}/{stamp}.json"])
    assert envelope["schema_version"] == 1 and len(envelope["items"]) == 62
    assert fake.count("/api/token") == 1
    # a second invocation in the same container reuses the client and its token
    extract.handler({"sources": [f"album:{ALBUM_ID}"]}, Context())
    assert fake.count("/api/token") == 1


def test_sources_default_to_the_sources_variable(aws, monkeypatch):
    monkeypatch.setenv("SOURCES", json.dumps([f"album:{ALBUM_ID}"]))
    result = extract.handler({}, Context())
    assert [entry["source"] for entry in result["extracted"]] == [f"album:{ALBUM_ID}"]


def test_one_failing_source_does_not_stop_the_others(aws, fake):
    fake.inject_fault(429, "/v1/albums/", retry_after=5000)
    with pytest.raises(SourcesFailedError) as caught:
        extract.handler({"sources": [f"playlist:{EDITORIAL_PLAYLIST_ID}", f"album:{ALBUM_ID}",
                                     f"playlist:{PLAYLIST_ID}"]}, Context())
    message = str(caught.value)
    assert "extracted 1 of 3 sources" in message
    assert f"playlist:{EDITORIAL_PLAYLIST_ID}: Spotify answered 404" in message
    assert "5000 s" in message
    keys = list(stored(aws))
    assert len(keys) == 1 and PLAYLIST_ID in keys[0]


def test_secrets_never_reach_logs_or_raw_files(aws, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.inject_fault(503, "/v1/albums/")
    fake.inject_fault(403, "/v1/artists/")
    with pytest.raises(SourcesFailedError):
        extract.handler({"sources": [f"album:{ALBUM_ID}", f"artist:{ARTIST_ID}"]}, Context())
    access_tokens = list(fake._state.tokens)
    texts = [caplog.text, *(body.decode() for body in stored(aws).values())]
    for secret in (FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN, *access_tokens):
        assert all(secret not in text for text in texts)
    assert "album" in caplog.text  # the logs did record the run


def test_missing_secret_key_is_named(aws, monkeypatch):
    boto3.client("secretsmanager").put_secret_value(
        SecretId=SECRET_ID, SecretString=json.dumps({"client_id": "x"})
    )
    with pytest.raises(InvalidCredentialsError, match=r"'spotify-etl/test' has no 'client_secret'"):
        extract.handler({"sources": [f"album:{ALBUM_ID}"]}, Context())


def test_rejected_credentials_fail_every_source_naming_the_secret(aws, fake):
    fake.client_secret = "rotated"
    with pytest.raises(SourcesFailedError, match="rejected the client credentials or refresh "
                       "token in secret 'spotify-etl/test'"):
        extract.handler({"sources": [f"album:{ALBUM_ID}"]}, Context())
