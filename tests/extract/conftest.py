"""Shared fixtures: the fake Spotify server and clients pointed at it (waits recorded)."""

from __future__ import annotations

import pytest
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.spotify_client import SpotifyClient

from spotify_local.spotify.server import (
    FAKE_CLIENT_ID,
    FAKE_CLIENT_SECRET,
    FAKE_REFRESH_TOKEN,
    FakeSpotify,
)

USER_CREDENTIALS = SpotifyCredentials(
    FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FAKE_REFRESH_TOKEN, origin="secret 'test/spotify'"
)
APP_CREDENTIALS = SpotifyCredentials(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, origin="secret 'test/app'")


@pytest.fixture
def fake():
    with FakeSpotify() as server:
        yield server


class Sleeps(list):
    """A sleep function that records the waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(fake, sleeps):
    def build(credentials: SpotifyCredentials = USER_CREDENTIALS, **kwargs) -> SpotifyClient:
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("api_url", fake.api_url)
        kwargs.setdefault("accounts_url", fake.accounts_url)
        return SpotifyClient(credentials, **kwargs)

    return build
