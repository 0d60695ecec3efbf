"""Columns that development mode empties: derived from the strict stand-in's answers in both
modes, and marked (nullable) in tables.py and docs/tables.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow.compute as pc
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.fetch import fetch_envelope
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.sources import parse_source
from spotify_runtime.transform.build import build_tables
from spotify_runtime.transform.reader import read_document
from spotify_runtime.transform.tables import DEV_MODE_NULL_COLUMNS, SCHEMAS

from spotify_local.spotify.content import ALBUM_ID, ARTIST_ID, PLAYLIST_ID
from spotify_local.spotify.server import FakeSpotify

RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)
SOURCES = (f"playlist:{PLAYLIST_ID}", f"album:{ALBUM_ID}", f"artist:{ARTIST_ID}", "saved-tracks")


def all_null_columns(extended_quota: bool) -> set[tuple[str, str]]:
    """(table, column) pairs with no value in any table built from the stand-in's answers."""
    with FakeSpotify(extended_quota=extended_quota) as fake:
        client = SpotifyClient(
            SpotifyCredentials(fake.client_id, fake.client_secret, fake.refresh_token),
            api_url=fake.api_url, accounts_url=fake.accounts_url,
        )
        built = [
            build_tables(read_document(json.dumps(fetch_envelope(
                client, parse_source(text), run_at=RUN_AT, deadline=Deadline.unlimited()
            )).encode()))
            for text in SOURCES
        ]
    empty = set()
    for table in SCHEMAS:
        for column in SCHEMAS[table].names:
            arrays = [b.tables[table].column(column) for b in built if b.tables[table].num_rows]
            if arrays and all(pc.all(pc.is_null(a)).as_py() for a in arrays):
                empty.add((table, column))
    return empty


def test_the_marked_columns_are_exactly_those_dev_mode_empties():
    emptied = all_null_columns(False) - all_null_columns(True)
    marked = {(table, column) for table, columns in DEV_MODE_NULL_COLUMNS.items()
              for column in columns}
    assert emptied == marked
    assert all(SCHEMAS[table].field(column).nullable for table, column in marked)
