"""The local Spotify's user-library endpoints (`/v1/me/...` other than `/me/tracks`), as strict as
Spotify documents them. FakeSpotify routes every such request here; docs/extraction.md ("The
local stand-in is as strict as Spotify") says what they serve.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from spotify_local.spotify.rules import PAGE_LIMITS, ApiError

if TYPE_CHECKING:
    from spotify_local.spotify.content import SpotifyContent

EMBEDDED_TRACKS = 50
"""Tracks an album object embeds (its first `tracks` page)."""
RETAINED_PLAYS = 50
"""Spotify keeps the last 50 plays and nothing older."""
TIME_RANGES = ("short_term", "medium_term", "long_term")


class LibraryHost(Protocol):
    """What the library endpoints read of the server that routes them (FakeSpotify)."""

    user_id: str
    api_url: str
    content: SpotifyContent
    _lock: Any

    def listening_now(self) -> int | None: ...

    def _page(self, items: list[Any], path: str, query: dict[str, str],
              embedded: int | None = None) -> dict[str, Any]: ...


def _error(status: int, message: str) -> Exception:
    return ApiError(status, message)


def played_at_ms(text: str) -> int:
    """A `played_at` string as Unix milliseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.astimezone(UTC).timestamp() * 1000)


def _int(query: dict[str, str], name: str, default: int | None) -> int | None:
    if name not in query:
        return default
    try:
        return int(query[name])
    except ValueError:
        raise _error(400, f"Invalid {name}") from None


def _limit(query: dict[str, str], template: str) -> int:
    """The request's `limit` if the endpoint's range (rules.PAGE_LIMITS) accepts it."""
    allowed = PAGE_LIMITS[template]
    limit = _int(query, "limit", allowed.default)
    if limit is None or not allowed.minimum <= limit <= allowed.maximum:
        raise _error(400, "Invalid limit")
    return limit


def me_get(fake: LibraryHost, parts: list[str], query: dict[str, str]) -> dict[str, Any]:
    """Answer `GET /v1/me/<parts>` for a user token (FakeSpotify checked the token's kind)."""
    if parts == []:
        user = fake.user_id
        return {"display_name": user.title(), "external_urls": {
            "spotify": f"https://open.spotify.com/user/{user}"},
            "href": f"{fake.api_url}/users/{user}", "id": user, "type": "user",
            "uri": f"spotify:user:{user}"}
    if parts == ["player", "recently-played"]:
        return recently_played(fake, query)
    if len(parts) == 2 and parts[0] == "top" and parts[1] in ("tracks", "artists"):
        time_range = query.get("time_range", "medium_term")
        if time_range not in TIME_RANGES:
            raise _error(400, "Invalid time range")
        items = top_items(fake, parts[1], time_range)
        return fake._page(items, f"/me/top/{parts[1]}", query)
    if parts == ["albums"]:
        return fake._page(saved_albums(fake), "/me/albums", query)
    if parts == ["following"]:
        return following(fake, query)
    if parts == ["playlists"]:
        return fake._page(my_playlists(fake), "/me/playlists", query)
    raise _error(404, "Service not found")


def retained_plays(fake: LibraryHost) -> list[dict[str, Any]]:
    """The plays Spotify still has now: the newest 50 at or before `fake.listening_now()`."""
    now = fake.listening_now()
    with fake._lock:
        history = list(fake.content.recently_played)
    visible = [play for play in history if now is None or played_at_ms(play["played_at"]) <= now]
    visible.sort(key=lambda play: played_at_ms(play["played_at"]), reverse=True)
    return visible[:RETAINED_PLAYS]


def recently_played(fake: LibraryHost, query: dict[str, str]) -> dict[str, Any]:
    """The play history page Spotify would answer: `limit` 1-50 (default 20), `after` or
    `before` (Unix ms, exclusive; both: 400); newest first, with `cursors` {after: newest ms,
    before: oldest ms} and `next` (older plays, `before=`) while more are retained."""
    limit = _limit(query, "me/player/recently-played")
    after, before = _int(query, "after", None), _int(query, "before", None)
    if after is not None and before is not None:
        raise _error(400, "Only one of after and before may be given")
    plays = retained_plays(fake)
    if after is not None:
        plays = [p for p in plays if played_at_ms(p["played_at"]) > after]
    if before is not None:
        plays = [p for p in plays if played_at_ms(p["played_at"]) < before]
    page, rest = plays[:limit], plays[limit:]
    base = f"{fake.api_url}/me/player/recently-played"
    cursors = None
    next_url = None
    if page:
        newest, oldest = (played_at_ms(page[i]["played_at"]) for i in (0, -1))
        cursors = {"after": str(newest), "before": str(oldest)}
        if rest:
            next_url = f"{base}?{urlencode({'before': oldest, 'limit': limit})}"
    return {"cursors": cursors, "href": f"{base}?{urlencode(query)}", "items": page,
            "limit": limit, "next": next_url, "total": None}


def top_items(fake: LibraryHost, kind: str, time_range: str) -> list[dict[str, Any]]:
    """Top tracks or artists for a time range, from the sample content unless a test set them."""
    with fake._lock:
        explicit = fake.content.top.get((kind, time_range))
        if explicit is not None:
            return list(explicit)
        history = [play["track"] for play in fake.content.recently_played]
        saved = [entry["track"] for entry in fake.content.saved_tracks]
    # Shorter ranges weigh recent listening, longer ones the library: three distinct rankings.
    pools = {"short_term": history, "medium_term": history + saved, "long_term": saved + history}
    counts: Counter[str] = Counter()
    by_id: dict[str, dict[str, Any]] = {}
    for track in pools[time_range]:
        if track and track.get("id"):
            counts[track["id"]] += 1
            by_id.setdefault(track["id"], track)
    ranked = [by_id[ident] for ident, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if kind == "tracks":
        return ranked
    artists: dict[str, dict[str, Any]] = {}
    for track in ranked:
        for artist in track.get("artists") or []:
            if artist.get("id"):
                artists.setdefault(artist["id"], {**artist, "genres": [], "images": []})
    return list(artists.values())


def saved_albums(fake: LibraryHost) -> list[dict[str, Any]]:
    """Saved album objects `{added_at, album}` (full albums, first 50 tracks embedded)."""
    with fake._lock:
        if fake.content.saved_albums is not None:
            return list(fake.content.saved_albums)
        albums = list(fake.content.albums.values())
    saved = []
    for index, album in enumerate(albums):
        tracks = album["tracks"]["items"]
        embedded = {"href": f"{fake.api_url}/albums/{album['id']}/tracks",
                    "items": tracks[:EMBEDDED_TRACKS], "limit": EMBEDDED_TRACKS, "offset": 0,
                    "next": None, "previous": None, "total": len(tracks)}
        added = f"2026-0{1 + index % 9}-1{index % 10}T08:00:00Z"
        saved.append({"added_at": added, "album": {**album, "tracks": embedded}})
    return saved


def followed_artists(fake: LibraryHost) -> list[dict[str, Any]]:
    """Full artist objects the user follows, in Spotify's order (by ID)."""
    with fake._lock:
        if fake.content.followed_artists is not None:
            return list(fake.content.followed_artists)
        return sorted(fake.content.artists.values(), key=lambda artist: artist["id"])


def following(fake: LibraryHost, query: dict[str, str]) -> dict[str, Any]:
    """`/me/following?type=artist`: cursor-paged by the last artist ID."""
    if query.get("type") != "artist":
        raise _error(400, "type must be artist")
    limit = _limit(query, "me/following")
    artists = followed_artists(fake)
    start = 0
    if "after" in query:
        ids = [artist["id"] for artist in artists]
        if query["after"] not in ids:
            raise _error(400, "Invalid after cursor")
        start = ids.index(query["after"]) + 1
    page = artists[start:start + limit]
    more = start + limit < len(artists)
    base = f"{fake.api_url}/me/following"
    after = page[-1]["id"] if page and more else None
    next_url = (f"{base}?{urlencode({'type': 'artist', 'after': after, 'limit': limit})}"
                if after else None)
    return {"artists": {"items": page, "next": next_url, "cursors": {"after": after},
                        "limit": limit, "total": len(artists), "href": f"{base}?type=artist"}}


def my_playlists(fake: LibraryHost) -> list[dict[str, Any]]:
    """Every sample playlist (owned, collaborative or followed), simplified."""
    with fake._lock:
        playlists = list(fake.content.playlists.values())
    listed = []
    for metadata, items in playlists:
        ident = metadata["id"]
        simplified = {key: value for key, value in metadata.items() if key != "followers"}
        simplified["items"] = {"href": f"{fake.api_url}/playlists/{ident}/items",
                               "total": len(items)}
        listed.append(simplified)
    return listed
