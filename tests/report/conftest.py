"""Lakes for the report's tests: a hand-made `listening` with export columns, a simulated year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from bench.simulated_lake import write_simulated_lake
from spotify_local.duckdb_athena import open_lake

LISTENING_COLUMNS = (
    "ended_at TIMESTAMP, ms_played BIGINT, content_type VARCHAR, song_id VARCHAR, "
    "episode_id VARCHAR, track_name VARCHAR, artist_name VARCHAR, album_name VARCHAR, "
    "episode_name VARCHAR, show_name VARCHAR, reason_start VARCHAR, reason_end VARCHAR, "
    "skipped BOOLEAN, shuffle BOOLEAN, platform VARCHAR, conn_country VARCHAR, origin VARCHAR, "
    "ms_heard BIGINT, track_key VARCHAR, album_key VARCHAR"
)

# (ended_at, ms_played, content_type, song_id, track, artist, album, show, reason_end, skipped,
#  origin): a history with export and API plays, an episode, skips (one of 5 s: not a play by
#  the 30-second rule), a silent day. The API play has no ms_played (the API does not say); its
#  minutes are its track's length, API_TRACK_MS.
PLAYS = [
    ("2025-12-30 10:00:00", 180_000, "track", "t0", "Old Song", "Old Artist", "Old Album",
     None, "trackdone", False, "export"),
    ("2026-03-02 08:05:00", 240_000, "track", "t1", "Song A", "Artist A", "Album A",
     None, "trackdone", False, "export"),
    ("2026-03-02 08:09:00", 30_000, "track", "t2", "Song B", "Artist B", "Album B",
     None, "fwdbtn", True, "both"),
    ("2026-03-03 22:50:00", 240_000, "track", "t1", "Song A", "Artist A", "Album A",
     None, "trackdone", False, "export"),
    ("2026-03-04 12:00:00", 1_200_000, "episode", None, None, None, None,
     "Show X", "trackdone", False, "export"),
    ("2026-03-05 09:00:00", 5_000, "track", "t3", "Song C", "Artist C", "Album C",
     None, "fwdbtn", True, "export"),
    ("2026-03-06 07:00:00", None, "track", "t0", "Old Song", "Old Artist", "Old Album",
     None, None, None, "api"),
]
API_TRACK_MS = 200_000


@pytest.fixture
def export_listening(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """An empty lake whose `listening` is a table holding PLAYS (as issue 20's view would)."""
    connection = open_lake(tmp_path)
    connection.execute("DROP VIEW IF EXISTS listening")  # the lake's own, once it has one
    connection.execute(f"CREATE TABLE listening ({LISTENING_COLUMNS})")
    for (ended, ms, kind, song, track, artist, album, show, reason, skipped,
         origin) in PLAYS:
        connection.execute(
            "INSERT INTO listening (ended_at, ms_played, content_type, song_id, episode_id, "
            "track_name, artist_name, album_name, episode_name, show_name, reason_end, skipped, "
            "origin, ms_heard, track_key, album_key) VALUES (CAST(? AS TIMESTAMP), ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ended, ms, kind, song, "e1" if show else None, track, artist, album,
             "Episode 1" if show else None, show, reason, skipped, origin,
             API_TRACK_MS if ms is None else ms, f"{artist} - {track}" if track else None,
             f"{artist} - {album}" if album else None])
    return connection


SIMULATED_LAST_DAY = date(2026, 11, 30)


@pytest.fixture(scope="session")
def simulated_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year of simulated API listening (plays, songs, albums, artists, run log)."""
    lake = tmp_path_factory.mktemp("simulated") / "lake"
    write_simulated_lake(lake, last_day=SIMULATED_LAST_DAY)
    return lake
