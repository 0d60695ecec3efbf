"""The run log's and the dashboard's names agree across the runtime, contract.py and the docs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from spotify_runtime import contract, run_log
from spotify_runtime.extract.message_outcomes import Outcome
from spotify_runtime.transform.quality import CHECKS

ROOT = Path(__file__).resolve().parents[2]


def test_worker_outcomes_in_the_contract_are_the_queue_worker_s():
    assert list(contract.WORKER_OUTCOMES) == [outcome.value for outcome in Outcome]


def test_docs_name_every_run_log_column_outcome_and_check():
    freshness = (ROOT / "docs" / "freshness.md").read_text(encoding="utf-8")
    transform = (ROOT / "docs" / "transform.md").read_text(encoding="utf-8")
    for name, _type, _description in run_log.COLUMNS:
        assert f"`{name}`" in freshness, name
    for outcome in contract.WORKER_OUTCOMES:
        assert f"`{outcome}`" in freshness, outcome
    for check in CHECKS:
        assert f"`{check}`" in transform, check


def test_rows_are_json_lines_with_every_column_and_deterministic_keys():
    row = run_log.RunRecord(run_at=datetime(2026, 11, 24, 18, 10, tzinfo=UTC), stage="extract",
                            source="playlist:abc", outcome="landed", items=3,
                            recorded_at=datetime(2026, 11, 24, 18, 11, 2, 345678, tzinfo=UTC))
    line = run_log.encode(row)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert b'"run_at":"2026-11-24 18:10:00.000"' in line
    assert b'"recorded_at":"2026-11-24 18:11:02.345"' in line
    assert list(row.as_row()) == [name for name, _, _ in run_log.COLUMNS]
    key = run_log.record_key(row, "message-1/1")
    assert key == run_log.record_key(row, "message-1/1") != run_log.record_key(row, "message-1/2")
    assert key.startswith(
        "pipeline_runs/run_date=2026-11-24/extract-playlist-abc-20261124T181000Z-")
    with pytest.raises(ValueError, match="stage"):
        run_log.record_key(run_log.RunRecord(row.run_at, "load", "x", "landed"), "d")
    with pytest.raises(ValueError, match="timezone"):
        run_log.format_timestamp(datetime(2026, 11, 24))
