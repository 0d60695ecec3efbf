"""A simulated lake of API listening: plays, songs, albums, artists and a run log for N days.

For the report's tests and benchmark: the tables are written as the transform writes them
(its schemas, its Iceberg tables: one commit per table, a partition per week), with a
seeded random generator so that every run writes the same rows. Listening follows a daily and
weekly rhythm, some days are silent (so streaks end), and a few artists dominate.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from spotify_runtime.iceberg_tables import SOURCE_FILE, replace_source_files
from spotify_runtime.run_log import RunRecord, StoreRunRecorder
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS
from spotify_runtime.transform.tables import SCHEMAS

from spotify_local.folder_store import FolderStore
from spotify_local.moto_aws import lake_catalog

ARTISTS = 60
TRACKS_PER_ARTIST = 12
HOUR_WEIGHTS = [1, 0, 0, 0, 0, 0, 1, 4, 6, 4, 3, 3, 4, 3, 3, 4, 5, 6, 8, 9, 8, 6, 4, 2]


def _catalogue(rng: random.Random) -> tuple[list[dict], list[dict], list[dict]]:
    artists = [{"artist_id": f"ar{index:04d}", "artist_name": f"Artist {index:02d}",
                "external_url": f"https://open.spotify.com/artist/ar{index:04d}"}
               for index in range(ARTISTS)]
    albums, songs = [], []
    for artist_index, artist in enumerate(artists):
        for album_index in range(2):
            album_id = f"al{artist_index:04d}{album_index}"
            albums.append({"album_id": album_id, "name": f"Album {artist_index:02d}-{album_index}",
                           "url": f"https://open.spotify.com/album/{album_id}",
                           "artist_ids": [artist["artist_id"]]})
            for track in range(TRACKS_PER_ARTIST // 2):
                song_id = f"tr{artist_index:04d}{album_index}{track:02d}"
                songs.append({"song_id": song_id,
                              "song_name": f"Song {artist_index:02d}-{album_index}-{track}",
                              "duration_ms": rng.randint(120_000, 330_000),
                              "url": f"https://open.spotify.com/track/{song_id}",
                              "album_id": album_id, "artist_id": artist["artist_id"],
                              "artist_ids": [artist["artist_id"]]})
    return artists, albums, songs


def _plays(rng: random.Random, songs: list[dict], first_day: date, days: int,
           plays_per_day: int) -> list[dict]:
    # Zipf-like favourites: the first artists' songs are played far more often.
    weights = [1.0 / (1 + index // TRACKS_PER_ARTIST) for index in range(len(songs))]
    plays = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if rng.random() < 0.12:
            continue  # a silent day
        count = max(1, int(rng.gauss(plays_per_day * (1.3 if day.weekday() >= 5 else 1), 8)))
        hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
        minutes = sorted(hour * 60 + rng.randrange(60) for hour in hours)
        picked = rng.choices(songs, weights, k=count)
        for minute, song in zip(minutes, picked, strict=True):
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                minutes=minute, seconds=rng.randrange(60))
            plays.append({"played_at": moment, "song_id": song["song_id"],
                          "context_type": "album",
                          "context_uri": f"spotify:album:{song['album_id']}"})
    # One play per instant, as Spotify's played_at identifies a play.
    return list({play["played_at"]: play for play in plays}.values())


def _rows(table: str, day: date, rows: list[dict]) -> pa.Table:
    """`rows` as rows of the Iceberg table: one partition (`day`), one simulated source."""
    return TABLE_DEFINITIONS[table].rows(pa.Table.from_pylist(rows, schema=SCHEMAS[table]),
                                         day.isoformat(), f"simulated:{table}:{day.isoformat()}")


def _write(lake: Path, tables: dict[str, list[pa.Table]]) -> None:
    """Commit each table's rows in one commit, through the catalog the functions use."""
    with lake_catalog(lake) as (catalog, database):
        for name, parts in tables.items():
            rows = pa.concat_tables(parts)
            source_files = set(rows.column(SOURCE_FILE).to_pylist())
            replace_source_files(catalog.load_table(f"{database}.{name}"), rows, source_files)


def _write_run_log(lake: Path, first_day: date, days: int) -> None:
    for offset in range(0, days, 7):
        run_at = datetime.combine(first_day + timedelta(days=offset), datetime.min.time(), UTC)
        run_at += timedelta(hours=18, minutes=10)
        records = [RunRecord(run_at, "extract", "recently-played", "landed", items=30, requests=1),
                   RunRecord(run_at, "transform", "recently-played", "processed", items=30)]
        if offset // 7 % 9 == 4:
            records.append(RunRecord(run_at, "transform", "recently-played", "quarantined",
                                     error="simulated damaged file", items=0))
        recorder = StoreRunRecorder(FolderStore(lake))
        for index, record in enumerate(records):
            recorder.record(record, f"simulated:{run_at.isoformat()}#{index}")


def write_simulated_lake(lake: Path, *, last_day: date, days: int = 365,
                         plays_per_day: int = 40, seed: int = 7) -> int:
    """Write `days` days of API listening ending on `last_day` into `lake`; returns the plays."""
    rng = random.Random(seed)
    artists, albums, songs = _catalogue(rng)
    first_day = last_day - timedelta(days=days - 1)
    plays = _plays(rng, songs, first_day, days, plays_per_day)
    tables = {"artists": [_rows("artists", first_day, artists)],
              "albums": [_rows("albums", first_day, albums)],
              "songs": [_rows("songs", first_day, songs)], "plays": []}
    for week_start in range(0, days, 7):
        start = first_day + timedelta(days=week_start)
        end = start + timedelta(days=7)
        week = [play for play in plays if start <= play["played_at"].date() < end]
        if week:
            tables["plays"].append(_rows("plays", start, week))
    _write(lake, tables)
    _write_run_log(lake, first_day, days)
    return len(plays)
