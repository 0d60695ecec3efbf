"""Spotify app credentials: from the Secrets Manager secret (Lambda) or environment (local CLI).

The secret is read once per container and validated; error messages name the secret and the
missing key, never a value. `SpotifyCredentials` hides its secrets from `repr`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from spotify_runtime import container
from spotify_runtime.aws_errors import aws_error_code
from spotify_runtime.extract.errors import InvalidCredentialsError

SECRET_KEYS = ("client_id", "client_secret")
"""Required keys of the secret's JSON; `refresh_token` and `authorized_at` are optional."""
AUTHORIZED_AT_KEY = "authorized_at"
"""When (UTC, ISO 8601) the user authorized the app; `auth` stores it beside the refresh token."""
REFRESH_TOKEN_LIFETIME = timedelta(days=182)
"""Spotify (from 2026-07-20): a refresh token expires six months after the original
authorization; refreshing does not extend it."""


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
    authorized_at: datetime | None = None
    """When the user authorized the app (None: not recorded, e.g. a secret older than this)."""
    reauthorize_command: str = "python -m spotify_etl auth --print"
    """The exact command that gets a new refresh token into where this one lives."""

    @property
    def has_user(self) -> bool:
        """Whether a user authorized the app (refresh-token mode)."""
        return bool(self.refresh_token)

    def refresh_token_expires_at(self) -> datetime | None:
        """When the refresh token stops working (None when the authorization time is unknown)."""
        if self.authorized_at is None or not self.has_user:
            return None
        return self.authorized_at + REFRESH_TOKEN_LIFETIME

    def days_left(self, now: datetime) -> float | None:
        """Days before the user must re-authorize (0 when past; None when unknown)."""
        expires = self.refresh_token_expires_at()
        if expires is None:
            return None
        return max((expires - now).total_seconds() / 86_400, 0.0)


def parse_authorized_at(value: object, where: str) -> datetime | None:
    """An ISO 8601 UTC time (naive taken as UTC), or None; CredentialsConfigError names `where`."""
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise CredentialsConfigError(
            f"{where}: {AUTHORIZED_AT_KEY!r} is not an ISO 8601 time like 2026-07-20T12:00:00Z"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


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
        authorized_at=parse_authorized_at(data.get(AUTHORIZED_AT_KEY), f"secret {secret_id!r}"),
        reauthorize_command=f"python -m spotify_etl auth --secret-id {secret_id}",
    )


def _secret_key(secret_id: str) -> tuple[str, str]:
    return ("spotify secret", secret_id)


def credentials_from_secret(secret_id: str, secrets_client: Any = None) -> SpotifyCredentials:
    """The credentials in Secrets Manager secret `secret_id`, fetched once per container."""
    return container.kept(_secret_key(secret_id),
                          lambda: _read_secret(secret_id, secrets_client))


def _read_secret(secret_id: str, secrets_client: Any) -> SpotifyCredentials:
    client = secrets_client or container.aws_client("secretsmanager")
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except Exception as error:
        code = aws_error_code(error)
        raise CredentialsConfigError(f"cannot read secret {secret_id!r}: {code}") from None
    return parse_secret(response.get("SecretString"), secret_id)


def store_rotated_refresh_token(secret_id: str, token: str, secrets_client: Any) -> None:
    """Write a refresh token Spotify rotated back into the secret, keeping every other key
    (authorized_at too: rotation does not extend the six months). Later containers read it."""
    response = secrets_client.get_secret_value(SecretId=secret_id)
    data = json.loads(response.get("SecretString") or "{}")
    data["refresh_token"] = token
    secrets_client.put_secret_value(SecretId=secret_id, SecretString=json.dumps(data))
    cached = container.find(_secret_key(secret_id))
    if cached is not None:
        container.keep(_secret_key(secret_id), replace(cached, refresh_token=token))
