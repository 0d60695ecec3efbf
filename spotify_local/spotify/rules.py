"""What the local Spotify Web API refuses, as tables (shared notes: spotify-web-api.md).

Kept apart from server.py so that a new endpoint is one line here, and apart from the
client's own page-size table (spotify_runtime.extract.endpoints): the two are written from the
documentation independently, so a test can catch them disagreeing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LimitRange:
    """The `limit` a paged endpoint accepts (1..maximum) and its default."""

    maximum: int
    default: int = 20
    minimum: int = 1


PAGE_LIMITS: dict[str, LimitRange] = {
    # Feb 2026: /items replaced /tracks; default 20, max 50.
    "playlists/{id}/items": LimitRange(50),
    "albums/{id}/tracks": LimitRange(50),
    # Feb/Mar 2026: 1-10, above it 400 Invalid limit (spotipy issues 1231, 1236).
    "artists/{id}/albums": LimitRange(10, default=5),
    "search": LimitRange(10, default=5),
    "me/tracks": LimitRange(50),
    "me/player/recently-played": LimitRange(50),
    "me/top/tracks": LimitRange(50),
    "me/top/artists": LimitRange(50),
    "me/albums": LimitRange(50),
    "me/following": LimitRange(50),
    "me/playlists": LimitRange(50),
}
"""Endpoint template -> the `limit` range Spotify documents for it. A page asked for with a limit
outside the range is answered 400 `Invalid limit`."""

EMBEDDED_PAGE_LIMITS: dict[str, int] = {
    "playlists/{id}": 100,
    "albums/{id}": 50,
}
"""Items an object embeds as its first page (not a `limit` anyone can ask for)."""


@dataclass(frozen=True)
class Removed:
    """What Spotify answers for an endpoint it took away, and since when."""

    status: int
    message: str
    since: str
    extended_quota_too: bool = False
    """Also refused for extended-quota apps (the Nov 2024 removals apply to every new app)."""


REMOVED_ENDPOINTS: dict[str, Removed] = {
    # Feb 2026, development-mode apps from 9 Mar 2026: 403 Forbidden (verified against the live
    # API for /tracks?ids= by spotify-to-plex #131; /artists/{id}/top-tracks by spotatui #517).
    "playlists/{id}/tracks": Removed(403, "Forbidden", "2026-03"),
    "albums": Removed(403, "Forbidden", "2026-03"),
    "artists": Removed(403, "Forbidden", "2026-03"),
    "tracks": Removed(403, "Forbidden", "2026-03"),
    "artists/{id}/top-tracks": Removed(403, "Forbidden", "2026-03"),
    "browse/new-releases": Removed(403, "Forbidden", "2026-03"),
    "browse/categories": Removed(403, "Forbidden", "2026-03"),
    "browse/categories/{id}": Removed(403, "Forbidden", "2026-03"),
    "markets": Removed(403, "Forbidden", "2026-03"),
    "users/{id}": Removed(403, "Forbidden", "2026-03"),
    "users/{id}/playlists": Removed(403, "Forbidden", "2026-03"),
    # Nov 2024, apps created after 27 Nov 2024 (SpotifyAPI-NET #1012: related-artists 404).
    "recommendations": Removed(404, "Not Found", "2024-11", extended_quota_too=True),
    "artists/{id}/related-artists": Removed(404, "Not Found", "2024-11", extended_quota_too=True),
    "browse/featured-playlists": Removed(404, "Not Found", "2024-11", extended_quota_too=True),
    "browse/categories/{id}/playlists": Removed(404, "Not Found", "2024-11",
                                                extended_quota_too=True),
    "audio-features": Removed(403, "Forbidden", "2024-11", extended_quota_too=True),
    "audio-features/{id}": Removed(403, "Forbidden", "2024-11", extended_quota_too=True),
    "audio-analysis/{id}": Removed(403, "Forbidden", "2024-11", extended_quota_too=True),
}
"""Endpoint template -> Spotify's answer since it was removed."""

DEV_MODE_REMOVED_FIELDS: dict[str, frozenset[str]] = {
    "track": frozenset({"popularity", "available_markets", "linked_from"}),
    "album": frozenset({"popularity", "label", "album_group", "available_markets"}),
    "artist": frozenset({"followers", "popularity"}),
    "user": frozenset({"country", "email", "explicit_content", "followers", "product"}),
}
"""Object `type` -> fields missing from development-mode responses (Feb 2026; `external_ids`
was restored in March 2026, so it stays)."""

_TEMPLATE_PART = re.compile(r"^[0-9A-Za-z]{22}$")


def template_of(path: str) -> str:
    """`playlists/3cEY.../items` -> `playlists/{id}/items` (22-character IDs become `{id}`)."""
    parts = [part for part in path.strip("/").split("/") if part]
    return "/".join("{id}" if _TEMPLATE_PART.match(part) else part for part in parts)


def removed_answer(template: str, extended_quota: bool) -> Removed | None:
    """What Spotify answers instead of serving `template`, or None when it is served."""
    removed = REMOVED_ENDPOINTS.get(template)
    if removed is None or (extended_quota and not removed.extended_quota_too):
        return None
    return removed


def strip_dev_mode_fields(document: Any) -> Any:
    """A copy of `document` without the fields development mode removes, at any depth."""
    if isinstance(document, list):
        return [strip_dev_mode_fields(each) for each in document]
    if not isinstance(document, dict):
        return document
    removed = DEV_MODE_REMOVED_FIELDS.get(document.get("type"), frozenset())
    return {key: strip_dev_mode_fields(value) for key, value in document.items()
            if key not in removed}


class ApiError(Exception):
    """An error answer: status, JSON body and extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.body = body or {"error": {"status": status, "message": message}}
