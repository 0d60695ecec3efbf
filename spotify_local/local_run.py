"""The whole pipeline on one machine: the code that runs in AWS, over local stand-ins.

Stages, each timed: a local AWS endpoint holding the bucket (seeded with the existing lake) and
the extract queues, the Spotify API (bundled sample data or the real one), then the deployed
path: the planner handler invoked with the schedule's payload, one message per source on the
extract queue (moto's SQS), a local event source polling it with Lambda's SQS semantics into
the extract worker handler, each resulting *Object Created* event delivered by the rule into the
transform queue and from there, by the same local event source (at most
`transform_max_concurrency` at once), to the transform handler; a sample personal-data export
uploaded under `imports/` (generated: spotify_export.demo_export) through the import queue to the
history import handler; the catalog and every named query on DuckDB, and the lake copied back to
its folder. Every handler the stacks deploy runs,
and nothing else.
"""

from __future__ import annotations

import importlib
import json
import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from rich.console import Console
from rich.markup import escape
from spotify_runtime import contract
from spotify_runtime.envelope import iso_utc
from spotify_runtime.layout import (
    IMPORTS,
    PROCESSED,
    RAW_FAILED,
    RAW_TO_PROCESS,
    failed_raw_key,
    is_error_report,
    partition_table,
)
from spotify_runtime.play_rule import MIN_MS_PLAYED_PARAMETER, PlayRule
from spotify_runtime.sources import parse_source
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

from infra.config import EnvironmentSettings, sources_json
from infra.function_environments import (
    history_import_environment,
    planner_environment,
    report_environment,
    transform_environment,
    worker_environment,
)
from infra.named_queries import NamedQuery, load_named_queries
from spotify_local.athena_api import LakeAthena
from spotify_local.duckdb_athena import QueryResult, open_lake, rows_per_table, run_sql
from spotify_local.faults import FaultInjector
from spotify_local.iceberg_lake import current_row_count, restore_tables, save_pointers
from spotify_local.lake_sync import download_bucket, list_keys, replace_lake, seed_bucket
from spotify_local.lambda_context import FakeLambdaContext, collected_metrics, new_container
from spotify_local.moto_aws import (
    LocalAws,
    as_s3_sends_it,
    local_aws,
    patched_environ,
    start_event_capture,
    start_import_capture,
)
from spotify_local.progress import Progress, StageFailedError
from spotify_local.render import print_result
from spotify_local.spotify.content import FIXTURE_DIR
from spotify_local.spotify.endpoint import SpotifyEndpoint, live_spotify, sample_spotify
from spotify_local.spotify_export import demo_export
from spotify_local.sqs_event_source import EventSourceMapping, EventSourceStats, RealClock

PLANNER_FUNCTION = "spotify-etl-local-planner"
WORKER_FUNCTION = "spotify-etl-local-extract-worker"
TRANSFORM_FUNCTION = "spotify-etl-local-transform"
FAULT_VISIBILITY_SECONDS = 15
"""The queues' visibility timeout in a run with faults: a died invocation's messages come back
after this (deployed: six times the function's timeout). The transform's mapping keeps a
running invocation's messages invisible meanwhile, as the deployed timeouts do
(EventSourceMapping's `hold_while_running`); the extract worker's invocations, which set
visibility themselves, are a few local requests, far shorter than this."""
FAULT_GIVE_UP_SECONDS = 600.0
IMPORT_FUNCTION = "spotify-etl-local-history-import"
REPORT_FUNCTION = "spotify-etl-local-monthly-report"
DEMO_UPLOAD = f"{IMPORTS}demo/my_spotify_data.zip"
"""Where the sample run uploads its generated personal-data export (the same key every run: a
second run imports nothing new, and says so)."""
IDLE_GRACE_SECONDS = 2.0
"""The demo stops polling the extract queue once nothing has been visible for this long: a
deferred or delayed message (hours, on a long Retry-After) is reported, not waited for."""

STAGE_AWS = "Local AWS"
STAGE_SPOTIFY = "Spotify Web API"
STAGE_PLAN = "Plan"
STAGE_EXTRACT = "Extract"
STAGE_TRANSFORM = "Transform"
STAGE_IMPORT = "History import"
STAGE_CATALOG = "Catalog + queries"
STAGE_LAKE = "Lake folder"


@dataclass(frozen=True)
class RunOptions:
    """What to run: where the lake lives, which Spotify, which sources."""

    lake_dir: Path
    chart_library: Path
    """The Plotly bundle the monthly report's page inlines (deployed: the function's asset;
    here spotify_etl.report.build.PLOTLY_BUNDLE)."""
    settings: EnvironmentSettings = field(default_factory=lambda: EnvironmentSettings("dev"))
    """The environment whose queue and worker settings the local run uses (batch size, maximum
    concurrency, attempts, redrive count, request budget)."""
    live: bool = False
    sources: tuple[str, ...] = ()
    """Sources to extract; empty: the sample server's own (or, live, none: an error)."""
    print_queries: bool = True
    log_level: str = "WARNING"
    """The handlers' LOG_LEVEL: their INFO lines would drown the stage lines (`-v`: DEBUG; the
    CLI uses CRITICAL otherwise, since each stage line and the closing error say the cause)."""
    faults: FaultInjector | None = None
    """Faults to inject into the handlers' AWS calls and deliveries (`run-local --faults SEED`,
    spotify_local.faults); the queues then redeliver after FAULT_VISIBILITY_SECONDS
    and each stage waits until its queue is empty."""


@dataclass
class RunSummary:
    """What one run did."""

    lake_dir: Path
    seeded_objects: int = 0
    written: Counter[str] = field(default_factory=Counter)
    """Objects the run created or changed, by top-level folder (raw/processed, processed/songs,
    ...): a table's day object rewritten with more rows counts once."""
    events_delivered: int = 0
    faults_injected: Counter[str] = field(default_factory=Counter)
    """What `RunOptions.faults` did, by kind (a run with faults only)."""
    deliveries: Counter[str] = field(default_factory=Counter)
    """Messages each event source handed to its handler (`extract`, `transform`), counting
    every receive: each should be one row of the run log."""
    planned: int = 0
    """Messages the planner put on the extract queue."""
    landed: int = 0
    deferred: int = 0
    """Messages still on the extract queue when the run stopped (deferred or retry pending)."""
    dead_lettered: int = 0
    handlers_invoked: set[str] = field(default_factory=set)
    """The handlers (`module.function`) this run invoked, as the stacks name them."""
    environments: dict[str, frozenset[str]] = field(default_factory=dict)
    """The variables the run set for each handler (infra.function_environments), by name;
    run-wide ones (LOG_LEVEL, the stand-ins' endpoints) are not included."""
    metric_lines: list[str] = field(default_factory=list)
    """The EMF records the handlers published (CloudWatch would extract them in AWS)."""
    monthly_report: dict[str, Any] = field(default_factory=dict)
    """What the monthly report handler answered (this month's report, written to the bucket)."""
    quarantined: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    """Rows per table in the whole lake, all snapshots."""
    rows_added: Counter[str] = field(default_factory=Counter)
    """Rows per table this run added (its objects' rows less what they held before)."""
    snapshots: list[str] = field(default_factory=list)
    query_results: dict[str, QueryResult] = field(default_factory=dict)
    imports: list[dict[str, Any]] = field(default_factory=list)
    """The history import handler's result per upload (imported, already present, ...)."""
    timings: list[tuple[str, float]] = field(default_factory=list)
    run_at: datetime | None = None
    """The run's scheduled time (the planner's payload): names the run in the run log."""
    metrics: dict[str, float] = field(default_factory=dict)
    """The EMF metrics the handlers emitted (what CloudWatch would graph): counts summed, the
    latest snapshot date as its maximum; `WorkerOutcome/landed` per Outcome dimension."""
    failures: list[str] = field(default_factory=list)
    """One line per failed stage; the run exits non-zero if any."""

    def add_metric_record(self, line: str) -> None:
        """Keep one EMF record and fold it into `metrics`."""
        self.metric_lines.append(line)
        record = json.loads(line)
        for definition in record["_aws"]["CloudWatchMetrics"]:
            for metric in definition["Metrics"]:
                name, value = metric["Name"], float(record[metric["Name"]])
                if contract.METRIC_DIMENSION_OUTCOME in record:
                    name += f"/{record[contract.METRIC_DIMENSION_OUTCOME]}"
                if metric["Name"] == contract.METRIC_LATEST_SNAPSHOT_DATE:
                    self.metrics[name] = max(self.metrics.get(name, 0.0), value)
                else:
                    self.metrics[name] = self.metrics.get(name, 0.0) + value

    def health(self) -> dict[str, Any] | None:
        """This run's day in the `pipeline_health` named query (the run log), if it ran."""
        result = self.query_results.get("pipeline_health")
        if result is None or self.run_at is None:
            return None
        day = self.run_at.date().isoformat()
        return next((row for row in result.as_dicts() if row["run_date"] == day), None)

    @property
    def objects_written(self) -> int:
        """How many objects the run created or changed in the lake."""
        return sum(self.written.values())


def _pending(key: str) -> bool:
    return key.startswith(RAW_TO_PROCESS)


def _written_by_folder(new_keys: list[str]) -> Counter[str]:
    return Counter("/".join(key.split("/")[:2]) + "/" for key in new_keys)


def _changed(staging: Path, lake: Path, key: str, seeded: set[str]) -> bool:
    """Whether the run created `key` or changed it (a seeded object it rewrote); a seeded
    object the lake keeps elsewhere (an error report moved back beside its file) is not."""
    if key not in seeded:
        return True
    before = lake / key
    return before.is_file() and before.read_bytes() != (staging / key).read_bytes()


def _rows_added(staging: Path, lake: Path, written: list[str], seeded: set[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for table in TABLE_DEFINITIONS:  # Iceberg: what the current snapshot holds more
        counts[table] += current_row_count(staging, table) - current_row_count(lake, table)
    for key in written:
        if key.startswith(PROCESSED) and key.endswith(".parquet"):
            table = partition_table(key)
            before = pq.read_metadata(lake / key).num_rows if key in seeded else 0
            counts[table] += pq.read_metadata(staging / key).num_rows - before
    return counts


@contextmanager
def _function_environment(summary: RunSummary, handler: str,
                          environment: Mapping[str, str | None]) -> Iterator[None]:
    """Set the variables the stacks give `handler`'s function while a stage runs it (None:
    removed, so a shell's value cannot leak in), and note their names for RunSummary."""
    summary.environments[handler] = frozenset(
        name for name, value in environment.items() if value is not None)
    with patched_environ(environment):
        yield


def _invoke(summary: RunSummary, name: str) -> Any:
    """The deployed handler `module.function`, recorded as invoked."""
    module, function = name.rsplit(".", 1)
    summary.handlers_invoked.add(name)
    return getattr(importlib.import_module(module), function)


def _plan(local: LocalAws, summary: RunSummary, sources: tuple[str, ...]) -> None:
    """Invoke the planner as the schedule does: its payload, the sources in a file named by
    `SOURCES_FILE` (deployed, the source-list layer's file)."""
    # Kept clients point at the endpoints of the run that made them; a second run in the same
    # process (tests) has new endpoints.
    new_container()
    planner = _invoke(summary, contract.PLANNER_HANDLER)
    summary.run_at = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="spotify-etl-sources-") as folder:
        sources_file = Path(folder) / contract.SOURCES_FILE_NAME
        sources_file.write_text(sources_json(tuple(map(parse_source, sources))),
                                encoding="utf-8")
        configured = planner_environment(sources_file=str(sources_file),
                                         extract_queue_url=local.extract_queue_url)
        with _function_environment(summary, contract.PLANNER_HANDLER, configured):
            context = FakeLambdaContext(PLANNER_FUNCTION, contract.PLANNER_TIMEOUT_SECONDS)
            result = planner({contract.RUN_AT_FIELD: iso_utc(summary.run_at)}, context)
    summary.planned = int(result["messages_sent"])


def _poll(local: LocalAws, queue_url: str, handler: Any, function_name: str,
          timeout_seconds: int, concurrency: int, batch_size: int,
          body: Any = None, faults: FaultInjector | None = None,
          max_receive_count: int = 1, hold_while_running: bool = False) -> EventSourceStats:
    """Lambda's event source mapping over `queue_url` into `handler` (a deployed handler),
    `concurrency` containers at once, as the stacks configure it; `body` rewrites a record's
    body first (as the service in front of the queue would have sent it). With `faults`, each
    invocation runs under them and the mapping waits for an empty queue."""
    sqs = local.client("sqs")

    def invoke(records: list[dict[str, Any]], _deadline: Any) -> dict[str, Any]:
        context = FakeLambdaContext(function_name, timeout_seconds)
        if body is not None:
            records = [{**record, "body": body(record["body"])} for record in records]
        return handler({"Records": records}, context)

    if faults is not None:
        invoke = faults.wrap(
            invoke, new_container=new_container,
            resend=lambda sent: sqs.send_message(QueueUrl=queue_url, MessageBody=sent),
            last_receive=max_receive_count)
    return EventSourceMapping(
        sqs=sqs,
        queue_url=queue_url,
        clock=RealClock(),
        containers=[invoke] * concurrency,
        batch_size=batch_size,
        function_timeout_seconds=timeout_seconds,
        idle_grace_seconds=None if faults else IDLE_GRACE_SECONDS,
        give_up_after_seconds=FAULT_GIVE_UP_SECONDS if faults else 7 * 24 * 3600.0,
        hold_while_running=hold_while_running,
    ).run()


def _work_queue(local: LocalAws, summary: RunSummary, settings: EnvironmentSettings,
                faults: FaultInjector | None = None) -> None:
    """The extract queue into the worker handler."""
    worker = _invoke(summary, contract.WORKER_HANDLER)
    configured = worker_environment(settings, bucket=local.bucket, secret_id=local.secret_id,
                                    queue_url=local.extract_queue_url,
                                    dlq_url=local.extract_dlq_url)
    with _function_environment(summary, contract.WORKER_HANDLER, configured):
        stats = _poll(local, local.extract_queue_url, worker, WORKER_FUNCTION,
                      contract.WORKER_TIMEOUT_SECONDS, settings.extract_max_concurrency,
                      settings.extract_batch_size, faults=faults,
                      max_receive_count=settings.extract_max_receive_count)
    summary.deliveries["extract"] += stats.deliveries
    summary.dead_lettered = local.queue_depth(local.extract_dlq_url)
    summary.deferred = local.queue_depth(local.extract_queue_url)


def _transform_queue(local: LocalAws, summary: RunSummary, settings: EnvironmentSettings,
                     faults: FaultInjector | None = None) -> int:
    """The transform queue (where the rule delivered every Object Created event) into the
    transform handler; returns the messages it left there."""
    transform = _invoke(summary, contract.TRANSFORM_HANDLER)
    configured = transform_environment(settings, bucket=local.bucket,
                                       glue_database=local.database)
    with _function_environment(summary, contract.TRANSFORM_HANDLER, configured):
        stats = _poll(local, local.event_queue_url, transform, TRANSFORM_FUNCTION,
                      contract.TRANSFORM_TIMEOUT_SECONDS, settings.transform_max_concurrency,
                      settings.transform_batch_size, body=as_s3_sends_it, faults=faults,
                      max_receive_count=settings.transform_max_receive_count,
                      # fault runs' visibility timeout is shorter than an invocation may take
                      hold_while_running=faults is not None)
    summary.deliveries["transform"] += stats.deliveries
    summary.events_delivered = stats.outcomes["deleted"] + stats.outcomes["redelivered"]
    return local.queue_depth(local.event_queue_url) + local.queue_depth(local.event_failures_url)


def _import_queue(local: LocalAws, summary: RunSummary, queue_url: str) -> int:
    """The import queue (where the rule delivered each upload's event) into the history import
    handler; returns the messages it left there."""
    handler = _invoke(summary, contract.HISTORY_IMPORT_HANDLER)

    def keep_results(event: dict[str, Any], context: Any) -> dict[str, Any]:
        result = handler(event, context)
        summary.imports.extend(result["results"])
        return result

    with _function_environment(summary, contract.HISTORY_IMPORT_HANDLER,
                               history_import_environment(bucket=local.bucket)):
        _poll(local, queue_url, keep_results, IMPORT_FUNCTION,
              contract.HISTORY_IMPORT_TIMEOUT_SECONDS, contract.HISTORY_IMPORT_MAX_CONCURRENCY,
              contract.HISTORY_IMPORT_BATCH_SIZE, body=as_s3_sends_it)
    return local.queue_depth(queue_url)


LOCAL_WORKGROUP, LOCAL_DATABASE = "local", "local"
"""The workgroup and database the local Athena stand-in answers for."""


def _monthly_report(local: LocalAws, summary: RunSummary, staging: Path,
                    settings: EnvironmentSettings, chart_library: Path) -> None:
    """Invoke the monthly report handler on the lake (Athena's API answered by DuckDB), for this
    month, since the demo's plays are today's: its page and card go to the bucket's reports/;
    no address is set, so nothing is mailed."""
    handler = _invoke(summary, contract.REPORT_HANDLER)
    athena = LakeAthena(open_lake(staging), workgroup=LOCAL_WORKGROUP, database=LOCAL_DATABASE)
    configured: dict[str, str | None] = {
        contract.ENV_REPORT_EMAIL: None,  # nothing is mailed, whatever the shell says
        **report_environment(settings, bucket=local.bucket, workgroup=LOCAL_WORKGROUP,
                             database=LOCAL_DATABASE, email=None),
    }
    month = datetime.now(UTC).strftime("%Y-%m")
    context = FakeLambdaContext(REPORT_FUNCTION, contract.REPORT_TIMEOUT_SECONDS)
    with _function_environment(summary, contract.REPORT_HANDLER, configured):
        summary.monthly_report = handler({contract.REPORT_MONTH_FIELD: month}, context,
                                         athena=athena, s3=local.client("s3"),
                                         chart_library=chart_library)


def _run_queries(staging: Path, summary: RunSummary, queries: list[NamedQuery],
                 rule: PlayRule) -> None:
    connection = open_lake(staging)
    summary.rows = rows_per_table(connection)
    summary.snapshots = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT snapshot_date FROM songs ORDER BY 1"
        ).fetchall()
    ]
    for query in queries:
        values = query.values({MIN_MS_PLAYED_PARAMETER: rule.min_ms_played})
        summary.query_results[query.name] = run_sql(connection, query.sql, values)


class _Stages:
    """The stages of one run, sharing the run's state."""

    def __init__(self, options: RunOptions, console: Console, stack: ExitStack) -> None:
        self.options = options
        self.console = console
        self.stack = stack
        self.progress = Progress(console)
        self.summary = RunSummary(options.lake_dir)
        self.seeded: set[str] = set()
        self.local: LocalAws | None = None
        self.spotify: SpotifyEndpoint | None = None
        self.queries = load_named_queries(zone=options.settings.schedule_time_zone)

    def aws(self) -> None:
        with self.progress.stage(STAGE_AWS) as report:
            self.stack.enter_context(patched_environ({"LOG_LEVEL": self.options.log_level}))
            # The handlers set the root level from LOG_LEVEL, as in Lambda; this process keeps
            # its own once the run is over.
            self.stack.callback(logging.getLogger().setLevel, logging.getLogger().level)
            local = self.stack.enter_context(local_aws())
            if self.options.faults is not None:
                self.stack.enter_context(self.options.faults.installed())
            s3, lake = local.client("s3"), self.options.lake_dir
            history = seed_bucket(s3, local.bucket, lake, lambda key: not _pending(key))
            # The lake's tables at their current snapshots, evolved to this version's schemas.
            restore_tables(local.catalog(), local.database, local.bucket, lake)
            # An error report moved under to_process/ with its raw file (a replay by hand) goes
            # back beside the failed file, before events are captured: it is never a raw file.
            reports = seed_bucket(s3, local.bucket, lake,
                                  lambda key: _pending(key) and is_error_report(key),
                                  key_for=failed_raw_key)
            start_event_capture(local)
            # Raw files still waiting in the lake (an earlier run stopped, or files put there by
            # hand, e.g. a backfill or a replay) trigger the transform like an upload to AWS.
            pending = seed_bucket(s3, local.bucket, lake,
                                  lambda key: _pending(key) and not is_error_report(key))
            self.local = local
            self.seeded = history | reports | pending
            self.summary.seeded_objects = len(self.seeded)
            host = local.endpoint_url.removeprefix("http://")
            report.detail = f"moto server at {host}, {len(self.seeded)} objects seeded" + (
                f" ({len(pending)} under {RAW_TO_PROCESS})" if pending else ""
            )

    def spotify_api(self) -> None:
        assert self.local is not None
        with self.progress.stage(STAGE_SPOTIFY) as report:
            if self.options.live:
                spotify = live_spotify(self.options.sources)
            else:
                spotify = self.stack.enter_context(sample_spotify(self.options.sources))
            self.local.store_spotify_secret(spotify.credentials)
            self.stack.enter_context(patched_environ(spotify.environment()))
            self.spotify = spotify
            report.detail = f"{spotify.description}, {len(spotify.sources)} source(s)"

    def plan(self) -> None:
        assert self.local is not None and self.spotify is not None
        with self.progress.stage(STAGE_PLAN) as report:
            self.local = self.local.with_extract_queues(
                max_receive_count=self.options.settings.extract_max_receive_count,
                visibility_seconds=FAULT_VISIBILITY_SECONDS if self.options.faults else None,
            )
            _plan(self.local, self.summary, self.spotify.sources)
            report.detail = (f"planner handler: {self.summary.planned} message(s) on the "
                             "extract queue")

    def extract(self) -> None:
        assert self.local is not None
        summary = self.summary
        with self.progress.stage(STAGE_EXTRACT) as report:
            try:
                _work_queue(self.local, summary, self.options.settings, self.options.faults)
            finally:
                # Whatever succeeded is in the bucket even if a source failed, as on AWS.
                s3 = self.local.client("s3")
                summary.landed = len([
                    key for key in list_keys(s3, self.local.bucket, RAW_TO_PROCESS)
                    if key not in self.seeded
                ])
                report.detail = (
                    f"worker handler: {summary.landed} landed, {summary.deferred} deferred, "
                    f"{summary.dead_lettered} dead-lettered"
                )
            if summary.dead_lettered or summary.deferred:
                raise StageFailedError(
                    f"{STAGE_EXTRACT}: {summary.dead_lettered} source(s) dead-lettered, "
                    f"{summary.deferred} deferred: {self.local.dead_letter_reasons()}"
                )

    def transform(self) -> None:
        assert self.local is not None
        with self.progress.stage(STAGE_TRANSFORM) as report:
            self.local = self.local.with_transform_redrive(
                max_receive_count=self.options.settings.transform_max_receive_count,
                visibility_seconds=FAULT_VISIBILITY_SECONDS if self.options.faults else None,
            )
            left = _transform_queue(self.local, self.summary, self.options.settings,
                                    self.options.faults)
            delivered = self.summary.events_delivered
            s3 = self.local.client("s3")
            self.summary.quarantined = [
                key for key in list_keys(s3, self.local.bucket, RAW_FAILED)
                if key not in self.seeded and not is_error_report(key)
            ]
            report.detail = f"transform handler: {delivered} Object Created event(s)"
            # Inside the stage: it is marked failed, not done.
            if left:
                raise StageFailedError(
                    f"{STAGE_TRANSFORM}: the transform failed on {left} raw file(s); their "
                    "events are still on the transform queue (run with -v for the handler's "
                    "errors)"
                )
            if self.summary.quarantined:
                raise StageFailedError(
                    f"{STAGE_TRANSFORM}: {len(self.summary.quarantined)} raw file(s) quarantined "
                    f"under {RAW_FAILED} (see the .error.json beside each), e.g. "
                    f"{self.summary.quarantined[0]}"
                )

    def history_import(self) -> None:
        assert self.local is not None
        with self.progress.stage(STAGE_IMPORT) as report:
            queue_url = start_import_capture(self.local)
            if not self.options.live:  # the sample listener's export, as a user uploads it
                history = json.loads((FIXTURE_DIR / "me" / "recently-played.json").read_text(
                    encoding="utf-8"))["items"]
                self.local.client("s3").put_object(Bucket=self.local.bucket, Key=DEMO_UPLOAD,
                                                   Body=demo_export(history))
            left = _import_queue(self.local, self.summary, queue_url)
            done = [r for r in self.summary.imports if r["status"] == "imported"]
            report.detail = (
                f"import handler: {len(self.summary.imports)} upload(s), "
                f"{sum(r['imported'] for r in done)} plays imported, "
                f"{sum(r['already_present'] for r in done)} already present")
            refused = [r["key"] for r in self.summary.imports if r["status"] != "imported"]
            if left or refused:
                raise StageFailedError(
                    f"{STAGE_IMPORT}: {len(refused)} upload(s) quarantined under "
                    f"imports-failed/, {left} still on the import queue")

    def catalog(self) -> Path:
        assert self.local is not None
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.options.lake_dir))
        self.stack.callback(shutil.rmtree, staging, ignore_errors=True)
        with self.progress.stage(STAGE_CATALOG) as report:
            s3 = self.local.client("s3")
            lake = self.options.lake_dir
            written = [key for key in download_bucket(s3, self.local.bucket, staging)
                       if _changed(staging, lake, key, self.seeded)]
            save_pointers(self.local.client("glue"), self.local.database, staging)
            self.summary.written = _written_by_folder(written)
            self.summary.rows_added = _rows_added(staging, lake, written, self.seeded)
            _run_queries(staging, self.summary, self.queries, self.options.settings.play_rule)
            _monthly_report(self.local, self.summary, staging, self.options.settings,
                            self.options.chart_library)
            report.detail = (
                f"DuckDB: {len(self.summary.query_results)} named queries, "
                f"{len(self.summary.snapshots)} snapshot(s), "
                f"{self.summary.monthly_report['page']}"
            )
        return staging

    def print_query_results(self) -> None:
        for query in self.queries:
            self.console.print()
            heading = f"[bold]{escape(query.name)}[/]: {escape(query.description)}"
            print_result(self.console, self.summary.query_results[query.name], heading)

    def lake(self, staging: Path) -> None:
        with self.progress.stage(STAGE_LAKE) as report:
            replace_lake(staging, self.options.lake_dir)
            report.detail = str(self.options.lake_dir)


def _guarded(summary: RunSummary, step: Callable[[], Any]) -> None:
    """Run a stage whose failure should not stop the rest (its result is still kept)."""
    try:
        step()
    except StageFailedError as error:
        summary.failures.append(str(error))


def run_pipeline(options: RunOptions, console: Console) -> RunSummary:
    """Run every stage; failures are listed in the summary (raised only if nothing can go on)."""
    options.lake_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        stages = _Stages(options, console, stack)
        # Lambda ships the handlers' EMF lines to CloudWatch; here they are counted instead.
        stack.enter_context(collected_metrics(stages.summary.add_metric_record))
        try:
            stages.aws()
            stages.spotify_api()
            # A failing source or a quarantined file still leaves the rest to transform and keep.
            stages.plan()
            _guarded(stages.summary, stages.extract)
            _guarded(stages.summary, stages.transform)
            _guarded(stages.summary, stages.history_import)
            staging = stages.catalog()
            stages.lake(staging)
            if options.print_queries:
                stages.print_query_results()
        finally:
            stages.summary.timings = stages.progress.timings
            if options.faults is not None:
                stages.summary.faults_injected = Counter(options.faults.injected)
        return stages.summary
