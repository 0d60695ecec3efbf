"""`run-local --sources N`: the scale simulation's options (spotify_local.scale_sim runs it)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from spotify_etl.errors import CliError
from spotify_local.scale_sim import run_simulation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The simulation's options on the run-local command."""
    parser.add_argument("--sources", type=int, metavar="N",
                        help="simulate a scheduled run over N generated playlists (queue, "
                             "workers, rate limit) instead of the demo pipeline")
    parser.add_argument("--rate-limit", type=int, metavar="REQUESTS_PER_30S",
                        help="the local Spotify's rolling 30-second limit (default 100)")
    parser.add_argument("--max-concurrency", type=int, metavar="C",
                        help="simulated workers, the event source's maximum concurrency "
                             "(default 5)")
    parser.add_argument("--requests-per-30s", type=int, metavar="BUDGET",
                        help="the workers' shared budget, EXTRACT_REQUESTS_PER_30S (default: the "
                             "rate limit)")
    parser.add_argument("--long-retry-after", type=float, metavar="SECONDS",
                        help="a minute in, answer one request per worker with 429 and this "
                             "Retry-After (shows deferral)")
    parser.add_argument("--summary-json", type=Path, metavar="FILE",
                        help="write the simulation summary as JSON to FILE")


SIMULATION_OPTIONS = {"rate_limit": "--rate-limit", "max_concurrency": "--max-concurrency",
                      "requests_per_30s": "--requests-per-30s",
                      "long_retry_after": "--long-retry-after", "summary_json": "--summary-json"}
"""Options (argparse dest -> flag) that mean something only with --sources; None when not given."""
_DEFAULTS = {"rate_limit": 100, "max_concurrency": 5}


def given_simulation_options(args: argparse.Namespace) -> list[str]:
    """The simulation-only flags given on the command line."""
    return [flag for dest, flag in SIMULATION_OPTIONS.items()
            if getattr(args, dest, None) is not None]


def run_from_args(args: argparse.Namespace) -> int:
    """Run the simulation for `run-local --sources N`; prints the summary, 0 if all landed."""
    for dest, default in _DEFAULTS.items():
        if getattr(args, dest) is None:
            setattr(args, dest, default)
    if args.sources < 1:
        raise CliError(f"--sources must be at least 1, got {args.sources}")
    if args.rate_limit < 1:
        raise CliError(f"--rate-limit must be at least 1, got {args.rate_limit}")
    if not 2 <= args.max_concurrency <= 1000:
        raise CliError(f"--max-concurrency must be 2..1000, got {args.max_concurrency}")
    if args.requests_per_30s is not None and args.requests_per_30s < 1:
        raise CliError(f"--requests-per-30s must be at least 1, got {args.requests_per_30s}")
    if args.summary_json and not args.summary_json.parent.is_dir():
        raise CliError(f"--summary-json {args.summary_json}: no such directory")
    if not getattr(args, "verbose", False):
        # Deferrals and retries are the design at work, not news; dead letters still show.
        logging.getLogger("spotify_runtime").setLevel(logging.ERROR)
    summary = run_simulation(args.sources, args.rate_limit,
                             max_concurrency=args.max_concurrency,
                             requests_per_30s=args.requests_per_30s,
                             long_retry_after_seconds=args.long_retry_after)
    text = json.dumps(summary, indent=2)
    if args.summary_json:
        try:
            args.summary_json.write_text(text + "\n", encoding="utf-8")
        except OSError as error:
            raise CliError(f"--summary-json {args.summary_json}: {error.strerror}") from None
    print(text)
    return 0 if summary["sources_landed"] == summary["sources_total"] else 1
