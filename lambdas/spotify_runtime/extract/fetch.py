"""Fetch one source from Spotify as a raw envelope (envelope.py), with the fewest requests;
nothing is written here (landing.py writes it).

Request counts (the lower bound the benchmark checks), N items per source:
- playlist: 1 metadata request (Spotify embeds the first items page, up to 100, and we use it)
  plus ceil((N - embedded) / 50) `/items` pages; without an embedded page, ceil(N / 50) pages.
- album: 1 request (embeds the first 50 tracks) plus ceil((N - 50) / 50) track pages.
- artist: 1 + ceil(albums / 10) + sum over albums of ceil(tracks / 50) (the artist's albums
  come 10 a page since Feb 2026; endpoints.py has every page size and its source).
- saved-tracks: ceil(N / 50); recently-played: 1 (Spotify keeps only the last 50 plays).
- top-tracks, top-artists, saved-albums, followed-artists, my-playlists: library.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from spotify_runtime.envelope import build_envelope
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.endpoints import page_size
from spotify_runtime.extract.errors import (
    InvalidCredentialsError,
    RefreshTokenExpiredError,
    SourceUnavailableError,
)
from spotify_runtime.extract.library import EXTRACTORS as LIBRARY_EXTRACTORS
from spotify_runtime.extract.spotify_client import ResourceUnavailableError, SpotifyClient
from spotify_runtime.sources import Source

EDITORIAL_PREFIX = "37i9dQZ"
USER_SOURCE_NAMES = {"saved-tracks": "Saved tracks", "recently-played": "Recently played"}


class UserAuthorizationRequiredError(InvalidCredentialsError):
    """A user source (or owned playlist) was asked for with app-only credentials."""


def _embedded_page(obj: dict[str, Any], *keys: str) -> dict[str, Any] | None:
    """Remove and return the first paging object embedded under `keys` that holds items."""
    for key in keys:
        page = obj.get(key)
        if isinstance(page, dict) and "href" in page:
            obj.pop(key)
            if isinstance(page.get("items"), list):
                return page
    return None


def _rest_of_pages(
    client: SpotifyClient, template: str, ident: str | None, page: dict[str, Any] | None,
    deadline: Deadline, params: dict[str, Any] | None = None,
) -> list[Any]:
    """Items of `page` and of every following page of endpoint `template` for `ident`, each
    asked for with the endpoint's page size (endpoints.py).

    The next offset is computed instead of following `next` verbatim: an embedded page's
    `next` may name an older endpoint or a larger limit than `path` accepts.
    """
    path = template.format(id=ident)
    limit = page_size(template)
    items: list[Any] = []
    offset = 0
    while True:
        if page is None:
            query = {**(params or {}), "limit": limit, "offset": offset}
            page = client.get(path, query, deadline=deadline)
        items.extend(page.get("items") or [])
        offset = int(page.get("offset") or 0) + len(page.get("items") or [])
        if not page.get("next") or not page.get("items"):
            return items
        page = None


def _playlist(client: SpotifyClient, source: Source, deadline: Deadline):
    metadata = client.get(f"playlists/{source.id}", {"additional_types": "track,episode"},
                          deadline=deadline)
    first = _embedded_page(metadata, "items", "tracks")
    items = _rest_of_pages(client, "playlists/{id}/items", source.id, first, deadline,
                           {"additional_types": "track,episode"})
    return metadata.get("name"), metadata, items


def _album(client: SpotifyClient, source: Source, deadline: Deadline):
    metadata = client.get(f"albums/{source.id}", deadline=deadline)
    first = _embedded_page(metadata, "tracks")
    items = _rest_of_pages(client, "albums/{id}/tracks", source.id, first, deadline)
    return metadata.get("name"), metadata, items


def _artist(client: SpotifyClient, source: Source, deadline: Deadline):
    artist = client.get(f"artists/{source.id}", deadline=deadline)
    albums = _rest_of_pages(client, "artists/{id}/albums", source.id, None, deadline,
                            {"include_groups": "album,single,compilation"})
    items = []
    for album in albums:
        tracks = _rest_of_pages(client, "albums/{id}/tracks", album["id"], None, deadline)
        items.extend({"album": album, "track": track} for track in tracks)
    return artist.get("name"), artist, items


def _saved_tracks(client: SpotifyClient, source: Source, deadline: Deadline):
    items = _rest_of_pages(client, "me/tracks", None, None, deadline)
    return USER_SOURCE_NAMES[source.type], None, items


def _recently_played(client: SpotifyClient, source: Source, deadline: Deadline):
    limit = page_size("me/player/recently-played")
    page = client.get("me/player/recently-played", {"limit": limit}, deadline=deadline)
    return USER_SOURCE_NAMES[source.type], None, page.get("items") or []


_EXTRACTORS = {
    "playlist": _playlist,
    "album": _album,
    "artist": _artist,
    "saved-tracks": _saved_tracks,
    "recently-played": _recently_played,
    **LIBRARY_EXTRACTORS,
}


def user_scoped(source: Source) -> bool:
    """Whether `source` is read with the user's authorization (a user library source, or a
    playlist: since Feb 2026 only its owner's token reads its items in development mode)."""
    return source.needs_user or source.type == "playlist"


def explain_unavailable(source: Source, status: int, auth_mode: str) -> str:
    """Why Spotify probably refused `source` with `status`, in one actionable line."""
    if source.type == "playlist" and (source.id or "").startswith(EDITORIAL_PREFIX):
        cause = ("Spotify-owned editorial/algorithmic playlists (IDs 37i9dQZ...) are closed to "
                 "apps created after Nov 2024; pick a playlist you own or a copy of it")
    elif source.type == "playlist" and auth_mode != "refresh-token":
        cause = ("since Feb 2026 a development-mode app reads playlist items only as the "
                 "playlist's owner: store a refresh token (`python -m spotify_etl auth`)")
    elif source.type == "playlist":
        cause = ("since Feb 2026 a development-mode app reads playlist items only for playlists "
                 "the authorizing user owns; authorize as the owner or copy the playlist")
    elif status == 404:
        cause = "no such object (check the ID), or it is not available in this app's market"
    else:
        cause = "the app is not allowed to read it"
    return f"{source}: Spotify answered {status}: {cause}"


def require_authorization(client: SpotifyClient, source: Source) -> None:
    """Raise, before any request, if `client` cannot read `source`: RefreshTokenExpiredError
    (the same line for every user-scoped source of the run) once Spotify refused the refresh
    token, UserAuthorizationRequiredError for a user source with app-only credentials."""
    if client.refresh_token_error is not None and user_scoped(source):
        raise client.refresh_token_error
    if source.needs_user and not client.has_user:
        raise UserAuthorizationRequiredError(
            f"{source}: needs a user authorization: set {client.credentials.refresh_token_at} "
            "(get one with `python -m spotify_etl auth`)"
        )


def fetch_envelope(
    client: SpotifyClient,
    source: Source,
    *,
    run_at: datetime,
    deadline: Deadline,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Every page of `source`, as the raw envelope for the run at `run_at`.

    Raises the errors of errors.py: SourceUnavailableError names the source and the likely
    cause; UserAuthorizationRequiredError when a user source meets app-only credentials;
    RefreshTokenExpiredError for a user-scoped source once the refresh token was refused.
    """
    require_authorization(client, source)
    try:
        try:
            name, metadata, items = _EXTRACTORS[source.type](client, source, deadline)
        except RefreshTokenExpiredError:
            if user_scoped(source):
                raise
            # The client fell back to the client-credentials grant, which reads this source.
            name, metadata, items = _EXTRACTORS[source.type](client, source, deadline)
    except ResourceUnavailableError as error:
        raise SourceUnavailableError(
            explain_unavailable(source, error.http_status, client.auth_mode)
        ) from error
    return build_envelope(
        source_type=source.type,
        source_id=source.id,
        source_name=name,
        metadata=metadata,
        items=items,
        extracted_at=now(),
        run_at=run_at,
    )
