"""The extract worker function: the extract queue's consumer, one source per message, partial
batch responses: its Lambda handler, and `build_queue_worker`, the one place a worker is
assembled (Lambda, the demo, the scale simulation and the tests). The container keeps its worker
(Spotify client and token, pacer; spotify_runtime.container); queue_worker.py decides what
happens to each message. Every invocation publishes RefreshTokenDaysLeft, and a refresh token
Spotify rotates is written back to the secret before it is used.

Its environment: docs/infrastructure.md ("Extract worker"); the queue's decisions: docs/scaling.md.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from spotify_runtime import container, metrics
from spotify_runtime.aws_errors import aws_error_code
from spotify_runtime.contract import (
    DEFAULT_EXTRACT_MAX_ATTEMPTS,
    DEFAULT_EXTRACT_MAX_CONCURRENCY,
    DEFAULT_EXTRACT_REQUESTS_PER_30S,
    ENV_DATA_BUCKET,
    ENV_EXTRACT_DLQ_URL,
    ENV_EXTRACT_MAX_ATTEMPTS,
    ENV_EXTRACT_MAX_CONCURRENCY,
    ENV_EXTRACT_QUEUE_URL,
    ENV_EXTRACT_REQUESTS_PER_30S,
    ENV_SPOTIFY_ACCOUNTS_URL,
    ENV_SPOTIFY_API_URL,
    ENV_SPOTIFY_SECRET_ID,
    METRIC_REFRESH_TOKEN_DAYS_LEFT,
)
from spotify_runtime.extract.credentials import (
    credentials_from_secret,
    store_rotated_refresh_token,
)
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.landing import SourceExtractor
from spotify_runtime.extract.pacing import Pacer
from spotify_runtime.extract.queue_worker import MessageRetryPolicy, QueueWorker
from spotify_runtime.extract.raw_sink import RawSink, S3RawSink
from spotify_runtime.extract.spotify_client import (
    DEFAULT_ACCOUNTS_URL,
    DEFAULT_API_URL,
    SpotifyClient,
)
from spotify_runtime.extract.state import CursorStore, S3CursorStore
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.run_log import RunRecorder, S3RunRecorder

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerSettings:
    """The worker's knobs, from its environment (the CDK app sets them from cdk.json)."""

    dlq_url: str
    max_attempts: int = DEFAULT_EXTRACT_MAX_ATTEMPTS
    requests_per_30s: int = DEFAULT_EXTRACT_REQUESTS_PER_30S
    max_concurrency: int = DEFAULT_EXTRACT_MAX_CONCURRENCY
    queue_url: str | None = None
    retry_base_delay_seconds: float = 30.0
    """Backoff before the first retry of a failed source (not configurable in AWS)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> WorkerSettings:
        """Read and validate the variables; errors name the variable."""
        return cls(
            dlq_url=required_env(ENV_EXTRACT_DLQ_URL, environ),
            max_attempts=_positive_int(environ, ENV_EXTRACT_MAX_ATTEMPTS, cls.max_attempts),
            requests_per_30s=_positive_int(environ, ENV_EXTRACT_REQUESTS_PER_30S,
                                           cls.requests_per_30s),
            max_concurrency=_positive_int(environ, ENV_EXTRACT_MAX_CONCURRENCY,
                                          cls.max_concurrency),
            queue_url=environ.get(ENV_EXTRACT_QUEUE_URL) or None,
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


def build_queue_worker(
    settings: WorkerSettings,
    *,
    sqs: Any,
    sink: RawSink,
    client: SpotifyClient,
    pacer: Pacer,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    metric: Callable[[str, float], None] | None = None,
    cursors: CursorStore | None = None,
    recorder: RunRecorder | None = None,
    metrics_bucket: str | None = None,
) -> QueueWorker:
    """One worker container's queue worker: the queue decisions over a paced client and a raw
    sink.

    `pacer` must be the client's `throttle`; `metric(name, value)` publishes a metric.
    `cursors` keeps the listening sources' cursors (deployed: S3 under layout.STATE).
    `recorder` receives the run-log row of every handling; with `metrics_bucket`, each handling
    is also emitted as EMF metrics (dimension Bucket), and it is the listening gap metric's
    dimension. The Lambda handler and the local simulation both build their workers here.
    """
    return QueueWorker(
        sqs=sqs, dlq_url=settings.dlq_url,
        extractor=SourceExtractor(client, sink, cursors=cursors, metric_bucket=metrics_bucket),
        policy=MessageRetryPolicy(settings.max_attempts, settings.retry_base_delay_seconds),
        queue_url=settings.queue_url, pacer=pacer, clock=clock, rng=rng, metric=metric,
        recorder=recorder, metrics_bucket=metrics_bucket,
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


def refresh_token_days_left(client: SpotifyClient, now: datetime) -> float | None:
    """Days before re-authorization is needed: 0 once refused, None when unknown (no user, or
    a secret without `authorized_at`)."""
    if client.refresh_token_error is not None:
        return 0.0
    return client.credentials.days_left(now)


def publish_refresh_token_days_left(
    client: SpotifyClient, metric: Callable[[str, float], None], now: datetime,
    *, warn: bool = True,
) -> None:
    """Publish RefreshTokenDaysLeft when it is known (its alarm watches it); else, with `warn`,
    log why it is not."""
    days = refresh_token_days_left(client, now)
    if days is not None:
        metric(METRIC_REFRESH_TOKEN_DAYS_LEFT, round(days, 2))
    elif warn and client.credentials.has_user:
        LOG.warning("the secret has no authorized_at: the refresh token's expiry is unknown and "
                    "its alarm cannot warn; run `%s` to record it",
                    client.credentials.reauthorize_command)


WORKER = "extract queue worker"
"""What the worker's container keeps its queue worker under (spotify_runtime.container)."""


def queue_worker_from_env(environ: Mapping[str, str] | None = None) -> QueueWorker:
    """A queue worker built from the environment the stack sets, on this container's clients."""
    env = os.environ if environ is None else environ
    settings = WorkerSettings.from_env(env)
    pacer = worker_pacer(settings)
    client = spotify_client_from_env(env, throttle=pacer)
    client.throttle = pacer  # a client kept before this worker was built is paced too
    bucket = required_env(ENV_DATA_BUCKET, env)
    s3 = container.aws_client("s3")

    def metric(name: str, value: float) -> None:
        metrics.emit(name, value, bucket=bucket)

    return build_queue_worker(
        settings,
        sqs=container.aws_client("sqs"),
        sink=S3RawSink(s3, bucket),
        client=client,
        pacer=pacer,
        metric=metric,
        cursors=S3CursorStore(s3, bucket),
        recorder=S3RunRecorder(s3, bucket),
        metrics_bucket=bucket,
    )


def spotify_client_from_env(
    environ: Mapping[str, str], *, throttle: Callable[[], None] | None = None,
) -> SpotifyClient:
    """The Spotify client this container keeps: credentials from SPOTIFY_SECRET_ID (read once),
    optional SPOTIFY_API_URL / SPOTIFY_ACCOUNTS_URL; its token is reused across invocations.
    `throttle` is used when the client is first created. A refresh token Spotify rotates is
    written back to the secret (before its access token is used) so later containers read it."""
    secret_id = required_env(ENV_SPOTIFY_SECRET_ID, environ)
    api_url = environ.get(ENV_SPOTIFY_API_URL) or DEFAULT_API_URL
    accounts_url = environ.get(ENV_SPOTIFY_ACCOUNTS_URL) or DEFAULT_ACCOUNTS_URL

    def keep_rotated(token: str) -> None:
        try:
            store_rotated_refresh_token(secret_id, token, container.aws_client("secretsmanager"))
        except Exception as error:  # this container goes on with the new token in memory
            LOG.error("could not store the rotated refresh token in secret %r (%s): the "
                      "next container may be refused; run `python -m spotify_etl auth "
                      "--secret-id %s`", secret_id, aws_error_code(error), secret_id)
        else:
            LOG.info("stored the refresh token Spotify rotated in secret %r", secret_id)

    return container.kept(("spotify client", secret_id, api_url, accounts_url), lambda: (
        SpotifyClient(credentials_from_secret(secret_id), api_url=api_url,
                      accounts_url=accounts_url, throttle=throttle,
                      on_refresh_token_rotated=keep_rotated)
    ))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """SQS event source target: handle each record; failures listed for redelivery."""
    configure_logging()
    new_container = container.find(WORKER) is None
    worker = container.kept(WORKER, queue_worker_from_env)
    result = worker.handle_batch(event["Records"], Deadline.from_lambda_context(context))
    if worker.metric is not None:
        publish_refresh_token_days_left(worker.extractor.client, worker.metric, datetime.now(UTC),
                                        warn=new_container)  # once per container
    return result.response
