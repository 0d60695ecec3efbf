"""Monthly report handler: on the 1st, the previous month's report to the bucket and the owner.

EventBridge Scheduler invokes it with its scheduled time (`run_at`); the month reported is the
one before that time's month in the report's time zone (`{"month": "YYYY-MM"}` names another,
for a re-run). It runs the report's named queries in the environment's Athena workgroup, renders
the page (set against the month before) and the share card, writes `reports/<YYYY-MM>.html` and
`.png`, and, when REPORT_EMAIL is set, mails them through SES. Writing the same month again
replaces its objects, so a retried invocation is harmless (it may mail twice).
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spotify_runtime import container
from spotify_runtime.contract import (
    ENV_DATA_BUCKET,
    ENV_PLAY_MIN_SECONDS,
    ENV_REPORT_DATABASE,
    ENV_REPORT_EMAIL,
    ENV_REPORT_TIME_ZONE,
    ENV_REPORT_WORKGROUP,
    REPORT_MONTH_FIELD,
    RUN_AT_FIELD,
)
from spotify_runtime.layout import report_key
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.build import ReportRequest, render_report
from spotify_runtime.report.mail import report_message, send_report
from spotify_runtime.report.page import ASSET_PLOTLY_BUNDLE
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import AthenaQueries

LOG = logging.getLogger(__name__)
GENERATOR = "the monthly report function"
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class ReportEventError(ValueError):
    """An invocation payload that names no month; the message says what was expected."""


@dataclass(frozen=True)
class MonthlySettings:
    """What the deployment tells the function (its environment variables)."""

    bucket: str
    workgroup: str
    database: str
    zone: ZoneInfo
    rule: PlayRule
    email: str | None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> MonthlySettings:
        """Read them; RuntimeError names the variable that is missing or wrong."""
        env = dict(os.environ if environ is None else environ)
        zone_name = required_env(ENV_REPORT_TIME_ZONE, env)
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise RuntimeError(f"{ENV_REPORT_TIME_ZONE}: unknown time zone {zone_name!r}"
                               ) from None
        seconds = required_env(ENV_PLAY_MIN_SECONDS, env)
        try:
            rule = PlayRule(int(seconds))
        except ValueError as error:
            raise RuntimeError(f"{ENV_PLAY_MIN_SECONDS}: {seconds!r}: {error}") from None
        return cls(required_env(ENV_DATA_BUCKET, env), required_env(ENV_REPORT_WORKGROUP, env),
                   required_env(ENV_REPORT_DATABASE, env), zone, rule,
                   env.get(ENV_REPORT_EMAIL, "").strip() or None)


def month_to_report(event: Any, zone: ZoneInfo) -> tuple[int, int]:
    """The (year, month) an invocation asks for: its `month` (YYYY-MM), else the month before
    its `run_at` (ISO 8601, as EventBridge Scheduler sends it) in `zone`."""
    if not isinstance(event, dict):
        raise ReportEventError("expected a JSON object with 'run_at' or 'month'")
    month = event.get(REPORT_MONTH_FIELD)
    if month is not None:
        match = _MONTH.fullmatch(str(month))
        if not match:
            raise ReportEventError(f"{REPORT_MONTH_FIELD}: {month!r} is not a month (YYYY-MM)")
        return int(match.group(1)), int(match.group(2))
    run_at = event.get(RUN_AT_FIELD)
    try:
        moment = datetime.fromisoformat(str(run_at).replace("Z", "+00:00"))
    except ValueError:
        raise ReportEventError(f"{RUN_AT_FIELD}: {run_at!r} is not an ISO 8601 time "
                               f"(or pass {REPORT_MONTH_FIELD}: YYYY-MM)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    last_of_previous = moment.astimezone(zone).date().replace(day=1) - timedelta(days=1)
    return last_of_previous.year, last_of_previous.month


@dataclass(frozen=True)
class MonthlyOutcome:
    """What an invocation did."""

    month: str
    plays: int
    keys: tuple[str, str]
    mailed_to: str | None
    message_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The handler's answer."""
        return {"month": self.month, "plays": self.plays, "page": self.keys[0],
                "card": self.keys[1], "mailed_to": self.mailed_to, "message_id": self.message_id}


def run_monthly_report(settings: MonthlySettings, year: int, month: int, *, athena: Any,
                       s3: Any, ses: Any, chart_library: Path = ASSET_PLOTLY_BUNDLE,
                       now: datetime | None = None) -> MonthlyOutcome:
    """Report on `year`-`month` in the settings' time zone (its days, from local midnight to
    local midnight): queries on Athena, page and card to the bucket, mail when an address is
    set."""
    name = f"{year:04d}-{month:02d}"
    title = f"Your {date(year, month, 1).strftime('%B %Y')}"
    runner = AthenaQueries(athena, workgroup=settings.workgroup, database=settings.database)
    request = ReportRequest(Period.month(year, month, settings.zone), settings.rule,
                            f"Athena ({settings.workgroup})", chart_library, title,
                            compare=True, card=True, generator=GENERATOR)
    report = render_report(runner, request, now)
    keys = (report_key(name, "html"), report_key(name, "png"))
    s3.put_object(Bucket=settings.bucket, Key=keys[0], Body=report.html.encode("utf-8"),
                  ContentType="text/html; charset=utf-8")
    s3.put_object(Bucket=settings.bucket, Key=keys[1], Body=report.card_png or b"",
                  ContentType="image/png")
    if settings.email is None:
        LOG.info("report %s: %d plays, written to s3://%s/%s; no report_email or alert_email "
                 "is set, so nothing is mailed", name, report.plays, settings.bucket, keys[0])
        return MonthlyOutcome(name, report.plays, keys, None)
    message = report_message(report, month=name, title=title, address=settings.email,
                             bucket=settings.bucket, keys=keys)
    message_id = send_report(ses, message)
    LOG.info("report %s: %d plays, written to s3://%s/%s and mailed to %s (SES %s)", name,
             report.plays, settings.bucket, keys[0], settings.email, message_id)
    return MonthlyOutcome(name, report.plays, keys, settings.email, message_id)


def handler(event: Any, context: Any = None, *, athena: Any = None, s3: Any = None,
            ses: Any = None, chart_library: Path = ASSET_PLOTLY_BUNDLE) -> dict[str, Any]:
    """Write (and mail) the report of the month the invocation asks for. An error propagates:
    the invocation fails, the schedule retries it, and the error alarm fires."""
    configure_logging()
    settings = MonthlySettings.from_env()
    year, month = month_to_report(event, settings.zone)
    outcome = run_monthly_report(
        settings, year, month, athena=athena or container.aws_client("athena"),
        s3=s3 or container.aws_client("s3"),
        ses=ses or (container.aws_client("ses") if settings.email else None),
        chart_library=chart_library)
    return outcome.as_dict()
