"""Spotify app credentials: from the Secrets Manager secret (Lambda) or environment (local CLI).

The secret is read once per container and validated; error messages name the secret and the
missing key, never a value. `SpotifyCredentials` hides its secrets from `repr`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spotify_runtime.aws_errors import aws_error_code
from spotify_runtime.extract.errors import InvalidCredentialsError

ENV_CLIENT_ID = "SPOTIFY_CLIENT_ID"
ENV_CLIENT_SECRET = "SPOTIFY_CLIENT_SECRET"
ENV_REFRESH_TOKEN = "SPOTIFY_REFRESH_TOKEN"
SECRET_KEYS = ("client_id", "client_secret")
"""Required keys of the secret's JSON; `refresh_token` is optional."""


class CredentialsConfigError(InvalidCredentialsError):
    """The credentials are missing or malformed where they are configured."""


@dataclass(frozen=True)
class SpotifyCredentials:
    """A Spotify app's credentials and, for the refresh-token mode, a user's refresh token."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    origin: str = "the configured credentials"
    """Where they came from, for error messages: e.g. "secret 'spotify-etl/dev'"."""
    refresh_token_at: str = "a refresh token"
    """Where a refresh token would go, for error messages: e.g. "SPOTIFY_REFRESH_TOKEN"."""

    @property
    def has_user(self) -> bool:
        """Whether a user authorized the app (refresh-token mode)."""
        return bool(self.refresh_token)


def parse_secret(text: str | None, secret_id: str) -> SpotifyCredentials:
    """Validate the secret's JSON `{"client_id", "client_secret", "refresh_token"?}`."""
    try:
        data: Any = json.loads(text or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise CredentialsConfigError(
            f"secret {secret_id!r} is not a JSON object like "
            '{"client_id": "...", "client_secret": "...", "refresh_token": "..."}'
        )
    for key in SECRET_KEYS:
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise CredentialsConfigError(f"secret {secret_id!r} has no {key!r} (a string)")
    token = data.get("refresh_token")
    if token is not None and not isinstance(token, str):
        raise CredentialsConfigError(f"secret {secret_id!r}: 'refresh_token' must be a string")
    return SpotifyCredentials(
        client_id=data["client_id"].strip(),
        client_secret=data["client_secret"].strip(),
        refresh_token=(token or "").strip() or None,
        origin=f"secret {secret_id!r}",
        refresh_token_at=f"'refresh_token' in secret {secret_id!r}",
    )


_SECRET_CACHE: dict[str, SpotifyCredentials] = {}


def credentials_from_secret(secret_id: str, secrets_client: Any = None) -> SpotifyCredentials:
    """The credentials in Secrets Manager secret `secret_id`, fetched once per container."""
    cached = _SECRET_CACHE.get(secret_id)
    if cached is not None:
        return cached
    if secrets_client is None:
        import boto3

        secrets_client = boto3.client("secretsmanager")
    try:
        response = secrets_client.get_secret_value(SecretId=secret_id)
    except Exception as error:
        code = aws_error_code(error)
        raise CredentialsConfigError(f"cannot read secret {secret_id!r}: {code}") from None
    credentials = parse_secret(response.get("SecretString"), secret_id)
    _SECRET_CACHE[secret_id] = credentials
    return credentials


def clear_secret_cache() -> None:
    """Forget cached secrets (tests; a rotated secret is picked up by the next container)."""
    _SECRET_CACHE.clear()


def credentials_from_env(environ: Mapping[str, str] | None = None) -> SpotifyCredentials:
    """Credentials from SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and SPOTIFY_REFRESH_TOKEN."""
    env = os.environ if environ is None else environ
    missing = [name for name in (ENV_CLIENT_ID, ENV_CLIENT_SECRET) if not env.get(name, "").strip()]
    if missing:
        raise CredentialsConfigError(
            f"set {' and '.join(missing)} (your Spotify app's credentials; "
            f"{ENV_REFRESH_TOKEN} too for playlists and user sources)"
        )
    origin = f"environment variables {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}"
    token = env.get(ENV_REFRESH_TOKEN, "").strip() or None
    if token:
        origin += f"/{ENV_REFRESH_TOKEN}"
    return SpotifyCredentials(
        env[ENV_CLIENT_ID].strip(), env[ENV_CLIENT_SECRET].strip(), token, origin,
        refresh_token_at=ENV_REFRESH_TOKEN,
    )
