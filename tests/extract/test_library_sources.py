"""The library sources against the local Spotify, with its real page limits (50 on /me/...), and
their tables: top_tracks, top_artists, saved_albums, followed_artists, playlists."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import ExtractError
from spotify_runtime.extract.fetch import fetch_envelope
from spotify_runtime.extract.library import TIME_RANGES, my_playlists
from spotify_runtime.sources import Source
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from spotify_local.spotify import sample_data
from spotify_local.spotify.content import OTHER_USERS_PLAYLIST_ID, PLAYLIST_ID

RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)


def _extract(client, kind: str) -> dict:
    return fetch_envelope(client, Source(kind), run_at=RUN_AT, deadline=Deadline.unlimited())


def _tables(envelope: dict) -> dict[str, list[dict]]:
    import json

    kind = envelope["source"]["type"]
    result = transform_raw_file(json.dumps(envelope).encode(), f"raw/to_process/{kind}/me/x.json")
    return {key.split("/")[1]: pq.read_table(pa.BufferReader(data)).to_pylist()
            for key, data in result.outputs.items()}


@pytest.mark.parametrize("path", ["me/top/tracks", "me/top/artists", "me/albums",
                                  "me/playlists"])
def test_the_stand_in_pages_the_library_at_most_50(make_client, path):
    client = make_client()
    with pytest.raises(ExtractError, match="HTTP 400"):
        client.get(path, {"limit": 51}, deadline=Deadline.unlimited())
    assert client.get(path, {"limit": 50}, deadline=Deadline.unlimited())["limit"] == 50


def test_top_tracks_cover_every_time_range_ranked_and_feed_songs(make_client, fake):
    fake.clear_log()
    envelope = _extract(make_client(), "top-tracks")
    ranges = [item["time_range"] for item in envelope["items"]]
    assert sorted(set(ranges)) == sorted(TIME_RANGES)
    pages = {r: -(-ranges.count(r) // 50) for r in TIME_RANGES}
    assert fake.count("/v1/me/top/tracks") == sum(pages.values())  # pages of 50
    tables = _tables(envelope)
    top = tables["top_tracks"]
    assert len(top) == len(envelope["items"])
    short = [row for row in top if row["time_range"] == "short_term"]
    assert [row["rank"] for row in short] == list(range(1, len(short) + 1))
    assert {row["song_id"] for row in top} == {row["song_id"] for row in tables["songs"]}


def test_top_artists_feed_artists_with_rank(make_client, fake):
    envelope = _extract(make_client(), "top-artists")
    tables = _tables(envelope)
    assert set(tables) == {"artists", "top_artists"}
    assert {row["time_range"] for row in tables["top_artists"]} == set(TIME_RANGES)
    assert {row["artist_id"] for row in tables["top_artists"]} == {
        row["artist_id"] for row in tables["artists"]}


def test_followed_artists_are_cursor_paged(make_client, fake):
    rng = random.Random(5)
    fake.content.followed_artists = [sample_data.make_artist(rng, full=True)
                                       for _ in range(120)]
    fake.clear_log()
    envelope = _extract(make_client(), "followed-artists")
    assert len(envelope["items"]) == 120
    asked = [r.query for r in fake.requests if r.path == "/v1/me/following"]
    assert len(asked) == 3 and "after" not in asked[0]
    assert asked[1]["after"] == envelope["items"][49]["id"]  # the last ID of the page before
    tables = _tables(envelope)
    assert len(tables["followed_artists"]) == len(tables["artists"]) == 120


def test_following_needs_type_artist(make_client):
    with pytest.raises(ExtractError, match="HTTP 400"):
        make_client().get("me/following", {"limit": 50}, deadline=Deadline.unlimited())


def test_saved_albums_feed_albums_and_artists(make_client, fake):
    envelope = _extract(make_client(), "saved-albums")
    tables = _tables(envelope)
    assert len(tables["saved_albums"]) == len(fake.content.albums) == len(tables["albums"])
    assert all(row["added_at"] is not None for row in tables["saved_albums"])
    assert "songs" not in tables  # a saved album's embedded tracks are not plays or saves


def test_my_playlists_keeps_owned_and_collaborative_ones(make_client, fake):
    metadata, items = sample_data.generate_playlist("c" * 22, 3, seed=9, owner_id="friend")
    metadata["collaborative"] = True
    fake.add_playlist(metadata, items)
    playlists = my_playlists(make_client(), Deadline.unlimited())
    assert sorted(s.id for s in playlists) == sorted([PLAYLIST_ID, "c" * 22])
    assert OTHER_USERS_PLAYLIST_ID not in {s.id for s in playlists}


def test_a_playlist_source_fills_the_playlists_table(make_client, fake):
    envelope = fetch_envelope(make_client(), Source("playlist", PLAYLIST_ID), run_at=RUN_AT,
                              deadline=Deadline.unlimited())
    metadata, items = fake.content.playlists[PLAYLIST_ID]
    (row,) = _tables(envelope)["playlists"]
    assert row == {
        "playlist_id": PLAYLIST_ID, "name": metadata["name"], "owner_id": fake.user_id,
        "description": metadata["description"], "snapshot_id": metadata["snapshot_id"],
        "total_items": len(items), "public": True, "collaborative": False,
    }


def test_app_only_credentials_are_refused_for_library_sources(make_client):
    from spotify_runtime.extract.fetch import UserAuthorizationRequiredError

    from .conftest import APP_CREDENTIALS

    with pytest.raises(UserAuthorizationRequiredError, match="needs a user authorization"):
        _extract(make_client(APP_CREDENTIALS), "top-tracks")


def test_plays_keep_the_context_and_the_tracks_feed_songs(make_client, fake):
    envelope = _extract(make_client(), "recently-played")  # no cursor store: the last 50
    tables = _tables(envelope)
    plays = tables["plays"]
    assert len(plays) == len(envelope["items"]) == 50
    by_time = {row["played_at"]: row for row in plays}
    for item in envelope["items"]:
        moment = datetime.fromisoformat(item["played_at"].replace("Z", "+00:00"))
        row = by_time[moment]
        context = item["context"] or {}
        assert (row["song_id"], row["context_type"], row["context_uri"]) == (
            item["track"]["id"], context.get("type"), context.get("uri"))
    assert any(row["context_type"] is None for row in plays)
    assert {row["song_id"] for row in plays} == {row["song_id"] for row in tables["songs"]}
