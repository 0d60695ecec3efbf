"""A small scheduled run through the real planner and workers, on the local Spotify API."""

from __future__ import annotations

import json

from spotify_etl.cli import main
from spotify_local.scale_sim import run_simulation


def test_fifty_sources_at_a_low_limit_all_land_once_paced() -> None:
    summary = run_simulation(50, 20, max_concurrency=2)

    assert summary["sources_total"] == summary["sources_landed"] == 50
    assert summary["sources_dead_lettered"] == 0
    assert summary["duplicate_raw_files"] == 0
    assert summary["items_missing_from_landed_files"] == 0
    assert summary["items_landed"] > 50  # every file holds all its playlist's items
    assert summary["throttled_responses"] <= 0.05 * summary["requests"]
    assert summary["token_requests"] == 2  # one per worker container
    assert summary["outcomes"] == {"landed": 50}
    # Paced, not hammering and not idling: most of the windows the run spans are used.
    assert summary["throughput_vs_rate_bound"] >= 0.8


def test_long_retry_after_defers_and_unavailable_sources_are_dead_lettered() -> None:
    summary = run_simulation(30, 10, max_concurrency=2, unavailable_sources=2,
                             long_retry_after_seconds=3600)

    assert summary["sources_landed"] == 30
    assert summary["sources_dead_lettered"] == 2
    assert summary["duplicate_raw_files"] == 0
    assert summary["outcomes"]["deferred"] >= 2
    assert summary["wall_seconds"] > 3600  # they waited as asked, then landed
    # The run log agrees with the stand-ins: every request and every 429 the local Spotify
    # served is on some handling's row, and each message outcome has its row.
    run_log = summary["run_log"]
    assert run_log["requests"] == summary["requests"]
    assert run_log["rate_limited"] == summary["throttled_responses"] > 0
    assert run_log["outcomes"] == summary["outcomes"]
    assert run_log["sources_landed"] == 30


def test_run_local_sources_writes_the_summary(tmp_path, capsys) -> None:
    out = tmp_path / "summary.json"

    status = main(["run-local", "--sources", "8", "--rate-limit", "10", "--summary-json",
                   str(out)])

    assert status == 0
    summary = json.loads(out.read_text())
    assert summary["sources_landed"] == 8
    assert summary["rate_limit_per_30s"] == 10
    assert json.loads(capsys.readouterr().out) == summary


def test_run_local_rejects_a_bad_source_count(capsys) -> None:
    assert main(["run-local", "--sources", "0"]) == 1
    assert capsys.readouterr().err.strip() == "error: --sources must be at least 1, got 0"


def test_a_source_too_large_for_one_invocation_is_dead_lettered_not_retried_forever() -> None:
    # 1,500 items need 29 requests; at 10 per 30 s a 60 s invocation sends at most 20.
    summary = run_simulation(1, 100, max_concurrency=2, requests_per_30s=20,
                             function_timeout_seconds=60, size_classes=((1.0, 1500, 1500),))

    assert summary["sources_landed"] == 0
    assert summary["sources_dead_lettered"] == 1
    assert summary["outcomes"] == {"paced_out": 1, "dead_lettered": 1}
    assert summary["requests"] <= 2 * 20
