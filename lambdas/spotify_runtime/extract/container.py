"""What an extract container keeps across invocations: its Spotify client (and token) and its
AWS clients. The planner and the worker handlers share it; tests and the local run drop it to
simulate a new container."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from spotify_runtime.aws_errors import aws_error_code
from spotify_runtime.contract import (
    ENV_SPOTIFY_ACCOUNTS_URL,
    ENV_SPOTIFY_API_URL,
    ENV_SPOTIFY_SECRET_ID,
)
from spotify_runtime.extract.credentials import (
    clear_secret_cache,
    credentials_from_secret,
    store_rotated_refresh_token,
)
from spotify_runtime.extract.spotify_client import (
    DEFAULT_ACCOUNTS_URL,
    DEFAULT_API_URL,
    SpotifyClient,
)
from spotify_runtime.logs import required_env

LOG = logging.getLogger(__name__)


class _ContainerState(threading.local):
    # Per thread: in Lambda a container runs one invocation at a time (one thread), and the
    # local event source runs each concurrent container in a thread of its own.
    def __init__(self) -> None:
        self.clients: dict[tuple[str, str, str], SpotifyClient] = {}
        self.aws_clients: dict[str, Any] = {}


_STATE = _ContainerState()


def container_client(
    environ: Mapping[str, str] | None = None,
    *,
    throttle: Callable[[], None] | None = None,
    secrets_client: Any = None,
) -> SpotifyClient:
    """The Spotify client this container keeps: credentials from SPOTIFY_SECRET_ID (read once),
    optional SPOTIFY_API_URL / SPOTIFY_ACCOUNTS_URL; its token is reused across invocations.
    `throttle` is used when the client is first created. A refresh token Spotify rotates is
    written back to the secret (before its access token is used) so later containers read it."""
    env = os.environ if environ is None else environ
    secret_id = required_env(ENV_SPOTIFY_SECRET_ID, env)
    api_url = env.get(ENV_SPOTIFY_API_URL) or DEFAULT_API_URL
    accounts_url = env.get(ENV_SPOTIFY_ACCOUNTS_URL) or DEFAULT_ACCOUNTS_URL
    key = (secret_id, api_url, accounts_url)
    if key not in _STATE.clients:
        credentials = credentials_from_secret(secret_id, secrets_client)

        def keep_rotated(token: str) -> None:
            client = secrets_client or container_aws_client("secretsmanager")
            try:
                store_rotated_refresh_token(secret_id, token, client)
            except Exception as error:  # this container goes on with the new token in memory
                LOG.error("could not store the rotated refresh token in secret %r (%s): the "
                          "next container may be refused; run `python -m spotify_etl auth "
                          "--secret-id %s`", secret_id, aws_error_code(error), secret_id)
            else:
                LOG.info("stored the refresh token Spotify rotated in secret %r", secret_id)

        _STATE.clients[key] = SpotifyClient(
            credentials, api_url=api_url, accounts_url=accounts_url, throttle=throttle,
            on_refresh_token_rotated=keep_rotated,
        )
    return _STATE.clients[key]


def container_aws_client(service: str) -> Any:
    """A boto3 client this container keeps, created on first use (standard AWS configuration,
    so `AWS_ENDPOINT_URL` points it at a local endpoint)."""
    if service not in _STATE.aws_clients:
        import boto3

        _STATE.aws_clients[service] = boto3.client(service)
    return _STATE.aws_clients[service]


def forget_container_state() -> None:
    """Drop everything a container keeps: Spotify clients, secrets read and AWS clients."""
    _STATE.clients.clear()
    _STATE.aws_clients.clear()
    clear_secret_cache()
