"""What the fake Spotify Web API serves: an in-memory collection, loadable from the bundled
sample documents under spotify_local/spotify/sample/ (regenerate them with
`python -m spotify_local.spotify.content`).

Fixture layout (each file shaped like Spotify's reference example for that endpoint, with all
items in one list; the server pages them):
    playlists/<id>.json       playlist object, `items.items` holding every playlist item
    albums/<id>.json          album object, `tracks.items` holding every track
    artists/<id>.json         artist object plus `album_ids` (its albums, in albums/)
    me/tracks.json            {"items": [saved track objects]}
    me/recently-played.json   {"items": [play history objects]}: a morning of listening, newest
                              first (the server keeps only the last 50 of it)
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spotify_local.spotify import sample_data

FIXTURE_DIR = Path(__file__).resolve().parent / "sample"

PLAYLIST_ID = "3cEYpjA9oz9GiPac4AsH4n"
"""Bundled playlist owned by the sample user: 125 items incl. a null item, an episode and a
local file."""
OTHER_USERS_PLAYLIST_ID = "1mUtFZdF9Lkd6ZIGm4XxUw"
"""Bundled playlist owned by someone else (Feb 2026 rules: items 403 in development mode)."""
EDITORIAL_PLAYLIST_ID = "37i9dQZF1DXcBWIGoYBM5M"
"""A Spotify-owned editorial playlist: 404 for apps created after Nov 2024 (not served)."""
ALBUM_ID = "4aawyAB9vmqN3uQ7FjRGTy"
"""Bundled album with 62 tracks (two pages of album tracks)."""
ARTIST_ID = "0TnOYISbd1XYRBk9myaseg"
"""Bundled artist with three albums."""
MANY_ALBUMS_ARTIST_ID = "5kManyAlbumsArtist0023"
"""Bundled artist with 23 albums: three pages of `/artists/{id}/albums` at its limit of 10."""
MANY_ALBUMS_TRACKS = tuple(1 + (index * 7) % 4 for index in range(23))
"""Tracks of each of MANY_ALBUMS_ARTIST_ID's albums (small: the album count is the point)."""
OTHER_USER_ID = "someoneelse"
LISTENING_DAY = datetime(2026, 11, 24, tzinfo=UTC)
LISTENING_SESSIONS = ((0.3, 70), (7.0, 80), (8.7, 60))
"""The sample history: past midnight, a commute and the start of the working day (about 60
plays, the last one before 10:00 UTC)."""


@dataclass
class SpotifyContent:
    """Spotify objects by ID, plus the sample user's library."""

    playlists: dict[str, tuple[dict[str, Any], list[Any]]] = field(default_factory=dict)
    albums: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Full album objects with *all* simplified tracks under `tracks.items`."""
    artists: dict[str, dict[str, Any]] = field(default_factory=dict)
    artist_album_ids: dict[str, list[str]] = field(default_factory=dict)
    saved_tracks: list[dict[str, Any]] = field(default_factory=list)
    recently_played: list[dict[str, Any]] = field(default_factory=list)
    """The whole listening history, newest first; Spotify serves only its last 50 plays."""
    top: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    """(`tracks`|`artists`, time range) -> ranked items; unset ones are derived (fake_library)."""
    saved_albums: list[dict[str, Any]] | None = None
    """Saved album objects; None: derived from the albums."""
    followed_artists: list[dict[str, Any]] | None = None
    """Full artist objects; None: every artist held."""

    def add_playlist(self, metadata: dict[str, Any], items: list[Any]) -> None:
        """Serve a playlist: `metadata` without an items page, `items` in order."""
        self.playlists[metadata["id"]] = (metadata, items)

    def add_album(self, album: dict[str, Any]) -> None:
        """Serve a full album whose `tracks.items` holds every track."""
        self.albums[album["id"]] = album

    def add_artist(self, artist: dict[str, Any], albums: list[dict[str, Any]]) -> None:
        """Serve an artist and their full albums."""
        self.artists[artist["id"]] = artist
        for album in albums:
            self.add_album(album)
        self.artist_album_ids[artist["id"]] = [album["id"] for album in albums]


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_content(directory: Path = FIXTURE_DIR) -> SpotifyContent:
    """The content held by the fixture files under `directory`."""
    held = SpotifyContent()
    for path in sorted((directory / "playlists").glob("*.json")):
        playlist = _read(path)
        page = playlist.pop("items")
        held.add_playlist(playlist, page["items"])
    for path in sorted((directory / "albums").glob("*.json")):
        held.add_album(_read(path))
    for path in sorted((directory / "artists").glob("*.json")):
        artist = _read(path)
        held.artist_album_ids[artist["id"]] = artist.pop("album_ids")
        held.artists[artist["id"]] = artist
    held.saved_tracks = _read(directory / "me" / "tracks.json")["items"]
    held.recently_played = _read(directory / "me" / "recently-played.json")["items"]
    return held


def _sample_playlist(playlist_id: str, n_items: int, seed: int, owner: str, name: str):
    metadata, items = sample_data.generate_playlist(
        playlist_id, n_items, seed, owner_id=owner, name=name
    )
    rng = random.Random(seed)
    # Guarantee the awkward cases at fixed places, whatever the random draw gave.
    items[3]["item"] = None
    items[10]["item"] = sample_data.make_episode(rng)
    items[20]["item"] = sample_data.make_local_track(rng)
    items[20]["is_local"] = True
    return metadata, items


def build_fixture_documents() -> dict[str, Any]:
    """The fixture files' contents by relative path. Deterministic."""
    docs: dict[str, Any] = {}
    for ident, n_items, owner, name in (
        (PLAYLIST_ID, 125, sample_data.SAMPLE_USER_ID, 'Road trip, "2026" edition ✨'),
        (OTHER_USERS_PLAYLIST_ID, 30, OTHER_USER_ID, "Someone else's mix"),
    ):
        metadata, items = _sample_playlist(ident, n_items, len(docs) + 1, owner, name)
        metadata["items"] = {"items": items, "total": len(items)}
        docs[f"playlists/{ident}.json"] = metadata
    album = sample_data.generate_album(ALBUM_ID, 62, seed=7)
    docs[f"albums/{ALBUM_ID}.json"] = album
    artist, albums = sample_data.generate_artist(ARTIST_ID, (10, 3, 14), seed=11)
    for each in albums:
        docs[f"albums/{each['id']}.json"] = each
    docs[f"artists/{ARTIST_ID}.json"] = {**artist, "album_ids": [a["id"] for a in albums]}
    artist, albums = sample_data.generate_artist(MANY_ALBUMS_ARTIST_ID, MANY_ALBUMS_TRACKS, 23)
    for each in albums:
        docs[f"albums/{each['id']}.json"] = each
    docs[f"artists/{MANY_ALBUMS_ARTIST_ID}.json"] = {**artist,
                                                     "album_ids": [a["id"] for a in albums]}
    docs["me/tracks.json"] = {"items": sample_data.generate_saved_tracks(73, seed=13)}
    # A morning's listening: more plays than Spotify keeps, so the server serves the last 50.
    history = sample_data.generate_listening_day(
        LISTENING_DAY, 17, sessions=LISTENING_SESSIONS,
        context_uri=f"spotify:playlist:{PLAYLIST_ID}",
    )
    docs["me/recently-played.json"] = {"items": history}
    return docs


def write_fixtures(directory: Path = FIXTURE_DIR) -> None:
    """(Re)write the fixture files under `directory`."""
    for relative, document in build_fixture_documents().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, ensure_ascii=False, indent=1)
        path.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_fixtures(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE_DIR)
