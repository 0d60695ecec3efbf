"""Per-environment settings, parsed and validated once from the `spotify-etl` context in cdk.json.

Every mistake raises ConfigError with a message that names the offending key, so `cdk synth`
fails with one clear line instead of a jsii stack trace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spotify_runtime.contract import (
    DEFAULT_EXTRACT_BATCH_SIZE,
    DEFAULT_EXTRACT_MAX_ATTEMPTS,
    DEFAULT_EXTRACT_MAX_CONCURRENCY,
    DEFAULT_EXTRACT_MAX_RECEIVE_COUNT,
    DEFAULT_EXTRACT_REQUESTS_PER_30S,
    DEFAULT_LISTENING_SCHEDULE_CRON,
    DEFAULT_REFRESH_TOKEN_ALARM_DAYS,
    DEFAULT_REPORT_SCHEDULE_CRON,
    DEFAULT_TRANSFORM_BATCH_MAX_MIB,
    HISTORY_IMPORT_MAX_CONCURRENCY,
    LISTENING_MAX_INTERVAL_HOURS,
    PLANNER_CONCURRENCY,
)
from spotify_runtime.play_rule import MAX_MIN_SECONDS, PlayRule
from spotify_runtime.sources import InvalidSourceError, Source, parse_source

from infra.cron import CronError, check_cron

CONTEXT_KEY = "spotify-etl"
DEFAULT_LAKE_START_DATE = "2026-01-01"
"""The year this setting shipped: a lake deployed since holds no earlier day unless imported."""
FIRST_SPOTIFY_DAY = date(2008, 10, 7)
"""Spotify's public launch: no play or snapshot is older."""
MAX_SQS_BATCH_SIZE = 10_000
"""Lambda's most messages per batch from a standard SQS queue."""
MAX_UNWINDOWED_BATCH_SIZE = 10
"""Above this batch size Lambda requires a batching window of at least one second."""
MAX_BATCHING_WINDOW_SECONDS = 300
MIN_BATCH_MAX_MIB = 8
BATCH_MEMORY_SHARE = 4
"""transform_batch_max_mib may be at most this fraction (1/4) of transform_memory_mb: the rows
held, their Parquet encoding and PyIceberg's copies all fit in the function's memory."""
REMOVED_SETTINGS = {
    "crawler_cron": "the Glue crawler is gone (partition projection makes Athena ignore the "
                    "partitions it registered; docs/freshness.md): delete this key",
}


class ConfigError(ValueError):
    """A configuration mistake; the message starts with the key that is wrong."""


@dataclass(frozen=True)
class EnvironmentSettings:
    """Everything that differs between environments. Defaults are the documented ones."""

    name: str
    account: str | None = None
    region: str = "us-east-1"
    schedule_cron: str = "10 18 * * ? *"
    """AWS cron (minutes hours day-of-month month day-of-week year) for the daily extraction."""
    schedule_time_zone: str = "UTC"
    listening_schedule_cron: str | None = DEFAULT_LISTENING_SCHEDULE_CRON
    """AWS cron (UTC) for the listening sources (recently-played): at least every
    LISTENING_MAX_INTERVAL_HOURS hours, shorter than the time it takes to play the 50 tracks
    Spotify remembers. null: they run with the daily schedule (and lose plays)."""
    lake_start_date: str = DEFAULT_LAKE_START_DATE
    """First day (YYYY-MM-DD, UTC) of the tables' day partitions: Athena projects every day from
    it to today, so it should be the first day of data, backfilled tutorial pages included. A
    day before it is invisible to Athena. (An imported listening history lands in `streams`,
    projected by month from 2006, whatever this says.)"""
    sources: tuple[Source, ...] = ()
    alert_email: str | None = None
    report_schedule_cron: str = DEFAULT_REPORT_SCHEDULE_CRON
    """AWS cron, in `schedule_time_zone`, for the monthly report: on the 1st of each month
    (day-of-month 1), which reports on the month before (docs/report.md)."""
    report_email: str | None = None
    """Where the monthly report is mailed (through SES, from and to this address, which must be
    verified in SES); unset, `alert_email`; neither: the report is only written to the
    bucket."""
    secret_name: str | None = None
    """Import an existing Secrets Manager secret by name instead of creating one."""
    archive_transition_days: int = 30
    """Days after which archived raw files (raw/processed/) move to Glacier Instant Retrieval."""
    noncurrent_version_expiration_days: int = 30
    log_retention_days: int = 90
    destroy_on_removal: bool = False
    """True: `cdk destroy` deletes buckets and data (dev). False: they are retained (prod)."""
    athena_bytes_scanned_cutoff_mb: int = 1024
    pandas_layer_version: str = "3.16.1"
    """AWS SDK for pandas layer version, resolved per region through its public SSM parameter."""
    transform_memory_mb: int = 1769
    """Transform function memory: the size at which Lambda gives one full vCPU (parsing is
    single-threaded, more memory buys no speed), several times the measured peak of a
    100,000-item playlist file (docs/benchmarks.md, `make bench`)."""
    extract_max_concurrency: int = DEFAULT_EXTRACT_MAX_CONCURRENCY
    """Maximum concurrent extract workers (SQS event source maximum concurrency, 2..1000)."""
    extract_batch_size: int = DEFAULT_EXTRACT_BATCH_SIZE
    extract_max_attempts: int = DEFAULT_EXTRACT_MAX_ATTEMPTS
    """Failed attempts (errors other than a deferring 429) before a source is dead-lettered."""
    extract_max_receive_count: int = DEFAULT_EXTRACT_MAX_RECEIVE_COUNT
    """SQS redrive safety net: deliveries of one message (deferrals and crashes) before the DLQ."""
    refresh_token_alarm_days: int = DEFAULT_REFRESH_TOKEN_ALARM_DAYS
    """Days before the Spotify refresh token expires (six months after `auth`) at which its
    alarm fires; it also fires once Spotify refuses the token."""
    extract_requests_per_30s: int = DEFAULT_EXTRACT_REQUESTS_PER_30S
    """Request budget shared by all extract workers, below Spotify's rolling 30-second limit."""
    # --- Delivery and cleanup ---
    athena_results_expiration_days: int = 30
    """Days after which Athena query results under athena-results/ are deleted."""
    transform_max_concurrency: int = 5
    """Most transforms running at once (the transform queue's event source maximum
    concurrency, 2..1000): a backfill of thousands of raw files waits in the queue instead of
    starting thousands of functions, and nothing is reserved from the account's quota."""
    transform_max_receive_count: int = 3
    """Deliveries of one raw file's event to the transform before it goes to the failure queue."""
    transform_batch_size: int = 100
    """Raw files (SQS messages) per transform invocation, at most (its event source's batch size,
    1..10,000): the batch's rows go into each Iceberg table in one commit, and a commit per file
    costs 53.6 times today's write where batches of 50 cost 0.1 times (docs/storage.md)."""
    transform_batching_window_seconds: int = 20
    """Seconds the event source gathers messages before invoking the transform (0..300; at least
    1 for a batch size over 10, as Lambda requires). Added to the transform queue's visibility
    timeout (6 x the function timeout + this window, AWS's advice for SQS event sources)."""
    transform_batch_max_mib: int = DEFAULT_TRANSFORM_BATCH_MAX_MIB
    """MiB of built rows the transform holds before it commits what it has and starts over
    within one batch (TRANSFORM_BATCH_MAX_MIB; 8 to a quarter of transform_memory_mb)."""
    lambda_concurrency_limit: int = 10
    """Concurrent executions the account's Lambda quota allows: 10 is what a new account may
    start with (AWS's Lambda quotas page); `doctor --env NAME` reads the real figure. Synth
    refuses settings whose functions could run more at once (`lambda_concurrency_needed`)."""
    play_min_seconds: int = 30
    """The counting rule (spotify_runtime/play_rule.py): a row is a play when played at least
    this many seconds (Spotify's rule is 30; 0 counts every row). `report --min-seconds` overrides
    it for one report."""

    @property
    def play_rule(self) -> PlayRule:
        """The environment's counting rule."""
        return PlayRule(self.play_min_seconds)

    @property
    def report_address(self) -> str | None:
        """The address the monthly report is mailed to: report_email, else alert_email."""
        return self.report_email or self.alert_email

    @property
    def listening_sources(self) -> tuple[Source, ...]:
        """The configured sources the listening schedule runs (none without that schedule)."""
        if self.listening_schedule_cron is None:
            return ()
        return tuple(source for source in self.sources if source.is_listening)

    @property
    def lambda_concurrency_needed(self) -> dict[str, int]:
        """Executions each function group may run at once; their sum must fit the account."""
        return {
            "extract_max_concurrency": self.extract_max_concurrency,
            "transform_max_concurrency": self.transform_max_concurrency,
            "history import": HISTORY_IMPORT_MAX_CONCURRENCY,
            "planner": PLANNER_CONCURRENCY,
        }
        # Not the monthly report: one asynchronous invocation a month, which Lambda keeps in
        # its queue and retries when throttled, so it never needs a slot of its own here.

    @property
    def stage_name(self) -> str:
        """The cdk.Stage id: deploy with `cdk deploy "SpotifyEtl-<env>/*"`."""
        return f"SpotifyEtl-{self.name}"


_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")


def _check_cron(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected an AWS cron string like '10 18 * * ? *'")
    try:
        check_cron(value)
    except CronError as error:
        raise ConfigError(f"{key}: {value!r}: {error}") from None
    return value


def _cron_hours(key: str, value: str, text: str) -> list[int]:
    """The hours an AWS cron hours field fires at (`*`, `*/n`, `a-b`, `a-b/n`, `a,b`)."""
    hours: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if span == "*":
            low, high = 0, 23
        elif re.fullmatch(r"\d+-\d+", span):
            low, high = (int(n) for n in span.split("-"))
        elif span.isdigit():
            low, high = int(span), (23 if step_text else int(span))
        else:
            raise ConfigError(f"{key}: {value!r}: cannot tell how often hours {text!r} fire")
        hours.update(range(low, high + 1, max(step, 1)))
    return sorted(hours)


def _check_listening_cron(key: str, value: Any) -> str | None:
    """A listening schedule must fire every day, at least every LISTENING_MAX_INTERVAL_HOURS."""
    if value is None:
        return None
    cron = _check_cron(key, value)
    _minute, hour, dom, _month, dow, year = cron.split()
    if dom not in ("*", "?") or dow not in ("*", "?") or year != "*":
        raise ConfigError(f"{key}: {cron!r} must run every day (day-of-month or day-of-week "
                          "'*', year '*'): Spotify keeps only the last 50 plays")
    hours = _cron_hours(key, cron, hour)
    gaps = [(b - a) % 24 or 24 for a, b in zip(hours, hours[1:] + hours[:1], strict=True)]
    if max(gaps) > LISTENING_MAX_INTERVAL_HOURS:
        raise ConfigError(
            f"{key}: {cron!r} leaves {max(gaps)} hours between runs; Spotify keeps only the "
            f"last 50 plays (about 2.5 hours of listening): run at least every "
            f"{LISTENING_MAX_INTERVAL_HOURS} hours (e.g. '{DEFAULT_LISTENING_SCHEDULE_CRON}')"
        )
    return cron


def _check_report_cron(key: str, value: Any) -> str:
    """The monthly report reports on the month before its run: it must run on the 1st."""
    cron = _check_cron(key, value)
    _minute, _hour, dom, month, dow, year = cron.split()
    if dom != "1" or dow != "?" or month != "*" or year != "*":
        raise ConfigError(f"{key}: {cron!r} must run on the 1st of every month (day-of-month "
                          f"1, month '*', day-of-week '?', year '*', e.g. "
                          f"'{DEFAULT_REPORT_SCHEDULE_CRON}'): it reports on the month before")
    return cron


def _check_time_zone(key: str, value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{key}: {value!r} is not an IANA time zone (e.g. 'Europe/Berlin')"
        ) from None
    return str(value)


def _check_start_date(key: str, value: Any) -> str:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ConfigError(f"{key}: {value!r} is not a day like '2026-01-01' (YYYY-MM-DD)")
    if not FIRST_SPOTIFY_DAY <= day <= datetime.now(UTC).date():
        raise ConfigError(f"{key}: {value} is outside {FIRST_SPOTIFY_DAY} (Spotify's launch) to "
                          "today: Athena would see no day before it")
    return value


def _check_int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key}: expected a whole number from {low} to {high}, got {value!r}")
    return value


def _check_bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


def _check_optional_str(key: str, value: Any, pattern: re.Pattern[str], what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(f"{key}: {value!r} is not {what}")
    return value


def sources_json(sources: tuple[Source, ...]) -> str:
    """The planner's source list file: a JSON list of `TYPE:ID` strings."""
    return json.dumps([str(source) for source in sources], separators=(",", ":"))


def _check_sources(key: str, value: Any) -> tuple[Source, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{key}: expected a list of 'TYPE:ID' strings")
    parsed = []
    for index, item in enumerate(value):
        try:
            parsed.append(parse_source(str(item)))
        except InvalidSourceError as error:
            raise ConfigError(f"{key}[{index}]: {error}") from None
    return tuple(dict.fromkeys(parsed))


_INT_RANGES = {
    "archive_transition_days": (1, 3650),
    "noncurrent_version_expiration_days": (1, 3650),
    "log_retention_days": (1, 3653),
    "athena_bytes_scanned_cutoff_mb": (10, 10_000_000),
    "transform_memory_mb": (128, 10240),
    "extract_max_concurrency": (2, 1000),
    "extract_batch_size": (1, 10),
    "extract_max_attempts": (1, 20),
    "extract_max_receive_count": (2, 1000),
    "extract_requests_per_30s": (1, 100_000),
    "refresh_token_alarm_days": (1, 181),
    "athena_results_expiration_days": (1, 3650),
    "transform_max_concurrency": (2, 1000),
    "transform_max_receive_count": (1, 100),
    "transform_batch_size": (1, MAX_SQS_BATCH_SIZE),
    "transform_batching_window_seconds": (0, MAX_BATCHING_WINDOW_SECONDS),
    "transform_batch_max_mib": (MIN_BATCH_MAX_MIB, 10240 // BATCH_MEMORY_SHARE),
    "lambda_concurrency_limit": (1, 1_000_000),
    "play_min_seconds": (0, MAX_MIN_SECONDS),
}


def _check_value(key: str, name: str, value: Any) -> Any:
    if name == "lake_start_date":
        return _check_start_date(key, value)
    if name == "schedule_cron":
        return _check_cron(key, value)
    if name == "listening_schedule_cron":
        return _check_listening_cron(key, value)
    if name == "report_schedule_cron":
        return _check_report_cron(key, value)
    if name == "schedule_time_zone":
        return _check_time_zone(key, value)
    if name == "sources":
        return _check_sources(key, value)
    if name in _INT_RANGES:
        return _check_int(key, value, *_INT_RANGES[name])
    if name == "destroy_on_removal":
        return _check_bool(key, value)
    if name in ("alert_email", "report_email"):
        return _check_optional_str(key, value, _EMAIL, "an e-mail address")
    if name == "account":
        return _check_optional_str(key, value, _ACCOUNT, "a 12-digit AWS account ID")
    if name == "region":
        return _check_optional_str(key, value, _REGION, "an AWS region like 'eu-west-1'")
    if name == "secret_name":
        return _check_optional_str(key, value, _SECRET_NAME, "a Secrets Manager secret name "
                                   "(1-512 of letters, digits and /_+=.@-)")
    if name == "pandas_layer_version":
        if not isinstance(value, str) or not _VERSION.match(value):
            raise ConfigError(f"{key}: {value!r} is not a layer version like '3.16.1' "
                              "(MAJOR.MINOR.PATCH; 'latest' is not one)")
        return value
    raise AssertionError(name)  # pragma: no cover - every field is handled above


_SETTING_NAMES = tuple(f.name for f in fields(EnvironmentSettings) if f.name != "name")


def parse_environment(
    name: str, raw: dict[str, Any], defaults: dict[str, Any]
) -> EnvironmentSettings:
    """Validate one environment's settings (its own keys over the shared defaults)."""
    base = f"{CONTEXT_KEY}.environments.{name}"
    if not _ENV_NAME.match(name):
        raise ConfigError(f"{base}: environment names are lower-case letters, digits and '-'")
    if not isinstance(raw, dict):
        raise ConfigError(f"{base}: expected an object of settings")
    values: dict[str, Any] = {}
    for source_name, source in ((f"{CONTEXT_KEY}.defaults", defaults), (base, raw)):
        for key, value in source.items():
            if key in REMOVED_SETTINGS:
                raise ConfigError(f"{source_name}.{key}: {REMOVED_SETTINGS[key]}")
            if key not in _SETTING_NAMES:
                raise ConfigError(
                    f"{source_name}.{key}: unknown setting (known: {', '.join(_SETTING_NAMES)})"
                )
            values[key] = _check_value(f"{source_name}.{key}", key, value)
    settings = EnvironmentSettings(name=name, **values)
    _check_extract_budget(base, settings)
    _check_transform_batching(base, settings)
    _check_concurrency_fits(base, settings)
    return settings


def _check_extract_budget(base: str, settings: EnvironmentSettings) -> None:
    """Each concurrent worker needs at least one request per 30 s (docs/scaling.md: sizing)."""
    if settings.extract_requests_per_30s < settings.extract_max_concurrency:
        raise ConfigError(
            f"{base}.extract_requests_per_30s: {settings.extract_requests_per_30s} is less than "
            f"extract_max_concurrency ({settings.extract_max_concurrency}); each worker gets "
            "extract_requests_per_30s // extract_max_concurrency requests per 30 s"
        )


def _check_transform_batching(base: str, settings: EnvironmentSettings) -> None:
    """Lambda refuses a batch over 10 messages without a window; the rows a batch holds must
    fit in a quarter of the function's memory."""
    if (settings.transform_batch_size > MAX_UNWINDOWED_BATCH_SIZE
            and settings.transform_batching_window_seconds < 1):
        raise ConfigError(
            f"{base}.transform_batching_window_seconds: 0 with transform_batch_size "
            f"{settings.transform_batch_size}; Lambda takes a batch of more than "
            f"{MAX_UNWINDOWED_BATCH_SIZE} messages only with a batching window of at least 1 s"
        )
    most = settings.transform_memory_mb // BATCH_MEMORY_SHARE
    if settings.transform_batch_max_mib > most:
        raise ConfigError(
            f"{base}.transform_batch_max_mib: {settings.transform_batch_max_mib} MiB is more "
            f"than a quarter of transform_memory_mb ({settings.transform_memory_mb}): at most "
            f"{most}, or raise transform_memory_mb"
        )


def _check_concurrency_fits(base: str, settings: EnvironmentSettings) -> None:
    """Deliveries beyond the account's concurrency are throttled and retried until they
    dead-letter, with nothing saying why: refuse such settings at synth."""
    needed = settings.lambda_concurrency_needed
    total = sum(needed.values())
    if total > settings.lambda_concurrency_limit:
        parts = " + ".join(f"{name} {value}" for name, value in needed.items())
        raise ConfigError(
            f"{base}.lambda_concurrency_limit: the functions may run {total} at once ({parts}) "
            f"but the account allows {settings.lambda_concurrency_limit}: lower "
            "extract_max_concurrency or transform_max_concurrency, or raise the account's "
            "Lambda 'Concurrent executions' quota (Service Quotas, L-B99A9384) and set "
            "lambda_concurrency_limit to it (`python -m spotify_etl doctor --env NAME` reads it)"
        )


# --- The optional CDK Pipelines section (issue 10) -------------------------------------------
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[\w-]+$"
)
_PIPELINE_KEYS = ("enabled", "repository", "branch", "connection_arn", "account", "region",
                  "environments")


@dataclass(frozen=True)
class PipelineSettings:
    """`spotify-etl.pipeline`: a self-mutating CDK Pipelines pipeline from a repository."""

    repository: str
    """`OWNER/REPO` on the CodeConnections connection."""
    connection_arn: str
    branch: str = "main"
    account: str | None = None
    """Where the pipeline itself lives (default: the CLI's account)."""
    region: str = "us-east-1"
    approvals: tuple[str, ...] = ()
    """Environments deployed only after a manual approval (`environments.<name>.approval`)."""


def parse_pipeline(
    raw: Any, environments: dict[str, EnvironmentSettings]
) -> PipelineSettings | None:
    """The pipeline section, or None when it is absent or `enabled: false`."""
    base = f"{CONTEXT_KEY}.pipeline"
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{base}: expected an object")
    for key in raw:
        if key not in _PIPELINE_KEYS:
            raise ConfigError(f"{base}.{key}: unknown key (known: {', '.join(_PIPELINE_KEYS)})")
    if not _check_bool(f"{base}.enabled", raw.get("enabled", True)):
        return None
    repository = _check_optional_str(f"{base}.repository", raw.get("repository"), _REPOSITORY,
                                     "a repository like 'OWNER/REPO'")
    connection_arn = _check_optional_str(
        f"{base}.connection_arn", raw.get("connection_arn"), _CONNECTION_ARN,
        "a CodeConnections connection ARN",
    )
    if repository is None or connection_arn is None:
        missing = "repository" if repository is None else "connection_arn"
        raise ConfigError(f"{base}.{missing}: required when the pipeline is enabled")
    branch = raw.get("branch", "main")
    if not isinstance(branch, str) or not branch.strip():
        raise ConfigError(f"{base}.branch: expected a non-empty branch name")
    approvals = []
    stages = raw.get("environments", {})
    if not isinstance(stages, dict):
        raise ConfigError(f"{base}.environments: expected an object of environments")
    for name, options in stages.items():
        if name not in environments:
            raise ConfigError(f"{base}.environments.{name}: not a configured environment "
                              f"(configured: {', '.join(environments)})")
        if not isinstance(options, dict) or set(options) - {"approval"}:
            raise ConfigError(f"{base}.environments.{name}: expected {{\"approval\": true|false}}")
        if _check_bool(f"{base}.environments.{name}.approval", options.get("approval", False)):
            approvals.append(name)
    return PipelineSettings(
        repository=repository,
        connection_arn=connection_arn,
        branch=branch,
        account=_check_optional_str(f"{base}.account", raw.get("account"), _ACCOUNT,
                                    "a 12-digit AWS account ID"),
        region=_check_optional_str(f"{base}.region", raw.get("region", "us-east-1"), _REGION,
                                   "an AWS region like 'eu-west-1'") or "us-east-1",
        approvals=tuple(approvals),
    )


@dataclass(frozen=True)
class AppConfig:
    """All configured environments, in cdk.json order (and the pipeline, if enabled)."""

    environments: dict[str, EnvironmentSettings] = field(default_factory=dict)
    pipeline: PipelineSettings | None = None

    def select(self, name: str | None) -> list[EnvironmentSettings]:
        """The environment named by `-c env=NAME`, or all of them when no name is given."""
        if name is None:
            return list(self.environments.values())
        if name not in self.environments:
            known = ", ".join(self.environments) or "none"
            raise ConfigError(f"env: unknown environment {name!r} (configured: {known})")
        return [self.environments[name]]


def parse_config(context: Any) -> AppConfig:
    """Parse the `spotify-etl` context object: `{"defaults": {...}, "environments": {...}}`."""
    if not isinstance(context, dict):
        raise ConfigError(f"{CONTEXT_KEY}: missing from cdk.json context (expected an object)")
    unknown = set(context) - {"defaults", "environments", "pipeline"}
    if unknown:
        raise ConfigError(f"{CONTEXT_KEY}.{sorted(unknown)[0]}: unknown key")
    defaults = context.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{CONTEXT_KEY}.defaults: expected an object of settings")
    environments = context.get("environments")
    if not isinstance(environments, dict) or not environments:
        raise ConfigError(f"{CONTEXT_KEY}.environments: expected at least one environment")
    parsed = {name: parse_environment(name, raw, defaults) for name, raw in environments.items()}
    return AppConfig(parsed, parse_pipeline(context.get("pipeline"), parsed))


CDK_JSON = Path("cdk.json")
"""Where local commands read the configuration: the project's cdk.json, from its folder."""


def load_environment(name: str, cdk_json: Path = CDK_JSON) -> EnvironmentSettings:
    """One environment's settings read from cdk.json (local commands; `cdk` passes the context
    to app.py itself). ConfigError says what is wrong in one line."""
    try:
        context = json.loads(cdk_json.read_text(encoding="utf-8"))["context"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"cannot read the CDK context from {cdk_json} ({error})") from None
    return parse_config(context.get(CONTEXT_KEY)).select(name)[0]
