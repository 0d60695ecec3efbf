"""`doctor --env NAME` against moto's server, with Lambda's account settings and Service Quotas
added as AWS shapes them (spotify_local/lambda_quotas.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from spotify_etl.cli import main
from spotify_etl.commands.doctor import BOOTSTRAP_VERSION_PARAMETER, MIN_BOOTSTRAP_VERSION
from spotify_local import lambda_quotas

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
SECRET = "spotify-etl/dev"


@pytest.fixture
def account(tmp_path, monkeypatch):
    """An account on moto's server, and a cdk.json with `dev` (defaults: 10 at once), `big`
    (13 at once), `listener` (a source that needs a user) and `fresh` (its secret made by a
    stack not deployed yet), the way a user's checkout has one."""
    lambda_quotas.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto's state lives in this process: start from nothing whatever an earlier test left.
    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10).raise_for_status()
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": f"http://{host}:{port}"
                        }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    (tmp_path / "cdk.json").write_text(json.dumps({"context": {"spotify-etl": {
        "defaults": {"region": REGION, "sources": ["playlist:3cEYpjA9oz9GiPac4AsH4n"],
                     "secret_name": SECRET},
        "environments": {"dev": {}, "big": {"extract_max_concurrency": 5,
                                            "lambda_concurrency_limit": 1000},
                         "listener": {"sources": ["recently-played"]},
                         "fresh": {"secret_name": None}},
    }}}))
    monkeypatch.chdir(tmp_path)
    yield
    lambda_quotas.forget_accounts()
    server.stop()


def _doctor(env: str, capsys) -> tuple[int, dict[str, str]]:
    status = main(["doctor", "--env", env])
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert not captured.err, captured.err
    return status, {line.split(":", 1)[0].split(maxsplit=1)[1]: line for line in lines[:-1]}


def _healthy(authorized_days_ago: float | None = 10, refresh_token: bool = True,
             client_id: str = "abc") -> None:
    boto3.client("ssm").put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Type="String",
                                      Value=str(MIN_BOOTSTRAP_VERSION + 24), Overwrite=True)
    secret = {"client_id": client_id, "client_secret": "s3cret"}
    if refresh_token:
        secret["refresh_token"] = "token"
    if authorized_days_ago is not None:
        moment = datetime.now(UTC) - timedelta(days=authorized_days_ago)
        secret["authorized_at"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    boto3.client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps(secret))


def test_a_ready_account_passes_every_check(account, capsys):
    lambda_quotas.set_account_concurrency(ACCOUNT, REGION, limit=10)
    _healthy()
    status, lines = _doctor("dev", capsys)
    assert status == 0, lines
    assert set(lines) == {"lambda concurrency", "cdk bootstrap", "spotify secret", "refresh token"}
    assert all(line.startswith("ok") for line in lines.values()), lines
    assert "10 at once fits the 10 unreserved of 10" in lines["lambda concurrency"]


def test_a_new_account_too_small_for_the_settings_fails_with_the_fix(account, capsys):
    # What users report: Service Quotas shows the default while Lambda enforces 10.
    lambda_quotas.set_account_concurrency(ACCOUNT, REGION, limit=10, quota=1000)
    _healthy()
    status, lines = _doctor("big", capsys)
    assert status == 1
    line = lines["lambda concurrency"]
    assert line.startswith("FAIL")
    assert "may run 13 at once but the account leaves 10 of 10 unreserved" in line
    assert "Service Quotas shows 1000" in line and "L-B99A9384" in line
    assert "extract_max_concurrency" in line


def test_a_limit_in_cdk_json_above_the_accounts_is_pointed_out(account, capsys):
    lambda_quotas.set_account_concurrency(ACCOUNT, REGION, limit=50)
    _healthy()
    status, lines = _doctor("big", capsys)
    assert status == 0
    assert lines["lambda concurrency"].startswith("warn")
    assert "set it to 50" in lines["lambda concurrency"]


@pytest.mark.parametrize(("version", "expected"), [
    (None, "is not bootstrapped: run `npx aws-cdk bootstrap aws://123456789012/us-east-1`"),
    (str(MIN_BOOTSTRAP_VERSION - 1), f"older than the {MIN_BOOTSTRAP_VERSION} the templates need"),
])
def test_an_account_not_bootstrapped_recently_enough_fails(account, capsys, version, expected):
    _healthy()
    ssm = boto3.client("ssm")
    if version is None:
        ssm.delete_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)
    else:
        ssm.put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Type="String", Value=version,
                          Overwrite=True)
    status, lines = _doctor("dev", capsys)
    assert status == 1
    assert lines["cdk bootstrap"].startswith("FAIL") and expected in lines["cdk bootstrap"]


def test_before_the_first_deploy_the_secret_is_a_warning(account, capsys):
    boto3.client("ssm").put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Type="String",
                                      Value="30")
    status, lines = _doctor("fresh", capsys)
    assert status == 0
    assert lines["spotify secret"].startswith("warn")
    assert "SpotifyEtl-fresh-Ingest" in lines["spotify secret"]


def test_a_secret_still_holding_the_placeholder_fails(account, capsys):
    _healthy(client_id="REPLACE_ME")
    status, lines = _doctor("dev", capsys)
    assert status == 1
    assert lines["spotify secret"].startswith("FAIL") and "no client_id" in lines["spotify secret"]


@pytest.mark.parametrize(("days_ago", "status_word", "text"), [
    (170, "warn", "expires in 12 days"),
    (200, "FAIL", "expired 18 days ago"),
    (None, "warn", "its age is unknown"),
])
def test_the_refresh_tokens_age(account, capsys, days_ago, status_word, text):
    _healthy(authorized_days_ago=days_ago)
    _status, lines = _doctor("dev", capsys)
    assert lines["refresh token"].startswith(status_word), lines["refresh token"]
    assert text in lines["refresh token"]
    assert "auth --env dev" in lines["refresh token"]


def test_a_listening_source_without_a_refresh_token_fails(account, capsys):
    _healthy(refresh_token=False, authorized_days_ago=None)
    status, lines = _doctor("listener", capsys)
    assert status == 1
    assert "needs a user" in lines["refresh token"]


def test_the_standin_refuses_what_lambda_and_service_quotas_refuse(account):
    quotas = boto3.client("service-quotas")
    with pytest.raises(quotas.exceptions.NoSuchResourceException):
        quotas.get_service_quota(ServiceCode="lambda", QuotaCode="L-00000000")
    lambda_quotas.set_account_concurrency(ACCOUNT, REGION, limit=1000)
    settings = boto3.client("lambda").get_account_settings()["AccountLimit"]
    assert settings["ConcurrentExecutions"] == settings["UnreservedConcurrentExecutions"] == 1000
    assert quotas.get_service_quota(ServiceCode="lambda", QuotaCode="L-B99A9384")[
        "Quota"]["QuotaName"] == "Concurrent executions"


def test_an_unknown_environment_is_one_line(account, capsys):
    assert main(["doctor", "--env", "staging"]) == 1
    assert capsys.readouterr().err.count("\n") == 1

