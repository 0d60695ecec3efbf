"""`python -m spotify_etl extract` (not implemented yet)."""

from __future__ import annotations

import argparse

from spotify_etl.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `extract` subcommand."""
    parser = sub.add_parser("extract", help="not implemented yet")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    raise CliError("extract is not implemented yet")
