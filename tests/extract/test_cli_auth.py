import json
import threading
from datetime import UTC, datetime

import boto3
import pytest
import requests
from moto import mock_aws

from spotify_etl.cli import build_parser
from spotify_etl.commands import auth
from spotify_etl.errors import CliError


def browser(results: list):
    """Stands in for the user's browser: follows the consent page's redirect to the callback.
    `open_url.finished()` waits for the page it was shown (the command may return as soon as
    the callback has the code, before the browser has read the answer)."""
    threads: list[threading.Thread] = []

    def open_url(url: str) -> None:
        thread = threading.Thread(target=lambda: results.append(requests.get(url, timeout=60)))
        threads.append(thread)
        thread.start()

    def finished() -> list:
        for thread in threads:
            thread.join(timeout=60)
        return results

    open_url.finished = finished
    return open_url


def parse(*argv: str):
    return build_parser().parse_args(["auth", *argv])


def test_auth_stores_the_refresh_token_merged_into_the_secret(fake, monkeypatch, capsys):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    user = browser([])
    with mock_aws():
        client = boto3.client("secretsmanager")
        client.create_secret(Name="spotify-etl/dev", SecretString=json.dumps(
            {"client_id": fake.client_id, "client_secret": fake.client_secret, "note": "kept"}))
        args = parse("--secret-id", "spotify-etl/dev", "--port", "0",
                     "--accounts-url", fake.accounts_url)
        assert auth.run(args, secrets_client=client, open_url=user,
                        now=lambda: datetime(2026, 7, 20, 12, 0, 5, 123, tzinfo=UTC)) == 0
        stored = json.loads(client.get_secret_value(SecretId="spotify-etl/dev")["SecretString"])
    assert stored == {"client_id": fake.client_id, "client_secret": fake.client_secret,
                      "note": "kept", "refresh_token": fake.refresh_token,
                      "authorized_at": "2026-07-20T12:00:05Z"}
    (page,) = user.finished()
    assert page.status_code == 200 and "received" in page.text
    assert fake.count("/authorize") == 1 and fake.count("/api/token", status=200) == 1
    out = capsys.readouterr().out
    assert "stored the refresh token" in out and fake.refresh_token not in out
    assert "expires about 2027-01-18T12:00:05Z" in out


def test_auth_print_shows_the_token(fake, monkeypatch, capsys):
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", fake.client_secret)
    args = parse("--print", "--port", "0", "--accounts-url", fake.accounts_url)
    assert auth.run(args, open_url=browser([]),
                    now=lambda: datetime(2026, 7, 20, 12, tzinfo=UTC)) == 0
    captured = capsys.readouterr()
    assert captured.out == fake.refresh_token + "\n"
    assert "SPOTIFY_AUTHORIZED_AT=2026-07-20T12:00:00Z" in captured.err


def test_auth_with_wrong_client_secret_fails_in_one_line(fake, monkeypatch):
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "wrong")
    args = parse("--print", "--port", "0", "--accounts-url", fake.accounts_url)
    with pytest.raises(CliError, match="refused the code: HTTP 400"):
        auth.run(args, open_url=browser([]))


def _cloudformation_answering(resources=None, error_code=None):
    """A real boto3 client whose answers are checked against the CloudFormation API model."""
    from botocore.stub import Stubber

    client = boto3.client("cloudformation", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    expected = {"StackName": "SpotifyEtl-dev-Ingest"}
    if error_code:
        stubber.add_client_error("describe_stack_resources", service_error_code=error_code,
                                 expected_params=expected)
    else:
        stubber.add_response("describe_stack_resources", {"StackResources": [
            {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": kind,
             "Timestamp": "2026-11-24T18:10:00Z", "ResourceStatus": "CREATE_COMPLETE"}
            for logical, physical, kind in resources
        ]}, expected)
    stubber.activate()
    return client


def test_env_finds_the_secret_the_ingest_stack_created():
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:SpotifySecret-AbCdEf"
    cloudformation = _cloudformation_answering([
        ("ExtractQueue", "https://sqs.example/q", "AWS::SQS::Queue"),
        ("SpotifySecret", arn, "AWS::SecretsManager::Secret"),
    ])
    args = parse("--env", "dev")
    assert auth._secret_id(args, cloudformation) == arn


def test_env_without_a_deployed_stack_says_what_to_do():
    cloudformation = _cloudformation_answering(error_code="ValidationError")
    with pytest.raises(CliError, match=r"cannot read stack SpotifyEtl-dev-Ingest .*--secret-id"):
        auth._secret_id(parse("--env", "dev"), cloudformation)
