"""Scale: the issue-7 simulation of a daily run over many sources under a rate limit."""

from __future__ import annotations

from bench.report import Section


def run(n_sources: int, rate_limit_per_30s: int) -> dict:
    """Not wired yet."""
    from spotify_etl.local.scale_sim import run_simulation

    return run_simulation(n_sources, rate_limit_per_30s)


def to_section(summary: dict) -> Section:
    """Not wired yet."""
    return Section("Scale simulation")
