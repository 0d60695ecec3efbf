import json
import re

from spotify_local.spotify import sample_data
from spotify_local.spotify.content import (
    ALBUM_ID,
    ARTIST_ID,
    PLAYLIST_ID,
    build_fixture_documents,
    load_content,
)

ID = re.compile(r"^[0-9A-Za-z]{22}$")


def test_generate_playlist_is_deterministic_and_varied():
    metadata, items = sample_data.generate_playlist("a" * 22, 1000, seed=5)
    again = sample_data.generate_playlist("a" * 22, 1000, seed=5)
    assert json.dumps([metadata, items]) == json.dumps(list(again))
    assert metadata["id"] == "a" * 22 and len(items) == 1000
    contents = [item["item"] for item in items]
    assert any(c is None for c in contents)
    assert any(c and c["type"] == "episode" for c in contents)
    tracks = [c for c in contents if c and c["type"] == "track" and not c["is_local"]]
    assert any(item["is_local"] for item in items)
    albums = {t["album"]["id"] for t in tracks}
    artists = {a["id"] for t in tracks for a in t["artists"]}
    assert 100 <= len(albums) <= 500 and 100 <= len(artists) <= 500
    assert any(len(t["artists"]) > 1 for t in tracks)
    precisions = {t["album"]["release_date_precision"] for t in tracks}
    assert precisions == {"year", "month", "day"}
    names = " ".join(t["name"] for t in tracks)
    assert "," in names and '"' in names and "\n" in names
    assert all(ID.match(t["id"]) for t in tracks)


def test_other_seed_gives_other_playlist():
    _, first = sample_data.generate_playlist("a" * 22, 50, seed=1)
    _, second = sample_data.generate_playlist("a" * 22, 50, seed=2)
    assert first != second


def test_bundled_fixtures_match_the_generator_and_hold_the_awkward_cases():
    content = load_content()
    documents = build_fixture_documents()
    stored = json.loads(json.dumps(documents[f"playlists/{PLAYLIST_ID}.json"]))
    _, items = content.playlists[PLAYLIST_ID]
    assert stored["items"]["items"] == items
    assert len(items) >= 120
    assert any(item["item"] is None for item in items)
    assert any(item["item"] and item["item"]["type"] == "episode" for item in items)
    assert any(item["is_local"] and item["item"]["id"] is None for item in items)
    assert len(content.albums[ALBUM_ID]["tracks"]["items"]) > 50
    assert len(content.artist_album_ids[ARTIST_ID]) == 3
    # A listening history longer than the 50 plays Spotify keeps (the server serves the last 50).
    assert content.saved_tracks and len(content.recently_played) > 50
    ids = [PLAYLIST_ID, ALBUM_ID, ARTIST_ID, *content.albums, *content.playlists]
    assert all(ID.match(ident) for ident in ids)
