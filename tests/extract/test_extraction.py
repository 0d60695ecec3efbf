import math
from datetime import UTC, datetime

import pytest
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import InvalidCredentialsError, SourceUnavailableError
from spotify_runtime.extract.fetch import fetch_envelope
from spotify_runtime.sources import parse_source

from spotify_etl.commands.extract import land_sources
from spotify_local.folder_store import FolderStore
from spotify_local.spotify.content import (
    ALBUM_ID,
    ARTIST_ID,
    EDITORIAL_PLAYLIST_ID,
    MANY_ALBUMS_ARTIST_ID,
    OTHER_USERS_PLAYLIST_ID,
    PLAYLIST_ID,
)
from spotify_local.spotify.rules import strip_dev_mode_fields

from .conftest import APP_CREDENTIALS

RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)


def extract(client, text):
    return fetch_envelope(client, parse_source(text), run_at=RUN_AT, deadline=Deadline.unlimited())


@pytest.mark.parametrize("embedded", [50, 100])
@pytest.mark.parametrize("n_items", [0, 49, 50, 51, 120, 260])
def test_playlist_takes_the_lower_bound_of_requests(fake, make_client, n_items, embedded):
    fake.embedded_page_size = embedded
    playlist_id = "P" * 21 + str(n_items % 10)
    fake.add_generated_playlist(playlist_id, n_items, seed=n_items)
    envelope = extract(make_client(), f"playlist:{playlist_id}")
    assert len(envelope["items"]) == n_items
    pages_after_metadata = math.ceil(max(n_items - embedded, 0) / 50)
    assert fake.count(f"/v1/playlists/{playlist_id}$") == 1
    assert fake.count(f"/v1/playlists/{playlist_id}/items") == pages_after_metadata
    assert all(r.query.get("limit") == "50" for r in fake.requests if r.path.endswith("/items"))
    assert fake.count("/api/token") == 1


def test_playlist_envelope_holds_every_item_in_order(fake, make_client):
    envelope = extract(make_client(), f"playlist:{PLAYLIST_ID}")
    _, items = fake.content.playlists[PLAYLIST_ID]
    assert envelope["items"] == strip_dev_mode_fields(items)
    assert envelope["source"] == {"type": "playlist", "id": PLAYLIST_ID,
                                  "name": 'Road trip, "2026" edition ✨'}
    assert "items" not in envelope["metadata"] and envelope["metadata"]["owner"]["id"]
    assert envelope["run_at"] == "2026-11-24T18:10:00Z"


def test_playlist_accepts_the_older_track_key_and_tracks_page(fake, make_client):
    metadata, items = fake.content.playlists[PLAYLIST_ID]
    old_items = [{**{k: v for k, v in i.items() if k != "item"}, "track": i["item"]}
                 for i in items[:30]]
    fake.add_playlist({**metadata, "id": "T" * 22}, old_items)
    fake.embedded_page_size = 20
    envelope = extract(make_client(), "playlist:" + "T" * 22)
    assert [i["track"] for i in envelope["items"]] == [
        strip_dev_mode_fields(i["track"]) for i in old_items
    ]


def test_album_uses_the_embedded_tracks_page(fake, make_client):
    envelope = extract(make_client(), f"album:{ALBUM_ID}")
    assert len(envelope["items"]) == 62
    assert "tracks" not in envelope["metadata"]
    assert fake.count(f"/v1/albums/{ALBUM_ID}$") == 1
    assert fake.count(f"/v1/albums/{ALBUM_ID}/tracks") == 1  # tracks 51..62


def test_artist_items_pair_each_track_with_its_album(fake, make_client):
    envelope = extract(make_client(), f"artist:{ARTIST_ID}")
    album_ids = fake.content.artist_album_ids[ARTIST_ID]
    expected = sum(len(fake.content.albums[a]["tracks"]["items"]) for a in album_ids)
    assert len(envelope["items"]) == expected == 27
    assert {i["album"]["id"] for i in envelope["items"]} == set(album_ids)
    assert all(set(i) == {"album", "track"} for i in envelope["items"])
    # artist + one albums page + one tracks page per album
    assert fake.count("/v1/") == 1 + 1 + len(album_ids)


def test_artist_with_23_albums_takes_3_album_pages_of_10(fake, make_client):
    envelope = extract(make_client(), f"artist:{MANY_ALBUMS_ARTIST_ID}")
    album_ids = fake.content.artist_album_ids[MANY_ALBUMS_ARTIST_ID]
    tracks = [t["id"] for a in album_ids for t in fake.content.albums[a]["tracks"]["items"]]
    assert len(album_ids) == 23
    assert [i["track"]["id"] for i in envelope["items"]] == tracks
    album_pages = [r for r in fake.requests if r.path.endswith("/albums")]
    assert [(r.query["limit"], r.query["offset"]) for r in album_pages] == [
        ("10", "0"), ("10", "10"), ("10", "20")]
    assert fake.count("/v1/") == 1 + 3 + 23 and fake.count("", status=400) == 0


def test_user_sources(fake, make_client):
    client = make_client()
    saved = extract(client, "saved-tracks")
    assert saved["items"] == strip_dev_mode_fields(fake.content.saved_tracks)
    assert saved["metadata"] is None
    assert fake.count("/v1/me/tracks") == math.ceil(len(fake.content.saved_tracks) / 50)
    played = extract(client, "recently-played")
    assert len(played["items"]) == 50 and fake.count("/v1/me/player/recently-played") == 1
    assert played["source"] == {"type": "recently-played", "id": None, "name": "Recently played"}


def test_user_source_without_refresh_token_is_a_clear_error(fake, make_client):
    with pytest.raises(InvalidCredentialsError, match="saved-tracks: needs a user auth"):
        extract(make_client(APP_CREDENTIALS), "saved-tracks")
    assert fake.count("/v1/") == 0


def test_editorial_playlist_404_explains_the_nov_2024_change(make_client):
    with pytest.raises(SourceUnavailableError) as caught:
        extract(make_client(), f"playlist:{EDITORIAL_PLAYLIST_ID}")
    message = str(caught.value)
    assert message.startswith(f"playlist:{EDITORIAL_PLAYLIST_ID}: Spotify answered 404")
    assert "37i9dQZ" in message and "Nov 2024" in message


def test_client_credentials_playlist_403_points_to_refresh_token_mode(fake, make_client):
    with pytest.raises(SourceUnavailableError) as caught:
        extract(make_client(APP_CREDENTIALS), f"playlist:{PLAYLIST_ID}")
    assert "403" in str(caught.value) and "spotify_etl auth" in str(caught.value)
    assert "Feb 2026" in str(caught.value)


def test_client_credentials_reads_playlists_with_extended_quota(fake, make_client):
    fake.extended_quota = True
    envelope = extract(make_client(APP_CREDENTIALS), f"playlist:{OTHER_USERS_PLAYLIST_ID}")
    assert len(envelope["items"]) == 30


def test_not_owned_playlist_in_refresh_token_mode_names_the_owner_rule(make_client):
    with pytest.raises(SourceUnavailableError, match="the authorizing user owns"):
        extract(make_client(), f"playlist:{OTHER_USERS_PLAYLIST_ID}")


def test_album_and_artist_work_with_client_credentials(make_client):
    client = make_client(APP_CREDENTIALS)
    assert len(extract(client, f"album:{ALBUM_ID}")["items"]) == 62
    assert len(extract(client, f"artist:{ARTIST_ID}")["items"]) == 27


def test_an_access_token_expiring_mid_run_is_refreshed_once_and_the_run_goes_on(make_client,
                                                                               tmp_path):

    from spotify_local.spotify.server import FakeSpotify

    now = [0.0]

    def tick() -> None:  # each request happens 20 minutes after the previous one
        now[0] += 1200

    with FakeSpotify(clock=lambda: now[0]) as fake:
        client = make_client(api_url=fake.api_url, accounts_url=fake.accounts_url, throttle=tick)
        outcomes = land_sources(client, [parse_source(f"album:{ALBUM_ID}"),
                                         parse_source("saved-tracks")],
                                FolderStore(tmp_path), run_at=RUN_AT,
                                deadline=Deadline.unlimited())
        assert [o.ok for o in outcomes] == [True, True]
        assert fake.count("/v1/", status=401) == 1
        assert fake.count("/api/token") == 2  # the first token and one refresh
