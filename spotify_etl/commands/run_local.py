"""`python -m spotify_etl run-local`: the whole pipeline on this machine, end to end.

Starts a local AWS endpoint (moto) and the local Spotify Web API with bundled sample data (or,
with --live, uses the real Spotify API with SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and
SPOTIFY_REFRESH_TOKEN from the environment), runs the deployed path (planner -> extract queue ->
extract worker -> bucket -> rule -> transform) with the handlers the stacks deploy, runs
every named query on DuckDB, and keeps the lake in --lake so that `query` works on it and the
next run adds a snapshot.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from spotify_runtime.sources import InvalidSourceError, parse_source

from infra.config import ConfigError, load_environment
from spotify_etl.commands import scale_options
from spotify_etl.errors import CliError
from spotify_etl.report.build import chart_library, write_lake_report
from spotify_local.faults import FaultInjector
from spotify_local.local_run import RunOptions, RunSummary, run_pipeline
from spotify_local.progress import StageFailedError
from spotify_local.spotify.endpoint import MissingCredentialsError, live_spotify

DEFAULT_LAKE = Path(".lake")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `run-local` subcommand."""
    parser = sub.add_parser(
        "run-local",
        help="run the whole pipeline locally (local AWS, sample or live Spotify, DuckDB)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument(
        "--lake", type=Path, help="lake folder to add to (default: .lake)"
    )
    parser.add_argument(
        "--live", action="store_true", help="use the real Spotify Web API (credentials from env)"
    )
    parser.add_argument(
        "--source", action="append", default=[], metavar="TYPE:ID",
        help="a source to extract (repeatable); default: the sample data's sources, or with "
        "--live the sources of --env in cdk.json",
    )
    parser.add_argument(
        "--env",
        help="the cdk.json environment whose queue and worker settings the run uses, and with "
        "--live and no --source whose sources (default: dev)"
    )
    parser.add_argument(
        "--faults", type=int, metavar="SEED",
        help="inject faults from SEED into the handlers' AWS calls: S3 500/503 answers, "
        "containers dying between steps, duplicate deliveries (docs/storage.md)",
    )
    scale_options.add_arguments(parser)
    parser.set_defaults(func=run)


def _configured_sources(env: str) -> tuple[str, ...]:
    """The sources an environment in cdk.json extracts."""
    try:
        settings = load_environment(env)
    except ConfigError as error:
        raise CliError(f"--env {env}: {error}") from None
    return tuple(str(source) for source in settings.sources)


def _sources(args: argparse.Namespace) -> tuple[str, ...]:
    try:
        explicit = tuple(str(parse_source(text)) for text in args.source)
    except InvalidSourceError as error:
        raise CliError(f"--source {error}") from None
    if explicit or not args.live:
        return explicit
    return _configured_sources(args.env)


def print_summary(console: Console, summary: RunSummary, elapsed: float) -> None:
    """The closing summary: objects written, rows per table, snapshots, where the lake is."""
    table = Table(title="Summary", title_justify="left", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    written = ", ".join(f"{folder} {n}" for folder, n in sorted(summary.written.items()))
    table.add_row("objects written", f"{summary.objects_written} ({written or 'none'})")
    table.add_row("events delivered", str(summary.events_delivered))
    if options_faults := summary.faults_injected:
        table.add_row("faults injected", ", ".join(
            f"{what} {count}" for what, count in sorted(options_faults.items())))
    table.add_row(
        "rows added",
        ", ".join(f"{name} {summary.rows_added[name]}" for name in summary.rows),
    )
    table.add_row(
        "rows in the lake", ", ".join(f"{name} {count}" for name, count in summary.rows.items())
    )
    table.add_row("snapshots", ", ".join(summary.snapshots) or "none")
    table.add_row("run log", describe_health(summary.health()))
    table.add_row("metrics (EMF)", ", ".join(
        f"{name} {value:.0f}" for name, value in sorted(summary.metrics.items())) or "none")
    table.add_row("lake", f"{summary.lake_dir.resolve()}")
    table.add_row("total time", f"{elapsed:.1f} s")
    console.print(table)
    command = f"{_python()} -m spotify_etl query"
    if summary.lake_dir != DEFAULT_LAKE:
        command += f" --lake {summary.lake_dir}"
    console.print(
        f"Query it: {command} --named top_songs_of_day\n"
        f"          {command} --named pipeline_health\n"
        f'          {command} "SELECT count(*) FROM songs"'
    )


def describe_health(row: dict | None) -> str:
    """The run's day in `pipeline_health`, on one line."""
    if row is None:
        return "no rows for this run in pipeline_runs"
    runs = f", {row['runs']} runs that day" if row["runs"] != 1 else ""
    return (
        f"{row['run_date']} (pipeline_health{runs}): {row['sources_landed']} of {row['sources']} "
        f"source(s) landed, {row['sources_failed']} failed, {row['sources_deferred']} deferred; "
        f"{row['files_transformed']} file(s) transformed, {row['files_quarantined']} "
        f"quarantined; {row['requests']} Spotify requests, {row['rate_limited_429s']} 429s"
    )


def _python() -> str:
    """How the user runs this interpreter from here: `.venv/bin/python` after `make demo`."""
    executable = Path(sys.executable)
    try:
        return executable.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return "python"


def _check_lake_folder(lake: Path) -> None:
    """Fail with one line unless `lake` is (or can become) a folder this process can write."""
    if lake.exists() and not lake.is_dir():
        raise CliError(f"--lake {lake}: exists and is not a folder")
    existing = next((p for p in (lake, *lake.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise CliError(f"--lake {lake}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CliError(f"--lake {lake}: {existing} is not writable")


def run(args: argparse.Namespace) -> int:
    """Run the pipeline; exit non-zero with one line if any stage failed."""
    if getattr(args, "sources", None) is not None:
        demo_only = [flag for flag, given in (("--live", args.live), ("--source", args.source),
                                              ("--lake", args.lake), ("--env", args.env),
                                              ("--faults", args.faults is not None))
                     if given]
        if demo_only:
            raise CliError(f"{demo_only[0]} does not apply to the simulation (--sources N "
                           "generates its own playlists and keeps no lake)", exit_code=2)
        return int(scale_options.run_from_args(args) or 0)
    if sim_only := scale_options.given_simulation_options(args):
        raise CliError(f"{sim_only[0]} applies only to the simulation: add --sources N",
                       exit_code=2)
    args.lake = DEFAULT_LAKE if args.lake is None else args.lake
    args.env = "dev" if args.env is None else args.env
    _check_lake_folder(args.lake)
    try:
        settings = load_environment(args.env)
    except ConfigError as error:
        raise CliError(f"--env {args.env}: {error}") from None
    options = RunOptions(
        lake_dir=args.lake,
        chart_library=chart_library(),
        settings=settings,
        live=args.live,
        sources=_sources(args),
        # Without -v the handlers' own warnings would repeat what the stage lines say.
        log_level="DEBUG" if args.verbose else "CRITICAL",
        faults=FaultInjector(args.faults) if args.faults is not None else None,
    )
    if options.live:
        try:
            live_spotify(options.sources)  # fail before starting anything
        except MissingCredentialsError as error:
            raise CliError(str(error)) from None
    try:
        args.lake.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"--lake {args.lake}: {error.strerror or error}") from None
    console = Console(file=sys.stdout)  # fixed: the handlers' stdout is collected apart
    started = time.perf_counter()
    try:
        summary = run_pipeline(options, console)
    except StageFailedError as error:
        raise CliError(str(error)) from None
    print_summary(console, summary, time.perf_counter() - started)
    if summary.failures:
        raise CliError("; ".join(summary.failures))
    # The listening report of the demo lake (spotify_etl/report), in the schedule's time zone,
    # where `report` writes it by default (not in the lake: the next run would upload it).
    report = write_lake_report(args.lake, Path("report.html"),
                               ZoneInfo(settings.schedule_time_zone), datetime.now(UTC).date(),
                               settings.play_rule)
    console.print(f"Listening report: {report.path.resolve()} (open it in a browser)")
    return 0
