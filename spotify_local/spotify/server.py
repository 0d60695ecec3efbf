"""A local stand-in for the Spotify Web API and accounts service, on 127.0.0.1, as strict as
Spotify (the tables of rules.py), with fault injection and a request log for tests.

What it serves and refuses: docs/extraction.md ("The local stand-in is as strict as Spotify").

    with FakeSpotify() as fake:
        client = SpotifyClient(creds, api_url=fake.api_url, accounts_url=fake.accounts_url)
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from spotify_local.spotify import library, sample_data
from spotify_local.spotify.content import SpotifyContent, load_content
from spotify_local.spotify.rules import (
    EMBEDDED_PAGE_LIMITS,
    PAGE_LIMITS,
    ApiError,
    removed_answer,
    strip_dev_mode_fields,
    template_of,
)

FAKE_CLIENT_ID = "fake-client-id"
FAKE_CLIENT_SECRET = "fake-client-secret-DO-NOT-LOG"
FAKE_REFRESH_TOKEN = "fake-refresh-token-DO-NOT-LOG"
RATE_WINDOW_SECONDS = 30.0
ACCESS_TOKEN_LIFETIME_SECONDS = 3600
REFRESH_TOKEN_LIFETIME_SECONDS = 182 * 24 * 3600
"""Six months after the original authorization (Spotify, from 2026-07-20)."""
_ID = re.compile(r"^[0-9A-Za-z]{22}$")


@dataclass(frozen=True)
class RequestRecord:
    """One request the server answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    at: float
    """The server clock's time when it was answered."""


@dataclass
class Fault:
    """Answer `status` to requests whose path matches `path` (regex search), `count` times
    (None: until cleared)."""

    status: int
    path: re.Pattern[str]
    count: int | None = 1
    retry_after: float | None = None
    method: str | None = None
    body: dict[str, Any] | None = None
    delay_seconds: float = 0.0
    """With status 200: answer normally after this long (real time; to exercise timeouts)."""

    def matches(self, method: str, path: str) -> bool:
        return (self.count is None or self.count > 0) and (
            self.method in (None, method) and bool(self.path.search(path))
        )


@dataclass
class _Token:
    kind: str  # "app" or "user"
    user_id: str | None = None
    expires_at: float = math.inf


@dataclass
class _State:
    tokens: dict[str, _Token] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code -> redirect_uri
    faults: list[Fault] = field(default_factory=list)
    log: list[RequestRecord] = field(default_factory=list)
    window: deque[float] = field(default_factory=deque)
    refresh_tokens: dict[str, float] = field(default_factory=dict)  # token -> expires at
    quota_until: float = -math.inf
    quota_seconds: float = 0.0


class FakeSpotify:
    """The fake server. Start it with `with FakeSpotify() as fake:` (or `start()`/`stop()`).

    Attributes that tests and simulations may change while it runs: `extended_quota`,
    `rate_limit_per_30s` (None: no limit), `clock` (seconds, monotonic; drives the rate window,
    token expiry, the quota and request timestamps), `embedded_page_size` (items embedded in
    playlist metadata), `access_token_lifetime`, `rotate_refresh_tokens`.
    """

    def __init__(
        self,
        *,
        content: SpotifyContent | None = None,
        client_id: str = FAKE_CLIENT_ID,
        client_secret: str = FAKE_CLIENT_SECRET,
        refresh_token: str = FAKE_REFRESH_TOKEN,
        user_id: str = sample_data.SAMPLE_USER_ID,
        extended_quota: bool = False,
        rate_limit_per_30s: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        embedded_page_size: int = EMBEDDED_PAGE_LIMITS["playlists/{id}"],
        access_token_lifetime: float = ACCESS_TOKEN_LIFETIME_SECONDS,
        refresh_token_lifetime: float = REFRESH_TOKEN_LIFETIME_SECONDS,
        rotate_refresh_tokens: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.content = content if content is not None else load_content()
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.user_id = user_id
        self.extended_quota = extended_quota
        self.rate_limit_per_30s = rate_limit_per_30s
        self.clock = clock
        self.embedded_page_size = embedded_page_size
        self.access_token_lifetime = access_token_lifetime
        self.refresh_token_lifetime = refresh_token_lifetime
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.listening_clock: Callable[[], int | None] | None = None
        """Unix ms of "now" for the listening history (None: every play has happened)."""
        self._state = _State()
        self._state.refresh_tokens[refresh_token] = clock() + refresh_token_lifetime
        self._lock = threading.Lock()
        self._server = _QuietServer((host, port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Web API base (like https://api.spotify.com/v1)."""
        return self.base_url + "/v1"

    @property
    def accounts_url(self) -> str:
        """Accounts base (like https://accounts.spotify.com): /api/token, /authorize."""
        return self.base_url

    def start(self) -> FakeSpotify:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> FakeSpotify:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- data ------------------------------------------------------------------------------
    def add_playlist(self, metadata: dict[str, Any], items: list[Any]) -> None:
        """Serve a playlist (metadata without an items page, and its items)."""
        with self._lock:
            self.content.add_playlist(metadata, items)

    def add_generated_playlist(
        self, playlist_id: str, n_items: int, *, seed: int = 0, owner_id: str | None = None
    ) -> None:
        """Serve a generated playlist (owned by the refresh-token user unless `owner_id`)."""
        metadata, items = sample_data.generate_playlist(
            playlist_id, n_items, seed, owner_id=owner_id or self.user_id
        )
        self.add_playlist(metadata, items)

    def listening_now(self) -> int | None:
        """The listening history's "now" (Unix ms): plays after it have not happened yet."""
        return self.listening_clock() if self.listening_clock is not None else None

    # -- switches --------------------------------------------------------------------------
    def inject_fault(
        self,
        status: int,
        path: str = ".*",
        *,
        count: int | None = 1,
        retry_after: float | None = None,
        method: str | None = None,
        body: dict[str, Any] | None = None,
        delay_seconds: float = 0.0,
    ) -> Fault:
        """Answer `status` to the next `count` requests whose path matches regex `path`
        (e.g. `"/api/token"`, `"/v1/playlists/"`). 429s carry `Retry-After: retry_after`
        (default 1). Status 200 with `delay_seconds` answers normally but late (timeouts).
        Faults apply in the order injected."""
        fault = Fault(status, re.compile(path), count, retry_after, method, body, delay_seconds)
        with self._lock:
            self._state.faults.append(fault)
        return fault

    def revoke_tokens(self) -> None:
        """Invalidate every access token issued so far (the next API call gets 401)."""
        with self._lock:
            self._state.tokens.clear()

    def expire_refresh_tokens(self) -> None:
        """Make every refresh token reach its six months now (the next refresh: invalid_grant)."""
        with self._lock:
            now = self.clock()
            for token in self._state.refresh_tokens:
                self._state.refresh_tokens[token] = now

    def refresh_token_valid(self, token: str) -> bool:
        """Whether a refresh with `token` would succeed now."""
        with self._lock:
            return self._state.refresh_tokens.get(token, -math.inf) > self.clock()

    def exhaust_quota(self, retry_after_seconds: float) -> None:
        """Spend the developer account's quota: every API request is answered 429
        QUOTA_EXCEEDED with Retry-After until `retry_after_seconds` pass without a request
        (each request during it starts the wait again, as Spotify is reported to do)."""
        with self._lock:
            self._state.quota_seconds = retry_after_seconds
            self._state.quota_until = self.clock() + retry_after_seconds

    def issued_access_tokens(self) -> list[str]:
        """Every access token issued and not revoked (tests check none of them is logged)."""
        with self._lock:
            return list(self._state.tokens)

    # -- request log -----------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered so far, in order."""
        with self._lock:
            return list(self._state.log)

    def count(self, path: str | None = None, *, status: int | None = None,
              method: str | None = None) -> int:
        """Requests whose path matches regex `path` (search), with `status` and `method`."""
        pattern = re.compile(path) if path else None
        return sum(
            1 for record in self.requests
            if (pattern is None or pattern.search(record.path))
            and status in (None, record.status) and method in (None, record.method)
        )

    def clear_log(self) -> None:
        """Forget the requests answered so far."""
        with self._lock:
            self._state.log.clear()

    # -- request handling (called from the server threads) ---------------------------------
    def handle(self, method: str, target: str, headers: Any, body: bytes) -> tuple[
        int, dict[str, str], dict[str, Any] | None
    ]:
        """Answer one request: (status, headers, JSON body)."""
        split = urlsplit(target)
        path, query = split.path, dict(parse_qsl(split.query))
        try:
            status, extra, payload = self._route(method, path, query, headers, body)
        except ApiError as error:
            status, extra, payload = error.status, error.headers, error.body
        with self._lock:
            self._state.log.append(RequestRecord(method, path, query, status, self.clock()))
        return status, extra, payload

    def _route(self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes):
        if path.startswith("/v1/"):
            self._admit_quota()
            self._admit_rate_limited()
        self._raise_injected_fault(method, path)
        if method == "POST" and path == "/api/token":
            return 200, {}, self._token(headers, dict(parse_qsl(body.decode("utf-8"))))
        if method == "GET" and path == "/authorize":
            return 302, {"Location": self._authorize(query)}, None
        if method == "GET" and path.startswith("/v1/"):
            token = self._bearer(headers)
            return 200, {}, self._api_get(path[3:], query, token)
        raise ApiError(404, "Service not found")

    def _admit_quota(self) -> None:
        with self._lock:
            now = self.clock()
            if now >= self._state.quota_until:
                return
            self._state.quota_until = now + self._state.quota_seconds
            wait = math.ceil(self._state.quota_until - now)
        raise ApiError(429, "", {"Retry-After": str(wait)},
                       body={"error": {"status": 429, "reason": "QUOTA_EXCEEDED"}})

    def _admit_rate_limited(self) -> None:
        limit = self.rate_limit_per_30s
        if not limit:
            return
        with self._lock:
            now = self.clock()
            window = self._state.window
            while window and window[0] <= now - RATE_WINDOW_SECONDS:
                window.popleft()
            if len(window) >= limit:
                wait = max(1, math.ceil(window[0] + RATE_WINDOW_SECONDS - now))
                raise ApiError(429, "API rate limit exceeded", {"Retry-After": str(wait)})
            window.append(now)

    def _raise_injected_fault(self, method: str, path: str) -> None:
        with self._lock:
            fault = next((f for f in self._state.faults if f.matches(method, path)), None)
            if fault is None:
                return
            if fault.count is not None:
                fault.count -= 1
        if fault.delay_seconds:
            time.sleep(fault.delay_seconds)
        if fault.status == 200:
            return
        headers = {}
        if fault.status == 429:
            headers["Retry-After"] = str(math.ceil(fault.retry_after or 1))
        if path == "/api/token" and fault.body is None and fault.status in (400, 401):
            body = {"error": "invalid_client", "error_description": "Invalid client"}
        else:
            body = fault.body
        raise ApiError(fault.status, f"injected {fault.status}", headers, body)

    # -- accounts --------------------------------------------------------------------------
    def _client_from(self, headers: Any, form: dict[str, str]) -> tuple[str | None, str | None]:
        auth = headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                decoded = base64.b64decode(auth[6:]).decode("utf-8")
            except ValueError:
                return None, None
            client_id, _, client_secret = decoded.partition(":")
            return client_id, client_secret
        return form.get("client_id"), form.get("client_secret")

    def _issue(self, token: _Token, **extra: Any) -> dict[str, Any]:
        access = secrets.token_urlsafe(24)
        lifetime = self.access_token_lifetime
        with self._lock:
            token.expires_at = self.clock() + lifetime
            self._state.tokens[access] = token
        return {"access_token": access, "token_type": "Bearer", "expires_in": math.ceil(lifetime),
                **extra}

    def _refresh(self, form: dict[str, str]) -> dict[str, Any]:
        old = form.get("refresh_token", "")
        with self._lock:
            expires_at = self._state.refresh_tokens.get(old)
            now = self.clock()
            if expires_at is None or expires_at <= now:
                expired = expires_at is not None
                answer = None
            else:
                expired = False
                answer = {}
                if self.rotate_refresh_tokens:
                    # The new token keeps the authorization's expiry; the old one stops working.
                    new = secrets.token_urlsafe(24)
                    del self._state.refresh_tokens[old]
                    self._state.refresh_tokens[new] = expires_at
                    self.refresh_token = new
                    answer["refresh_token"] = new
        if answer is None:
            description = "Refresh token expired" if expired else "Invalid refresh token"
            raise ApiError(400, "", body={"error": "invalid_grant",
                                          "error_description": description})
        return self._issue(_Token("user", self.user_id), scope=form.get("scope", ""), **answer)

    def _token(self, headers: Any, form: dict[str, str]) -> dict[str, Any]:
        client_id, client_secret = self._client_from(headers, form)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            raise ApiError(400, "", body={"error": "invalid_client",
                                          "error_description": "Invalid client"})
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return self._issue(_Token("app"))
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == "authorization_code":
            with self._lock:
                redirect = self._state.codes.pop(form.get("code", ""), None)
            if redirect is None or redirect != form.get("redirect_uri"):
                raise ApiError(400, "", body={"error": "invalid_grant",
                                              "error_description": "Invalid authorization code"})
            with self._lock:  # a new authorization: six more months
                self._state.refresh_tokens[self.refresh_token] = (
                    self.clock() + self.refresh_token_lifetime
                )
            return self._issue(_Token("user", self.user_id), refresh_token=self.refresh_token,
                               scope=form.get("scope", ""))
        raise ApiError(400, "", body={"error": "unsupported_grant_type",
                                      "error_description": f"grant_type {grant!r}"})

    def _authorize(self, query: dict[str, str]) -> str:
        if query.get("client_id") != self.client_id:
            raise ApiError(400, "INVALID_CLIENT: Invalid client")
        redirect = query.get("redirect_uri")
        if not redirect or query.get("response_type") != "code":
            raise ApiError(400, "redirect_uri and response_type=code are required")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._state.codes[code] = redirect
        answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        return f"{redirect}?{urlencode(answer)}"

    # -- Web API ---------------------------------------------------------------------------
    def _bearer(self, headers: Any) -> _Token:
        auth = headers.get("Authorization", "")
        with self._lock:
            token = self._state.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if token is None:
            raise ApiError(401, "Invalid access token")
        if token.expires_at <= self.clock():
            raise ApiError(401, "The access token expired")
        return token

    def _api_get(self, path: str, query: dict[str, str], token: _Token) -> dict[str, Any]:
        removed = removed_answer(template_of(path), self.extended_quota)
        if removed is not None:
            raise ApiError(removed.status, removed.message)
        answer = self._api_answer(path, query, token)
        if self.extended_quota:
            return answer
        return strip_dev_mode_fields(answer)

    def _api_answer(self, path: str, query: dict[str, str], token: _Token) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[0] == "me":
            return self._me(parts[1:], query, token)
        if len(parts) not in (2, 3) or parts[0] not in ("playlists", "albums", "artists"):
            raise ApiError(404, "Service not found")
        if not _ID.match(parts[1]):
            raise ApiError(400, "Invalid base62 id")
        kind, ident, sub = parts[0], parts[1], (parts[2] if len(parts) == 3 else None)
        if kind == "playlists":
            return self._playlist(ident, sub, query, token)
        if kind == "albums":
            return self._album(ident, sub, query)
        return self._artist(ident, sub, query)

    def _page(self, items: list[Any], path: str, query: dict[str, str],
              embedded: int | None = None) -> dict[str, Any]:
        """One page of `items` as endpoint `path` serves it (its limit range: PAGE_LIMITS), or
        the first page an object embeds, of `embedded` items."""
        allowed = PAGE_LIMITS[template_of(path)]
        try:
            offset = int(query.get("offset", 0))
            limit = embedded or int(query.get("limit", allowed.default))
        except ValueError as error:
            raise ApiError(400, "Invalid limit") from error
        if offset < 0:
            raise ApiError(400, "Invalid offset")
        if embedded is None and not allowed.minimum <= limit <= allowed.maximum:
            raise ApiError(400, "Invalid limit")
        url = f"{self.api_url}{path}"
        total = len(items)

        def link(at: int) -> str:
            # An embedded page may be larger than its endpoint allows: its links ask for less.
            size = min(limit, allowed.maximum)
            return f"{url}?{urlencode({'offset': at, 'limit': size})}"

        return {
            "href": link(offset),
            "items": items[offset:offset + limit],
            "limit": limit,
            "next": link(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": link(max(offset - limit, 0)) if offset > 0 else None,
            "total": total,
        }

    def _playlist(self, ident: str, sub: str | None, query: dict[str, str],
                  token: _Token) -> dict[str, Any]:
        with self._lock:
            found = self.content.playlists.get(ident)
        if found is None:
            raise ApiError(404, "Resource not found")
        metadata, items = found
        readable = self.extended_quota or (
            token.kind == "user" and metadata.get("owner", {}).get("id") == token.user_id
        )
        items_path = f"/playlists/{ident}/items"
        if sub == "items":
            if not readable:
                raise ApiError(403, "Forbidden")
            return self._page(items, items_path, query)
        if sub is not None:
            raise ApiError(404, "Service not found")
        answer = dict(metadata)
        if readable:
            answer["items"] = self._page(items, items_path, {}, embedded=self.embedded_page_size)
        else:
            answer["items"] = {"href": f"{self.api_url}{items_path}", "total": len(items)}
        return answer

    def _album(self, ident: str, sub: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            album = self.content.albums.get(ident)
        if album is None:
            raise ApiError(404, "Resource not found")
        tracks_path = f"/albums/{ident}/tracks"
        tracks = album["tracks"]["items"]
        if sub == "tracks":
            return self._page(tracks, tracks_path, query)
        if sub is not None:
            raise ApiError(404, "Service not found")
        first = self._page(tracks, tracks_path, {}, embedded=EMBEDDED_PAGE_LIMITS["albums/{id}"])
        return {**album, "tracks": first}

    def _artist(self, ident: str, sub: str | None, query: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            artist = self.content.artists.get(ident)
            album_ids = self.content.artist_album_ids.get(ident, [])
            albums = [self.content.albums[a] for a in album_ids if a in self.content.albums]
        if artist is None:
            raise ApiError(404, "Resource not found")
        if sub == "albums":
            simplified = [
                {key: value for key, value in album.items()
                 if key not in ("tracks", "copyrights", "external_ids", "genres", "label",
                                "popularity")} | {"album_group": album["album_type"]}
                for album in albums
            ]
            return self._page(simplified, f"/artists/{ident}/albums", query)
        if sub is not None:
            raise ApiError(404, "Service not found")
        return artist

    def _me(self, parts: list[str], query: dict[str, str], token: _Token) -> dict[str, Any]:
        if token.kind != "user":
            raise ApiError(403, "Forbidden: this endpoint needs a user authorization")
        if parts == ["tracks"]:
            return self._page(self.content.saved_tracks, "/me/tracks", query)
        return library.me_get(self, parts, query)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout tests) is not an error of the server."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _make_handler(fake: FakeSpotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle on, a keep-alive client waits
        # for the delayed ACK (about 40 ms per request instead of under 1 ms).
        disable_nagle_algorithm = True

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = fake.handle(method, self.path, self.headers, body)
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8") if payload else b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is `fake.requests`."""

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve the fake until Ctrl-C: `python -m spotify_local.spotify.server`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m spotify_local.spotify.server",
                                     description=main.__doc__)
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--rate-limit", type=int, metavar="REQUESTS_PER_30S")
    parser.add_argument("--extended-quota", action="store_true",
                        help="serve the fields development mode removes, and the Feb 2026 "
                        "endpoints")
    parser.add_argument("--rotate-refresh-tokens", action="store_true",
                        help="answer each refresh with a new refresh token")
    args = parser.parse_args(argv)
    fake = FakeSpotify(port=args.port, rate_limit_per_30s=args.rate_limit,
                       extended_quota=args.extended_quota,
                       rotate_refresh_tokens=args.rotate_refresh_tokens)
    print(f"export SPOTIFY_CLIENT_ID={fake.client_id} SPOTIFY_CLIENT_SECRET={fake.client_secret}"
          f" SPOTIFY_REFRESH_TOKEN={fake.refresh_token}\n"
          f"python -m spotify_etl extract --api-url {fake.api_url} "
          f"--accounts-url {fake.accounts_url} --source playlist:<id> --out .lake", flush=True)
    try:
        fake._server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main()
