"""The run log's and the dashboard's names agree across the runtime, contract.py and the docs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from spotify_runtime import contract, layout, run_log
from spotify_runtime.extract.queue_worker import MessageOutcome
from spotify_runtime.transform import quality

from tests.run_log_rows import merge_row

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {value for name, value in vars(quality).items()
          if name.isupper() and isinstance(value, str)}
"""The quality checks' names, as quality.py defines them."""


def test_worker_outcomes_in_the_contract_are_the_queue_worker_s():
    assert list(contract.WORKER_OUTCOMES) == [outcome.value for outcome in MessageOutcome]


def test_docs_name_every_run_log_column_outcome_and_check():
    freshness = (ROOT / "docs" / "freshness.md").read_text(encoding="utf-8")
    transform = (ROOT / "docs" / "transform.md").read_text(encoding="utf-8")
    for name, _type, _description in run_log.COLUMNS:
        assert f"`{name}`" in freshness, name
    for outcome in contract.WORKER_OUTCOMES:
        assert f"`{outcome}`" in freshness, outcome
    for check in CHECKS:
        assert f"`{check}`" in transform, check


def test_rows_are_parquet_with_every_column_one_object_per_day():
    row = run_log.RunRecord(run_at=datetime(2026, 11, 24, 18, 10, tzinfo=UTC), stage="extract",
                            source="playlist:abc", outcome="landed", items=3,
                            rows={"songs": 2}, record_id="message-1/1",
                            recorded_at=datetime(2026, 11, 24, 18, 11, 2, 345678, tzinfo=UTC))
    table = run_log.read_table(merge_row(None, row))
    assert table.column_names == [name for name, _, _ in run_log.COLUMNS]
    (written,) = table.to_pylist()
    assert written["run_at"] == datetime(2026, 11, 24, 18, 10, tzinfo=UTC)
    assert written["recorded_at"] == datetime(2026, 11, 24, 18, 11, 2, 345000, tzinfo=UTC)
    assert written["rows"] == [("songs", 2)] and written["record_id"] == "message-1/1"
    assert layout.run_log_key(run_log.record_day(row)) == (
        "pipeline_runs/run_date=2026-11-24/runs.parquet")
    with pytest.raises(ValueError, match="yyyy-mm-dd"):
        layout.run_log_key("2026-11-24/../x")
    with pytest.raises(ValueError, match="stage"):
        run_log.RunRecord(datetime(2026, 11, 24, tzinfo=UTC), "load", "x", "landed").as_row()
    with pytest.raises(ValueError, match="timezone"):
        run_log.RunRecord(datetime(2026, 11, 24), "extract", "x", "landed").as_row()


def test_the_same_delivery_replaces_its_row_and_a_later_one_records_the_lost_ones():
    def row(record_id: str, outcome: str = "landed") -> run_log.RunRecord:
        return run_log.RunRecord(run_at=datetime(2026, 11, 24, tzinfo=UTC), stage="transform",
                                 source="album:x", outcome=outcome, record_id=record_id)

    body = merge_row(None, row("m/1", "processed"))
    body = merge_row(body, row("m/1", "processed"))  # a retried write of the same handling
    assert run_log.read_table(body).column("record_id").to_pylist() == ["m/1"]
    # Delivery 4 of m: deliveries 2 and 3 left no row; 1 did.
    body = merge_row(body, row("m/4", "already_done"),
                         run_log.earlier_delivery_ids("m", "4"))
    rows = {r["record_id"]: r["outcome"] for r in run_log.read_table(body).to_pylist()}
    assert rows == {"m/1": "processed", "m/2": "unrecorded", "m/3": "unrecorded",
                    "m/4": "already_done"}
    # Delivery 2's own row, late (its container was still running): it replaces the stand-in.
    body = merge_row(body, row("m/2", "processed"))
    assert {r["record_id"]: r["outcome"] for r in run_log.read_table(body).to_pylist()}["m/2"] \
        == "processed"
    assert run_log.read_table(body).num_rows == 4


def test_writers_share_the_day_s_object_without_replacing_each_other_s_rows():
    def row(stage: str, record_id: str, outcome: str) -> run_log.RunRecord:
        return run_log.RunRecord(run_at=datetime(2026, 11, 24, tzinfo=UTC), stage=stage,
                                 source="album:x", outcome=outcome, record_id=record_id)

    # The same id from two queues (ids are only unique per queue in the local stand-in).
    body = merge_row(None, row("extract", "m-1/1", "landed"))
    body = merge_row(body, row("transform", "m-1/1", "processed"))
    # A transform delivery whose first receive left no row: the extract row of m-1/1 is not it.
    body = merge_row(body, row("transform", "m-1/2", "already_done"),
                         run_log.earlier_delivery_ids("m-1", "2"))
    assert sorted((r["stage"], r["record_id"], r["outcome"])
                  for r in run_log.read_table(body).to_pylist()) == [
        ("extract", "m-1/1", "landed"), ("transform", "m-1/1", "processed"),
        ("transform", "m-1/2", "already_done")]
    body = merge_row(body, row("transform", "m-9/3", "processed"),
                         run_log.earlier_delivery_ids("m-9", "3"))
    unrecorded = {(r["stage"], r["record_id"]) for r in run_log.read_table(body).to_pylist()
                  if r["outcome"] == "unrecorded"}
    assert unrecorded == {("transform", "m-9/1"), ("transform", "m-9/2")}

    # An older writer's own object folds in: its rows replace theirs by stage and id, no more.
    older = run_log.to_table([row("extract", "m-1/1", "deferred"),
                              row("import", "u#1", "imported")])
    merged = run_log.read_table(run_log.merge_rows(body, older)).to_pylist()
    assert len(merged) == 7  # the 6 before, one replaced, one added
    assert {(r["stage"], r["record_id"]): r["outcome"] for r in merged}[("extract", "m-1/1")] \
        == "deferred"


def test_a_batch_s_rows_go_in_one_write_with_each_delivery_s_lost_ones():
    def row(record_id: str, outcome: str) -> run_log.RunRecord:
        return run_log.RunRecord(run_at=datetime(2026, 11, 24, tzinfo=UTC), stage="transform",
                                 source="album:x", outcome=outcome, record_id=record_id)

    body = merge_row(None, row("a/1", "processed"))
    # One invocation's batch: a's third delivery (its second left no row) and b's first.
    body = run_log.merge_all(body, [(row("a/3", "already_done"), ["a/1", "a/2"]),
                                    (row("b/1", "processed"), [])])
    assert sorted((r["record_id"], r["outcome"]) for r in run_log.read_table(body).to_pylist()) \
        == [("a/1", "processed"), ("a/2", "unrecorded"), ("a/3", "already_done"),
            ("b/1", "processed")]
