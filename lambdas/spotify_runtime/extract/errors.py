"""Errors the extraction raises per source, shared by the handlers, the queue worker and the CLI.

Each message is one line a user can act on; none contains a credential.
"""

from __future__ import annotations

from datetime import datetime


class ExtractError(Exception):
    """A source could not be extracted. The message names the cause; no credential in it."""


class RateLimitedError(ExtractError):
    """Spotify answered 429 and the Retry-After does not fit in the time the invocation has left."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class InvalidCredentialsError(ExtractError):
    """The token endpoint rejected the client credentials or refresh token (400/401)."""


class SourceUnavailableError(ExtractError):
    """403/404 on a source: closed to this app, not owned by the user, or not there."""


class TransientError(ExtractError):
    """5xx or connection errors that outlasted the bounded retries."""


class RefreshTokenExpiredError(InvalidCredentialsError):
    """The token endpoint answered `invalid_grant` to the refresh token: it expired (six months
    after the authorization) or was revoked. Permanent until someone re-authorizes: no retry."""


class QuotaExceededError(RateLimitedError):
    """Spotify's 429 with `"reason": "QUOTA_EXCEEDED"`: the developer account's quota is spent.
    Every request before `retry_after_seconds` pass only prolongs it, so none is sent."""

    def __init__(self, message: str, retry_after_seconds: float, resume_at: datetime) -> None:
        super().__init__(message, retry_after_seconds)
        self.resume_at = resume_at
        """When (UTC) Spotify accepts requests again."""
