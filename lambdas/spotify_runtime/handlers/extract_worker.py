"""The extract queue's consumer: one source per message, partial batch responses.

Environment: `DATA_BUCKET`, `SPOTIFY_SECRET_ID`, `EXTRACT_DLQ_URL`, `EXTRACT_MAX_ATTEMPTS`,
`EXTRACT_REQUESTS_PER_30S`, `EXTRACT_MAX_CONCURRENCY`, optional `EXTRACT_QUEUE_URL` (else the
queue is found from each record's ARN), `SPOTIFY_API_URL`, `SPOTIFY_ACCOUNTS_URL`.

The container (Spotify client and token, pacer, rate-limit memory) is built on the first
invocation and kept at module level, so every message a container handles reuses them.
spotify_runtime.queue_worker decides what happens to each message.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3

from spotify_runtime.deadline import Deadline
from spotify_runtime.extract_run import extract_and_write
from spotify_runtime.handlers import (
    configure_logging,
    container_client,
    forget_container_state,
    required_env,
)
from spotify_runtime.pacing import Pacer
from spotify_runtime.queue_worker import QueueWorker, RetryPolicy
from spotify_runtime.raw_sink import RawSink, S3RawSink
from spotify_runtime.sources import Source
from spotify_runtime.spotify_client import SpotifyClient


@dataclass(frozen=True)
class WorkerSettings:
    """The worker's knobs, from its environment (the CDK app sets them from cdk.json)."""

    dlq_url: str
    max_attempts: int = 3
    requests_per_30s: int = 90
    max_concurrency: int = 2
    queue_url: str | None = None
    retry_base_delay_seconds: float = 30.0
    """Backoff before the first retry of a failed source (not configurable in AWS)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WorkerSettings:
        """Read and validate the variables; errors name the variable."""
        return cls(
            dlq_url=required_env("EXTRACT_DLQ_URL", environ),
            max_attempts=_positive_int(environ, "EXTRACT_MAX_ATTEMPTS", cls.max_attempts),
            requests_per_30s=_positive_int(environ, "EXTRACT_REQUESTS_PER_30S",
                                           cls.requests_per_30s),
            max_concurrency=_positive_int(environ, "EXTRACT_MAX_CONCURRENCY",
                                          cls.max_concurrency),
            queue_url=environ.get("EXTRACT_QUEUE_URL") or None,
        )


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a whole number") from None
    if value < 1:
        raise ValueError(f"{name}={value} must be at least 1")
    return value


def build_container(
    settings: WorkerSettings,
    *,
    sqs: Any,
    sink: RawSink,
    client: SpotifyClient,
    pacer: Pacer,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
) -> QueueWorker:
    """One worker container: the queue decisions over a paced client and a raw sink.

    `pacer` must be the client's `throttle`. The Lambda handler and the local simulation both
    build their workers here.
    """

    def extract(source: Source, run_at: datetime, deadline: Deadline) -> str:
        # The direct extract handler's per-source code; its error decides the message's fate.
        outcome = extract_and_write(client, source, sink, run_at=run_at, deadline=deadline)
        if outcome.error is not None:
            raise outcome.error
        return outcome.location or outcome.key

    return QueueWorker(
        sqs=sqs, dlq_url=settings.dlq_url, extract=extract,
        policy=RetryPolicy(settings.max_attempts, settings.retry_base_delay_seconds),
        queue_url=settings.queue_url, pacer=pacer, clock=clock, rng=rng,
    )


def worker_pacer(
    settings: WorkerSettings,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Pacer:
    """This worker's share of the request budget (docs/scaling.md: sizing)."""
    return Pacer.for_worker(settings.requests_per_30s, settings.max_concurrency,
                            clock=clock, sleep=sleep)


_CONTAINER: list[QueueWorker] = []


def _container() -> QueueWorker:
    if not _CONTAINER:
        settings = WorkerSettings.from_env(os.environ)
        pacer = worker_pacer(settings)
        client = container_client(throttle=pacer)
        client.throttle = pacer  # a client cached before this worker was built is paced too
        _CONTAINER.append(build_container(
            settings,
            sqs=boto3.client("sqs"),
            sink=S3RawSink(boto3.client("s3"), required_env("DATA_BUCKET")),
            client=client,
            pacer=pacer,
        ))
    return _CONTAINER[0]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS event source target: handle each record; failures listed for redelivery."""
    configure_logging()
    result = _container().handle_batch(event["Records"], Deadline.from_lambda_context(context))
    return result.response


def forget_container() -> None:
    """Drop this container's worker and client (tests simulate a new container)."""
    _CONTAINER.clear()
    forget_container_state()
