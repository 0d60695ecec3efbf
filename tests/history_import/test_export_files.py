"""Export files of both kinds with each quirk real exports have (fixtures of our own, generated
by spotify_local.spotify_export), read into `streams` rows."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from spotify_runtime.history_import import export_files
from spotify_runtime.history_import.export_files import (
    DUPLICATE_IN_IMPORT,
    MALFORMED_ROW,
    NO_TIMESTAMP,
    NOTHING_PLAYED,
    OUT_OF_RANGE,
    read_export_file,
    unique_plays,
)
from spotify_runtime.history_import.members import NotAnExportError
from spotify_runtime.history_import.streams import STREAMS_SCHEMA

from spotify_local.spotify_export import LAYOUTS, basic_row, dump, extended_row

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
T0 = datetime(2025, 12, 31, 23, 58, 30, tzinfo=UTC)
TRACK = ("4uLU6hMCjMI75M1A2tKUQC", "Song \"Quoted\"", "Michael Bublé", "Album")
EPISODE = ("7makk4oTQel546B0PZlDM5", "Episode 1", "Mythical Monsters ")
BOOK = ("7iHfbu1YPACw6oZPAFJtqe", "A Book", "2nyW7tvkuv2dFCjyO5bVQS", "Chapter 1")


def plays(name: str, rows: list[dict], layout: str = "pretty", **options):
    parsed = read_export_file(name, dump(rows, layout), now=NOW, **options)
    return parsed, parsed.rows.to_pylist()


def test_every_layout_reads_the_same_rows():
    rows = [extended_row(T0 + timedelta(minutes=n), 60_000 + n, track=TRACK) for n in range(5)]
    read = {layout: plays("Streaming_History_Audio_2025.json", rows, layout)[1]
            for layout in LAYOUTS}
    assert read["minified"] == read["pretty"] == read["jackson"]
    assert [row["ms_played"] for row in read["jackson"]] == [60_000 + n for n in range(5)]
    assert read["jackson"][0]["artist_name"] == "Michael Bublé"
    assert read["jackson"][0]["track_name"] == 'Song "Quoted"'


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", ["Song", "Cut }, { here", 'Cut "}, {" here', "Ends in }"])
def test_a_file_read_in_pieces_reads_the_rows_of_the_whole(monkeypatch, layout, name):
    """Cut between rows into small pieces, a file gives the rows it gives read whole, also when
    a name holds what a cut looks for (that piece does not parse, and the file is read whole)."""
    rows = [extended_row(T0 + timedelta(minutes=n), 60_000 + n,
                         track=(TRACK[0], f"{name} {n}", TRACK[2], TRACK[3]))
            for n in range(40)]
    data = dump(rows, layout)
    whole = read_export_file("Streaming_History_Audio_2025.json", data, now=NOW)
    monkeypatch.setattr(export_files, "PARSE_PIECE_BYTES", 2_000)
    pieces = export_files._pieces(data)
    assert len(pieces) > 5
    parsed = []
    for prefix, body, suffix in pieces:
        try:
            parsed.append(len(export_files._parse(b"".join((prefix, body, suffix)))))
        except pa.ArrowInvalid:
            parsed.append(None)
    if "}, {" not in name:
        assert None not in parsed  # read in pieces, never whole
    elif layout == "minified":  # rows `},{`: cuts fall in names, the whole file is read instead
        assert None in parsed
    pieces = read_export_file("Streaming_History_Audio_2025.json", data, now=NOW)
    assert pieces.rows.to_pylist() == whole.rows.to_pylist()
    assert pieces.rows.num_rows == 40 and pieces.file_rows == 40
    assert pieces.rows["track_name"].to_pylist() == [f"{name} {n}" for n in range(40)]


def test_extended_row_becomes_a_streams_row_without_personal_fields():
    row = extended_row(T0, 183_000, track=TRACK, era="old", reason_start="clickrow",
                       reason_end="fwdbtn", skipped=True, shuffle=True, platform="ios",
                       country="SE")
    parsed, [out] = plays("endsong_0.json", [row])
    assert parsed.kind == "extended"
    assert out["ended_at"] == T0 and out["ms_played"] == 183_000
    assert out["content_type"] == "track" and out["song_id"] == TRACK[0]
    assert (out["reason_start"], out["reason_end"], out["skipped"], out["shuffle"]) == (
        "clickrow", "fwdbtn", True, True)
    assert (out["platform"], out["conn_country"], out["export_kind"]) == ("ios", "SE",
                                                                           "extended")
    assert set(out) == set(STREAMS_SCHEMA.names)  # no ip_addr, username or user agent column
    assert "192.0.2.7" not in json.dumps(out, default=str)


def test_offline_timestamp_in_milliseconds_and_in_seconds_is_the_same_time():
    old = plays("endsong_0.json", [extended_row(T0, 183_000, track=TRACK, era="old",
                                                offline=True)])[1][0]
    new = plays("Streaming_History_Audio_2025.json",
                [extended_row(T0, 183_000, track=TRACK, offline=True)])[1][0]
    started = T0 - timedelta(milliseconds=183_000)
    assert old["offline_at"] == started
    assert new["offline_at"] == started.replace(microsecond=0)
    zero = extended_row(T0, 1_000, track=TRACK) | {"offline_timestamp": 0}
    assert plays("x.json", [zero])[1][0]["offline_at"] is None


def test_podcasts_video_audiobooks_and_rows_naming_nothing():
    rows = [extended_row(T0, 1_000_000, episode=EPISODE),
            extended_row(T0 + timedelta(hours=1), 600_000, audiobook=BOOK),
            extended_row(T0 + timedelta(hours=2), 5_000),  # every media field null
            extended_row(T0 + timedelta(hours=3), 5_000, track=TRACK)]  # a music video row
    _, out = plays("Streaming_History_Video_2025.json", rows)
    assert [r["content_type"] for r in out] == ["episode", "audiobook", "unknown", "track"]
    assert out[0]["episode_id"] == EPISODE[0] and out[0]["show_name"] == "Mythical Monsters "
    assert out[1]["audiobook_id"] == BOOK[0] and out[1]["chapter_name"] == "Chapter 1"
    assert out[2]["song_id"] is None and out[2]["track_name"] is None


def test_unsorted_rows_and_a_year_boundary_are_kept_as_they_are():
    times = [T0 + timedelta(minutes=3), T0, T0 + timedelta(minutes=1)]  # crosses into 2026
    _, out = plays("Streaming_History_Audio_2026.json",
                   [extended_row(t, 60_000, track=TRACK) for t in times])
    assert [r["ended_at"] for r in out] == times
    assert {r["ended_at"].year for r in out} == {2025, 2026}


def test_exact_duplicates_count_once_and_the_rest_under_its_reason():
    row = extended_row(T0, 200_000, track=TRACK)
    skipped = Counter()
    parsed, _ = plays("Streaming_History_Audio_2025.json", [row, row, dict(row)])
    assert parsed.rows.num_rows == 3  # the file is read as it is ...
    unique = unique_plays([parsed.rows], skipped)
    assert unique.num_rows == 1 and skipped == {DUPLICATE_IN_IMPORT: 2}  # ... and kept once


def test_rows_that_are_not_plays_are_counted_under_a_named_reason():
    good = extended_row(T0, 200_000, track=TRACK)
    rows = [good,
            extended_row(T0, 0, track=TRACK),                   # nothing played
            {k: v for k, v in good.items() if k != "ms_played"},  # no ms_played key
            good | {"ts": "not-a-timestamp"},
            {k: v for k, v in good.items() if k != "ts"} | {"ms_played": 5},
            good | {"ts": "2099-01-01T00:00:00Z"},
            good | {"ts": "1999-01-01T00:00:00Z"}]
    parsed, out = plays("Streaming_History_Audio_2025.json", rows)
    assert len(out) == 1
    assert parsed.skipped == {NOTHING_PLAYED: 2, NO_TIMESTAMP: 2, OUT_OF_RANGE: 2}
    assert parsed.file_rows == len(out) + sum(parsed.skipped.values())


def test_unknown_keys_are_ignored():
    row = extended_row(T0, 200_000, track=TRACK) | {"new_export_field": {"nested": [1, "x"]}}
    _, [out] = plays("Streaming_History_Audio_2025.json", [row])
    assert out["song_id"] == TRACK[0]


def test_a_value_of_another_type_skips_that_row_only():
    good = extended_row(T0, 200_000, track=TRACK)
    parsed, out = plays("Streaming_History_Audio_2025.json",
                        [good, good | {"ms_played": "200000"}, None, 7])
    assert len(out) == 1 and parsed.skipped == {MALFORMED_ROW: 3} and parsed.file_rows == 4


def test_basic_files_to_the_minute_cut_at_ten_thousand_rows():
    start = datetime(2020, 5, 7, 18, 0, tzinfo=UTC)
    rows = [basic_row(start + timedelta(seconds=20 * n), 20_000, f"Artist {n % 7}",
                      f"Track {n % 11}") for n in range(10_003)]
    first = read_export_file("StreamingHistory0.json", dump(rows[:10_000], "jackson"), now=NOW)
    second = read_export_file("StreamingHistory1.json", dump(rows[10_000:], "jackson"), now=NOW)
    assert first.kind == second.kind == "basic" and first.file_rows == 10_000
    out = first.rows.to_pylist()
    assert out[0]["ended_at"] == start and out[2]["ended_at"] == start  # same minute, kept
    assert len({r["play_id"] for r in out[:3]}) == 3
    assert out[0]["song_id"] is None and out[0]["export_kind"] == "basic"
    skipped = Counter()
    assert unique_plays([first.rows, second.rows], skipped).num_rows == 10_003 - sum(
        skipped.values())


def test_basic_podcast_and_audiobook_files():
    podcast = [{"endTime": "2023-10-03 21:56", "podcastName": "Show", "episodeName":
                "It\u2019s an episode", "msPlayed": 3_676_727}]
    book = [{"endTime": "2023-10-20 18:58", "audiobookName": "Book", "chapterName": "Book",
             "authorName": "Author", "msPlayed": 41_192}]
    [episode] = read_export_file("StreamingHistory_podcast_0.json", dump(podcast, "jackson"),
                                 now=NOW).rows.to_pylist()
    [chapter] = read_export_file("StreamingHistory_audiobook_0.json", dump(book, "jackson"),
                                 now=NOW).rows.to_pylist()
    assert (episode["content_type"], episode["show_name"]) == ("episode", "Show")
    assert (chapter["content_type"], chapter["artist_name"]) == ("audiobook", "Author")


def test_basic_identity_is_artist_track_and_ms_at_the_minute():
    start = datetime(2020, 5, 7, 18, 0, 0, tzinfo=UTC)
    a = basic_row(start, 20_000, "A", "T")
    same = read_export_file("StreamingHistory0.json", dump([a, a | {}]), now=NOW).rows
    other = read_export_file("StreamingHistory0.json",
                             dump([a | {"msPlayed": 20_001}, a | {"trackName": "U"}]),
                             now=NOW).rows
    assert same["play_id"][0] == same["play_id"][1]
    assert same["play_id"][0].as_py() not in other["play_id"].to_pylist()


@pytest.mark.parametrize(("data", "why"), [
    (b"", "empty"), (b"  ", "empty"), (b'{"tracks": []}', "not a JSON array"),
    (b"null", "not a JSON array"), (b"[1, 2", "not valid JSON"),
    (b'[{"name": "a playlist"}]', "no row has `ts` or `endTime`"),
])
def test_a_file_that_is_not_an_export_is_refused_in_one_line(data, why):
    with pytest.raises(NotAnExportError) as error:
        read_export_file("YourLibrary.json", data, now=NOW)
    assert str(error.value).startswith("YourLibrary.json: ") and why in str(error.value)
    assert "\n" not in str(error.value)
