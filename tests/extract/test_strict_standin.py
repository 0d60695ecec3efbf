"""The local Spotify Web API refuses what Spotify refuses (shared notes: spotify-web-api.md),
and the client's page sizes agree with the limits the stand-in enforces."""

from __future__ import annotations

import pytest
import requests
from spotify_runtime.extract.endpoints import PAGE_SIZES

from spotify_local.spotify.content import ALBUM_ID, ARTIST_ID, PLAYLIST_ID
from spotify_local.spotify.rules import (
    DEV_MODE_REMOVED_FIELDS,
    PAGE_LIMITS,
    REMOVED_ENDPOINTS,
    template_of,
)
from spotify_local.spotify.server import (
    FAKE_CLIENT_ID,
    FAKE_CLIENT_SECRET,
    FAKE_REFRESH_TOKEN,
)

SERVED = {
    "playlists/{id}/items": f"playlists/{PLAYLIST_ID}/items",
    "albums/{id}/tracks": f"albums/{ALBUM_ID}/tracks",
    "artists/{id}/albums": f"artists/{ARTIST_ID}/albums",
    "me/tracks": "me/tracks",
    "me/player/recently-played": "me/player/recently-played",
}
"""A path of each paged endpoint the stand-in serves today."""


def user_token(fake) -> str:
    answer = requests.post(fake.accounts_url + "/api/token", timeout=5,
                           auth=(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET),
                           data={"grant_type": "refresh_token",
                                 "refresh_token": fake.refresh_token})
    answer.raise_for_status()
    return answer.json()["access_token"]


def get(fake, path: str, token: str, **params) -> requests.Response:
    return requests.get(f"{fake.api_url}/{path}", params=params, timeout=5,
                        headers={"Authorization": f"Bearer {token}"})


def test_every_client_page_size_is_one_the_standin_accepts_and_its_largest():
    for template, size in PAGE_SIZES.items():
        assert template in PAGE_LIMITS, f"the stand-in does not know {template}"
        allowed = PAGE_LIMITS[template]
        assert allowed.minimum <= size.limit <= allowed.maximum, (template, size)
        # The largest accepted page is the fewest requests.
        assert size.limit == allowed.maximum, (template, size, allowed)
        assert size.source


def test_the_listening_history_endpoints_have_limits_too():
    for template in ("me/top/tracks", "me/top/artists", "me/albums", "me/following",
                     "me/playlists", "me/player/recently-played"):
        assert PAGE_LIMITS[template].maximum == 50


@pytest.mark.parametrize("template", sorted(SERVED))
def test_a_limit_outside_the_documented_range_is_400_invalid_limit(fake, template):
    token = user_token(fake)
    path = SERVED[template]
    maximum = PAGE_LIMITS[template].maximum
    assert get(fake, path, token, limit=maximum).status_code == 200
    for limit in (maximum + 1, 0):
        answer = get(fake, path, token, limit=limit)
        assert answer.status_code == 400
        assert answer.json() == {"error": {"status": 400, "message": "Invalid limit"}}


def test_artist_albums_refuse_the_50_the_extractor_used_to_send(fake):
    answer = get(fake, f"artists/{ARTIST_ID}/albums", user_token(fake), limit=50)
    assert answer.status_code == 400 and answer.json()["error"]["message"] == "Invalid limit"


@pytest.mark.parametrize("template", sorted(REMOVED_ENDPOINTS))
def test_removed_endpoints_answer_what_spotify_answers(fake, template):
    removed = REMOVED_ENDPOINTS[template]
    answer = get(fake, template.replace("{id}", ARTIST_ID), user_token(fake), ids=ALBUM_ID)
    assert answer.status_code == removed.status
    assert answer.json() == {"error": {"status": removed.status, "message": removed.message}}


def test_feb_2026_removals_are_lifted_for_extended_quota_nov_2024_ones_are_not(fake):
    fake.extended_quota = True
    token = user_token(fake)
    assert get(fake, f"playlists/{PLAYLIST_ID}/tracks", token).status_code == 404  # not served
    assert get(fake, "recommendations", token).status_code == 404
    assert get(fake, "audio-features", token, ids=ALBUM_ID).status_code == 403


def test_templates_name_ids_only():
    assert template_of(f"/playlists/{PLAYLIST_ID}/items") == "playlists/{id}/items"
    assert template_of("/me/player/recently-played") == "me/player/recently-played"


def _fields_of_type(document, kind: str, found: list[dict]) -> list[dict]:
    if isinstance(document, list):
        for each in document:
            _fields_of_type(each, kind, found)
    elif isinstance(document, dict):
        if document.get("type") == kind:
            found.append(document)
        for value in document.values():
            _fields_of_type(value, kind, found)
    return found


def test_dev_mode_answers_lack_the_removed_fields_and_extended_quota_has_them(fake):
    token = user_token(fake)
    paths = [f"playlists/{PLAYLIST_ID}", f"albums/{ALBUM_ID}", f"artists/{ARTIST_ID}"]
    dev = [get(fake, path, token).json() for path in paths]
    fake.extended_quota = True
    extended = [get(fake, path, token).json() for path in paths]
    for kind, removed in DEV_MODE_REMOVED_FIELDS.items():
        dev_objects = _fields_of_type(dev, kind, [])
        assert all(not removed & set(obj) for obj in dev_objects), kind
    for kind in ("track", "album", "artist"):
        extended_objects = _fields_of_type(extended, kind, [])
        assert any(DEV_MODE_REMOVED_FIELDS[kind] & set(obj) for obj in extended_objects), kind
    # external_ids was restored in March 2026
    assert any("external_ids" in obj for obj in _fields_of_type(dev, "track", []))


def test_an_access_token_expires_after_expires_in():
    from spotify_local.spotify.server import FakeSpotify

    now = [0.0]
    with FakeSpotify(clock=lambda: now[0]) as fake:
        token = user_token(fake)
        assert get(fake, f"albums/{ALBUM_ID}", token).status_code == 200
        now[0] = 3600.0
        answer = get(fake, f"albums/{ALBUM_ID}", token)
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "The access token expired"


def test_a_refresh_token_expires_six_months_after_authorization_whatever_the_refreshes():
    from spotify_local.spotify.server import REFRESH_TOKEN_LIFETIME_SECONDS, FakeSpotify

    now = [0.0]
    with FakeSpotify(clock=lambda: now[0], rotate_refresh_tokens=True) as fake:
        user_token(fake)
        rotated = fake.refresh_token
        assert rotated != FAKE_REFRESH_TOKEN and not fake.refresh_token_valid(FAKE_REFRESH_TOKEN)
        now[0] = REFRESH_TOKEN_LIFETIME_SECONDS - 1
        user_token(fake)  # still inside the six months; the rotation does not extend them
        now[0] = REFRESH_TOKEN_LIFETIME_SECONDS
        answer = requests.post(fake.accounts_url + "/api/token", timeout=5,
                               auth=(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET),
                               data={"grant_type": "refresh_token",
                                     "refresh_token": fake.refresh_token})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_the_quota_429_says_quota_exceeded_and_each_request_prolongs_it():
    from spotify_local.spotify.server import FakeSpotify

    now = [0.0]
    with FakeSpotify(clock=lambda: now[0]) as fake:
        token = user_token(fake)
        fake.exhaust_quota(86_400)
        now[0] = 1000.0
        answer = get(fake, f"albums/{ALBUM_ID}", token)
        assert answer.status_code == 429
        assert answer.json() == {"error": {"status": 429, "reason": "QUOTA_EXCEEDED"}}
        assert answer.headers["Retry-After"] == "86400"
        now[0] = 86_400.0  # 86,400 s after the start, but not after the last request
        assert get(fake, f"albums/{ALBUM_ID}", token).status_code == 429
        now[0] += 86_400.0
        assert get(fake, f"albums/{ALBUM_ID}", user_token(fake)).status_code == 200
