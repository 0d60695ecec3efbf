"""Scale: the issue-7 simulation of one daily run over many sources under a rate limit."""

from __future__ import annotations

from typing import Any

from bench.report import Section, Target

LANDED, DUPLICATES, THROUGHPUT, THROTTLED = TARGETS = (
    ("Scale: 1,000 sources at 100 requests/30 s land, none dead-lettered", "all"),
    ("Scale: duplicate raw files", "0"),
    ("Scale: throughput vs rate-limit bound", ">= 90%"),
    ("Scale: requests answered 429", "<= 5%"),
)
FIGURES = (
    ("sources_total", "Sources"),
    ("sources_landed", "Sources landed"),
    ("sources_dead_lettered", "Sources dead-lettered"),
    ("duplicate_raw_files", "Duplicate raw files"),
    ("raw_writes", "Raw file writes"),
    ("items_landed", "Playlist items landed"),
    ("items_missing_from_landed_files", "Items missing from landed files"),
    ("requests", "API requests"),
    ("throttled_responses", "Answered 429"),
    ("throttled_share", "Share answered 429"),
    ("token_requests", "Token requests"),
    ("rate_limit_per_30s", "Rate limit (requests per 30 s)"),
    ("achieved_requests_per_30s", "Achieved requests per 30 s"),
    ("throughput_vs_rate_bound", "Throughput vs rate bound"),
    ("wall_seconds", "Simulated wall time (s)"),
    ("real_seconds", "Real time to simulate (s)"),
)


def run(n_sources: int, rate_limit_per_30s: int) -> dict[str, Any]:
    """The simulation's summary dict (spotify_local.scale_sim)."""
    from spotify_local.scale_sim import run_simulation

    return run_simulation(n_sources, rate_limit_per_30s)


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in ("throttled_share", "throughput_vs_rate_bound"):
        return f"{value:.1%}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def to_section(summary: dict[str, Any]) -> Section:
    """The summary's figures and the issue-7 targets."""
    n, rate = summary["sources_total"], summary["rate_limit_per_30s"]
    section = Section(
        title=f"Scale: one daily run of {n:,} sources at {rate} requests per 30 s (simulated)",
        headers=["Figure", "Value"],
        rows=[[label, _cell(key, summary.get(key))] for key, label in FIGURES],
        data=summary,
    )
    section.notes.append(
        "From `spotify_local.scale_sim.run_simulation` (what `run-local --sources N "
        "--rate-limit R` runs): the real planner, extract worker, Spotify client and raw sink "
        "against the local Spotify Web API enforcing a rolling 30-second window; queue, event "
        "source mapping and clock simulated (time accelerated, see docs/scaling.md)."
    )
    landed, dead = summary["sources_landed"], summary["sources_dead_lettered"]
    duplicates = summary["duplicate_raw_files"]
    missing = summary.get("items_missing_from_landed_files", 0)
    throughput, throttled = summary["throughput_vs_rate_bound"], summary["throttled_share"]
    # The issue states the targets for 1,000 sources at 100 per 30 s; other settings are named.
    at = "" if (n, rate) == (1_000, 100) else f" ({n:,} sources at {rate}/30 s)"
    checked = not at

    def verdict(met: bool) -> bool | None:
        return met if checked else None

    section.targets += [
        Target(*LANDED,
               f"{landed:,} of {n:,} landed ({missing} items missing), {dead} dead-lettered{at}",
               verdict(landed == n and dead == 0 and missing == 0)),
        Target(*DUPLICATES, f"{duplicates}{at}", verdict(duplicates == 0)),
        Target(*THROUGHPUT, f"{throughput:.1%}{at}", verdict(throughput >= 0.9)),
        Target(*THROTTLED, f"{throttled:.1%}{at}", verdict(throttled <= 0.05)),
    ]
    return section
