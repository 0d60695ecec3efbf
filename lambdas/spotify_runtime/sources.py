"""Spotify sources (`TYPE:ID`): parsing and validation, shared by config, CLI and handlers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

ID_SOURCE_TYPES = ("playlist", "album", "artist")
"""Source types that name a Spotify object by ID."""
LISTENING_SOURCE_TYPES = ("recently-played",)
"""User sources whose data Spotify keeps only briefly (the last 50 plays): the listening schedule
(`listening_schedule_cron`, hourly by default) extracts these, the daily schedule the rest."""
USER_SOURCE_TYPES = (
    "saved-tracks", *LISTENING_SOURCE_TYPES, "top-tracks", "top-artists", "saved-albums",
    "followed-artists", "my-playlists",
)
"""Source types that read the authorizing user's library; they take no ID and need a user token.
`my-playlists` expands, each run, into one `playlist:ID` source per playlist the user owns or
collaborates on."""
SOURCE_TYPES = ID_SOURCE_TYPES + USER_SOURCE_TYPES

_SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")
USER_KEY_ID = "me"
"""The ID segment used in raw keys for user sources."""


class InvalidSourceError(ValueError):
    """A source string that is not `TYPE:ID`, a `spotify:` URI or an open.spotify.com URL."""


@dataclass(frozen=True)
class Source:
    """One thing to extract: a playlist, album or artist by ID, or a user library source."""

    type: str
    id: str | None = None

    @property
    def needs_user(self) -> bool:
        """Whether this source can only be read with a user (refresh-token) authorization."""
        return self.type in USER_SOURCE_TYPES

    @property
    def is_listening(self) -> bool:
        """Whether the listening schedule (not the daily one) extracts this source."""
        return self.type in LISTENING_SOURCE_TYPES

    @property
    def key_id(self) -> str:
        """The ID segment of this source's raw keys."""
        return self.id or USER_KEY_ID

    def __str__(self) -> str:
        return f"{self.type}:{self.id}" if self.id else self.type


def _from_url(text: str) -> tuple[str, str]:
    parsed = urlparse(text if "://" in text else "https://" + text)
    if parsed.hostname != "open.spotify.com":
        raise InvalidSourceError(f"{text!r}: not an open.spotify.com URL")
    parts = [p for p in parsed.path.split("/") if p and not p.startswith("intl-")]
    if len(parts) != 2:
        raise InvalidSourceError(f"{text!r}: expected open.spotify.com/<type>/<id>")
    return parts[0], parts[1]


def _split(text: str) -> tuple[str, str | None]:
    if text.startswith("spotify:"):
        parts = text.split(":")
        if len(parts) != 3:
            raise InvalidSourceError(f"{text!r}: expected spotify:<type>:<id>")
        return parts[1], parts[2]
    kind, sep, rest = text.partition(":")
    if kind not in SOURCE_TYPES and "open.spotify.com" in text:
        return _from_url(text)
    if not sep:
        return kind, None
    if rest.startswith("spotify:") or "open.spotify.com" in rest:
        inner_kind, inner_id = _split(rest)
        if inner_kind != kind:
            raise InvalidSourceError(f"{text!r}: type {kind!r} does not match {inner_kind!r}")
        return kind, inner_id
    return kind, rest


def parse_source(text: str) -> Source:
    """Parse `TYPE:ID`, `spotify:TYPE:ID`, an open.spotify.com URL, or a user source name.

    Raises InvalidSourceError with a message that says what was expected.
    """
    text = text.strip()
    kind, ident = _split(text)
    if kind not in SOURCE_TYPES:
        raise InvalidSourceError(
            f"{text!r}: unknown source type {kind!r} (expected one of {', '.join(SOURCE_TYPES)})"
        )
    if kind in USER_SOURCE_TYPES:
        if ident:
            raise InvalidSourceError(f"{text!r}: {kind} takes no ID")
        return Source(kind)
    if not ident or not _SPOTIFY_ID.match(ident):
        raise InvalidSourceError(
            f"{text!r}: {kind} needs a 22-character Spotify ID, URI or open.spotify.com URL"
        )
    return Source(kind, ident)
