"""Run-log objects built row by row in tests, as a delivery's write merges its row."""

from __future__ import annotations

from spotify_runtime import run_log


def merge_row(old, record, earlier_ids=()):
    """One row merged into a run-log object, as a delivery's write does."""
    return run_log.merge_all(old, [(record, list(earlier_ids))])
