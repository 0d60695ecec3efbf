"""The page size the extraction asks each paged Spotify endpoint for, with where it comes from.

One line per endpoint: Spotify's largest accepted `limit` (fewest requests), as documented.
Spotify answers 400 `Invalid limit` above it, so a wrong line here fails every source that reads
the endpoint. The local stand-in has its own table (spotify_local.spotify.rules),
written from the same documentation; tests/extract/test_strict_standin.py checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSize:
    """How many items one request of an endpoint asks for, and the documentation saying so."""

    limit: int
    source: str


PAGE_SIZES: dict[str, PageSize] = {
    "playlists/{id}/items": PageSize(50, "Feb 2026 changes: /items replaces /tracks, max 50"),
    "albums/{id}/tracks": PageSize(50, "Get Album Tracks reference: max 50"),
    "artists/{id}/albums": PageSize(
        10, "Feb/Mar 2026 changes: max 10, 400 Invalid limit above (spotipy issues 1231, 1236)"
    ),
    "me/tracks": PageSize(50, "Get User's Saved Tracks reference: max 50"),
    "me/player/recently-played": PageSize(50, "Get Recently Played Tracks reference: max 50"),
    "me/top/tracks": PageSize(50, "Get User's Top Items reference: max 50"),
    "me/top/artists": PageSize(50, "Get User's Top Items reference: max 50"),
    "me/albums": PageSize(50, "Get User's Saved Albums reference: max 50"),
    "me/following": PageSize(50, "Get Followed Artists reference: max 50"),
    "me/playlists": PageSize(50, "Get Current User's Playlists reference: max 50"),
}
"""Endpoint template (`{id}` for a 22-character Spotify ID) -> page size and its source."""


def page_size(template: str) -> int:
    """The `limit` to send to `template`; KeyError for an endpoint missing from the table."""
    return PAGE_SIZES[template].limit
