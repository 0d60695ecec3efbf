"""The bench's own parts: process measurement, the seed reference, pending sections."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from bench import seed_reference
from bench.__main__ import _guarded
from bench.inputs import raw_playlist_file
from bench.measure import CommandFailedError, measure_process


def test_peak_rss_is_the_measured_process_own():
    small = measure_process([sys.executable, "-c", "pass"])
    big = measure_process([sys.executable, "-c", "block = b'x' * (200 * 2**20)"])
    # The wrapper keeps this (large) test process's memory out of the child's figure.
    assert small.peak_rss_bytes < 100 * 2**20
    assert big.peak_rss_bytes - small.peak_rss_bytes > 150 * 2**20


def test_a_failing_command_names_itself_and_its_error():
    with pytest.raises(CommandFailedError, match="boom"):
        measure_process([sys.executable, "-c", "raise SystemExit('boom')"])


def test_the_reference_keeps_the_seed_behaviour(tmp_path):
    raw = raw_playlist_file(tmp_path, 80)
    rows = seed_reference.transform_file(raw, tmp_path / "out")
    artists = pd.read_csv(tmp_path / "out" / "artists_transformed.csv")
    songs = pd.read_csv(tmp_path / "out" / "songs_transformed.csv")
    assert rows == {"songs": len(songs), "albums": rows["albums"], "artists": len(artists)}
    # The seed's bugs, kept on purpose: API hrefs as external_url, songs not deduplicated.
    assert artists["external_url"].str.startswith("https://api.spotify.com/v1/artists/").all()
    assert artists["artist_id"].is_unique and len(songs) > rows["albums"] > 0


def test_a_missing_piece_is_pending_and_not_a_failure():
    def build():
        raise ModuleNotFoundError("No module named 'spotify_local.scale_sim'")

    section, failed = _guarded("scale", "Scale simulation", build)
    assert not failed
    assert "not landed yet" in section.pending
    assert section.targets and all(t.verdict == "not checked" for t in section.targets)


def test_a_broken_benchmark_is_reported_as_a_failure():
    def build():
        raise RuntimeError("no Parquet files")

    section, failed = _guarded("storage", "Storage", build)
    assert failed and "no Parquet files" in section.pending


def test_the_report_bench_builds_the_simulated_year(tmp_path):
    from bench import report_bench

    result = report_bench.run(tmp_path, runs=1)
    assert result.plays > 10_000  # a year at about 40 plays a day, some days silent
    assert (tmp_path / "report" / "report.html").stat().st_size == result.page_bytes
    section = report_bench.to_section(result)
    assert section.rows[0][0] == f"{result.plays:,}" and section.rows[0][3].endswith("x")
