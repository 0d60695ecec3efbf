"""`python -m spotify_etl run-local` (not implemented yet)."""

from __future__ import annotations

import argparse

from spotify_etl.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run-local` subcommand."""
    parser = sub.add_parser("run-local", help="not implemented yet")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    raise CliError("run-local is not implemented yet")
