"""Smoke test of the big-day benchmark at a few files: both end with the same rows, ours in the
Iceberg tables (a few data files per table) and the reference in one object per raw file and
table. No timing asserted."""

from __future__ import annotations

from spotify_runtime.layout import RAW_TO_PROCESS

from bench.big_day_bench import run, to_section


def test_a_small_big_day_ends_with_the_same_rows_in_a_few_files_per_table(tmp_path):
    result = run(tmp_path, sources=6, items=20, concurrency=2, batch_size=3)
    ours, reference = result.ours, result.reference
    assert ours.rows == reference.rows and sum(ours.rows.values()) > 0
    tables = len(ours.rows)  # a playlist feeds songs, albums, artists, playlist_tracks, playlists
    assert tables == 5
    # two batches of three: at most a data file per batch and table, against one per raw file
    assert tables <= ours.table_objects <= tables * 2 and reference.table_objects == tables * 6
    assert reference.deliveries == 6 and ours.deliveries >= 6 and ours.dead_lettered == 0
    for lake in ("ours", "reference"):  # every raw file archived
        assert not list((tmp_path / "big-day" / lake / RAW_TO_PROCESS).rglob("*.json"))
    section = to_section(result)
    assert len(section.rows) == 7 and section.targets[0].met
