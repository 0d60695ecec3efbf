"""`python -m spotify_etl report`: a listening report as one HTML file that opens with no network.

From the local lake (`--lake DIR`, default .lake) or from a deployed environment (`--env NAME`:
the same named queries, lambdas/spotify_runtime/report/queries/, run by Athena in that
environment's workgroup and Glue database). The period is `--year Y`, `--month YYYY-MM`,
`--from D --to D`, or by default the last 12 months. Its days, and every day, week, month,
weekday and hour of day of the page, are those of `--time-zone` (default: schedule_time_zone in
cdk.json, for `--env` that environment's, else dev's; UTC without a cdk.json). A play is a row
played for at least `--min-seconds` (default: `play_min_seconds` in cdk.json, 30; 0 counts every
row); the page's header says both. Sections without data say why instead of showing an empty
chart.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import AthenaQueries, QueryRunner, ReportQueryError

from infra.config import ConfigError, EnvironmentSettings, load_environment
from spotify_etl.errors import CliError
from spotify_etl.report.build import build_every_year, build_report
from spotify_local.lake_queries import LakeQueries

DEFAULT_OUT = Path("report.html")
DEFAULT_LAKE = Path(".lake")
DEFAULT_ENV = "dev"
"""Whose schedule time zone the local lake's report uses (the local run's environment)."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `report` subcommand."""
    parser = sub.add_parser("report", help="write a listening report (one HTML file)",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="the HTML file to write (default: report.html)")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--year", type=int, help="a calendar year, e.g. 2026: your year in review, "
                      "set against the year before")
    when.add_argument("--month", type=_month, metavar="YYYY-MM",
                      help="a calendar month: its recap, set against the month before")
    when.add_argument("--all", dest="every_year", action="store_true",
                      help="every year of your history side by side, one row per year")
    when.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD",
                      help="first day (in the time zone, with --to)")
    parser.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD",
                        help="last day, included (default with --from: today)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--lake", type=Path, help="the local lake folder (default: .lake)")
    where.add_argument("--env", help="a deployed cdk.json environment: query it with Athena")
    parser.add_argument("--card", type=Path, metavar="FILE.png",
                        help="also write the period's share card (1080 x 1920 PNG); the page "
                             "shows it with a download link")
    parser.add_argument("--time-zone", metavar="ZONE",
                        help="IANA zone (e.g. Europe/Paris) of the period's days and of the "
                        "page's days, weeks, months and hours (default: schedule_time_zone in "
                        "cdk.json; UTC without one)")
    parser.add_argument("--min-seconds", type=int, metavar="N",
                        help="count a row as a play when played N seconds or more (0: every "
                        "row; default: play_min_seconds in cdk.json, 30)")
    parser.set_defaults(func=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def _month(text: str) -> tuple[int, int]:
    try:
        moment = datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from None
    return moment.year, moment.month


def period_from_args(args: argparse.Namespace, today: date, zone: ZoneInfo) -> Period:
    """The period the options name, in `zone` (`today` is a day of `zone`); CliError if they
    contradict each other."""
    if args.end is not None and args.start is None:
        raise CliError("--to needs --from", exit_code=2)
    try:
        if args.year is not None:
            return Period.year(args.year, zone)
        if getattr(args, "month", None) is not None:
            return Period.month(*args.month, zone)
        if args.start is not None:
            return Period(args.start, args.end or today, zone)
    except ValueError as error:
        raise CliError(str(error), exit_code=2) from None
    return Period.last_12_months(today, zone)


def _settings(env: str | None) -> EnvironmentSettings | None:
    try:
        return load_environment(env or DEFAULT_ENV)
    except ConfigError as error:
        if env:
            raise CliError(f"--env {env}: {error}") from None
        return None  # no cdk.json here: the local report still works, in UTC


def _zone(name: str | None, settings: EnvironmentSettings | None) -> ZoneInfo:
    name = name or (settings.schedule_time_zone if settings else "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CliError(f"--time-zone: unknown time zone {name!r} (an IANA name such as "
                       "'Europe/Paris')", exit_code=2) from None


def _rule(min_seconds: int | None, settings: EnvironmentSettings | None) -> PlayRule:
    if min_seconds is None:
        # Without a cdk.json (a copied lake elsewhere) the documented default still holds.
        return settings.play_rule if settings else EnvironmentSettings(DEFAULT_ENV).play_rule
    try:
        return PlayRule(min_seconds)
    except ValueError as error:
        raise CliError(f"--min-seconds: {error}", exit_code=2) from None


def athena_runner(settings: EnvironmentSettings) -> AthenaQueries:
    """The environment's Athena workgroup and Glue database (named as the CDK app names them)."""
    # Imported here, not at the top: infra.naming loads aws_cdk (about a second), which a
    # report of the local lake does not need. No cycle: neither module imports this one.
    import boto3

    from infra.naming import glue_database_name, resource_prefix

    return AthenaQueries(boto3.client("athena", region_name=settings.region),
                         workgroup=resource_prefix(settings),
                         database=glue_database_name(settings))


def _compares(args: argparse.Namespace) -> bool:
    return args.year is not None or getattr(args, "month", None) is not None


def _title(args: argparse.Namespace) -> str | None:
    if args.year is not None:
        return f"Your {args.year}"
    if getattr(args, "month", None) is not None:
        return f"Your {date(*args.month, 1).strftime('%B %Y')}"
    return None


def run(args: argparse.Namespace) -> int:
    """Run the report queries and write the page."""
    settings = _settings(args.env)
    zone = _zone(args.time_zone, settings)
    today = datetime.now(zone).date()
    period = period_from_args(args, today, zone)
    rule = _rule(args.min_seconds, settings)
    runner: QueryRunner
    if args.env:
        assert settings is not None
        runner, source = athena_runner(settings), f"Athena ({settings.name})"
    else:
        from spotify_etl.commands.query import check_lake

        lake = args.lake or DEFAULT_LAKE
        check_lake(lake)
        runner, source = LakeQueries(lake), f"the local lake {lake}"
    if getattr(args, "every_year", False) and args.card:
        raise CliError("--card needs one period (--year, --month or --from), not --all",
                       exit_code=2)
    try:
        if getattr(args, "every_year", False):
            built = build_every_year(runner, zone, args.out, source=source, rule=rule,
                                     today=today)
            period = Period(built.first_day or today, today, zone)
        else:
            built = build_report(runner, period, args.out, source=source, rule=rule,
                                 title=_title(args), compare=_compares(args), card=args.card)
    except ReportQueryError as error:
        raise CliError(f"report query failed: {error}") from None
    hidden = f"; hidden for lack of data: {', '.join(built.hidden)}" if built.hidden else ""
    print(f"report: {built.plays} plays ({rule.min_seconds} s or more), {period} "
          f"({zone.key}) -> "
          f"{built.path.resolve()}{hidden}")
    return 0
