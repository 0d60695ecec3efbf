"""`python -m spotify_etl query` (not implemented yet)."""

from __future__ import annotations

import argparse

from spotify_etl.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `query` subcommand."""
    parser = sub.add_parser("query", help="not implemented yet")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    raise CliError("query is not implemented yet")
