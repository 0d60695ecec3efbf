"""`run-local --sources N`: the planner and extract worker at scale, on accelerated time.

What runs for real: the planner (`plan_run`), the extract worker (`QueueWorker` built by the
worker handler's `build_queue_worker`, with its pacer and Spotify client), the extraction of each
source and the raw sink, against the local Spotify Web API (`FakeSpotify`) enforcing a rolling
30-second rate limit over HTTP on 127.0.0.1. What is simulated: the queue (`SQSStandIn`), Lambda's
SQS event source mapping (`EventSourceMapping`) and time (`VirtualClock`, shared by the server's
rate window, the pacers, the client's waits, the queue's timers and the invocation deadlines).
docs/scaling.md explains how the clock works and the figures this produces.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spotify_runtime import layout
from spotify_runtime.extract.credentials import SpotifyCredentials
from spotify_runtime.extract.message_body import parse_body
from spotify_runtime.extract.pacing import WINDOW_SECONDS
from spotify_runtime.extract.planner import plan_run
from spotify_runtime.extract.raw_sink import RawSink
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.extract.worker import (
    WorkerSettings,
    build_queue_worker,
    worker_pacer,
)
from spotify_runtime.run_log import RunRecord
from spotify_runtime.sources import Source

from spotify_local.folder_store import FolderStore
from spotify_local.spotify import sample_data
from spotify_local.spotify.server import FakeSpotify
from spotify_local.sqs_event_source import EventSourceMapping, Invoke
from spotify_local.sqs_queue import SQSStandIn
from spotify_local.virtual_clock import VirtualClock

RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)
"""The simulated run's scheduled time (names every raw key)."""
SIZE_CLASSES = ((0.7, 1, 100), (0.25, 101, 300), (0.05, 301, 1000))
"""Playlist sizes: (share, fewest items, most items). 70% fit in the one metadata request."""
ITEM_POOLS = 8
"""Generated item lists that playlists are sliced from."""
LONG_RETRY_AFTER_AT = 60.0
"""Simulated seconds into the run at which `long_retry_after_seconds` strikes."""


class MemoryRunRecorder:
    """The run log in memory, for the simulation (S3RunRecorder's rows, without S3); safe
    across worker threads."""

    def __init__(self) -> None:
        self.records: list[RunRecord] = []
        self.keys: dict[str, RunRecord] = {}
        self._lock = threading.Lock()

    def record(self, record: RunRecord, record_id: str, earlier_ids: Iterable[str] = ()) -> None:
        """Keep the row (a repeated id replaces its earlier row, as the S3 recorder does)."""
        record.record_id = record_id
        with self._lock:
            for rid in earlier_ids:
                if rid not in self.keys and rid != record_id:
                    self._keep(record.unrecorded(rid))
            self._keep(record)

    def _keep(self, record: RunRecord) -> None:
        if record.record_id in self.keys:
            self.records.remove(self.keys[record.record_id])
        self.keys[record.record_id] = record
        self.records.append(record)



@dataclass(frozen=True)
class SimulationSettings:
    """The knobs of one simulated run."""

    n_sources: int
    rate_limit_per_30s: int = 100
    """What the fake Spotify enforces (its rolling 30-second window)."""
    requests_per_30s: int | None = None
    """The workers' shared budget (EXTRACT_REQUESTS_PER_30S); default: the rate limit."""
    max_concurrency: int = 5
    """Worker containers (the event source mapping's maximum concurrency; prod's setting)."""
    batch_size: int = 1
    max_attempts: int = 3
    max_receive_count: int = 20
    function_timeout_seconds: int = 900
    unavailable_sources: int = 0
    """Extra sources that do not exist (404): they must end in the dead-letter queue."""
    long_retry_after_seconds: float | None = None
    """If set: LONG_RETRY_AFTER_AT seconds into the run, Spotify answers one request per worker
    with 429 and this Retry-After (the hour-long waits users report); they must be deferred."""
    size_classes: tuple[tuple[float, int, int], ...] = SIZE_CLASSES
    seed: int = 7


def playlist_sizes(
    count: int, rng: random.Random, size_classes: tuple[tuple[float, int, int], ...] = SIZE_CLASSES
) -> list[int]:
    """Varied playlist sizes drawn from (share, fewest items, most items) classes."""
    shares = [share for share, _low, _high in size_classes]
    classes = rng.choices(size_classes, weights=shares, k=count)
    return [rng.randint(low, high) for _share, low, high in classes]


def _serve_playlists(
    fake: FakeSpotify, settings: SimulationSettings
) -> tuple[list[Source], dict[str, int]]:
    """Generate and serve the playlists; returns them plus the unavailable sources, and the
    number of items each raw file must hold (by raw key).

    Items come from ITEM_POOLS generated lists sliced to each playlist's size (generating
    200,000 distinct items would take longer than the simulation); metadata is per playlist.
    """
    rng = random.Random(settings.seed)
    largest = max(high for _share, _low, high in settings.size_classes)
    pools = [
        sample_data.generate_playlist_items(largest, settings.seed * 1_000 + pool,
                                            added_by=fake.user_id)
        for pool in range(min(ITEM_POOLS, settings.n_sources))
    ]
    sources, expected_items = [], {}
    for index, size in enumerate(playlist_sizes(settings.n_sources, rng, settings.size_classes)):
        playlist_id = sample_data.spotify_id(rng)
        metadata = sample_data.make_playlist_metadata(
            playlist_id, name=f"Simulated #{index}", owner_id=fake.user_id, seed=index
        )
        fake.add_playlist(metadata, pools[index % ITEM_POOLS][:size])
        sources.append(Source("playlist", playlist_id))
        expected_items[layout.raw_key("playlist", playlist_id, RUN_AT)] = size
    sources += [
        Source("playlist", sample_data.spotify_id(rng)) for _ in range(settings.unavailable_sources)
    ]
    return sources, expected_items


class _RecordingSink:
    """The directory sink of the local CLI, also counting writes and each file's items."""

    def __init__(self, root: Path) -> None:
        self._inner = FolderStore(root)
        self.writes = 0
        self.items: dict[str, int] = {}

    def write(self, key: str, envelope: dict[str, Any]) -> str:
        self.writes += 1
        self.items[key] = len(envelope["items"])
        return self._inner.write(key, envelope)


def _raw_files(root: Path) -> list[Path]:
    return sorted((root / layout.RAW_TO_PROCESS).rglob("*.json"))


def _summary(
    settings: SimulationSettings,
    fake: FakeSpotify,
    sqs: SQSStandIn,
    dlq_url: str,
    mapping: EventSourceMapping,
    raw_root: Path,
    sink: _RecordingSink,
    expected_items: dict[str, int],
    real_seconds: float,
    recorder: MemoryRunRecorder,
) -> dict[str, Any]:
    files = _raw_files(raw_root)
    per_source = Counter(path.parent for path in files)
    dead = [parse_body(body).source for body in sqs.bodies(dlq_url)]
    api_requests = fake.count("^/v1/")
    throttled = fake.count("^/v1/", status=429)
    admitted = api_requests - throttled
    wall = mapping.stats.finished_at
    # Any 30 s window admits at most the limit, so a run spanning ceil(wall/30) windows from the
    # plan could have had at most that many times the limit: the bound we compare against.
    windows = max(math.ceil(wall / WINDOW_SECONDS), 1)
    return {
        "sources_total": settings.n_sources + settings.unavailable_sources,
        "sources_landed": len(per_source),
        "sources_dead_lettered": len(dead),
        "duplicate_raw_files": sum(count - 1 for count in per_source.values()),
        "raw_writes": sink.writes,
        "items_landed": sum(sink.items.values()),
        "items_missing_from_landed_files": sum(
            max(expected_items.get(key, 0) - count, 0) for key, count in sink.items.items()
        ),
        "requests": api_requests,
        "throttled_responses": throttled,
        "throttled_share": round(throttled / api_requests, 4) if api_requests else 0.0,
        "token_requests": fake.count("^/api/token"),
        "rate_limit_per_30s": settings.rate_limit_per_30s,
        "wall_seconds": round(wall, 1),
        "achieved_requests_per_30s": round(admitted / wall * WINDOW_SECONDS, 2) if wall else 0.0,
        "throughput_vs_rate_bound": round(admitted / (windows * settings.rate_limit_per_30s), 4),
        "outcomes": dict(mapping.stats.outcomes),
        "invocations": mapping.stats.invocations,
        "failed_invocations": mapping.stats.failed_invocations,
        "real_seconds": round(real_seconds, 2),
        # What the workers wrote to the run log (pipeline_runs), as the deployed worker does.
        "run_log": {
            "rows": len(recorder.records),
            "outcomes": dict(Counter(row.outcome for row in recorder.records)),
            "requests": sum(row.requests or 0 for row in recorder.records),
            "rate_limited": sum(row.rate_limited or 0 for row in recorder.records),
            "sources_landed": len({row.source for row in recorder.records
                                   if row.outcome == "landed"}),
        },
        "settings": asdict(settings),
    }


def run_simulation(
    n_sources: int,
    rate_limit_per_30s: int = 100,
    *,
    seed: int = 7,
    raw_dir: Path | None = None,
    **knobs: Any,
) -> dict[str, Any]:
    """Simulate one scheduled run over `n_sources` generated playlists; returns the summary.

    `knobs` are further SimulationSettings fields (max_concurrency, batch_size, ...). Raw files
    go to `raw_dir` (default: a temporary directory removed afterwards).
    """
    settings = SimulationSettings(n_sources, rate_limit_per_30s, seed=seed, **knobs)
    started = time.perf_counter()
    clock = VirtualClock()
    with tempfile.TemporaryDirectory(prefix="scale-sim-") as scratch, FakeSpotify(
        rate_limit_per_30s=rate_limit_per_30s, clock=clock.now
    ) as fake:
        raw_root = Path(raw_dir) if raw_dir else Path(scratch)
        sources, expected_items = _serve_playlists(fake, settings)
        sink = _RecordingSink(raw_root)
        recorder = MemoryRunRecorder()
        sqs = SQSStandIn(clock.now)
        dlq_url, queue_url = _create_queues(sqs, settings)
        worker_settings = WorkerSettings(
            dlq_url=dlq_url,
            max_attempts=settings.max_attempts,
            requests_per_30s=settings.requests_per_30s or rate_limit_per_30s,
            max_concurrency=settings.max_concurrency,
        )
        containers = [
            _container(worker_settings, sqs, fake, sink, clock, random.Random(seed + slot),
                       recorder)
            for slot in range(settings.max_concurrency)
        ]
        mapping = EventSourceMapping(
            sqs=sqs, queue_url=queue_url, clock=clock, containers=containers,
            batch_size=settings.batch_size,
            function_timeout_seconds=settings.function_timeout_seconds,
        )
        clock.enter()
        plan_run(sqs, queue_url, sources, RUN_AT, sleep=clock.sleep)
        threads = mapping.spawn()
        if settings.long_retry_after_seconds:
            threads.append(clock.spawn(lambda: _long_retry_after(clock, fake, settings), "429"))
        clock.leave()
        for thread in threads:
            thread.join()
        clock.raise_errors()
        return _summary(settings, fake, sqs, dlq_url, mapping, raw_root, sink, expected_items,
                        time.perf_counter() - started, recorder)


def _create_queues(sqs: SQSStandIn, settings: SimulationSettings) -> tuple[str, str]:
    """The extract queue and its DLQ, shaped as IngestStack shapes them."""
    dlq_url = sqs.create_queue(QueueName="extract-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    queue_url = sqs.create_queue(QueueName="extract", Attributes={
        # Lambda's rule for SQS event sources: at least six times the function timeout.
        "VisibilityTimeout": str(6 * settings.function_timeout_seconds),
        "RedrivePolicy": json.dumps({
            "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
            "maxReceiveCount": settings.max_receive_count,
        }),
    })["QueueUrl"]
    return dlq_url, queue_url


def _container(
    settings: WorkerSettings,
    sqs: SQSStandIn,
    fake: FakeSpotify,
    sink: RawSink,
    clock: VirtualClock,
    rng: random.Random,
    recorder: MemoryRunRecorder,
) -> Invoke:
    """One worker container as the handler builds it, on the virtual clock."""
    pacer = worker_pacer(settings, clock=clock.now, sleep=clock.sleep)
    client = SpotifyClient(
        SpotifyCredentials(fake.client_id, fake.client_secret, fake.refresh_token,
                           origin="the local Spotify's credentials"),
        api_url=fake.api_url, accounts_url=fake.accounts_url,
        throttle=pacer, sleep=clock.sleep, rng=rng,
    )
    worker = build_queue_worker(settings, sqs=sqs, sink=sink, client=client,
                             pacer=pacer, clock=clock.now, rng=rng, recorder=recorder)
    return worker.handle_batch


def _long_retry_after(clock: VirtualClock, fake: FakeSpotify, settings: SimulationSettings) -> None:
    clock.sleep(LONG_RETRY_AFTER_AT)
    fake.inject_fault(429, "^/v1/", count=settings.max_concurrency,
                      retry_after=settings.long_retry_after_seconds)
