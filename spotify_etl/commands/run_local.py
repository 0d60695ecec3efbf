"""`python -m spotify_etl run-local` (to come); with `--sources N`, the scale simulation."""

from __future__ import annotations

import argparse

from spotify_etl.cli import CliError
from spotify_etl.local import scale_sim


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run-local` subcommand."""
    parser = sub.add_parser("run-local", help="not implemented yet")
    scale_sim.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    if args.sources is not None:
        return scale_sim.run_from_args(args)
    raise CliError("run-local is not implemented yet")
