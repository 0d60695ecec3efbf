"""The `listening` view's matching rule, at the edges of its window (docs/history-import.md):
an API play matches an export play of the same track when `played_at` is within 15 s of the
export play's end or start, or between them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from spotify_runtime.history_import.importer import import_files
from spotify_runtime.history_import.members import ExportFile
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import run_all
from spotify_runtime.transform.tables import ALBUMS, ARTISTS, PLAYS, SONGS

from infra.catalog_views import LISTENING_COLUMNS
from spotify_local.duckdb_athena import open_lake, run_sql
from spotify_local.folder_store import FolderStore
from spotify_local.lake_queries import LakeQueries
from spotify_local.spotify_export import basic_row, dump, extended_row
from tests.iceberg_catalog import write_folder_rows

END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
MS = 200_000
START = END - timedelta(milliseconds=MS)
TRACK = ("4uLU6hMCjMI75M1A2tKUQC", "Track", "Artist", "Album")
OTHER = "0000000000000000000000"


def lake_with(tmp_path, export_rows, api_plays):
    data = dump(export_rows)
    if export_rows:  # an empty export is refused: a lake of API plays only has none
        import_files([ExportFile("Streaming_History_Audio_2026.json", lambda: data)],
                     FolderStore(tmp_path))
    if api_plays:
        rows = [{"played_at": at, "song_id": song} for at, song in api_plays]
        write_folder_rows(tmp_path, "plays", pa.Table.from_pylist(rows, schema=PLAYS),
                          "2026-11-21", "api-test")
    return run_sql(open_lake(tmp_path), "SELECT * FROM listening ORDER BY ended_at, origin")


@pytest.mark.parametrize(("played_at", "matches"), [
    (END, True), (START, True), (END - timedelta(seconds=90), True),
    (END + timedelta(seconds=15), True), (END + timedelta(milliseconds=15_001), False),
    (START - timedelta(seconds=15), True), (START - timedelta(milliseconds=15_001), False),
])
def test_window_covers_start_and_end_with_15_seconds_either_side(tmp_path, played_at, matches):
    result = lake_with(tmp_path, [extended_row(END, MS, track=TRACK)], [(played_at, TRACK[0])])
    origins = sorted(row["origin"] for row in result.as_dicts())
    assert origins == (["both"] if matches else ["api", "export"])


def test_another_track_at_the_same_moment_is_another_play(tmp_path):
    result = lake_with(tmp_path, [extended_row(END, MS, track=TRACK)], [(END, OTHER)])
    assert sorted(row["origin"] for row in result.as_dicts()) == ["api", "export"]


def test_the_same_track_twice_in_a_row_matches_each_play_once(tmp_path):
    second_end = END + timedelta(milliseconds=MS)
    result = lake_with(tmp_path, [extended_row(END, MS, track=TRACK),
                                  extended_row(second_end, MS, track=TRACK)],
                       [(END, TRACK[0]), (second_end, TRACK[0])])
    assert [row["origin"] for row in result.as_dicts()] == ["both", "both"]


def test_an_api_play_whose_track_is_in_no_table_is_still_a_play(tmp_path):
    result = lake_with(tmp_path, [], [(END, OTHER)])
    (row,) = result.as_dicts()
    assert (row["origin"], row["song_id"], row["track_name"]) == ("api", OTHER, None)


def test_minutes_of_an_api_play_are_its_tracks_length(tmp_path):
    other_end = END + timedelta(hours=1)
    song = {name: None for name in SONGS.names} | {
        "song_id": OTHER, "song_name": "Other", "duration_ms": 123_456, "url": "u",
        "album_id": "a"}
    write_folder_rows(tmp_path, "songs", pa.Table.from_pylist([song], schema=SONGS),
                      "2026-11-21", "songs-test")
    result = lake_with(tmp_path, [extended_row(END, 5_000, track=TRACK)], [(other_end, OTHER)])
    rows = {row["origin"]: row for row in result.as_dicts()}
    assert (rows["api"]["ms_played"], rows["api"]["ms_heard"]) == (None, 123_456)
    assert (rows["export"]["ms_played"], rows["export"]["ms_heard"]) == (5_000, 5_000)


def test_columns_are_the_contract(tmp_path):
    result = lake_with(tmp_path, [extended_row(END, MS, track=TRACK)], [])
    assert result.columns == [name for name, _type in LISTENING_COLUMNS]
    types = {row[0]: row[1] for row in run_sql(open_lake(tmp_path), "DESCRIBE listening").rows}
    duck = {"timestamp": "TIMESTAMP", "bigint": "BIGINT", "string": "VARCHAR",
            "boolean": "BOOLEAN"}
    assert types == {name: duck[type_] for name, type_ in LISTENING_COLUMNS}


def test_a_track_is_counted_by_name_and_its_id_merges_its_names(tmp_path):
    renamed = (TRACK[0], "Track (Remastered)", "Artist", "Album")
    second_id = ("1111111111111111111111", "Track", "Artist", "Other album")
    rows = [extended_row(END, MS, track=TRACK),
            extended_row(END + timedelta(hours=1), MS, track=renamed),
            extended_row(END + timedelta(hours=2), MS, track=second_id),
            extended_row(END + timedelta(hours=3), MS, track=("2" * 22, "Else", "Artist", "A"))]
    basic = dump([basic_row(END + timedelta(days=1), MS, "Artist", "Track (Remastered)"),
                  basic_row(END + timedelta(days=2), MS, "Artist", "Unheard")])
    import_files([ExportFile("Streaming_History_Audio_2026.json", lambda: dump(rows)),
                  ExportFile("StreamingHistory_music_0.json", lambda: basic)],
                 FolderStore(tmp_path))
    keys = run_sql(open_lake(tmp_path), "SELECT track_name, track_key FROM listening "
                                        "ORDER BY ended_at").as_dicts()
    # One ID seen with two titles is one track; so is a second ID of the same name, and a
    # name-only row of either name. Different names without an ID in common stay apart.
    assert [row["track_key"] for row in keys] == ["Artist - Track"] * 3 + [
        "Artist - Else", "Artist - Track", "Artist - Unheard"]


def _api_table(tmp_path, table, schema, rows):
    full = [{name: None for name in schema.names} | row for row in rows]
    write_folder_rows(tmp_path, table, pa.Table.from_pylist(full, schema=schema), "2026-11-21",
                      f"{table}-test")


def test_an_album_is_counted_by_artist_and_title_and_its_id_merges_its_names(tmp_path):
    """Two titles of one album ID (one only the API named) are one album; so is a row naming
    one of them without an ID the API saw. One title of two artists is two albums."""
    deluxe, api_song = "1" * 22, "5" * 22
    rows = [extended_row(END, MS, track=TRACK),  # "Album": its song is on album `alb`
            extended_row(END + timedelta(hours=1), MS,
                         track=(deluxe, "Second", "Artist", "Album (Deluxe)")),  # also `alb`
            extended_row(END + timedelta(hours=2), MS,
                         track=("2" * 22, "Hit", "Artist A", "Greatest Hits")),
            extended_row(END + timedelta(hours=3), MS,
                         track=("3" * 22, "Hit", "Artist B", "Greatest Hits")),
            extended_row(END + timedelta(hours=4), MS,
                         track=("4" * 22, "Third", "Artist", "Album"))]  # no ID the API saw
    _api_table(tmp_path, "songs", SONGS, [
        {"song_id": song, "song_name": name, "url": "u", "album_id": "alb", "artist_id": "art",
         "duration_ms": MS}
        for song, name in ((TRACK[0], "Track"), (deluxe, "Second"), (api_song, "Fourth"))])
    _api_table(tmp_path, "albums", ALBUMS, [{"album_id": "alb", "name": "Album (Remaster)",
                                             "url": "u"}])
    _api_table(tmp_path, "artists", ARTISTS, [{"artist_id": "art", "artist_name": "Artist",
                                               "external_url": "u"}])
    result = lake_with(tmp_path, rows, [(END + timedelta(hours=5), api_song)])
    keys = [(row["album_name"], row["album_key"]) for row in result.as_dicts()]
    assert keys == [("Album", "Artist - Album"), ("Album (Deluxe)", "Artist - Album"),
                    ("Greatest Hits", "Artist A - Greatest Hits"),
                    ("Greatest Hits", "Artist B - Greatest Hits"),
                    ("Album", "Artist - Album"), ("Album (Remaster)", "Artist - Album")]
    november = Period(date(2026, 11, 1), date(2026, 11, 30))
    top = run_all(LakeQueries(Path("."), open_lake(tmp_path)), november, PlayRule(30))
    albums = sorted((row["name"], row["artist_name"], row["plays"])
                    for row in top["report_top"] if row["kind"] == "album")
    assert albums == [("Album", "Artist", 4), ("Greatest Hits", "Artist A", 1),
                      ("Greatest Hits", "Artist B", 1)]
