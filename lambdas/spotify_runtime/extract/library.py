"""The rest of a user's library: top tracks and artists, saved albums, followed artists, and the
user's own playlists (`my-playlists`, which expands into `playlist:ID` sources).

Envelope items per source type (envelope.py lists every type):

- `top-tracks`: `{"time_range", "rank", "track"}` for each of TIME_RANGES, rank 1-based.
- `top-artists`: `{"time_range", "rank", "artist"}`.
- `saved-albums`: saved album objects `{added_at, album}` as `/me/albums` returns them.
- `followed-artists`: artist objects as `/me/following?type=artist` returns them.

Request counts: top-*: sum over time ranges of ceil(N / 50) (at least 1 each); saved-albums:
ceil(N / 50); followed-artists: ceil(N / 50) (cursor-paged by the last artist ID);
my-playlists: 1 (`/me`) + ceil(playlists / 50).
"""

from __future__ import annotations

from typing import Any

from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.endpoints import page_size
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.sources import Source

TIME_RANGES = ("short_term", "medium_term", "long_term")
"""Spotify's time ranges for top items: about 4 weeks, 6 months, and about a year."""
SOURCE_NAMES = {
    "top-tracks": "Top tracks",
    "top-artists": "Top artists",
    "saved-albums": "Saved albums",
    "followed-artists": "Followed artists",
}


def offset_pages(
    client: SpotifyClient, path: str, deadline: Deadline, params: dict[str, Any] | None = None
) -> list[Any]:
    """Every item of an offset-paged `/me/...` endpoint, pages of its size in endpoints.py."""
    items: list[Any] = []
    offset = 0
    while True:
        page = client.get(path, {**(params or {}), "limit": page_size(path), "offset": offset},
                          deadline=deadline)
        batch = page.get("items") or []
        items.extend(batch)
        offset += len(batch)
        if not page.get("next") or not batch:
            return items


def _top(kind: str, key: str):
    def extract(client: SpotifyClient, source: Source, deadline: Deadline):
        items = []
        for time_range in TIME_RANGES:
            ranked = offset_pages(client, f"me/top/{kind}", deadline, {"time_range": time_range})
            items.extend({"time_range": time_range, "rank": rank, key: item}
                         for rank, item in enumerate(ranked, start=1))
        return SOURCE_NAMES[source.type], None, items

    return extract


def _saved_albums(client: SpotifyClient, source: Source, deadline: Deadline):
    return SOURCE_NAMES[source.type], None, offset_pages(client, "me/albums", deadline)


def _followed_artists(client: SpotifyClient, source: Source, deadline: Deadline):
    items: list[Any] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"type": "artist", "limit": page_size("me/following")}
        if after:
            params["after"] = after
        page = client.get("me/following", params, deadline=deadline).get("artists") or {}
        batch = page.get("items") or []
        items.extend(batch)
        after = (page.get("cursors") or {}).get("after")
        if not page.get("next") or not batch or not after:
            return SOURCE_NAMES[source.type], None, items


EXTRACTORS = {
    "top-tracks": _top("tracks", "track"),
    "top-artists": _top("artists", "artist"),
    "saved-albums": _saved_albums,
    "followed-artists": _followed_artists,
}
"""Extractors of this module, registered in fetch.py's table."""


def my_playlists(client: SpotifyClient, deadline: Deadline) -> list[Source]:
    """`playlist:ID` for every playlist the authorizing user owns or collaborates on.

    `/me/playlists` also lists playlists the user merely follows; since Feb 2026 a
    development-mode app cannot read their items, so they are left out.
    """
    user_id = client.get("me", deadline=deadline).get("id")
    sources: list[Source] = []
    for playlist in offset_pages(client, "me/playlists", deadline):
        if not isinstance(playlist, dict) or not playlist.get("id"):
            continue
        owner = (playlist.get("owner") or {}).get("id")
        if owner == user_id or playlist.get("collaborative") is True:
            sources.append(Source("playlist", playlist["id"]))
    return list(dict.fromkeys(sources))
