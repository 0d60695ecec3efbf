"""A Spotify Web API client on spotipy whose retry policy is ours, bounded by a Deadline.

Keep one client (a Lambda container keeps it at module level) and reuse it across sources and
invocations: one token request while the token is valid. Which answer it waits on, retries or
raises as which error: docs/extraction.md ("Errors and retries").
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from spotipy import Spotify
from spotipy.cache_handler import MemoryCacheHandler
from spotipy.exceptions import SpotifyException, SpotifyOauthError
from spotipy.oauth2 import SpotifyClientCredentials, SpotifyOAuth

from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import (
    ExtractError,
    InvalidCredentialsError,
    QuotaExceededError,
    RateLimitedError,
    RefreshTokenExpiredError,
    SourceUnavailableError,
    TransientError,
)

DEFAULT_API_URL = "https://api.spotify.com/v1"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"
CLIENT_CREDENTIALS = "client-credentials"
REFRESH_TOKEN = "refresh-token"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8888/callback"

# spotipy logs request headers (bearer tokens) at DEBUG and its own error text at ERROR: keep
# both out of our logs and the CLI's stderr; our errors carry what a user needs.
_spotipy_logger = logging.getLogger("spotipy")
_spotipy_logger.addHandler(logging.NullHandler())
_spotipy_logger.propagate = False


class ResourceUnavailableError(SourceUnavailableError):
    """403/404 from the Web API; `http_status` and `path` say which request."""

    def __init__(self, message: str, http_status: int, path: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.path = path


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on our retries (every wait is also bounded by the Deadline)."""

    max_transient_attempts: int = 4
    """Attempts of one request failing with 5xx/connection errors before TransientError."""
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    max_rate_limit_waits: int = 10
    """429s honoured for one request before giving up with RateLimitedError."""
    default_retry_after_seconds: float = 5.0
    """Used when a 429 carries no usable Retry-After."""


class _KeepsStatus:
    """Mixin: spotipy's SpotifyOauthError loses the HTTP status and headers; keep them."""

    def _handle_oauth_error(self, http_error: requests.HTTPError) -> None:
        try:
            super()._handle_oauth_error(http_error)  # type: ignore[misc]
        except SpotifyOauthError as error:
            error.http_status = http_error.response.status_code  # type: ignore[attr-defined]
            error.headers = http_error.response.headers  # type: ignore[attr-defined]
            raise


class _AppAuth(_KeepsStatus, SpotifyClientCredentials):
    pass


class _UserAuth(_KeepsStatus, SpotifyOAuth):
    on_rotated: Callable[[str], None] | None = None

    def refresh_access_token(self, refresh_token: str) -> dict[str, Any]:
        """spotipy's refresh, then the rotation hook when Spotify sent a new refresh token."""
        token_info = super().refresh_access_token(refresh_token)
        new = (token_info or {}).get("refresh_token")
        if new and new != refresh_token and self.on_rotated is not None:
            self.on_rotated(new)
        return token_info


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _retry_after(headers: Mapping[str, str] | None, default: float) -> float:
    value = (headers or {}).get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return default


class SpotifyClient:
    """GET requests to the Web API with our retry policy. Not thread-safe: one per worker."""

    def __init__(
        self,
        credentials: SpotifyCredentials,
        *,
        api_url: str = DEFAULT_API_URL,
        accounts_url: str = DEFAULT_ACCOUNTS_URL,
        timeout_seconds: float = 10.0,
        throttle: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
        on_refresh_token_rotated: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`throttle` is called before every API request (a rate pacer); `sleep` does every
        wait (tests inject a no-op); the URLs may point at a local stand-in;
        `on_refresh_token_rotated` receives a refresh token Spotify rotated (before it is used);
        `clock` times the quota block, `now` dates it."""
        self.credentials = credentials
        self.on_refresh_token_rotated = on_refresh_token_rotated
        self.clock = clock
        self.now = now
        self.rotated_refresh_token: str | None = None
        """The last refresh token Spotify rotated to (the one to keep), if any."""
        self.refresh_token_error: RefreshTokenExpiredError | None = None
        """Set once the refresh token was refused: user-scoped sources fail with it at once."""
        self.quota_error: QuotaExceededError | None = None
        self._quota_until = -float("inf")
        self._token_url = accounts_url.rstrip("/") + "/api/token"
        self.timeout_seconds = timeout_seconds
        self.throttle = throttle
        self.sleep = sleep
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()
        self.requests_sent = 0
        """API requests sent (attempts, retries included; token requests not counted)."""
        self.rate_limited = 0
        """429 answers received (each one, whether waited for or raised as RateLimitedError)."""
        self._auth = self._build_auth(credentials, self._token_url)
        self._spotify = Spotify(
            auth_manager=self._auth,
            requests_session=requests.Session(),
            requests_timeout=timeout_seconds,
            retries=0,
            status_retries=0,
        )
        self._spotify.prefix = api_url.rstrip("/") + "/"

    def _build_auth(self, credentials: SpotifyCredentials, token_url: str) -> Any:
        session = requests.Session()
        auth: Any
        if credentials.has_user:
            # Seeded as expired so the first call refreshes it (one token request), after
            # which spotipy reuses the access token until it is about to expire.
            cache = MemoryCacheHandler(self._expired_user_token())
            auth = _UserAuth(
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                redirect_uri=DEFAULT_REDIRECT_URI,
                cache_handler=cache,
                requests_session=session,
                requests_timeout=self.timeout_seconds,
                open_browser=False,
            )
            auth.on_rotated = self._rotated
        else:
            auth = _AppAuth(
                client_id=credentials.client_id,
                client_secret=credentials.client_secret,
                cache_handler=MemoryCacheHandler(),
                requests_session=session,
                requests_timeout=self.timeout_seconds,
            )
        auth.OAUTH_TOKEN_URL = token_url
        return auth

    def _rotated(self, token: str) -> None:
        self.rotated_refresh_token = token
        if self.on_refresh_token_rotated is not None:
            self.on_refresh_token_rotated(token)

    def _expired_user_token(self) -> dict[str, Any]:
        return {"access_token": "", "token_type": "Bearer", "expires_at": 0, "scope": None,
                "refresh_token": self.credentials.refresh_token}

    @property
    def auth_mode(self) -> str:
        """`refresh-token` (a user authorized the app) or `client-credentials` (app only)."""
        return REFRESH_TOKEN if self.has_user else CLIENT_CREDENTIALS

    @property
    def has_user(self) -> bool:
        """Whether user sources (`/me/...`) and owned playlists' items can be read."""
        return self.credentials.has_user and self.refresh_token_error is None

    def _forget_token(self) -> None:
        cache = self._auth.cache_handler
        if self.has_user:
            cached = cache.get_cached_token() or self._expired_user_token()
            cache.save_token_to_cache({**cached, "expires_at": 0})
        else:
            cache.save_token_to_cache(None)

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, deadline: Deadline
    ) -> dict[str, Any]:
        """GET `path` (relative to the API URL, e.g. `playlists/ID/items`) and return its JSON.

        Raises RateLimitedError, TransientError, InvalidCredentialsError,
        ResourceUnavailableError (403/404) or ExtractError; never waits past `deadline`.
        """
        failures = rate_waits = 0
        reauthorized = False
        while True:
            self._refuse_while_quota_spent()
            try:
                return self._send(path, params, deadline)
            except SpotifyOauthError as error:
                self._raise_for_token_error(error)
                status = getattr(error, "http_status", None)
                headers, detail = getattr(error, "headers", None), str(error.error)
            except SpotifyException as error:
                status, headers, detail = error.http_status, error.headers, error.msg
                if status == 429 and error.reason == "QUOTA_EXCEEDED":
                    self._quota_spent(path, headers)
            except requests.RequestException as error:
                status, headers, detail = None, None, type(error).__name__
            if status == 429:
                self.rate_limited += 1
                rate_waits += 1
                self._wait_for_rate_limit(path, headers, rate_waits, deadline)
            elif status is None or status >= 500:
                failures += 1
                self._back_off(path, status, detail, failures, deadline)
            elif status == 401 and not reauthorized:
                reauthorized = True
                self._forget_token()
            else:
                raise self._error_for(status, path, detail)

    def _send(
        self, path: str, params: Mapping[str, Any] | None, deadline: Deadline
    ) -> dict[str, Any]:
        if self.throttle is not None:
            self.throttle()
        timeout = min(self.timeout_seconds, max(deadline.remaining(), 1.0))
        self._spotify.requests_timeout = timeout
        self._auth.requests_timeout = timeout
        self.requests_sent += 1
        result = self._spotify._get(path, args=dict(params or {}))
        if not isinstance(result, dict):
            raise ExtractError(f"Spotify answered {path} with something that is not JSON")
        return result

    def _quota_spent(self, path: str, headers: Mapping[str, str] | None) -> None:
        seconds = _retry_after(headers, self.retry.default_retry_after_seconds)
        self._quota_until = self.clock() + seconds
        resume_at = (self.now() + timedelta(seconds=seconds)).replace(microsecond=0)
        self.quota_error = QuotaExceededError(
            f"Spotify's request quota for this developer account is spent (429 QUOTA_EXCEEDED on "
            f"{path}): it accepts requests again at {resume_at.isoformat().replace('+00:00', 'Z')}"
            f" (in {_duration(seconds)}); no further request was sent",
            retry_after_seconds=seconds, resume_at=resume_at,
        )
        raise self.quota_error

    def _refuse_while_quota_spent(self) -> None:
        left = self._quota_until - self.clock()
        if left > 0 and self.quota_error is not None:
            error = self.quota_error
            raise QuotaExceededError(str(error), retry_after_seconds=left,
                                     resume_at=error.resume_at)

    def _switch_to_app_only(self) -> None:
        # The refresh token is dead for good; app-only sources still work with the app's own
        # client-credentials grant.
        self._auth = _AppAuth(
            client_id=self.credentials.client_id,
            client_secret=self.credentials.client_secret,
            cache_handler=MemoryCacheHandler(),
            requests_session=requests.Session(),
            requests_timeout=self.timeout_seconds,
        )
        self._auth.OAUTH_TOKEN_URL = self._token_url
        self._spotify.auth_manager = self._auth

    def _raise_for_token_error(self, error: SpotifyOauthError) -> None:
        status = getattr(error, "http_status", None)
        if error.error == "invalid_grant" and self.has_user:
            self.refresh_token_error = RefreshTokenExpiredError(
                f"Spotify refused the refresh token in {self.credentials.origin} (invalid_grant):"
                " refresh tokens expire six months after the authorization; re-authorize with "
                f"`{self.credentials.reauthorize_command}`"
            )
            self._switch_to_app_only()
            raise self.refresh_token_error from None
        if status in (400, 401) or error.error in ("invalid_client", "invalid_grant"):
            what = "client credentials" + (" or refresh token" if self.has_user else "")
            hint = " (run `python -m spotify_etl auth` for a new one)" if self.has_user else ""
            raise InvalidCredentialsError(
                f"Spotify rejected the {what} in {self.credentials.origin}: "
                f"{error.error or status}{hint}"
            ) from None

    def _wait_for_rate_limit(
        self, path: str, headers: Mapping[str, str] | None, waits: int, deadline: Deadline
    ) -> None:
        seconds = _retry_after(headers, self.retry.default_retry_after_seconds)
        if waits > self.retry.max_rate_limit_waits or not deadline.allows_wait(seconds):
            raise RateLimitedError(
                f"rate limited by Spotify on {path}: asked to wait {seconds:.0f} s "
                f"(Retry-After), {deadline.remaining():.0f} s left in this run",
                retry_after_seconds=seconds,
            )
        self.sleep(seconds)

    def _back_off(
        self, path: str, status: int | None, detail: str, failures: int, deadline: Deadline
    ) -> None:
        cause = f"HTTP {status}" if status else detail
        if failures >= self.retry.max_transient_attempts:
            raise TransientError(f"{path}: {cause} after {failures} attempts")
        ceiling = min(self.retry.backoff_max_seconds,
                      self.retry.backoff_base_seconds * 2 ** (failures - 1))
        delay = ceiling * self.rng.uniform(0.5, 1.0)
        if not deadline.allows_wait(delay):
            raise TransientError(f"{path}: {cause}; no time left to retry")
        self.sleep(delay)

    def _error_for(self, status: int, path: str, detail: str) -> ExtractError:
        if status in (403, 404):
            return ResourceUnavailableError(f"{path}: HTTP {status}", status, path)
        if status == 401:
            return InvalidCredentialsError(
                f"Spotify rejected a freshly issued access token (401) for {path}; "
                f"check the app's credentials in {self.credentials.origin}"
            )
        first_line = (detail or "").strip().splitlines()[-1:] or [""]
        return ExtractError(f"{path}: HTTP {status} {first_line[0]}".strip())
