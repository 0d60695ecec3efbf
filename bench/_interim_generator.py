"""INTERIM: a minimal playlist-item generator until spotify_etl.local.sample_data lands.

Delete once `spotify_etl.local.sample_data.generate_playlist` is on main.
"""

from __future__ import annotations

import random
import string
from typing import Any

_NAMES = ["Björk, \"Live\"", "Sigur Rós", "東京事変", "AC/DC", "Beyoncé", "O'Connor, Sinéad"]


def _id(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(22))


def _ref(kind: str, spotify_id: str, name: str) -> dict[str, Any]:
    return {
        "id": spotify_id,
        "name": name,
        "type": kind,
        "uri": f"spotify:{kind}:{spotify_id}",
        "href": f"https://api.spotify.com/v1/{kind}s/{spotify_id}",
        "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{spotify_id}"},
    }


def generate_playlist(playlist_id: str, n_items: int, seed: int) -> dict[str, Any]:
    """A playlist object (metadata) and `n_items` playlist items with album/artist reuse."""
    rng = random.Random(seed)
    n_artists = max(1, n_items // 20)
    artists = [_ref("artist", _id(rng), f"{rng.choice(_NAMES)} {i}") for i in range(n_artists)]
    albums = []
    for i in range(max(1, n_items // 8)):
        album = _ref("album", _id(rng), f"Album, \"{i}\" — {rng.choice(_NAMES)}")
        precision = rng.choice(["day", "month", "year"])
        album.update(
            album_type="album",
            total_tracks=rng.randint(1, 20),
            release_date={"day": "1998-05-17", "month": "1998-05", "year": "1998"}[precision],
            release_date_precision=precision,
            artists=[rng.choice(artists)],
        )
        albums.append(album)
    items = []
    for i in range(n_items):
        track = _ref("track", _id(rng), f"Song {i}, with \"quotes\"\nand ü")
        track.update(
            album=rng.choice(albums),
            artists=rng.sample(artists, k=min(len(artists), rng.randint(1, 2))),
            duration_ms=rng.randint(60_000, 400_000),
            explicit=rng.random() < 0.2,
            popularity=rng.randint(0, 100),
            track_number=rng.randint(1, 20),
            disc_number=1,
            external_ids={"isrc": "US" + _id(rng)[:10].upper()},
            is_local=False,
        )
        items.append(
            {
                "added_at": f"2026-11-{1 + i % 28:02d}T10:00:00Z",
                "added_by": {"id": "owner", "type": "user"},
                "is_local": False,
                "item": track,
            }
        )
    metadata = _ref("playlist", playlist_id, f"Bench playlist {n_items}")
    return {"metadata": metadata, "items": items}
