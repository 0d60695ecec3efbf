"""`python -m spotify_etl auth`: authorize the app once as a Spotify user; keep the refresh token.

Runs the authorization-code flow on a localhost redirect: opens (or prints) Spotify's consent
page, receives the code on http://127.0.0.1:PORT/callback (register that exact redirect URI in
the app's dashboard), exchanges it, and stores the refresh token in the environment's secret,
merged with the JSON already there, with `authorized_at` (UTC): Spotify refresh tokens expire
six months after the authorization, and the extract worker's alarm counts down from it. With
--print it prints the token (and says how to record the time). The app's credentials come from
SPOTIFY_CLIENT_ID/SPOTIFY_CLIENT_SECRET or, when absent, from the secret itself.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from spotify_runtime.aws_errors import aws_error_code
from spotify_runtime.envelope import iso_utc
from spotify_runtime.extract.credentials import AUTHORIZED_AT_KEY, REFRESH_TOKEN_LIFETIME
from spotify_runtime.extract.spotify_client import DEFAULT_ACCOUNTS_URL

from spotify_etl.errors import CliError
from spotify_local.spotify.endpoint import ENV_AUTHORIZED_AT, ENV_CLIENT_ID, ENV_CLIENT_SECRET

SECRET_RESOURCE_TYPE = "AWS::SecretsManager::Secret"
CALLBACK_TIMEOUT_SECONDS = 300.0

USER_SCOPES = (
    "playlist-read-private playlist-read-collaborative user-library-read "
    "user-read-recently-played user-top-read user-follow-read"
)
"""Scopes the refresh token is requested with (every source kind the worker reads)."""



def register(sub: argparse._SubParsersAction) -> None:
    """Add the `auth` subcommand."""
    parser = sub.add_parser("auth", help="authorize as a Spotify user and store the refresh token",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--env", help="store into this cdk.json environment's secret")
    target.add_argument("--secret-id", help="store into this Secrets Manager secret (name/ARN)")
    target.add_argument("--print", action="store_true", dest="print_token",
                        help="print the refresh token instead of storing it")
    parser.add_argument("--port", type=int, default=8888, help="localhost redirect port")
    parser.add_argument("--accounts-url", default=DEFAULT_ACCOUNTS_URL)
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    parser.set_defaults(func=run)


class _Callback(HTTPServer):
    query: dict[str, str] | None = None


class _CallbackHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        split = urlsplit(self.path)
        if split.path != "/callback":
            self.send_error(404)
            return
        self.server.query = dict(parse_qsl(split.query))  # type: ignore[attr-defined]
        body = b"Spotify authorization received; you can close this tab."
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the query holds the authorization code."""


def authorize(
    client_id: str,
    client_secret: str,
    *,
    accounts_url: str = DEFAULT_ACCOUNTS_URL,
    port: int = 8888,
    open_url: Callable[[str], Any] = webbrowser.open,
    timeout: float = CALLBACK_TIMEOUT_SECONDS,
) -> str:
    """Run the authorization-code flow; returns the refresh token. `port=0` picks a free port
    (tests); `open_url` shows the consent page (a browser, or a test's HTTP request)."""
    server = _Callback(("127.0.0.1", port), _CallbackHandler)
    server.timeout = timeout
    try:
        redirect_uri = f"http://127.0.0.1:{server.server_address[1]}/callback"
        state = secrets.token_urlsafe(16)
        url = accounts_url.rstrip("/") + "/authorize?" + urlencode({
            "client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri,
            "scope": USER_SCOPES, "state": state,
        })
        print(f"Authorize the app in your browser:\n  {url}", file=sys.stderr)
        open_url(url)
        server.handle_request()
        query = server.query
    finally:
        server.server_close()
    if query is None:
        raise CliError(f"no answer on {redirect_uri} within {timeout:.0f} s")
    if query.get("state") != state:
        raise CliError("the callback's state does not match: start `auth` again")
    if "error" in query or "code" not in query:
        raise CliError(f"Spotify did not authorize the app: {query.get('error', 'no code')}")
    response = requests.post(
        accounts_url.rstrip("/") + "/api/token",
        data={"grant_type": "authorization_code", "code": query["code"],
              "redirect_uri": redirect_uri},
        auth=(client_id, client_secret),
        timeout=10,
    )
    if response.status_code != 200:
        raise CliError(f"the token endpoint refused the code: HTTP {response.status_code} "
                       f"{response.text[:200]}")
    token = response.json().get("refresh_token")
    if not token:
        raise CliError("the token endpoint returned no refresh_token")
    return token


def cli_aws_client(service: str, region: str | None = None) -> Any:
    """A boto3 client; no region anywhere is one line naming the ways to set one."""
    import boto3
    from botocore.exceptions import NoRegionError

    try:
        return boto3.client(service, region_name=region)
    except NoRegionError:
        raise CliError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or pass --env "
                       "to use that environment's region in cdk.json") from None


def _environment_region(args: argparse.Namespace) -> str | None:
    """With --env, the region that environment deploys to (cdk.json), where its secret is."""
    if not args.env:
        return None
    from infra.config import ConfigError, load_environment

    try:
        return load_environment(args.env).region
    except ConfigError as error:
        raise CliError(f"--env {args.env}: {error}") from None


def _secret_id(args: argparse.Namespace, cloudformation: Any = None) -> str | None:
    if args.secret_id:
        return args.secret_id
    if not args.env:
        return None
    from infra.config import ConfigError, load_environment

    try:
        settings = load_environment(args.env)
    except ConfigError as error:
        raise CliError(f"--env {args.env}: {error}") from None
    return settings.secret_name or deployed_secret_id(
        f"{settings.stage_name}-Ingest", cloudformation, region=settings.region
    )


def deployed_secret_id(stack_name: str, cloudformation: Any = None,
                       region: str | None = None) -> str:
    """The ARN of the secret IngestStack created (its name is generated, so ask the stack)."""
    if cloudformation is None:
        cloudformation = cli_aws_client("cloudformation", region)
    try:
        resources = cloudformation.describe_stack_resources(StackName=stack_name)
    except Exception as error:
        code = aws_error_code(error)
        raise CliError(
            f"cannot read stack {stack_name} ({code}): deploy it first, or pass --secret-id"
        ) from None
    secrets = [
        resource["PhysicalResourceId"]
        for resource in resources["StackResources"]
        if resource["ResourceType"] == SECRET_RESOURCE_TYPE
    ]
    if len(secrets) != 1:
        raise CliError(f"stack {stack_name} has {len(secrets)} secrets: pass --secret-id")
    return secrets[0]


def _existing_secret(client: Any, secret_id: str) -> dict[str, Any]:
    try:
        text = client.get_secret_value(SecretId=secret_id).get("SecretString") or "{}"
    except Exception as error:
        code = aws_error_code(error)
        raise CliError(f"cannot read secret {secret_id!r}: {code}") from None
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CliError(f"secret {secret_id!r} does not hold a JSON object")
    return data


def run(args: argparse.Namespace, secrets_client: Any = None,
        open_url: Callable[[str], Any] | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Authorize, then store (or print) the refresh token."""
    secret_id = _secret_id(args)
    existing: dict[str, Any] = {}
    if secret_id:
        if secrets_client is None:
            secrets_client = cli_aws_client("secretsmanager", _environment_region(args))
        existing = _existing_secret(secrets_client, secret_id)
    client_id = os.environ.get(ENV_CLIENT_ID) or existing.get("client_id")
    client_secret = os.environ.get(ENV_CLIENT_SECRET) or existing.get("client_secret")
    if not client_id or not client_secret:
        raise CliError(f"set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} (or store them in the secret)")
    if open_url is None:
        open_url = (lambda url: None) if args.no_browser else webbrowser.open
    token = authorize(client_id, client_secret, accounts_url=args.accounts_url, port=args.port,
                      open_url=open_url)
    authorized_at = now()
    expires = iso_utc(authorized_at + REFRESH_TOKEN_LIFETIME)
    if not secret_id:
        print(token)
        print(f"authorized at {iso_utc(authorized_at)}; the token expires about {expires}: set "
              f"{ENV_AUTHORIZED_AT}={iso_utc(authorized_at)} beside it", file=sys.stderr)
        return 0
    merged = {**existing, "client_id": client_id, "client_secret": client_secret,
              "refresh_token": token, AUTHORIZED_AT_KEY: iso_utc(authorized_at)}
    try:
        secrets_client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(merged))
    except Exception as error:
        raise CliError(f"cannot store the refresh token in secret {secret_id!r}: "
                       f"{aws_error_code(error)} (print it with `auth --print` instead)") from None
    print(f"stored the refresh token in secret {secret_id!r} (expires about {expires}; "
          "run this again before then)")
    return 0
