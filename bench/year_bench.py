"""A year of runs: the lake the transform's real write path builds in a year (365 daily runs and
8,760 hourly listening runs through the deployed handlers, the tables in moto's Glue and S3),
queried against the same rows written by pyarrow alone as one file per table and day. How the
runs are simulated and timed: the section's notes in docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import string
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from spotify_runtime.contract import ENV_DATA_BUCKET, ENV_LOG_LEVEL
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.landing import land_source
from spotify_runtime.extract.raw_sink import encode_envelope
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.layout import PROCESSED, RUN_LOG, TABLES, listening_raw_key, raw_key
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import report_queries, run_all
from spotify_runtime.run_log import EXTRACT, RunRecord, S3RunRecorder
from spotify_runtime.sources import Source, parse_source
from spotify_runtime.transform.handler import handler
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

from bench.folder_s3 import FolderS3
from bench.report import Section, Target
from infra.config import EnvironmentSettings
from infra.named_queries import NamedQuery, load_named_queries
from spotify_etl.report.build import build_report
from spotify_local.duckdb_athena import open_lake, run_sql
from spotify_local.folder_store import FolderStore
from spotify_local.iceberg_lake import current_data_files, folder_table
from spotify_local.lake_queries import LakeQueries
from spotify_local.lake_sync import list_keys
from spotify_local.lambda_context import collected_metrics
from spotify_local.moto_aws import BUCKET_NAME, lake_catalog, patched_environ

BUCKET = "year-bench-lake"
FIRST_DAY = date(2026, 1, 1)
DAILY_RUN_HOUR = 6
LISTENING = "recently-played"
PLAYS_PER_HOUR = 6
"""Plays in the hour before each listening run (the sample day averages about that)."""
TARGETS = (("A year: every named query against one file per table and day", "<= 1.5x"),)
REPORT = "(the whole report)"
"""The row of the listening report of the year, built whole on each lake."""
RULE = PlayRule(EnvironmentSettings("bench").play_min_seconds)
"""The documented default counting rule (the report's queries take it)."""


@dataclass(frozen=True)
class YearShape:
    """How much to simulate: `days` daily runs and `listening_runs_per_day` listening runs a
    day (365 and 24 for the year)."""

    days: int = 365
    listening_runs_per_day: int = 24

    @property
    def listening_runs(self) -> int:
        return self.days * self.listening_runs_per_day

    @property
    def period(self) -> Period:
        """The simulated days, as the report's period."""
        return Period(FIRST_DAY, FIRST_DAY + timedelta(days=self.days - 1))


QUICK = YearShape(days=4, listening_runs_per_day=3)


@dataclass(frozen=True)
class RawTemplate:
    """One source's extracted envelope, to be re-dated for each simulated run."""

    source: Source
    envelope: dict[str, Any]


@dataclass
class Written:
    """Objects the runs wrote, per top-level prefix, summed over runs of one kind."""

    runs: int = 0
    objects: Counter[str] = field(default_factory=Counter)
    bytes: Counter[str] = field(default_factory=Counter)

    def add(self, counts: tuple[Counter[str], Counter[str]]) -> None:
        """One run's (objects, bytes) from `FolderS3.reset_counts`."""
        self.runs += 1
        self.objects += counts[0]
        self.bytes += counts[1]

    def per_run(self, root: str) -> float:
        """Objects written under `root` per run."""
        return self.objects[root.rstrip("/")] / self.runs if self.runs else 0.0

    def kib_per_run(self, root: str) -> float:
        """KiB written under `root` per run (a rewritten object counts whole)."""
        return self.bytes[root.rstrip("/")] / 1024 / self.runs if self.runs else 0.0


@dataclass(frozen=True)
class QueryTiming:
    """One named query's median seconds on the year's lake and on the one-file-per-day lake."""

    name: str
    year_seconds: float
    compact_seconds: float
    rows: int

    @property
    def ratio(self) -> float:
        return self.year_seconds / self.compact_seconds


@dataclass(frozen=True)
class YearResult:
    """What the simulated year wrote and how the named queries fared on it."""

    shape: YearShape
    simulate_seconds: float
    daily: Written
    listening: Written
    year_files: dict[str, int]
    compact_files: dict[str, int]
    year_row_groups: int
    compact_row_groups: int
    year_snapshots: int
    """Snapshots of the year's tables before any maintenance (Glue's expires them deployed)."""
    queries: list[QueryTiming]
    repeats: int


# --- raw documents -----------------------------------------------------------------------


def extract_templates(work: Path) -> list[RawTemplate]:
    """Every demo source's raw envelope, extracted once from the local Spotify by the runtime's
    own extraction (expanded sources, such as my-playlists' playlists, extracted in turn)."""
    from spotify_local.spotify.endpoint import sample_spotify

    out = work / "templates"
    shutil.rmtree(out, ignore_errors=True)
    run_at = datetime.combine(FIRST_DAY, datetime.min.time(), UTC)
    templates: list[RawTemplate] = []
    with sample_spotify() as spotify:
        client = SpotifyClient(spotify.credentials, api_url=spotify.api_url,
                               accounts_url=spotify.accounts_url)
        pending = [parse_source(text) for text in spotify.sources]
        while pending:
            source = pending.pop(0)
            outcome = land_source(client, source, FolderStore(out), run_at=run_at,
                                  deadline=Deadline.unlimited(), cursors=FolderStore(out))
            if outcome.error is not None:
                raise outcome.error
            pending += outcome.expanded
            if outcome.key:
                envelope = json.loads((out / outcome.key).read_bytes())
                templates.append(RawTemplate(source, envelope))
    return templates


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


_BASE62 = string.digits + string.ascii_letters


def fresh_track(track: dict[str, Any], seed: str) -> dict[str, Any]:
    """`track` under a new Spotify ID derived from `seed` (a track the lake has not seen)."""
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:17], "big")
    ident = "".join(_BASE62[(number >> (6 * i)) % 62] for i in range(22))
    return {**track, "id": ident, "uri": f"spotify:track:{ident}",
            "href": f"https://api.spotify.com/v1/tracks/{ident}",
            "external_urls": {"spotify": f"https://open.spotify.com/track/{ident}"}}


def daily_document(template: RawTemplate, run_at: datetime) -> tuple[str, bytes]:
    """The key and bytes of `template`'s source extracted by the daily run at `run_at`; a
    playlist gains one new track a day (so day-over-day queries find something)."""
    envelope = {**template.envelope, "run_at": _stamp(run_at), "extracted_at": _stamp(run_at)}
    tracks = [index for index, item in enumerate(envelope.get("items", []))
              if (item.get("item") or {}).get("type") == "track"]  # a playlist's track items
    if template.source.type == "playlist" and tracks:
        items = list(envelope["items"])
        index = tracks[run_at.toordinal() % len(tracks)]
        items[index] = {**items[index], "item": fresh_track(items[index]["item"], f"{run_at:%F}")}
        envelope["items"] = items
    return raw_key(template.source.type, template.source.key_id, run_at), encode_envelope(envelope)


def listening_document(template: RawTemplate, run_at: datetime, after_ms: int,
                       run_number: int) -> tuple[str, bytes, int]:
    """The hourly listening run at `run_at` after cursor `after_ms`: its key, bytes and new
    cursor. Its plays are `PLAYS_PER_HOUR` sample tracks in turn, spread over the past hour, the
    first of them a track never played before."""
    history = template.envelope["items"]
    plays = []
    for index in range(PLAYS_PER_HOUR):
        track = history[(run_number * PLAYS_PER_HOUR + index) % len(history)]
        if index == 0:
            track = {**track, "track": fresh_track(track["track"], f"play-{run_number}")}
        played = run_at - timedelta(minutes=55 - index * 9, milliseconds=run_number % 997)
        plays.append({**track, "played_at": played.strftime("%Y-%m-%dT%H:%M:%S.")
                      + f"{played.microsecond // 1000:03d}Z"})
    plays.reverse()  # most recent first, as Spotify answers
    newest = _ms(run_at - timedelta(minutes=10, milliseconds=run_number % 997))
    envelope = {
        **template.envelope, "run_at": _stamp(run_at), "extracted_at": _stamp(run_at),
        "metadata": {**template.envelope["metadata"], "after_ms": after_ms,
                     "newest_ms": newest, "oldest_ms": _ms(run_at - timedelta(minutes=55)),
                     "possible_gap": False},
        "items": plays,
    }
    key = listening_raw_key(template.source.type, template.source.key_id, after_ms, run_at)
    return key, encode_envelope(envelope), newest


# --- the year --------------------------------------------------------------------------


@contextmanager
def lambda_environment() -> Iterator[None]:
    """The transform function's environment (its bucket), quiet logs, EMF lines discarded."""
    with patched_environ({ENV_DATA_BUCKET: BUCKET, ENV_LOG_LEVEL: "ERROR"}), \
            collected_metrics(lambda _line: None):
        yield


def _land(s3: FolderS3, source: Source, key: str, body: bytes, run_at: datetime,
          items: int) -> None:
    """What the worker does with one raw file: write it and log the extraction."""
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="application/json")
    S3RunRecorder(s3, BUCKET).record(
        RunRecord(run_at=run_at, stage=EXTRACT, source=str(source), outcome="landed",
                  items=items, requests=1, duration_ms=0, raw_key=key),
        f"{key}/1",  # one delivery of the source's message
    )


def _deliver(s3: FolderS3, catalog: Any, keys: list[str]) -> None:
    """The transform queue's batch of the files' Object Created events, to the handler."""
    result = handler(queued_event(*keys), s3=s3, catalog=catalog)
    statuses = {item["status"] for item in result["results"]}
    if statuses != {"processed"} or result["batchItemFailures"]:
        raise RuntimeError(f"{keys}: the transform answered {result}")


def queued_event(*keys: str, receive: int = 1) -> dict[str, Any]:
    """The transform queue's batch: the bucket's Object Created event for each key, as the
    EventBridge rule puts it on the queue and the event source delivers them (`receive`: their
    receive count)."""
    def created(key: str) -> str:
        return json.dumps({"source": "aws.s3", "detail-type": "Object Created",
                           "detail": {"bucket": {"name": BUCKET}, "object": {"key": key}}})
    return {"Records": [{"eventSource": "aws:sqs", "messageId": f"message-{key}",
                         "attributes": {"ApproximateReceiveCount": str(receive)},
                         "body": created(key)} for key in keys]}


class _TableWrites:
    """Objects and bytes the runs put under tables/ in moto's bucket, counted per run."""

    def __init__(self, moto_s3: Any) -> None:
        self.s3, self.seen = moto_s3, set(list_keys(moto_s3, BUCKET_NAME, TABLES))

    def since_last(self) -> tuple[Counter[str], Counter[str]]:
        """(objects, bytes) under tables/ new since the last call."""
        objects: Counter[str] = Counter()
        sizes: Counter[str] = Counter()
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET_NAME,
                                                                   Prefix=TABLES)
        for item in (item for page in pages for item in page.get("Contents", [])):
            if item["Key"] not in self.seen:
                self.seen.add(item["Key"])
                objects[TABLES.rstrip("/")] += 1
                sizes[TABLES.rstrip("/")] += item["Size"]
        return objects, sizes


def _both(folder: tuple[Counter[str], Counter[str]],
          tables: tuple[Counter[str], Counter[str]]) -> tuple[Counter[str], Counter[str]]:
    return folder[0] + tables[0], folder[1] + tables[1]


def simulate_year(lake: Path, templates: list[RawTemplate], shape: YearShape
                  ) -> tuple[Written, Written]:
    """Run the year on a fresh lake; returns the objects written by daily and listening runs."""
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    s3 = FolderS3(lake, BUCKET)
    listening = next(t for t in templates if t.source.type == LISTENING)
    daily_templates = [t for t in templates if t.source.type != LISTENING]
    daily, hourly = Written(), Written()
    cursor = _ms(datetime.combine(FIRST_DAY, datetime.min.time(), UTC))
    step = timedelta(hours=24 / shape.listening_runs_per_day)
    with lake_catalog(lake) as (catalog, _database), lambda_environment():
        tables = _TableWrites(boto3.client("s3"))
        for day_number in range(shape.days):
            midnight = datetime.combine(FIRST_DAY + timedelta(days=day_number),
                                        datetime.min.time(), UTC)
            s3.reset_counts()
            _daily_run(s3, catalog, daily_templates, midnight + timedelta(hours=DAILY_RUN_HOUR))
            daily.add(_both(s3.reset_counts(), tables.since_last()))
            for run in range(shape.listening_runs_per_day):
                run_at = midnight + step * (run + 1)
                number = day_number * shape.listening_runs_per_day + run
                key, body, newest = listening_document(listening, run_at, cursor, number)
                _land(s3, listening.source, key, body, run_at, PLAYS_PER_HOUR)
                _deliver(s3, catalog, [key])
                cursor = newest
                hourly.add(_both(s3.reset_counts(), tables.since_last()))
    return daily, hourly


def _daily_run(s3: FolderS3, catalog: Any, templates: list[RawTemplate],
               run_at: datetime) -> None:
    keys = []
    for template in templates:
        key, body = daily_document(template, run_at)
        _land(s3, template.source, key, body, run_at, len(template.envelope.get("items", [])))
        keys.append(key)
    _deliver(s3, catalog, keys)


# --- the reference and the queries -----------------------------------------------------


def _table_data_files(lake: Path) -> dict[str, list[Path]]:
    """Each transform table's data files: the current snapshot's of an Iceberg lake, the
    files under processed/ of a reference lake."""
    if (lake / TABLES).is_dir():
        return {name: current_data_files(lake, name) for name in TABLE_DEFINITIONS}
    return {name: sorted((lake / PROCESSED / name).rglob("*.parquet"))
            for name in TABLE_DEFINITIONS}


def table_files(lake: Path) -> dict[str, int]:
    """Files per table (the transform's tables, read from their current snapshot, and the
    run log) in a lake folder."""
    counts: Counter[str] = Counter({name: len(files)
                                    for name, files in _table_data_files(lake).items() if files})
    counts[RUN_LOG.rstrip("/")] = sum(1 for p in (lake / RUN_LOG).rglob("*") if p.is_file())
    return dict(sorted(counts.items()))


def row_groups(lake: Path) -> int:
    """Parquet row groups in the lake's tables (a reader pays per row group as per file)."""
    files = [path for paths in _table_data_files(lake).values() for path in paths]
    files += list((lake / RUN_LOG).rglob("*.parquet"))
    return sum(pq.ParquetFile(path).metadata.num_row_groups for path in files)


def snapshots(lake: Path) -> int:
    """Snapshots the year's Iceberg tables hold (before any maintenance)."""
    return sum(len(table.metadata.snapshots) for table in
               (folder_table(lake, name) for name in TABLE_DEFINITIONS) if table is not None)


def compact_lake(lake: Path, out: Path) -> None:
    """The same rows written by pyarrow alone: each table's current snapshot as one file per
    table and day under processed/, the run log's day files joined into one."""
    shutil.rmtree(out, ignore_errors=True)
    for name in TABLE_DEFINITIONS:
        table = folder_table(lake, name)
        rows = table.scan().to_arrow() if table is not None else None
        if rows is None or not rows.num_rows:
            continue
        for day in sorted(set(rows.column("snapshot_date").to_pylist())):
            target = out / PROCESSED / name / f"snapshot_date={day}"
            target.mkdir(parents=True)
            of_day = rows.filter(pc.equal(rows.column("snapshot_date"), day))
            pq.write_table(of_day.drop_columns(["snapshot_date", "source_file"]),
                           target / "day.parquet", compression="snappy")
    for folder in sorted({p.parent for p in (lake / RUN_LOG).rglob("*") if p.is_file()}):
        target = out / folder.relative_to(lake)
        target.mkdir(parents=True)
        files = sorted(p for p in folder.iterdir() if p.is_file())
        parquet = [p for p in files if p.suffix == ".parquet"]
        if parquet:
            tables = [pq.read_table(p, partitioning=None) for p in parquet]
            pq.write_table(pa.concat_tables(tables, promote_options="default"),
                           target / "day.parquet", compression="snappy")
        lines = [p for p in files if p.suffix == ".json"]
        if lines:
            (target / "day.json").write_bytes(b"".join(p.read_bytes() for p in lines))


def _timed_pair(steps: dict[str, Any], repeats: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Median seconds and last answer of each step (one per lake), alternating, after one
    warm-up run each (it warms the file cache on both sides alike)."""
    seconds: dict[str, list[float]] = {name: [] for name in steps}
    answers: dict[str, Any] = {}
    for attempt in range(repeats + 1):
        for name, step in steps.items():
            started = time.perf_counter()
            answers[name] = step()
            if attempt:
                seconds[name].append(time.perf_counter() - started)
    return {name: statistics.median(times) for name, times in seconds.items()}, answers


def _query_step(connection: Any, query: NamedQuery, period: Period) -> Any:
    values = period.parameters(query.parameters, RULE)
    return lambda: run_sql(connection, query.sql, values).rows


def time_queries(year_lake: Path, compact: Path, repeats: int, period: Period,
                 ) -> list[QueryTiming]:
    """Each named query's median wall time on both lakes (the report's with `period`), then
    the whole report's, and a check that both lakes answer the same rows."""
    connections = {"year": open_lake(year_lake), "compact": open_lake(compact, iceberg=False)}
    timings = []
    for query in [*load_named_queries(), *report_queries().values()]:
        seconds, answers = _timed_pair(
            {name: _query_step(c, query, period) for name, c in connections.items()}, repeats)
        if sorted(map(repr, answers["year"])) != sorted(map(repr, answers["compact"])):
            raise RuntimeError(f"{query.name}: the two lakes answer differently")
        timings.append(QueryTiming(query.name, seconds["year"], seconds["compact"],
                                   len(answers["year"])))
    lakes = {"year": year_lake, "compact": compact}
    lake_queries = {name: LakeQueries(lake, connection=connections[name])
                    for name, lake in lakes.items()}
    if run_all(lake_queries["year"], period, RULE) != run_all(lake_queries["compact"], period,
                                                               RULE):
        raise RuntimeError("the report: the two lakes answer differently")
    seconds, answers = _timed_pair({
        # In UTC, as the simulated days are: every simulated play falls in the period.
        name: lambda lake=lake, name=name: build_report(lake_queries[name], period,
                                             lake.parent / f"report-{lake.name}.html",
                                             source="the year benchmark", rule=RULE)
        for name, lake in lakes.items()}, repeats)
    timings.append(QueryTiming(REPORT, seconds["year"], seconds["compact"],
                               answers["year"].plays))
    return timings


def run(work: Path, shape: YearShape = YearShape(), repeats: int = 1) -> YearResult:
    """Extract the templates, simulate the year, build the reference, time the queries."""
    work = work / "year"
    templates = extract_templates(work)
    started = time.perf_counter()
    daily, listening = simulate_year(work / "lake", templates, shape)
    simulate_seconds = time.perf_counter() - started
    compact_lake(work / "lake", work / "compact")
    return YearResult(
        shape=shape, simulate_seconds=simulate_seconds, daily=daily, listening=listening,
        year_files=table_files(work / "lake"), compact_files=table_files(work / "compact"),
        year_row_groups=row_groups(work / "lake"), compact_row_groups=row_groups(work / "compact"),
        year_snapshots=snapshots(work / "lake"),
        queries=time_queries(work / "lake", work / "compact", repeats, shape.period),
        repeats=repeats,
    )


# --- the report ------------------------------------------------------------------------


def _written(written: Written) -> str:
    return (f"{written.per_run(TABLES):.1f} objects ({written.kib_per_run(TABLES):,.0f} KiB)"
            f" under tables/ (data, manifests, metadata), {written.per_run(RUN_LOG):.1f} run-log "
            "objects "
            f"({written.kib_per_run(RUN_LOG):,.0f} KiB), {written.per_run('raw'):.1f} raw "
            "(landed and archived)")


def to_section(result: YearResult) -> Section:
    """One row per named query (times and ratio), files per lake and objects per run."""
    year_total, compact_total = sum(result.year_files.values()), sum(result.compact_files.values())
    shape = result.shape
    section = Section(
        title=(f"A year of runs: {shape.days:,} daily runs and {shape.listening_runs:,} "
               "listening runs, against the same rows as one file per table and day"),
        headers=["Named query", "Rows", "Year's lake (s)", "One file per table and day (s)",
                 "Ratio"],
        rows=[[q.name, f"{q.rows:,}", f"{q.year_seconds:.2f}", f"{q.compact_seconds:.2f}",
               f"{q.ratio:.1f}x"] for q in result.queries],
        data=result,
    )
    section.rows.append(["(files in the tables)", "", f"{year_total:,}", f"{compact_total:,}",
                         f"{year_total / compact_total:.1f}x"])
    section.rows.append(["(Parquet row groups)", "", f"{result.year_row_groups:,}",
                         f"{result.compact_row_groups:,}",
                         f"{result.year_row_groups / result.compact_row_groups:.1f}x"])
    per_table = ", ".join(f"{table} {count:,} -> {result.compact_files.get(table, 0):,}"
                          for table, count in result.year_files.items())
    section.notes += [
        f"Written per daily run ({result.daily.runs:,} runs of the demo's sources but "
        f"recently-played): {_written(result.daily)}. Per hourly listening run: "
        f"{_written(result.listening)}. A replaced object counts as written, whole.",
        f"Files per table (the current snapshots' data files), year's lake -> one per day: "
        f"{per_table}. Snapshots in the year's tables, before maintenance: "
        f"{result.year_snapshots:,}.",
        f"Built in {result.simulate_seconds:.0f} s through the transform handler (a daily run's "
        "files in one batch) over FolderS3 (an S3 client on the lake folder) and the Iceberg "
        "tables in moto's Glue and S3; raw documents extracted once from the local "
        f"Spotify and re-dated per run, {PLAYS_PER_HOUR} plays per listening run. Query "
        f"times: DuckDB (the Athena stand-in) on each lake, the median of {result.repeats} "
        "runs after a warm-up run, the lakes taking turns; both lakes checked to answer the "
        "same rows. The report's queries run with the simulated year as their period.",
    ]
    worst = max(result.queries, key=lambda q: q.ratio)
    section.targets.append(Target(
        *TARGETS[0], f"{min(q.ratio for q in result.queries):.1f}-{worst.ratio:.1f}x "
        f"(worst {worst.name})", worst.ratio <= 1.5,
        "" if worst.ratio <= 1.5 else
        f"{year_total:,} files and {result.year_row_groups:,} row groups against "
        f"{compact_total:,} and {result.compact_row_groups:,}: a reader pays per file and per "
        "row group",
    ))
    return section
