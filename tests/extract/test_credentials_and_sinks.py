import json

import boto3
import pytest
from moto import mock_aws
from spotify_runtime.extract.credentials import (
    CredentialsConfigError,
    credentials_from_secret,
    parse_secret,
)
from spotify_runtime.extract.raw_sink import S3RawSink

from spotify_local.folder_store import FolderStore
from spotify_local.lambda_context import new_container
from spotify_local.spotify.endpoint import credentials_from_env


@pytest.mark.parametrize(("text", "expected"), [
    ("not json", "is not a JSON object"),
    ('["a"]', "is not a JSON object"),
    ('{"client_secret": "s3cr3t-value"}', "has no 'client_id'"),
    ('{"client_id": "id", "client_secret": ""}', "has no 'client_secret'"),
    ('{"client_id": "id", "client_secret": "s3cr3t-value", "refresh_token": 5}', "refresh_token"),
])
def test_bad_secret_shapes_are_named_without_values(text, expected):
    with pytest.raises(CredentialsConfigError) as caught:
        parse_secret(text, "spotify-etl/dev")
    assert expected in str(caught.value) and "'spotify-etl/dev'" in str(caught.value)
    assert "s3cr3t-value" not in str(caught.value)


def test_credentials_hide_secrets_from_repr():
    parsed = parse_secret('{"client_id": "id", "client_secret": "s3cr3t", "refresh_token": "rt"}',
                          "x")
    assert parsed.has_user and "s3cr3t" not in repr(parsed) and "rt'" not in repr(parsed)


def test_secret_is_read_once_per_container(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    new_container()
    calls = []
    with mock_aws():
        client = boto3.client("secretsmanager")
        client.create_secret(Name="s", SecretString='{"client_id": "a", "client_secret": "b"}')
        original = client.get_secret_value

        def counting(**kwargs):
            calls.append(kwargs)
            return original(**kwargs)

        client.get_secret_value = counting
        first = credentials_from_secret("s", client)
        assert credentials_from_secret("s", client) is first and len(calls) == 1
        assert not first.has_user and first.origin == "secret 's'"
        with pytest.raises(CredentialsConfigError, match="cannot read secret 'missing'"):
            credentials_from_secret("missing", client)
    new_container()


def test_env_credentials():
    env = {"SPOTIFY_CLIENT_ID": "a", "SPOTIFY_CLIENT_SECRET": "b", "SPOTIFY_REFRESH_TOKEN": " "}
    assert not credentials_from_env(env).has_user
    assert credentials_from_env({**env, "SPOTIFY_REFRESH_TOKEN": "r"}).refresh_token == "r"
    with pytest.raises(CredentialsConfigError, match="SPOTIFY_CLIENT_SECRET"):
        credentials_from_env({"SPOTIFY_CLIENT_ID": "a"})


def test_sinks_write_the_same_key_and_rewrites_overwrite(tmp_path, monkeypatch):
    key = "raw/to_process/album/4aawyAB9vmqN3uQ7FjRGTy/20261124T181000Z.json"
    envelope = {"items": ["Ça, \"va\"\n"], "n": 1}
    directory = FolderStore(tmp_path)
    directory.write(key, envelope)
    directory.write(key, {**envelope, "n": 2})
    assert json.loads((tmp_path / key).read_text(encoding="utf-8"))["n"] == 2
    assert [p.name for p in (tmp_path / key).parent.iterdir()] == ["20261124T181000Z.json"]
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="raw-bucket")
        assert S3RawSink(s3, "raw-bucket").write(key, envelope) == f"s3://raw-bucket/{key}"
        body = s3.get_object(Bucket="raw-bucket", Key=key)["Body"].read()
    assert body == (tmp_path / key).read_bytes().replace(b'"n":2', b'"n":1')


def test_authorized_at_gives_the_days_left_and_a_bad_one_is_named():
    from datetime import UTC, datetime

    text = json.dumps({"client_id": "id", "client_secret": "s3cr3t-value",
                       "refresh_token": "r3fr3sh", "authorized_at": "2026-07-20T12:00:00Z"})
    parsed = parse_secret(text, "spotify-etl/dev")
    assert parsed.authorized_at == datetime(2026, 7, 20, 12, tzinfo=UTC)
    assert parsed.refresh_token_expires_at() == datetime(2027, 1, 18, 12, tzinfo=UTC)
    assert parsed.days_left(datetime(2026, 12, 19, 12, tzinfo=UTC)) == 30
    assert parsed.days_left(datetime(2027, 3, 1, tzinfo=UTC)) == 0
    assert parsed.reauthorize_command == "python -m spotify_etl auth --secret-id spotify-etl/dev"
    bad = json.dumps({"client_id": "id", "client_secret": "s3cr3t-value",
                      "authorized_at": "last summer"})
    with pytest.raises(CredentialsConfigError) as caught:
        parse_secret(bad, "spotify-etl/dev")
    assert str(caught.value) == ("secret 'spotify-etl/dev': 'authorized_at' is not an ISO 8601 "
                                 "time like 2026-07-20T12:00:00Z")
