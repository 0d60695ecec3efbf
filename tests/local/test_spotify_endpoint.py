"""Which Spotify a local run uses: sample data, or the real API with credentials from the env."""

from __future__ import annotations

import pytest
from spotify_runtime.sources import parse_source

from spotify_local.spotify.endpoint import (
    MissingCredentialsError,
    live_spotify,
    sample_sources,
    sample_spotify,
)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET", "SPOTIFY_REFRESH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_live_uses_the_real_api_with_the_environment_credentials(no_credentials) -> None:
    no_credentials.setenv("SPOTIFY_CLIENT_ID", "id")
    no_credentials.setenv("SPOTIFY_CLIENT_SECRET", "secret")
    endpoint = live_spotify(["saved-tracks"])
    assert endpoint.description == "api.spotify.com (client credentials)"
    assert endpoint.credentials.refresh_token is None
    # None removes any local override: the handlers fall back to Spotify's own URLs
    assert endpoint.environment() == {"SPOTIFY_API_URL": None, "SPOTIFY_ACCOUNTS_URL": None}

    no_credentials.setenv("SPOTIFY_REFRESH_TOKEN", " token ")
    endpoint = live_spotify(["saved-tracks"])
    assert endpoint.credentials.refresh_token == "token"
    assert endpoint.description == "api.spotify.com (refresh token)"


def test_live_names_what_is_missing(no_credentials) -> None:
    no_credentials.setenv("SPOTIFY_CLIENT_ID", "id")
    with pytest.raises(MissingCredentialsError, match=r"^--live: set SPOTIFY_CLIENT_SECRET \("):
        live_spotify(["saved-tracks"])
    no_credentials.setenv("SPOTIFY_CLIENT_SECRET", "secret")
    with pytest.raises(MissingCredentialsError, match="--source TYPE:ID or --env NAME"):
        live_spotify([])


def test_sample_server_serves_one_source_of_every_type() -> None:
    from spotify_runtime.sources import SOURCE_TYPES

    # every type but playlist, which my-playlists expands into
    assert sorted(parse_source(text).type for text in sample_sources()) == sorted(
        set(SOURCE_TYPES) - {"playlist"}
    )
    with sample_spotify() as endpoint:
        assert endpoint.sources == sample_sources()
        assert endpoint.api_url and endpoint.api_url.startswith("http://127.0.0.1:")
        assert endpoint.credentials.refresh_token  # the sample user's, for playlist items
