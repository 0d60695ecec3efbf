"""`-v` shows our DEBUG lines, never a credential: the CLI run as a user runs it.

`extract` and `auth` run as subprocesses (`python -m spotify_etl -v ...`, the real logging set-up)
against the local Spotify Web API and moto's HTTP server holding a secret with known fake values.
The client secret, the refresh token and every access token the local Spotify issued must appear
in none of stdout, stderr, the raw files written, or the secret's other readers' view.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import boto3
import requests

from spotify_local.moto_aws import local_aws
from spotify_local.spotify.server import FAKE_CLIENT_ID

ROOT = Path(__file__).resolve().parents[2]


def cli_environment(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SPOTIFY_")}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def leaked(fake, *texts: str) -> list[str]:
    """The credentials (by name) that occur in any of `texts`."""
    tokens = fake.issued_access_tokens()
    assert tokens, "the run should have obtained at least one access token"
    secrets = {"client secret": fake.client_secret, "refresh token": fake.refresh_token}
    secrets.update({f"access token {i}": token for i, token in enumerate(tokens)})
    return [name for name, value in secrets.items() if any(value in text for text in texts)]


def test_verbose_extract_logs_no_credential(fake, tmp_path):
    out = tmp_path / "raw"
    env = cli_environment(
        SPOTIFY_CLIENT_ID=fake.client_id,
        SPOTIFY_CLIENT_SECRET=fake.client_secret,
        SPOTIFY_REFRESH_TOKEN=fake.refresh_token,
    )
    result = subprocess.run(
        [sys.executable, "-m", "spotify_etl", "-v", "extract", "--source", "saved-tracks",
         "--source", "playlist:3cEYpjA9oz9GiPac4AsH4n", "--out", str(out),
         "--api-url", fake.api_url, "--accounts-url", fake.accounts_url],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    files = [path.read_text(encoding="utf-8") for path in out.rglob("*") if path.is_file()]
    assert files, result.stderr
    # -v did turn on our own log lines (INFO and below reach stderr).
    assert "INFO spotify_runtime" in result.stderr, result.stderr
    assert leaked(fake, result.stdout, result.stderr, *files) == []


def test_verbose_auth_logs_no_credential(fake, tmp_path):
    with local_aws() as local:
        secrets = boto3.client(
            "secretsmanager", endpoint_url=local.endpoint_url, region_name="us-east-1"
        )
        secrets.create_secret(Name="spotify-etl/test", SecretString=json.dumps(
            {"client_id": FAKE_CLIENT_ID, "client_secret": fake.client_secret}))
        env = cli_environment(
            AWS_ENDPOINT_URL=local.endpoint_url, AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "spotify_etl", "-v", "auth", "--secret-id",
             "spotify-etl/test", "--port", "0", "--no-browser",
             "--accounts-url", fake.accounts_url],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        stderr_lines = []
        # The consent URL is printed on stderr; the test is the user's browser.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            stderr_lines.append(line)
            if "/authorize?" in line:
                assert requests.get(line.strip(), timeout=10).status_code == 200
                break
        stdout, rest = process.communicate(timeout=60)
        stderr = "".join(stderr_lines) + rest
        stored = json.loads(secrets.get_secret_value(SecretId="spotify-etl/test")["SecretString"])
    assert process.returncode == 0, stderr
    assert stored["refresh_token"] == fake.refresh_token
    assert leaked(fake, stdout, stderr) == []


SDK_AT_DEBUG = """
import logging, sys, boto3
logging.basicConfig(level=logging.DEBUG)
boto3.client("secretsmanager").get_secret_value(SecretId=sys.argv[1])
"""


def test_without_quiet_loggers_botocore_at_debug_would_log_the_secret(fake):
    """The threat the CLI guards against is real: plain DEBUG logging prints the secret."""
    with local_aws() as local:
        boto3.client(
            "secretsmanager", endpoint_url=local.endpoint_url, region_name="us-east-1"
        ).create_secret(Name="spotify-etl/test", SecretString=json.dumps(
            {"client_id": FAKE_CLIENT_ID, "client_secret": fake.client_secret}))
        env = cli_environment(
            AWS_ENDPOINT_URL=local.endpoint_url, AWS_DEFAULT_REGION="us-east-1",
            AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
        )
        result = subprocess.run([sys.executable, "-c", SDK_AT_DEBUG, "spotify-etl/test"],
                                env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert fake.client_secret in result.stderr
