"""Smoke test of `make bench` at tiny sizes: same code paths, sane figures, no timings asserted."""

from __future__ import annotations

import pytest

from bench.__main__ import build_parser, run_bench
from bench.report import render_document
from bench.transform_bench import PROBES

SIZES = [50, 200]


@pytest.fixture(scope="module")
def sections(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench-work")
    options = build_parser().parse_args(
        ["--sizes", ",".join(map(str, SIZES)), "--runs", "1",
         "--only", "transform,storage,api,e2e,scale", "--api-sizes", "49,51",
         "--scale-sources", "30", "--work", str(work)]
    )
    found, failed = run_bench(options)
    assert not failed, [s.pending for s in found]
    return dict(zip(options.only, found, strict=True))


def test_transform_rows_per_size_with_positive_costs(sections):
    section = sections["transform"]
    assert [r.n_items for r in section.data] == SIZES
    assert [row[0] for row in section.rows] == [f"{n:,}" for n in SIZES]
    for result in section.data:
        for cost in result.costs.values():
            assert cost.wall_seconds > 0
            assert cost.peak_rss_bytes > 1_000_000
    # The probes name the transform's internals; they must still run at the largest size.
    assert set(PROBES) <= set(section.data[-1].samples)


def test_ours_and_the_reference_agree_on_rows(sections):
    for result in sections["transform"].data:
        ours, reference = result.ours_rows, result.reference_rows
        # The seed writes one songs row per track item; ours one playlist_tracks row per item.
        assert ours["playlist_tracks"] == reference["songs"]
        assert ours["albums"] == reference["albums"]
        # Ours credits every track artist and album artists; the seed only track artists.
        assert ours["artists"] >= reference["artists"] > 0
        assert 0 < ours["songs"] <= reference["songs"]


def test_storage_compares_every_table_and_a_total(sections):
    storage = sections["storage"].data
    assert [r.table for r in storage] == ["songs", "albums", "artists", "playlist_tracks",
                                          "playlists", "total"]
    assert storage[-1].parquet_bytes == sum(r.parquet_bytes for r in storage[:-1]) > 0
    assert storage[-1].csv_bytes == sum(r.csv_bytes for r in storage[:-1]) > 0
    songs = sections["transform"].data[-1].ours_rows["songs"]
    assert storage[0].rows == songs


def test_request_counts_cover_playlists_an_album_and_an_artist(sections):
    counts = sections["api"].data
    assert [c.source.split(":")[0] for c in counts] == ["playlist", "playlist", "album", "artist"]
    for count in counts:
        assert count.items_extracted == count.items > 0
        assert count.made >= count.lower_bound >= 2
        assert count.token_requests == 1


def test_end_to_end_stages_and_whole_command(sections):
    section = sections["e2e"]
    result = section.data
    assert result.stages and all(seconds >= 0 for _, seconds in result.stages)
    assert result.command.wall_seconds > 0 and not result.failures
    assert result.rows_added["songs"] > 0
    assert len(section.rows) == len(result.stages) + 2


def test_scale_simulation_figures_and_targets(sections):
    section = sections["scale"]
    summary = section.data
    assert summary["sources_total"] == 30
    assert 0 < summary["sources_landed"] <= 30 and summary["requests"] >= 30
    assert [row[0] for row in section.rows][:2] == ["Sources", "Sources landed"]
    # Targets are stated for 1,000 sources: a 30-source run is shown but not checked.
    assert [t.verdict for t in section.targets] == ["not checked"] * 4


def test_document_lists_targets_machine_and_figures(sections):
    document = render_document(list(sections.values()), "python -m bench --smoke", 1.0, "0.5")
    assert "## Machine" in document and "logical cores" in document
    assert "Parquet bytes vs CSV for the same rows" in document
    assert ">= 5x faster" in document
    assert "| 200 " in document


def test_listening_hourly_keeps_every_play_once_and_daily_loses_most(tmp_path):
    from bench import listening_bench

    section = listening_bench.to_section(listening_bench.run(tmp_path))
    results = {r.name: r for r in section.data}
    hourly, daily = results["hourly"], results["daily at 18:10"]
    assert hourly.plays_in_day > 200 and hourly.max_plays_per_run < 50
    assert (hourly.captured, hourly.lost, hourly.duplicates) == (hourly.plays_in_day, 0, 0)
    assert results["every 2 hours"].lost == 0  # the longest interval the config allows
    assert daily.captured <= 100 and daily.lost == daily.plays_in_day - daily.captured > 100
    assert daily.gap_warnings >= 1 and results["every 3 hours"].gap_warnings >= 1
    assert all(r.duplicates == 0 for r in results.values())
    assert [t.verdict for t in section.targets] == ["met", "met"]
