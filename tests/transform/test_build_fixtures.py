"""Every accepted shape, read back from the Parquet bytes: values, not just counts."""

import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spotify_runtime.layout import raw_key
from spotify_runtime.transform.raw_to_parquet import transform_raw_file
from spotify_runtime.transform.tables import SCHEMAS

PLAYLIST = "37i9dQZF1DXcBWIGoYBM5M"
KEY = raw_key("playlist", PLAYLIST, datetime(2026, 11, 24, 18, 10, tzinfo=UTC))
TA, TB, TC, TD = (f"2T{c}{c.lower() * 19}" for c in "ABCD")
X, Y, Z, W = (f"0{c}artist{c * 14}" for c in "XYZW")


def test_playlist_envelope_tables(raw_fixture, rows_of):
    result = transform_raw_file(raw_fixture("playlist_envelope.json"), KEY)
    rows = rows_of(result)
    # extracted_at 23:59:59+00:00 -> that UTC day
    assert result.snapshot_date == date(2026, 11, 24)
    assert result.built.skipped == {"null_track": 1, "local_file": 1, "episode": 1}
    assert result.built.items == 8

    songs = {row["song_id"]: row for row in rows["songs"]}
    assert list(songs) == [TA, TB, TC, TD]  # each ID once, in first-occurrence order
    a = songs[TA]
    assert a["song_name"] == 'Héllo, "World"\nLine two 🎵'
    assert a["artist_id"] == X and a["artist_ids"] == [X, Y]  # the track's artist, not the album's
    assert a["album_id"] == "1AL1aaaaaaaaaaaaaaaaaa"
    assert a["song_added"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)  # first occurrence
    assert a["url"] == f"https://open.spotify.com/track/{TA}"
    assert (a["popularity"], a["explicit"], a["isrc"], a["track_number"]) == (71, True,
                                                                            "ISRC000000A", 3)
    assert songs[TB]["popularity"] is None
    assert songs[TB]["song_added"] == datetime(2024, 2, 3, 4, 5, 6, 789000, tzinfo=UTC)
    assert songs[TB]["song_name"] == "B-side; with 'quotes', commas"

    albums = {row["album_id"]: row for row in rows["albums"]}
    assert [(a["release_date"], a["release_date_precision"]) for a in albums.values()] == [
        (date(1998, 1, 1), "year"), (date(2001, 5, 1), "month"), (date(2010, 10, 10), "day"),
        (None, "year"),  # Spotify's "0000"
    ]
    assert albums["1AL1aaaaaaaaaaaaaaaaaa"]["name"] == 'Ágætis byrjun, "deluxe"'
    assert albums["1AL2bbbbbbbbbbbbbbbbbb"]["album_type"] == "single"
    assert albums["1AL2bbbbbbbbbbbbbbbbbb"]["artist_ids"] == [W]

    artists = {row["artist_id"]: row for row in rows["artists"]}
    assert list(artists) == [X, Y, Z, W]  # every credited artist, plus the album-only artist
    assert artists[X]["artist_name"] == 'Sigur Rós, "the band"'
    assert artists[Y]["artist_name"] == "東京事変"
    assert artists[Z]["artist_name"] == "Zed\nNewline"
    assert artists[W]["external_url"] == f"https://open.spotify.com/artist/{W}"

    tracks = rows["playlist_tracks"]
    assert [(t["song_id"], t["position"], t["added_by"]) for t in tracks] == [
        (TA, 0, "alice"), (TB, 4, "bob"), (TA, 5, None), (TC, 6, "alice"), (TD, 7, "alice"),
    ]
    assert {t["playlist_id"] for t in tracks} == {PLAYLIST}
    assert tracks[2]["added_at"] == datetime(2024, 3, 1, tzinfo=UTC)


def test_rows_go_to_each_table_s_day_object_named_by_the_raw_key_snappy_documented_schema(
        raw_fixture):
    result = transform_raw_file(raw_fixture("playlist_envelope.json"), KEY)
    assert result.source_file == f"playlist__{PLAYLIST}__20261124T181000Z"
    # A playlist fills the four track tables and playlists; tables without rows are not written.
    filled = ("songs", "albums", "artists", "playlist_tracks", "playlists")
    assert sorted(result.outputs) == sorted(
        f"processed/{t}/snapshot_date=2026-11-24/{t}.parquet" for t in filled
    )
    for key, data in result.outputs.items():
        table = key.split("/")[1]
        meta = pq.ParquetFile(pa.BufferReader(data)).metadata
        assert meta.row_group(0).column(0).compression == "SNAPPY"
        assert pq.read_schema(pa.BufferReader(data)).remove_metadata().equals(
            SCHEMAS[table].remove_metadata()
        )


def test_same_input_gives_identical_bytes(raw_fixture):
    first = transform_raw_file(raw_fixture("playlist_envelope.json"), KEY)
    second = transform_raw_file(raw_fixture("playlist_envelope.json"), KEY)
    assert first.outputs == second.outputs


def test_seed_paging_object_with_track_key(raw_fixture, rows_of):
    key = "raw/to_process/spotify_raw_2023-03-15 18:10:02.123456.json"
    result = transform_raw_file(raw_fixture("playlist_paging_seed.json"), key)
    rows = rows_of(result)
    assert result.snapshot_date == date(2023, 3, 15)  # from the key
    assert result.built.skipped == {"null_track": 1}
    assert [(t["playlist_id"], t["song_id"], t["position"]) for t in rows["playlist_tracks"]] == [
        (PLAYLIST, TC, 100), (PLAYLIST, TB, 102),  # offset 100 + index
    ]
    assert [s["song_id"] for s in rows["songs"]] == [TC, TB]
    assert rows["songs"][0]["song_added"] == datetime(2023, 3, 1, 10, tzinfo=UTC)


def test_paging_object_without_date_in_key_uses_last_modified(raw_fixture):
    modified = datetime(2022, 7, 8, 23, 30, tzinfo=UTC)
    result = transform_raw_file(raw_fixture("playlist_paging_seed.json"),
                                "raw/to_process/archive/export.json", last_modified=modified)
    assert result.snapshot_date == date(2022, 7, 8)


def test_snapshot_date_override(raw_fixture):
    result = transform_raw_file(raw_fixture("playlist_envelope.json"), KEY,
                                snapshot_date=date(2020, 1, 2))
    assert all("/snapshot_date=2020-01-02/" in key for key in result.outputs)


def test_item_and_track_keys_give_the_same_tables(raw_doc, rows_of):
    current = raw_doc("playlist_envelope.json")
    legacy = json.loads(json.dumps(current))
    for item in legacy["items"]:
        item["track"] = item.pop("item")
    as_bytes = [json.dumps(doc).encode() for doc in (current, legacy)]
    first, second = (rows_of(transform_raw_file(data, KEY)) for data in as_bytes)
    assert first == second and len(first["songs"]) == 4


def test_album_source_takes_album_from_metadata(raw_fixture, rows_of):
    result = transform_raw_file(raw_fixture("album_envelope.json"),
                                "raw/to_process/album/1AL2bbbbbbbbbbbbbbbbbb/20261124T181000Z.json")
    rows = rows_of(result)
    assert "playlist_tracks" not in rows  # no rows: not written
    assert {s["album_id"] for s in rows["songs"]} == {"1AL2bbbbbbbbbbbbbbbbbb"}
    assert [s["popularity"] for s in rows["songs"]] == [None, None]  # simplified tracks
    assert rows["songs"][1]["artist_id"] == W and rows["songs"][1]["artist_ids"] == [W, X]
    assert [a["album_id"] for a in rows["albums"]] == ["1AL2bbbbbbbbbbbbbbbbbb"]
    assert rows["albums"][0]["release_date"] == date(2001, 5, 1)
    assert [a["artist_id"] for a in rows["artists"]] == [Y, W, X]


def test_artist_source_takes_album_from_each_item(raw_fixture, rows_of):
    rows = rows_of(transform_raw_file(raw_fixture("artist_envelope.json"), "artist.json"))
    assert [(s["song_id"], s["album_id"]) for s in rows["songs"]] == [
        (TA, "1AL1aaaaaaaaaaaaaaaaaa"), (TD, "1AL4dddddddddddddddddd"),
        ("2TFfffffffffffffffffff", "1AL4dddddddddddddddddd"),
    ]
    assert [a["album_id"] for a in rows["albums"]] == ["1AL1aaaaaaaaaaaaaaaaaa",
                                                      "1AL4dddddddddddddddddd"]
    assert {a["artist_id"] for a in rows["artists"]} == {X, Y, Z}


def test_saved_tracks_keep_added_at(raw_fixture, rows_of):
    rows = rows_of(transform_raw_file(raw_fixture("saved_tracks_envelope.json"), "saved.json"))
    assert [(s["song_id"], s["song_added"]) for s in rows["songs"]] == [
        (TC, datetime(2025, 6, 1, 8, tzinfo=UTC)), (TD, datetime(2025, 6, 2, 8, tzinfo=UTC)),
    ]


def test_recently_played_counts_each_song_once(raw_fixture, rows_of):
    rows = rows_of(transform_raw_file(raw_fixture("recently_played_envelope.json"), "rp.json"))
    assert [(s["song_id"], s["song_added"]) for s in rows["songs"]] == [(TA, None), (TB, None)]
    assert [a["artist_id"] for a in rows["artists"]] == [X, Y, Z, W]


def test_plain_json_fallback_gives_the_same_tables(raw_doc, rows_of, caplog):
    doc = raw_doc("playlist_envelope.json")
    # Set on our logger: another command may have raised the level of "spotify_runtime".
    caplog.set_level("INFO", logger="spotify_runtime.transform")
    doc["surprise"] = [1, "mixed", {"types": True}]  # fields not read are never typed
    native = rows_of(transform_raw_file(json.dumps(doc).encode(), KEY))
    assert "declined" not in caplog.text
    # Integers written as floats (pandas, JavaScript) make the native reader decline.
    doc["items"][0]["item"]["duration_ms"] = 200000.0
    doc["items"][4]["item"]["track_number"] = 2.0
    fallback = rows_of(transform_raw_file(json.dumps(doc).encode(), KEY))
    assert "declined" in caplog.text
    assert fallback == native


@pytest.mark.parametrize("dates", [["1998-05", "1998", "1998-05-17"], ["1998", "1998-05-17"]])
def test_mixed_release_date_precision_in_any_order(raw_doc, rows_of, dates):
    doc = raw_doc("artist_envelope.json")
    albums = []
    for index, text in enumerate(dates):
        album = dict(doc["items"][0]["album"], id=f"1MIX{index}" + "x" * 17, release_date=text)
        album.pop("release_date_precision")
        albums.append(album)
    doc["items"] = [{"album": album, "track": doc["items"][0]["track"]} for album in albums]
    rows = rows_of(transform_raw_file(json.dumps(doc).encode(), "mixed.json"))
    expected = {"1998": (date(1998, 1, 1), "year"), "1998-05": (date(1998, 5, 1), "month"),
                "1998-05-17": (date(1998, 5, 17), "day")}
    assert [(a["release_date"], a["release_date_precision"]) for a in rows["albums"]] == [
        expected[text] for text in dates
    ]
