"""End-to-end: wall time of `run-local` on the demo data, per stage."""

from __future__ import annotations

from pathlib import Path

from bench.report import Section


def run(work_dir: Path) -> dict:
    """Not wired yet."""
    import spotify_etl.local.run_local  # noqa: F401

    return {}


def to_section(result: dict) -> Section:
    """Not wired yet."""
    return Section("End-to-end local run")
