"""`python -m spotify_etl auth` (not implemented yet)."""

from __future__ import annotations

import argparse

from spotify_etl.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `auth` subcommand."""
    parser = sub.add_parser("auth", help="not implemented yet")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Not implemented yet."""
    raise CliError("auth is not implemented yet")
