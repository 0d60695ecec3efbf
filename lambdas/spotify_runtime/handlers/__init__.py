"""Lambda entry points. Each handler parses its event at the edge and calls plain functions the
local CLI calls too; what several handlers share (logging setup, the container's Spotify
client) lives here once."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spotify_runtime.spotify_client import SpotifyClient

_CLIENTS: dict[tuple[str, str, str], SpotifyClient] = {}
_AWS_CLIENTS: dict[str, Any] = {}


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Log at LOG_LEVEL (default INFO) through the Lambda runtime's handler."""
    env = os.environ if environ is None else environ
    level = env.get("LOG_LEVEL", "INFO").upper()
    logging.getLogger().setLevel(level if level in logging.getLevelNamesMapping() else "INFO")


def required_env(name: str, environ: Mapping[str, str] | None = None) -> str:
    """An environment variable the deployment must set; a clear error naming it otherwise."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} is not set (the CDK app sets it)")
    return value


def container_client(
    environ: Mapping[str, str] | None = None,
    *,
    throttle: Callable[[], None] | None = None,
    secrets_client: Any = None,
) -> SpotifyClient:
    """The Spotify client this container keeps: credentials from SPOTIFY_SECRET_ID (read once),
    optional SPOTIFY_API_URL / SPOTIFY_ACCOUNTS_URL; its token is reused across invocations.
    `throttle` is used when the client is first created."""
    # Imported here, not at module level: the transform function imports this package too and
    # ships without spotipy/requests (only the extract functions bundle them).
    from spotify_runtime.credentials import credentials_from_secret
    from spotify_runtime.spotify_client import (
        DEFAULT_ACCOUNTS_URL,
        DEFAULT_API_URL,
        SpotifyClient,
    )

    env = os.environ if environ is None else environ
    secret_id = required_env("SPOTIFY_SECRET_ID", env)
    api_url = env.get("SPOTIFY_API_URL") or DEFAULT_API_URL
    accounts_url = env.get("SPOTIFY_ACCOUNTS_URL") or DEFAULT_ACCOUNTS_URL
    key = (secret_id, api_url, accounts_url)
    if key not in _CLIENTS:
        credentials = credentials_from_secret(secret_id, secrets_client)
        _CLIENTS[key] = SpotifyClient(
            credentials, api_url=api_url, accounts_url=accounts_url, throttle=throttle
        )
    return _CLIENTS[key]


def container_aws_client(service: str) -> Any:
    """A boto3 client this container keeps, created on first use (standard AWS configuration,
    so `AWS_ENDPOINT_URL` points it at a local endpoint)."""
    if service not in _AWS_CLIENTS:
        import boto3

        _AWS_CLIENTS[service] = boto3.client(service)
    return _AWS_CLIENTS[service]


def forget_container_state() -> None:
    """Drop everything a container keeps: Spotify clients, secrets read and AWS clients.

    Tests and the local run simulate a new container with it; each local run has new endpoints.
    """
    from spotify_runtime.credentials import clear_secret_cache

    _CLIENTS.clear()
    _AWS_CLIENTS.clear()
    clear_secret_cache()
