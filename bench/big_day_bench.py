"""A big day: 1,000 playlists of one day through the deployed transform handler at its
concurrency and batch size, against the previous version's writes of one object per raw file,
on a lake folder whose S3 calls are slowed as S3's would be. What is counted and assumed: the
section's notes in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import queue
import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pyarrow.parquet as pq
from botocore.exceptions import ClientError
from spotify_runtime.contract import ENV_DATA_BUCKET, TRANSFORM_TIMEOUT_SECONDS
from spotify_runtime.envelope import build_envelope
from spotify_runtime.extract.raw_sink import encode_envelope
from spotify_runtime.iceberg_tables import glue_catalog
from spotify_runtime.layout import (
    PROCESSED,
    RUN_LOG,
    TABLES,
    processed_file_stem,
    processed_raw_key,
    raw_key,
)
from spotify_runtime.transform.handler import handler
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS
from spotify_runtime.transform.raw_to_parquet import transform_raw_file

from bench.folder_s3 import FolderS3
from bench.report import Section, Target
from bench.year_bench import BUCKET, lambda_environment, queued_event
from infra.config import EnvironmentSettings
from spotify_local.botocore_hooks import hooked_s3_clients
from spotify_local.iceberg_lake import current_data_files, current_row_count
from spotify_local.lambda_context import (
    FakeLambdaContext,
    new_container,
    run_containers_as_threads,
)
from spotify_local.moto_aws import BUCKET_NAME, lake_catalog, patched_environ
from spotify_local.spotify import sample_data

RUN_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
SOURCES = 1_000
ITEMS_PER_PLAYLIST = 119
"""The scale benchmark's 1,000 sources land 119,052 playlist items: about 119 each."""
REQUEST_SECONDS = 0.03
MIB_PER_SECOND = 80.0
DEFAULTS = EnvironmentSettings("big-day")
"""An environment with every setting at its default."""
CONCURRENCY = DEFAULTS.transform_max_concurrency
MAX_RECEIVES = DEFAULTS.transform_max_receive_count
BATCH_SIZE = DEFAULTS.transform_batch_size
TARGETS = ((f"A big day: {SOURCES:,} raw files of one day at the transform's concurrency",
            "none dead-lettered"),
           ("A big day: bytes written to the tables and run log", "within 2x of one object "
            "per raw file"),
           ("A big day: wall time", "within 1.5x of one object per raw file"))


class SlowS3:
    """`FolderS3` with each call slowed as S3 would be (latency plus transfer), and the writes
    that lost their race (412 / 409) counted."""

    def __init__(self, s3: FolderS3, request_seconds: float, mib_per_second: float) -> None:
        self.s3, self.exceptions = s3, s3.exceptions
        self.request_seconds, self.bytes_per_second = request_seconds, mib_per_second * 2**20
        self.lost_races = 0
        self._lock = threading.Lock()

    def _wait(self, size: int) -> None:
        time.sleep(self.request_seconds + size / self.bytes_per_second)

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        """GetObject, after the request's time."""
        answer = self.s3.get_object(**kwargs)
        self._wait(answer["ContentLength"])
        return answer

    def put_object(self, **kwargs: Any) -> dict[str, Any]:
        """PutObject (conditional or not), after the request's time."""
        body = kwargs["Body"]
        self._wait(len(body) if isinstance(body, bytes) else 0)
        try:
            return self.s3.put_object(**kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("PreconditionFailed",
                                                   "ConditionalRequestConflict"):
                with self._lock:
                    self.lost_races += 1
            raise

    def copy_object(self, **kwargs: Any) -> dict[str, Any]:
        """CopyObject (server-side: latency only)."""
        self._wait(0)
        return self.s3.copy_object(**kwargs)

    def delete_object(self, **kwargs: Any) -> dict[str, Any]:
        """DeleteObject."""
        self._wait(0)
        return self.s3.delete_object(**kwargs)

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]:
        """ListObjectsV2."""
        self._wait(0)
        return self.s3.list_objects_v2(**kwargs)


@contextmanager
def slowed_s3_clients(request_seconds: float, mib_per_second: float) -> Iterator[None]:
    """Every S3 client botocore makes while the block runs (the tables' FileIO, on moto) waits
    as `SlowS3` does: the request's time plus its bytes sent, and a GetObject's bytes read."""
    bytes_per_second = mib_per_second * 2**20

    def before_send(request: Any, **_: Any) -> None:
        body = request.body
        time.sleep(request_seconds + (len(body) if isinstance(body, bytes | bytearray) else 0)
                   / bytes_per_second)

    def after_get(parsed: dict[str, Any], **_: Any) -> None:
        time.sleep(int(parsed.get("ContentLength") or 0) / bytes_per_second)

    with hooked_s3_clients({"before-send.s3": before_send,
                            "after-call.s3.GetObject": after_get}):
        yield


@dataclass(frozen=True)
class DayRun:
    """One way of storing the big day: what its deliveries cost."""

    seconds: float
    bytes_written: int
    objects_written: int
    table_objects: int
    rows: dict[str, int]
    deliveries: int
    dead_lettered: int
    lost_races: int


@dataclass(frozen=True)
class BigDayResult:
    """Ours (one object per table and day) and the reference (one per raw file and table)."""

    sources: int
    items: int
    concurrency: int
    ours: DayRun
    reference: DayRun


def _playlist_id(number: int) -> str:
    return f"bigday{number:016d}"


def raw_documents(sources: int, items: int) -> list[tuple[str, bytes]]:
    """(raw key, envelope) of `sources` playlists of `items` tracks, all of one run."""
    documents = []
    for number in range(sources):
        playlist_id = _playlist_id(number)
        metadata, tracks = sample_data.generate_playlist(playlist_id, items, seed=number)
        envelope = build_envelope(source_type="playlist", source_id=playlist_id,
                                  source_name=metadata["name"], metadata=metadata, items=tracks,
                                  extracted_at=RUN_AT, run_at=RUN_AT)
        documents.append((raw_key("playlist", playlist_id, RUN_AT), encode_envelope(envelope)))
    return documents


def _deliver(keys: list[str], concurrency: int, batch_size: int,
             handle: Any) -> tuple[int, int]:
    """Deliver every key in batches of `batch_size`, `concurrency` batches at a time; the keys
    whose handling fails are delivered again (a batch of their own) until MAX_RECEIVES.
    `handle(keys, receive)` returns the keys that failed. Returns (deliveries, keys given up)."""
    pending: queue.Queue[tuple[list[str], int] | None] = queue.Queue()
    for start in range(0, len(keys), batch_size):
        pending.put((keys[start:start + batch_size], 1))
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def work() -> None:
        while (item := pending.get()) is not None:
            batch, receive = item
            try:
                failed = handle(batch, receive)
            except Exception:  # an invocation that raised: its whole batch comes back
                failed = list(batch)
            with lock:
                counts["deliveries"] += len(batch)
                if failed and receive >= MAX_RECEIVES:
                    counts["dead_lettered"] += len(failed)
            if failed and receive < MAX_RECEIVES:
                pending.put((failed, receive + 1))
            pending.task_done()

    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    pending.join()
    for _ in threads:
        pending.put(None)
    for thread in threads:
        thread.join()
    return counts["deliveries"], counts["dead_lettered"]


def _ours(s3: SlowS3) -> Any:
    def handle(keys: list[str], receive: int) -> list[str]:
        context = FakeLambdaContext("transform", TRANSFORM_TIMEOUT_SECONDS)
        answer = handler(queued_event(*keys, receive=receive), context, s3=s3,
                         catalog=glue_catalog())
        failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
        return [key for key in keys if f"message-{key}" in failed]
    return handle


def _reference(s3: SlowS3) -> Any:
    """The previous version's writes for one raw file: each table's rows an object of their
    own (named by the raw file's stem), the file archived, a run-log object of its own."""
    def handle(keys: list[str], receive: int) -> list[str]:
        for key in keys:
            handle_one(key)
        return []

    def handle_one(key: str) -> None:
        body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        transformed = transform_raw_file(body, key)
        stem = processed_file_stem(key)
        for partition, rows in transformed.outputs.items():
            s3.put_object(Bucket=BUCKET, Key=f"{partition.rsplit('/', 1)[0]}/{stem}.parquet",
                          Body=rows)
        s3.copy_object(Bucket=BUCKET, Key=processed_raw_key(key),
                       CopySource={"Bucket": BUCKET, "Key": key})
        s3.delete_object(Bucket=BUCKET, Key=key)
        row = {"stage": "transform", "raw_key": key, "outcome": "processed"}
        s3.put_object(Bucket=BUCKET, Body=json.dumps(row).encode(),
                      Key=f"{RUN_LOG}run_date={RUN_AT.date()}/transform-{stem}.json")
    return handle


def _rows(lake: Path) -> dict[str, int]:
    rows: Counter[str] = Counter()
    for path in (lake / PROCESSED).rglob("*.parquet"):
        rows[path.relative_to(lake / PROCESSED).parts[0]] += pq.read_metadata(path).num_rows
    return dict(sorted(rows.items()))


def run_day(lake: Path, documents: list[tuple[str, bytes]], concurrency: int,
            handle_with: Any, batch_size: int = 1) -> DayRun:
    """Land the documents on a fresh lake (not timed), then deliver them all (timed)."""
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    folder = FolderS3(lake, BUCKET)
    for key, body in documents:
        folder.put_object(Bucket=BUCKET, Key=key, Body=body)
    folder.reset_counts()
    s3 = SlowS3(folder, REQUEST_SECONDS, MIB_PER_SECOND)
    started = time.perf_counter()
    deliveries, dead = _deliver([key for key, _ in documents], concurrency, batch_size,
                                handle_with(s3))
    seconds = time.perf_counter() - started
    objects, sizes = folder.reset_counts()
    tables = sum(1 for _ in (lake / PROCESSED).rglob("*.parquet"))
    return DayRun(seconds, sum(sizes[p] for p in ("processed", "pipeline_runs")),
                  sum(objects[p] for p in ("processed", "pipeline_runs")), tables, _rows(lake),
                  deliveries, dead, s3.lost_races)


def run_ours(lake: Path, documents: list[tuple[str, bytes]], concurrency: int,
             batch_size: int) -> DayRun:
    """The big day through the deployed handler, its tables in moto's Glue and S3
    (`lake_catalog`, left in the lake folder): the folder's figures plus the tables'."""
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    # The raw files' bucket is the folder's (moto's endpoint holds only the tables).
    with lake_catalog(lake), patched_environ({ENV_DATA_BUCKET: BUCKET}):
        moto_s3 = boto3.client("s3")
        # The tables' S3 requests wait as the raw files' do; each delivering thread is a
        # container of its own, with clients made under the wait.
        run_containers_as_threads()
        new_container()
        with slowed_s3_clients(REQUEST_SECONDS, MIB_PER_SECOND):
            day = run_day(lake, documents, concurrency, _ours, batch_size)
        listed = [item for page in moto_s3.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET_NAME, Prefix=TABLES) for item in page.get("Contents", [])]
    rows = {name: current_row_count(lake, name) for name in TABLE_DEFINITIONS}
    return replace(day, bytes_written=day.bytes_written + sum(i["Size"] for i in listed),
                   objects_written=day.objects_written + len(listed),
                   table_objects=sum(len(current_data_files(lake, name))
                                     for name in TABLE_DEFINITIONS),
                   rows={name: count for name, count in sorted(rows.items()) if count})


def run(work: Path, sources: int = SOURCES, items: int = ITEMS_PER_PLAYLIST,
        concurrency: int = CONCURRENCY, batch_size: int = BATCH_SIZE) -> BigDayResult:
    """The big day both ways (the same documents; ours in the event source's batches, the
    reference one file per delivery)."""
    documents = raw_documents(sources, items)
    with lambda_environment():
        ours = run_ours(work / "big-day" / "ours", documents, concurrency, batch_size)
        reference = run_day(work / "big-day" / "reference", documents, concurrency, _reference)
    if ours.rows != reference.rows and not ours.dead_lettered:
        raise RuntimeError(f"the two layouts hold different rows: {ours.rows} against "
                           f"{reference.rows}")
    return BigDayResult(sources, items, concurrency, ours, reference)


def to_section(result: BigDayResult) -> Section:
    """Both layouts side by side, with the ratios."""
    ours, ref = result.ours, result.reference

    def ratio(a: float, b: float) -> str:
        return "-" if not b else f"{a / b:.1f}x" if a / b >= 0.1 else f"{a / b:.3f}x"

    section = Section(
        title=(f"A big day: {result.sources:,} playlists of one day through the transform, "
               f"{result.concurrency} at a time"),
        headers=["Figure", "Iceberg tables, batches", "One object per raw file (reference)",
                 "Ratio"],
        rows=[
            ["wall time (s)", f"{ours.seconds:.1f}", f"{ref.seconds:.1f}",
             ratio(ours.seconds, ref.seconds)],
            ["MiB written to tables and run log", f"{ours.bytes_written / 2**20:,.0f}",
             f"{ref.bytes_written / 2**20:,.0f}", ratio(ours.bytes_written, ref.bytes_written)],
            ["objects written (rewrites included)", f"{ours.objects_written:,}",
             f"{ref.objects_written:,}", ratio(ours.objects_written, ref.objects_written)],
            ["table data files left for the day", f"{ours.table_objects:,}",
             f"{ref.table_objects:,}", ratio(ours.table_objects, ref.table_objects)],
            ["deliveries (a failed one is delivered again)", f"{ours.deliveries:,}",
             f"{ref.deliveries:,}", ratio(ours.deliveries, ref.deliveries)],
            ["conditional writes that lost their race", f"{ours.lost_races:,}",
             f"{ref.lost_races:,}", "-"],
            [f"dead-lettered (failed {MAX_RECEIVES} deliveries)", f"{ours.dead_lettered:,}",
             f"{ref.dead_lettered:,}", "-"],
        ],
        data=result,
    )
    section.notes.append(
        f"{result.sources:,} generated playlists of {result.items} tracks, one raw file each, "
        f"all of one run; rows per table the same in both lakes ({sum(ours.rows.values()):,}). "
        f"Each S3 call on the lake folder waits {REQUEST_SECONDS * 1000:.0f} ms plus its bytes "
        f"at {MIB_PER_SECOND:.0f} MiB/s (assumed, so that a partition is held for as long as "
        "it would be on S3). Deliveries as the transform queue's event source makes them: "
        f"{result.concurrency} at a time (`transform_max_concurrency`), a batch item failure "
        f"delivered again, at most {MAX_RECEIVES} receives (`transform_max_receive_count`). "
        "Ours: the deployed transform handler, given the event source's batches "
        "(`transform_batch_size`), its tables in moto's Glue and S3 (their S3 requests slowed the "
        "same way; Glue's are not); reference: the previous version's writes per raw file "
        "(docs/storage.md).")
    section.targets.append(Target(
        *TARGETS[0], f"{ours.dead_lettered} dead-lettered, {ours.deliveries - result.sources}"
        " deliveries repeated", ours.dead_lettered == 0,
        "" if not ours.dead_lettered else
        "batches whose commits conflicted more often than they are planned again"))
    written, seconds = ours.bytes_written / ref.bytes_written, ours.seconds / ref.seconds
    section.targets.append(Target(*TARGETS[1], f"{written:.1f}x", written <= 2.0))
    section.targets.append(Target(
        *TARGETS[2], f"{seconds:.1f}x", seconds <= 1.5,
        "" if seconds <= 1.5 else "each commit's catalog round trips and manifest writes, "
        "and the run log's day object rewritten by every batch"))
    return section
