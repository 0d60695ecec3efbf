"""API efficiency: requests made to extract each source, against the lower bound."""

from __future__ import annotations

import math

from bench.report import Section

PLAYLIST_SIZES = (49, 50, 51, 1_000, 10_000)
PAGE_LIMIT = 50
"""Largest page Spotify serves for playlist items and album tracks."""


def playlist_lower_bound(n_items: int) -> int:
    """One token request, one metadata request, ceil(N/50) item pages."""
    return 1 + 1 + math.ceil(n_items / PAGE_LIMIT)


def run(playlist_sizes: list[int]) -> list:
    """Not wired yet."""
    import spotify_etl.local.fake_spotify  # noqa: F401

    return []


def to_section(results: list) -> Section:
    """Not wired yet."""
    return Section("API requests")
