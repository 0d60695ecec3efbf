"""Deterministic, realistic Spotify Web API objects for the fake server, tests and benchmarks.

Objects follow the shapes of Spotify's reference examples: playlist items `{added_at, added_by,
is_local, item}` holding full track objects (or an episode, a local file, or null), albums with
mixed `release_date` precision, several artists per track, and names with commas, quotes,
newlines and non-Latin scripts. Albums and artists are reused across a playlist the way real
playlists reuse them (a few hundred of each per 1,000 items).

Generated objects share their nested artist/album dicts: treat them as read-only (serialise or
deep-copy before changing one).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

API = "https://api.spotify.com/v1"
OPEN = "https://open.spotify.com"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

SAMPLE_USER_ID = "sampleuser"
"""The user the fake server's refresh token belongs to; owns the bundled sample playlist."""

_WORDS = (
    "Midnight", "Sun", "River", "Échos", "Neon", "Glass", "Heart", "Garden", "Señorita",
    "Paper", "Moon", "Fire", "Blue", "Ocean", "Wild", "Golden", "Ghost", "Electric", "Velvet",
    "Sky", "Dream", "Storm", "Silver", "Nova", "東京", "Москва", "Ünder", "Ñandú", "Love",
    "Road", "City", "Lights", "Dance", "Rain", "Fever", "Shadow", "Crystal", "Zürich", "夜",
)
_ODD_NAMES = (
    'Say "Hello", Goodbye',
    "Rock, Paper, Scissors",
    "Line One\nLine Two",
    "It's a \"Live\" Take, Pt. 2",
    "Ça va? 🎧",
    "Tab\tSeparated",
    "Back\\slash; semi;colon",
    "Sigur Rós \u2013 Hoppípolla",
)
_FIRST = ("DJ", "The", "Los", "Lil", "MC", "Die", "Les", "La", "Sir", "")
_GENRES = ("pop", "indie rock", "k-pop", "reggaeton", "techno", "jazz", "hip hop", "folk")
_MARKETS = ["DE", "ES", "FR", "GB", "JP", "SE", "US"]


def spotify_id(rng: random.Random) -> str:
    """A 22-character base62 ID like Spotify's."""
    return "".join(rng.choices(BASE62, k=22))


def _name(rng: random.Random, words: int) -> str:
    if rng.random() < 0.06:
        return rng.choice(_ODD_NAMES)
    return " ".join(rng.choice(_WORDS) for _ in range(words))


def _links(kind: str, ident: str) -> dict[str, Any]:
    return {
        "external_urls": {"spotify": f"{OPEN}/{kind}/{ident}"},
        "href": f"{API}/{kind}s/{ident}",
        "id": ident,
        "uri": f"spotify:{kind}:{ident}",
    }


def _images(rng: random.Random) -> list[dict[str, Any]]:
    key = "".join(rng.choices("0123456789abcdef", k=40))
    return [
        {"url": f"https://i.scdn.co/image/ab67616d0000b273{key}", "height": 640, "width": 640},
        {"url": f"https://i.scdn.co/image/ab67616d00001e02{key}", "height": 300, "width": 300},
    ]


def make_artist(rng: random.Random, *, full: bool = False) -> dict[str, Any]:
    """A simplified artist object (or a full one with genres, images, followers, popularity)."""
    ident = spotify_id(rng)
    prefix = rng.choice(_FIRST)
    name = f"{prefix} {_name(rng, rng.randint(1, 2))}".strip()
    artist = {**_links("artist", ident), "name": name, "type": "artist"}
    if full:
        artist.update(
            followers={"href": None, "total": rng.randint(0, 5_000_000)},
            genres=rng.sample(_GENRES, k=rng.randint(0, 3)),
            images=_images(rng),
            popularity=rng.randint(0, 100),
        )
    return artist


def _release_date(rng: random.Random) -> tuple[str, str]:
    year = rng.randint(1960, 2026)
    roll = rng.random()
    if roll < 0.12:
        return str(year), "year"
    month = rng.randint(1, 12)
    if roll < 0.2:
        return f"{year}-{month:02d}", "month"
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}", "day"


def make_album(
    rng: random.Random, artists: list[dict[str, Any]], *, total_tracks: int | None = None
) -> dict[str, Any]:
    """A simplified album object by `artists` (no `tracks` page)."""
    ident = spotify_id(rng)
    date, precision = _release_date(rng)
    total = total_tracks if total_tracks is not None else rng.randint(1, 18)
    kind = "single" if total <= 3 else rng.choice(("album", "album", "album", "compilation"))
    return {
        "album_type": kind,
        "artists": artists,
        "available_markets": _MARKETS,
        **_links("album", ident),
        "images": _images(rng),
        "name": _name(rng, rng.randint(1, 3)),
        "release_date": date,
        "release_date_precision": precision,
        "total_tracks": total,
        "type": "album",
    }


def make_track(
    rng: random.Random,
    album: dict[str, Any] | None,
    artists: list[dict[str, Any]],
    *,
    track_number: int = 1,
) -> dict[str, Any]:
    """A track object: full (with `album`, `popularity`, `external_ids`) when album is given,
    simplified (as in an album's tracks page) when it is None."""
    ident = spotify_id(rng)
    track: dict[str, Any] = {
        "artists": artists,
        "available_markets": _MARKETS,
        "disc_number": 1,
        "duration_ms": rng.randint(90_000, 420_000),
        "explicit": rng.random() < 0.2,
        **_links("track", ident),
        "is_local": False,
        "name": _name(rng, rng.randint(1, 4)),
        "preview_url": None,
        "track_number": track_number,
        "type": "track",
    }
    if album is not None:
        track["album"] = album
        track["external_ids"] = {"isrc": f"US{rng.randint(10_000_000_000, 99_999_999_999)}"[:12]}
        track["popularity"] = rng.randint(0, 100)
    return track


def make_episode(rng: random.Random) -> dict[str, Any]:
    """A podcast episode object as it appears in a playlist's items."""
    ident = spotify_id(rng)
    date, precision = _release_date(rng)
    show_id = spotify_id(rng)
    return {
        "audio_preview_url": None,
        "description": "Episode notes, with commas, \"quotes\"\nand a second line.",
        "duration_ms": rng.randint(600_000, 5_400_000),
        "explicit": False,
        **_links("episode", ident),
        "images": _images(rng),
        "is_externally_hosted": False,
        "language": "en",
        "name": f"Episode {rng.randint(1, 400)}: {_name(rng, 3)}",
        "release_date": date,
        "release_date_precision": precision,
        "show": {
            **_links("show", show_id),
            "name": _name(rng, 2) + " Podcast",
            "publisher": _name(rng, 2),
            "type": "show",
            "total_episodes": rng.randint(1, 400),
        },
        "type": "episode",
    }


def make_local_track(rng: random.Random) -> dict[str, Any]:
    """A local file in a playlist: no IDs, a `spotify:local:` URI, `is_local` true."""
    artist_name, album_name, name = _name(rng, 2), _name(rng, 2), _name(rng, 3)
    duration = rng.randint(90, 420)
    return {
        "album": {"album_type": None, "artists": [], "available_markets": [],
                  "external_urls": {}, "href": None, "id": None, "images": [],
                  "name": album_name, "release_date": None, "release_date_precision": None,
                  "type": "album", "uri": None},
        "artists": [{"external_urls": {}, "href": None, "id": None, "name": artist_name,
                     "type": "artist", "uri": None}],
        "available_markets": [],
        "disc_number": 0,
        "duration_ms": duration * 1000,
        "explicit": False,
        "external_ids": {},
        "external_urls": {},
        "href": None,
        "id": None,
        "is_local": True,
        "name": name,
        "popularity": 0,
        "preview_url": None,
        "track_number": 0,
        "type": "track",
        "uri": f"spotify:local:{artist_name}:{album_name}:{name}:{duration}".replace(" ", "+"),
    }


def _user(ident: str, name: str | None = None) -> dict[str, Any]:
    user = {**_links("user", ident), "type": "user"}
    if name is not None:
        user["display_name"] = name
    return user


class _TrackMaker:
    """Pools of artists and albums sized for `n_items`, drawn with a skew like real playlists."""

    def __init__(self, rng: random.Random, n_items: int) -> None:
        self.rng = rng
        n_artists = max(3, int(n_items * 0.3))
        n_albums = max(2, int(n_items * 0.25))
        self.artists = [make_artist(rng) for _ in range(n_artists)]
        self.albums = []
        for _ in range(n_albums):
            main = self._pick(self.artists)
            extra = [self._pick(self.artists)] if rng.random() < 0.1 else []
            self.albums.append(make_album(rng, [main, *extra]))

    def _pick(self, pool: list[dict[str, Any]]) -> dict[str, Any]:
        # Squaring a uniform draw favours the front of the pool: some artists recur often.
        return pool[int(len(pool) * self.rng.random() ** 2)]

    def track(self) -> dict[str, Any]:
        album = self._pick(self.albums)
        artists = list(album["artists"])
        if self.rng.random() < 0.3:  # features: more than one artist per track
            guest = self._pick(self.artists)
            if guest not in artists:
                artists.append(guest)
        number = self.rng.randint(1, album["total_tracks"])
        return make_track(self.rng, album, artists, track_number=number)


def _added_at(rng: random.Random, base: datetime) -> str:
    moment = base - timedelta(seconds=rng.randint(0, 3 * 365 * 86_400))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_playlist_items(
    n_items: int,
    seed: int = 0,
    *,
    added_by: str = SAMPLE_USER_ID,
    null_rate: float = 0.01,
    episode_rate: float = 0.01,
    local_rate: float = 0.01,
) -> list[dict[str, Any]]:
    """`n_items` playlist item objects (`item` key), including null tracks, episodes and local
    files at the given rates. Deterministic for a given seed."""
    rng = random.Random(seed)
    maker = _TrackMaker(rng, n_items)
    adder = _user(added_by)
    base = datetime(2026, 11, 1, tzinfo=UTC)
    items: list[dict[str, Any]] = []
    for _ in range(n_items):
        roll = rng.random()
        is_local = False
        if roll < null_rate:
            content = None
        elif roll < null_rate + episode_rate:
            content = make_episode(rng)
        elif roll < null_rate + episode_rate + local_rate:
            content, is_local = make_local_track(rng), True
        else:
            content = maker.track()
        items.append({
            "added_at": _added_at(rng, base),
            "added_by": adder,
            "is_local": is_local,
            "item": content,
            "primary_color": None,
            "video_thumbnail": {"url": None},
        })
    return items


def make_playlist_metadata(
    playlist_id: str, *, name: str, owner_id: str = SAMPLE_USER_ID, seed: int = 0
) -> dict[str, Any]:
    """A playlist object without its items page (the fake server embeds one when serving it)."""
    rng = random.Random(f"{seed}-meta")
    return {
        "collaborative": False,
        "description": "Generated sample playlist, with a comma, \"quotes\" &amp; an accent: é",
        **_links("playlist", playlist_id),
        "followers": {"href": None, "total": rng.randint(0, 100_000)},
        "images": _images(rng),
        "name": name,
        "owner": _user(owner_id, owner_id.title()),
        "primary_color": None,
        "public": True,
        "snapshot_id": "".join(rng.choices(BASE62, k=32)),
        "type": "playlist",
    }


def generate_playlist(
    playlist_id: str,
    n_items: int,
    seed: int = 0,
    *,
    owner_id: str = SAMPLE_USER_ID,
    name: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A playlist's metadata (without items page) and its `n_items` items. Deterministic.

    100,000 items take about a second; albums and artists are shared between items.
    """
    items = generate_playlist_items(n_items, seed, added_by=owner_id)
    metadata = make_playlist_metadata(
        playlist_id,
        name=name or f"Sample, \"mix\" #{seed}",
        owner_id=owner_id,
        seed=seed,
    )
    return metadata, items


def generate_album(
    album_id: str | None = None, n_tracks: int = 12, seed: int = 0
) -> dict[str, Any]:
    """A full album object with all `n_tracks` simplified tracks under `tracks.items`
    (the fake server pages them)."""
    rng = random.Random(seed)
    artists = [make_artist(rng) for _ in range(rng.randint(1, 2))]
    album = make_album(rng, artists, total_tracks=n_tracks)
    if album_id:
        album.update(_links("album", album_id))
    tracks = []
    for number in range(1, n_tracks + 1):
        track_artists = list(artists)
        if rng.random() < 0.25:
            track_artists.append(make_artist(rng))
        tracks.append(make_track(rng, None, track_artists, track_number=number))
    album.update(
        copyrights=[{"text": f"(C) {album['release_date'][:4]} Sample Records", "type": "C"}],
        external_ids={"upc": str(rng.randint(10**11, 10**12 - 1))},
        genres=[],
        label="Sample Records, Ltd.",
        popularity=rng.randint(0, 100),
        tracks={"items": tracks, "total": n_tracks},
    )
    return album


def generate_artist(
    artist_id: str | None = None, album_track_counts: tuple[int, ...] = (10, 3, 14), seed: int = 0
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A full artist and their full albums (each with all tracks under `tracks.items`)."""
    rng = random.Random(seed)
    artist = make_artist(rng, full=True)
    if artist_id:
        artist.update(_links("artist", artist_id))
    simple = {k: artist[k] for k in ("external_urls", "href", "id", "name", "type", "uri")}
    albums = []
    for index, count in enumerate(album_track_counts):
        album = generate_album(None, count, seed=seed * 1000 + index + 1)
        album["artists"] = [simple]
        for track in album["tracks"]["items"]:
            track["artists"] = [simple, *track["artists"][1:]]
        albums.append(album)
    return artist, albums


def generate_saved_tracks(n_items: int, seed: int = 0) -> list[dict[str, Any]]:
    """Saved track objects `{added_at, track}` as `/me/tracks` returns them."""
    rng = random.Random(seed)
    maker = _TrackMaker(rng, n_items)
    base = datetime(2026, 11, 20, tzinfo=UTC)
    saved = [{"added_at": _added_at(rng, base), "track": maker.track()} for _ in range(n_items)]
    return sorted(saved, key=lambda entry: entry["added_at"], reverse=True)


LISTENING_SESSIONS = (
    # (start hour, minutes): past midnight, a commute, the working day, lunch, the way home
    # and a long evening.
    (0.3, 70), (7.0, 80), (8.7, 200), (12.5, 40), (13.5, 170), (17.3, 100), (19.0, 300),
)
"""A day of uneven listening: dense sessions, quiet hours between them (UTC)."""


def generate_listening_day(
    day: datetime,
    seed: int = 0,
    *,
    sessions: tuple[tuple[float, int], ...] = LISTENING_SESSIONS,
    context_uri: str | None = None,
) -> list[dict[str, Any]]:
    """One day of play history objects `{track, played_at, context}`, newest first.

    Within a session tracks play back to back; about a quarter are skipped after 20-90 s (a
    play counts once it starts, as Spotify records it), and favourite tracks come back, so a
    day has repeats. With the default sessions a day has about 300 plays, at most about 25 in
    any hour, none in the quiet ones. `context_uri` (a playlist's URI) is the context of about
    half the plays.
    """
    rng = random.Random(seed)
    maker = _TrackMaker(rng, 120)
    favourites = [maker.track() for _ in range(15)]
    start_of_day = day.replace(hour=0, minute=0, second=0, microsecond=0)
    plays = []
    for start_hour, minutes in sessions:
        moment = start_of_day + timedelta(hours=start_hour, seconds=rng.randint(0, 300))
        end = moment + timedelta(minutes=minutes)
        while moment < end:
            track = rng.choice(favourites) if rng.random() < 0.3 else maker.track()
            roll = rng.random()
            if context_uri and roll < 0.5:
                context = {"type": "playlist", "uri": context_uri,
                           "href": f"{API}/playlists/{context_uri.rsplit(':', 1)[-1]}",
                           "external_urls": {}}
            elif roll < 0.8:
                album = track["album"]
                context = {"type": "album", "href": album["href"],
                           "external_urls": album["external_urls"], "uri": album["uri"]}
            else:
                context = None
            millis = rng.randint(0, 999)
            stamp = moment.replace(microsecond=millis * 1000)
            played_at = stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis:03d}Z"
            plays.append({"track": track, "played_at": played_at, "context": context})
            listened = (rng.randint(20_000, 90_000) if rng.random() < 0.35
                        else track["duration_ms"])
            moment += timedelta(milliseconds=listened + rng.randint(0, 4_000))
    return sorted(plays, key=lambda play: play["played_at"], reverse=True)
