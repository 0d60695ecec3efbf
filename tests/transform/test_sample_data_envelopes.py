"""Envelopes built the way extract builds them, from the shared sample data generator."""

import json
from datetime import UTC, datetime

import pytest
from spotify_runtime.envelope import build_envelope
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from spotify_local.spotify import sample_data

NOW = datetime(2026, 11, 24, 18, 10, 4, tzinfo=UTC)
PLAYLIST = "5sampLEp1aylist0000000"


def envelope(source_type, source_id, metadata, items):
    doc = build_envelope(source_type=source_type, source_id=source_id, source_name="n",
                         metadata=metadata, items=items, extracted_at=NOW, run_at=NOW)
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def expected_from_tracks(tracks):
    songs = list(dict.fromkeys(t["id"] for t in tracks))
    artists = [a["id"] for t in tracks for a in t["artists"]]
    artists += [a["id"] for t in tracks for a in t["album"]["artists"]]
    return songs, set(artists)


def test_playlist_with_every_kind_of_item(rows_of):
    metadata, items = sample_data.generate_playlist(PLAYLIST, 600, seed=3)
    rows = rows_of(transform_raw_file(envelope("playlist", PLAYLIST, metadata, items), "p.json"))
    playable = [(i, it) for i, it in enumerate(items)
                if it["item"] and not it["is_local"] and it["item"]["type"] == "track"]
    songs, artists = expected_from_tracks([it["item"] for _, it in playable])
    assert [s["song_id"] for s in rows["songs"]] == songs
    assert {a["artist_id"] for a in rows["artists"]} == artists
    assert [(t["song_id"], t["position"]) for t in rows["playlist_tracks"]] == [
        (it["item"]["id"], i) for i, it in playable
    ]
    by_id = {s["song_id"]: s for s in rows["songs"]}
    for _, it in playable[:50]:
        track, song = it["item"], by_id[it["item"]["id"]]
        assert song["song_name"] == track["name"]
        assert song["artist_id"] == track["artists"][0]["id"]
        assert song["url"] == track["external_urls"]["spotify"]
    albums = {a["album_id"]: a for a in rows["albums"]}
    for _, it in playable[:50]:
        album = it["item"]["album"]
        assert albums[album["id"]]["release_date"].isoformat().startswith(album["release_date"])
        assert albums[album["id"]]["release_date_precision"] == album["release_date_precision"]


def test_album_envelope(rows_of):
    album = sample_data.generate_album("1samplealbum0000000000", 14, seed=2)
    tracks = album.pop("tracks")["items"]
    rows = rows_of(transform_raw_file(envelope("album", album["id"], album, tracks), "a.json"))
    assert [s["song_id"] for s in rows["songs"]] == [t["id"] for t in tracks]
    assert {s["album_id"] for s in rows["songs"]} == {album["id"]}
    assert [a["album_id"] for a in rows["albums"]] == [album["id"]]


def test_artist_envelope(rows_of):
    artist, albums = sample_data.generate_artist("0sampleartist000000000", (4, 2), seed=5)
    items = []
    for album in albums:
        tracks = album.pop("tracks")["items"]
        items += [{"album": album, "track": track} for track in tracks]
    rows = rows_of(transform_raw_file(envelope("artist", artist["id"], artist, items), "r.json"))
    assert [(s["song_id"], s["album_id"]) for s in rows["songs"]] == [
        (it["track"]["id"], it["album"]["id"]) for it in items
    ]
    assert {s["artist_id"] for s in rows["songs"]} == {artist["id"]}


@pytest.mark.parametrize(("source_type", "generate"), [
    ("saved-tracks", sample_data.generate_saved_tracks),
    ("recently-played",
     lambda n_items, seed: sample_data.generate_listening_day(NOW, seed)[:n_items]),
])
def test_user_library_envelopes(rows_of, source_type, generate):
    items = generate(40, seed=7)
    rows = rows_of(transform_raw_file(envelope(source_type, None, None, items), "u.json"))
    songs, artists = expected_from_tracks([it["track"] for it in items])
    assert [s["song_id"] for s in rows["songs"]] == songs
    assert {a["artist_id"] for a in rows["artists"]} == artists
    assert "playlist_tracks" not in rows
