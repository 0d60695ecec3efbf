"""Which Spotify the local run talks to: the bundled sample server, or the real Web API.

Either way the handlers read the credentials from the (local) secret, as on AWS; only the API and
token URLs differ, passed through `SPOTIFY_API_URL` / `SPOTIFY_ACCOUNTS_URL`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from spotify_runtime.extract.credentials import (
    CredentialsConfigError,
    SpotifyCredentials,
    parse_authorized_at,
)

ENV_CLIENT_ID = "SPOTIFY_CLIENT_ID"
ENV_CLIENT_SECRET = "SPOTIFY_CLIENT_SECRET"
ENV_REFRESH_TOKEN = "SPOTIFY_REFRESH_TOKEN"
ENV_AUTHORIZED_AT = "SPOTIFY_AUTHORIZED_AT"
"""The command line's Spotify credentials (`extract`, `run-local --live`); deployed, they are
in Secrets Manager."""


def credentials_from_env(environ: Mapping[str, str] | None = None) -> SpotifyCredentials:
    """Credentials from SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and SPOTIFY_REFRESH_TOKEN."""
    env = os.environ if environ is None else environ
    missing = [name for name in (ENV_CLIENT_ID, ENV_CLIENT_SECRET) if not env.get(name, "").strip()]
    if missing:
        raise CredentialsConfigError(
            f"set {' and '.join(missing)} (your Spotify app's credentials; "
            f"{ENV_REFRESH_TOKEN} too for playlists and user sources)"
        )
    origin = f"environment variables {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET}"
    token = env.get(ENV_REFRESH_TOKEN, "").strip() or None
    if token:
        origin += f"/{ENV_REFRESH_TOKEN}"
    return SpotifyCredentials(
        env[ENV_CLIENT_ID].strip(), env[ENV_CLIENT_SECRET].strip(), token, origin,
        refresh_token_at=ENV_REFRESH_TOKEN,
        authorized_at=parse_authorized_at(env.get(ENV_AUTHORIZED_AT, "").strip(),
                                          ENV_AUTHORIZED_AT),
        reauthorize_command=(f"python -m spotify_etl auth --print, then set {ENV_REFRESH_TOKEN} "
                             f"and {ENV_AUTHORIZED_AT}"),
    )


class MissingCredentialsError(Exception):
    """`--live` without the Spotify credentials in the environment."""


@dataclass(frozen=True)
class SpotifyEndpoint:
    """Credentials, sources and URLs for one run."""

    description: str
    credentials: SpotifyCredentials
    sources: tuple[str, ...]
    api_url: str | None = None
    """None: Spotify's own API (the handlers' default)."""
    accounts_url: str | None = None

    def environment(self) -> dict[str, str | None]:
        """The handler variables that point at this endpoint (unset for the real Spotify)."""
        return {"SPOTIFY_API_URL": self.api_url, "SPOTIFY_ACCOUNTS_URL": self.accounts_url}


def sample_sources() -> tuple[str, ...]:
    """One source of every type the bundled sample data serves; the sample playlist comes
    through `my-playlists` (the sample user owns it; the other bundled playlist is someone
    else's, which my-playlists leaves out)."""
    from spotify_local.spotify import content as sample

    return (
        "my-playlists",
        f"album:{sample.ALBUM_ID}",
        f"artist:{sample.ARTIST_ID}",
        "saved-tracks",
        "recently-played",
        "top-tracks",
        "top-artists",
        "saved-albums",
        "followed-artists",
    )


class NotInSampleDataError(ValueError):
    """A source the sample server does not hold (the real API's 404 would blame Spotify)."""


def check_in_sample_data(sources: Sequence[str], sample: Any) -> None:
    """Raise NotInSampleDataError naming the first source the sample data cannot serve.

    Spotify-owned editorial playlists stay allowed: the sample server answers them 404 as
    Spotify does, which shows the Nov 2024 rule at work.
    """
    from spotify_runtime.extract.fetch import EDITORIAL_PREFIX
    from spotify_runtime.sources import parse_source

    held = {"playlist": sample.playlists, "album": sample.albums,
            "artist": sample.artists}
    for text in sources:
        source = parse_source(text)
        if source.type not in held or (source.id or "").startswith(EDITORIAL_PREFIX):
            continue
        if source.id not in held[source.type]:
            has = [f"{kind}:{ident}" for kind, objects in held.items() for ident in objects
                   if kind != "album" or ident not in _artist_albums(sample)]
            raise NotInSampleDataError(
                f"{source}: not in the sample data; it has: {', '.join(has)}, saved-tracks, "
                "recently-played (or use --live for the real Spotify)"
            )


def _artist_albums(sample: Any) -> set[str]:
    # An artist's albums are served too, but listing them all would bury the sample sources.
    return {album for albums in sample.artist_album_ids.values() for album in albums}


@contextmanager
def sample_spotify(sources: Sequence[str] = ()) -> Iterator[SpotifyEndpoint]:
    """The local Spotify Web API serving the bundled sample data, for as long as the block runs.

    It holds a refresh token for the sample user, who owns the sample playlist: the
    authorization-code mode, the normal one since Spotify's Feb 2026 rules. The token is taken
    as authorized now, as `auth` would record it.
    """
    from datetime import UTC, datetime

    from spotify_local.spotify.server import FakeSpotify

    with FakeSpotify() as server:
        check_in_sample_data(sources, server.content)
        yield SpotifyEndpoint(
            description=f"sample data at {server.base_url.removeprefix('http://')}",
            credentials=SpotifyCredentials(
                server.client_id, server.client_secret, server.refresh_token, "the sample server",
                authorized_at=datetime.now(UTC),
            ),
            sources=tuple(sources) or sample_sources(),
            api_url=server.api_url,
            accounts_url=server.accounts_url,
        )


def live_spotify(sources: Sequence[str]) -> SpotifyEndpoint:
    """The real Web API with credentials from SPOTIFY_CLIENT_ID/_SECRET/_REFRESH_TOKEN."""
    try:
        credentials = credentials_from_env()
    except CredentialsConfigError as error:
        raise MissingCredentialsError(f"--live: {error}") from None
    if not sources:
        raise MissingCredentialsError("--live needs sources: pass --source TYPE:ID or --env NAME")
    mode = "refresh token" if credentials.has_user else "client credentials"
    return SpotifyEndpoint(
        description=f"api.spotify.com ({mode})",
        credentials=credentials,
        sources=tuple(sources),
    )
