"""`python -m spotify_etl query`: SQL on the local lake, with the same table names as in Athena.

`query "SELECT ..."` runs any statement; `query --named NAME` runs one of the named queries
(`infra/queries/<name>.sql`, the very text Athena runs; one that counts plays uses `--min-seconds`,
default `play_min_seconds` in cdk.json; one that counts days, in `schedule_time_zone` of cdk.json,
UTC without one). The lake is the folder `run-local`
writes (default ./.lake). `--format`: a table on a terminal, CSV when piped or redirected (or
JSON); no value is ever cut.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from spotify_runtime.layout import PROCESSED, TABLES
from spotify_runtime.play_rule import MIN_MS_PLAYED_PARAMETER, PlayRule

from infra.config import ConfigError, EnvironmentSettings, load_environment
from infra.named_queries import UnknownQueryError, get_named_query, load_named_queries
from spotify_etl.errors import CliError
from spotify_local.duckdb_athena import LakeQueryError, open_lake, run_sql
from spotify_local.render import FORMATS, print_result, write_csv, write_json

DEFAULT_LAKE = Path(".lake")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `query` subcommand."""
    names = ", ".join(query.name for query in load_named_queries())
    parser = sub.add_parser(
        "query",
        help="run SQL or a named query on the local lake (tables as in Athena)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("sql", nargs="?", help="a SQL statement, e.g. \"SELECT * FROM songs\"")
    what.add_argument("--named", metavar="NAME", help=f"a named query: {names}")
    parser.add_argument(
        "--lake", type=Path, default=DEFAULT_LAKE, help="the local lake folder (default: .lake)"
    )
    parser.add_argument(
        "--format", choices=FORMATS,
        help="output format (default: table on a terminal, csv when piped or redirected)",
    )
    parser.add_argument("--min-seconds", type=int, metavar="N",
                        help="the counting rule of a named query that counts plays (default: "
                        "play_min_seconds in cdk.json, 30)")
    parser.set_defaults(func=run)


def check_lake(lake_dir: Path) -> None:
    """Fail with one line if `lake_dir` holds no lake yet."""
    if not any((lake_dir / folder).is_dir() for folder in (TABLES, PROCESSED)):
        raise CliError(f"no lake at {lake_dir}: run `make demo` (or run-local --lake DIR) first")


def _rule(min_seconds: int | None) -> PlayRule:
    try:
        if min_seconds is None:
            return load_environment("dev").play_rule
        return PlayRule(min_seconds)
    except ConfigError:
        return EnvironmentSettings("dev").play_rule  # no cdk.json here: the documented default
    except ValueError as error:
        raise CliError(f"--min-seconds: {error}", exit_code=2) from None


def _zone() -> str:
    """The dev environment's schedule_time_zone, as the deployed named queries have it."""
    try:
        return load_environment("dev").schedule_time_zone
    except ConfigError:
        return EnvironmentSettings("dev").schedule_time_zone  # no cdk.json here


def run(args: argparse.Namespace) -> int:
    """Run the statement and print its result as a table."""
    check_lake(args.lake)
    heading, sql, values = None, args.sql, []
    if args.named:
        try:
            named = get_named_query(args.named, zone=_zone())
        except UnknownQueryError as error:
            raise CliError(str(error)) from None
        heading, sql = f"[bold]{escape(named.name)}[/]: {escape(named.description)}", named.sql
        values = named.values({MIN_MS_PLAYED_PARAMETER: _rule(args.min_seconds).min_ms_played})
    try:
        result = run_sql(open_lake(args.lake), sql, values)
    except LakeQueryError as error:
        raise CliError(f"query failed: {error}") from None
    output = args.format or ("table" if sys.stdout.isatty() else "csv")
    if output == "csv":
        write_csv(sys.stdout, result)
    elif output == "json":
        write_json(sys.stdout, result)
    else:
        # Not on a terminal (a forced table into a file), as wide as the table needs: rich would
        # otherwise squeeze it into 80 columns.
        console = Console() if sys.stdout.isatty() else Console(width=100_000)
        print_result(console, result, heading)
    return 0
