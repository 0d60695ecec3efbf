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

from spotify_runtime.credentials import SpotifyCredentials, credentials_from_secret
from spotify_runtime.deadline import Deadline
from spotify_runtime.extract_run import extract_and_write
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
        if not environ.get("EXTRACT_DLQ_URL"):
            raise ValueError("EXTRACT_DLQ_URL is not set (the extract dead-letter queue's URL)")
        return cls(
            dlq_url=environ["EXTRACT_DLQ_URL"],
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
    credentials: SpotifyCredentials,
    api_url: str | None = None,
    accounts_url: str | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> QueueWorker:
    """One worker container: a paced Spotify client, the sink, and the queue decisions.

    The Lambda handler and the local simulation both build their workers here.
    """
    pacer = Pacer.for_worker(settings.requests_per_30s, settings.max_concurrency,
                             clock=clock, sleep=sleep)
    urls = {"api_url": api_url, "accounts_url": accounts_url}
    client = SpotifyClient(
        credentials, throttle=pacer, sleep=sleep, rng=rng,
        **{name: url for name, url in urls.items() if url},
    )

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


_CONTAINER: QueueWorker | None = None


def _container() -> QueueWorker:
    global _CONTAINER
    if _CONTAINER is None:
        _CONTAINER = build_container(
            WorkerSettings.from_env(os.environ),
            sqs=boto3.client("sqs"),
            sink=S3RawSink(boto3.client("s3"), os.environ["DATA_BUCKET"]),
            credentials=credentials_from_secret(os.environ["SPOTIFY_SECRET_ID"]),
            api_url=os.environ.get("SPOTIFY_API_URL") or None,
            accounts_url=os.environ.get("SPOTIFY_ACCOUNTS_URL") or None,
        )
    return _CONTAINER


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS event source target: handle each record; failures listed for redelivery."""
    result = _container().handle_batch(event["Records"], Deadline.from_lambda_context(context))
    return result.response
