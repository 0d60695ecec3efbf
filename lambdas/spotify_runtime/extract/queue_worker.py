"""`QueueWorker`: what one extract worker container does with each message of its batches
(land, expand, defer, retry, dead-letter), through the shared loop of spotify_runtime.sqs_batch.
Every handling is written to the run log and emitted as metrics. docs/scaling.md ("What happens
to one message") has the outcomes and why; docs/storage.md ("A run log that misses nothing")
why a message whose row could not be written goes back to the queue.
"""

from __future__ import annotations

import enum
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spotify_runtime import metrics
from spotify_runtime.contract import (
    METRIC_DIMENSION_OUTCOME,
    METRIC_QUOTA_DEFERRALS,
    METRIC_SPOTIFY_RATE_LIMITED,
    METRIC_SPOTIFY_REQUESTS,
    METRIC_WORKER_OUTCOME,
)
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import (
    ExtractError,
    QuotaExceededError,
    RateLimitedError,
    RefreshTokenExpiredError,
    SourceUnavailableError,
)
from spotify_runtime.extract.landing import SourceExtractor, SourceOutcome
from spotify_runtime.extract.message_body import ExtractMessage, InvalidMessageError, parse_body
from spotify_runtime.extract.pacing import Pacer, PacingOverrunError
from spotify_runtime.extract.planner import plan_run
from spotify_runtime.run_log import EXTRACT, RunLogWriteError, RunRecord, RunRecorder
from spotify_runtime.sqs_batch import PartialBatch, SqsMessage

LOG = logging.getLogger(__name__)


MAX_VISIBILITY_SECONDS = 43_200
"""SQS's ceiling for a visibility timeout (12 hours, counted from the receive)."""
RECEIVE_MARGIN_SECONDS = 60
"""Kept below the 12-hour ceiling for the time between SQS's receive and our call."""
MAX_DELAY_SECONDS = 900
"""SQS's ceiling for a message's DelaySeconds."""
MIN_SECONDS_TO_START = 5.0
"""A message is not started with less than this left in the invocation."""
ERROR_TEXT_LIMIT = 1_000
MAX_PACING_OVERRUNS = 2
"""Invocations of its own a source may run out of time in before it is dead-lettered."""


class SourceTooLargeError(ExtractError):
    """A source needs more requests than one invocation can send at the worker's pace."""


class MessageOutcome(enum.StrEnum):
    """What happened to one message."""

    LANDED = "landed"
    EXPANDED = "expanded"
    DEFERRED = "deferred"
    QUOTA_DEFERRED = "quota_deferred"
    RETRY_SCHEDULED = "retry_scheduled"
    PACED_OUT = "paced_out"
    DEAD_LETTERED = "dead_lettered"
    NOT_STARTED = "not_started"
    RETURNED = "returned"

    @property
    def redeliver(self) -> bool:
        """Whether the message stays on the queue (reported in batchItemFailures)."""
        return self in (MessageOutcome.DEFERRED, MessageOutcome.NOT_STARTED,
                        MessageOutcome.RETURNED)


@dataclass(frozen=True)
class MessageRetryPolicy:
    """Bounded retries for errors other than a deferring 429."""

    max_attempts: int = 3
    """Failed attempts before a source is dead-lettered (EXTRACT_MAX_ATTEMPTS)."""
    base_delay_seconds: float = 30.0
    """Backoff before the first retry; doubled for each further one, with jitter."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"EXTRACT_MAX_ATTEMPTS must be at least 1, got {self.max_attempts}")

    def delay_seconds(self, failed_attempts: int, rng: random.Random) -> int:
        """DelaySeconds for the retry after `failed_attempts` failures (half to full backoff)."""
        backoff = self.base_delay_seconds * 2 ** (failed_attempts - 1)
        return min(math.ceil(backoff * rng.uniform(0.5, 1.0)), MAX_DELAY_SECONDS)


@dataclass
class BatchResult(PartialBatch):
    """The partial batch response, and what happened to each message (by messageId)."""

    outcomes: dict[str, MessageOutcome] = field(default_factory=dict)
    unrecorded: set[str] = field(default_factory=set)
    """Messages whose run-log row could not be written: redelivered so the next delivery
    records it."""


def queue_url_from_arn(sqs: Any, arn: str) -> str:
    """The queue URL for an `arn:aws:sqs:region:account:name` (asks SQS, honours endpoints)."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise ValueError(f"not an SQS queue ARN: {arn!r}")
    return sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]


def defer_visibility_seconds(retry_after: float, elapsed: float, rng: random.Random) -> int:
    """Visibility timeout for a deferral: the wait plus up to 10% (at most 60 s) jitter, capped
    so the whole receive stays within SQS's 12 hours. Jitter spreads the deferred messages so
    they do not all come back at the same second."""
    jitter = rng.uniform(0.0, min(max(retry_after * 0.1, 1.0), 60.0))
    ceiling = MAX_VISIBILITY_SECONDS - RECEIVE_MARGIN_SECONDS - math.ceil(elapsed)
    return max(min(math.ceil(retry_after + jitter), ceiling), 0)


@dataclass
class _Facts:
    """What one handling learned, for its run-log row."""

    message: ExtractMessage | None = None
    error: str | None = None
    items: int | None = None
    raw_key: str | None = None


class QueueWorker:
    """One worker container's handling of extract messages: its SQS client, its extractor (the
    Spotify client and token, reused for every message the container handles) and its
    rate-limit memory. The worker's Lambda handler keeps one per container (worker.py)."""

    def __init__(
        self,
        *,
        sqs: Any,
        dlq_url: str,
        extractor: SourceExtractor,
        policy: MessageRetryPolicy | None = None,
        queue_url: str | None = None,
        pacer: Pacer | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        metric: Callable[[str, float], None] | None = None,
        recorder: RunRecorder | None = None,
        metrics_bucket: str | None = None,
    ) -> None:
        """`now` dates quota waits (`not_before`, compared across containers); `metric(name,
        value)` publishes a metric (EMF in Lambda); with `metrics_bucket`, each handling is also
        emitted as EMF metrics (dimension Bucket)."""
        self.sqs = sqs
        self.dlq_url = dlq_url
        self.extractor = extractor
        self.policy = policy or MessageRetryPolicy()
        self._queue_urls: dict[str, str] = {}
        self._queue_url = queue_url
        self._pacer = pacer
        self._clock = clock
        self._rng = rng or random.Random()
        self._now = now
        self.metric = metric
        self.quota_deferrals = 0
        """Messages this container deferred because Spotify's quota was spent."""
        self.blocked_until = 0.0
        """Clock time until which Spotify asked this container to send nothing."""
        self._extractions = 0
        """Extractions started in the current invocation."""
        self._recorder = recorder
        self._metrics_bucket = metrics_bucket
        self._facts = _Facts()

    def handle_batch(self, records: list[dict[str, Any]], deadline: Deadline) -> BatchResult:
        """Handle every record of an SQS event; never raises for one message's failure."""
        started = self._clock()
        if self._pacer is not None:
            self._pacer.deadline = deadline  # the pacer's waits end before this invocation does
        result = BatchResult()
        self._extractions = 0

        def handle(received: SqsMessage) -> None:
            nonlocal deadline
            outcome = self._handle_and_record(received, deadline, started, result)
            if outcome is MessageOutcome.PACED_OUT:
                deadline = Deadline(0.0, self._clock)  # nothing else starts in this invocation

        result.handle_each(records, handle)
        return result

    def _handle_and_record(self, received: SqsMessage, deadline: Deadline, started: float,
                           result: BatchResult) -> MessageOutcome:
        """Handle one message and write its run-log row; fail it on `result` if it must come
        back (its outcome says so, or its row could not be written)."""
        self._facts = _Facts()
        began, (requests, rate_limited) = self._clock(), self.extractor.counters()
        try:
            outcome = self._handle(received, deadline, started)
        except Exception:  # an SQS call failed: leave the message to SQS, go on with the rest
            LOG.exception("could not record the outcome of message %s", received.message_id)
            outcome = MessageOutcome.RETURNED
        result.outcomes[received.message_id] = outcome
        if outcome.redeliver:
            result.fail(received.message_id)
        requests_after, rate_limited_after = self.extractor.counters()
        try:
            self._log_run(received, outcome, RunRecord(
                run_at=datetime.now(UTC), stage=EXTRACT, source="", outcome=str(outcome),
                requests=requests_after - requests,
                rate_limited=rate_limited_after - rate_limited,
                duration_ms=round((self._clock() - began) * 1000),
            ))
        except RunLogWriteError:
            result.unrecorded.add(received.message_id)
            result.fail(received.message_id)
        return outcome

    def _log_run(self, received: SqsMessage, outcome: MessageOutcome, row: RunRecord) -> None:
        """Complete the handling's row with what it learned and hand it to the recorder."""
        facts = self._facts
        if facts.message is not None:
            row.run_at = facts.message.run_at
            row.source = str(facts.message.source)
            row.attempt = facts.message.attempt
        else:
            row.source = "(unreadable message)"
        row.error, row.items, row.raw_key = facts.error, facts.items, facts.raw_key
        if self._metrics_bucket is not None:
            emit_outcome_metrics(row, self._metrics_bucket)
        if self._recorder is not None:
            # One row per delivery: a deferred message comes back with the same id and a higher
            # receive count, a retried one with a new id.
            self._recorder.record(row, received.delivery_id, received.earlier_delivery_ids)

    def _handle(self, received: SqsMessage, deadline: Deadline, started: float) -> MessageOutcome:
        try:
            message = parse_body(received.body)
        except InvalidMessageError as error:
            return self._dead_letter(received, None, error)
        self._facts.message = message
        if deadline.remaining() < MIN_SECONDS_TO_START:
            self._set_visibility(received, 1)
            return MessageOutcome.NOT_STARTED
        if message.not_before is not None:
            waiting = (message.not_before - self._now()).total_seconds()
            if waiting > 0:
                self._count_quota_deferral()
                return self._defer(received, message, waiting, started)
        blocked_for = self.blocked_until - self._clock()
        if blocked_for > 0:
            return self._defer(received, message, blocked_for, started)
        first = self._extractions == 0
        self._extractions += 1
        try:
            extracted = self.extractor.extract_source(message.source, message.run_at, deadline)
        except PacingOverrunError as error:
            return self._paced_out(received, message, error, counts=first)
        except QuotaExceededError as error:
            return self._quota_deferred(received, message, error)
        except RefreshTokenExpiredError as error:
            return self._dead_letter(received, message, error)
        except RateLimitedError as error:
            self.blocked_until = self._clock() + error.retry_after_seconds
            self._facts.error = _error_text(error)
            return self._defer(received, message, error.retry_after_seconds, started)
        except SourceUnavailableError as error:
            return self._dead_letter(received, message, error)
        except Exception as error:  # any other failure of this source: bounded retries
            LOG.warning("extract %s failed (attempt %d): %s", message.source,
                        message.attempt + 1, error)
            return self._retry_or_dead_letter(received, message, error)
        if extracted.is_expansion:
            return self._expand(received, message, extracted)
        self._facts.items, self._facts.raw_key = extracted.item_count, extracted.key
        LOG.info("landed %s at %s", message.source, extracted.location or extracted.key)
        return MessageOutcome.LANDED

    def _expand(self, received: SqsMessage, message: ExtractMessage,
                expansion: SourceOutcome) -> MessageOutcome:
        """One message per expanded source, same run: a redelivery re-sends them, and each
        lands on the same raw key as before."""
        plan_run(self.sqs, self._source_queue_url(received), list(expansion.expanded),
                 message.run_at)
        LOG.info("expanded %s into %d source(s)", message.source, len(expansion.expanded))
        return MessageOutcome.EXPANDED

    def _source_queue_url(self, received: SqsMessage) -> str:
        if self._queue_url:
            return self._queue_url
        arn = received.queue_arn
        if arn not in self._queue_urls:
            self._queue_urls[arn] = queue_url_from_arn(self.sqs, arn)
        return self._queue_urls[arn]

    def _set_visibility(self, received: SqsMessage, seconds: int) -> None:
        self.sqs.change_message_visibility(
            QueueUrl=self._source_queue_url(received),
            ReceiptHandle=received.receipt_handle,
            VisibilityTimeout=seconds,
        )

    def _defer(
        self, received: SqsMessage, message: ExtractMessage, wait: float, started: float
    ) -> MessageOutcome:
        elapsed = self._clock() - started
        seconds = defer_visibility_seconds(wait, elapsed, self._rng)
        self._set_visibility(received, seconds)
        LOG.warning("deferred %s by %ds (Spotify asked to wait %.0fs)", message.source, seconds,
                    wait)
        return MessageOutcome.DEFERRED

    def _count_quota_deferral(self) -> None:
        self.quota_deferrals += 1
        if self.metric is not None:
            self.metric(METRIC_QUOTA_DEFERRALS, 1)

    def _quota_deferred(
        self, received: SqsMessage, message: ExtractMessage, error: QuotaExceededError
    ) -> MessageOutcome:
        """Send the message again carrying `not_before`, so that whichever container gets it
        next waits too (a visibility timeout alone ends after 12 hours and carries nothing)."""
        self.sqs.send_message(
            QueueUrl=self._source_queue_url(received),
            MessageBody=message.waiting_until(error.resume_at).to_body(),
            DelaySeconds=min(math.ceil(error.retry_after_seconds), MAX_DELAY_SECONDS),
        )
        self._count_quota_deferral()
        LOG.warning("quota: deferred %s until %s: %s", message.source,
                    error.resume_at.isoformat(), error)
        return MessageOutcome.QUOTA_DEFERRED

    def _paced_out(
        self, received: SqsMessage, message: ExtractMessage, error: PacingOverrunError,
        *, counts: bool,
    ) -> MessageOutcome:
        """Send the source again after the pacer's wait; dead-letter it if it cannot fit.

        Only an invocation the source had to itself (`counts`) tells that it is too large.
        """
        again = message.next_overrun() if counts else message
        if again.overruns >= MAX_PACING_OVERRUNS:
            budget = self._pacer.budget if self._pacer else "?"
            return self._dead_letter(received, again, SourceTooLargeError(
                f"{message.source} needs more requests than one invocation can send at this "
                f"worker's pace ({budget} per 30 s, EXTRACT_REQUESTS_PER_30S // "
                "EXTRACT_MAX_CONCURRENCY): raise the worker's timeout or lower "
                "extract_max_concurrency (docs/scaling.md, sizing)"
            ))
        self.sqs.send_message(
            QueueUrl=self._source_queue_url(received),
            MessageBody=again.to_body(),
            DelaySeconds=min(math.ceil(error.retry_after_seconds), MAX_DELAY_SECONDS),
        )
        LOG.warning("paced out %s (%d of %d)", message.source, again.overruns,
                    MAX_PACING_OVERRUNS)
        return MessageOutcome.PACED_OUT

    def _retry_or_dead_letter(
        self, received: SqsMessage, message: ExtractMessage, error: Exception
    ) -> MessageOutcome:
        failed_attempts = message.attempt + 1
        self._facts.error = _error_text(error)
        if failed_attempts >= self.policy.max_attempts:
            return self._dead_letter(received, message, error)
        self.sqs.send_message(
            QueueUrl=self._source_queue_url(received),
            MessageBody=message.next_attempt().to_body(),
            DelaySeconds=self.policy.delay_seconds(failed_attempts, self._rng),
        )
        return MessageOutcome.RETRY_SCHEDULED

    def _dead_letter(
        self, received: SqsMessage, message: ExtractMessage | None, error: Exception
    ) -> MessageOutcome:
        error_text = self._facts.error = _error_text(error)
        if message is None:  # unparseable: keep the body as it came, the error rides along
            body = received.body
        else:
            failed = message.attempt + (0 if isinstance(error, SourceTooLargeError) else 1)
            body = message.to_body(last_error=error_text, failed_attempts=failed)
        self.sqs.send_message(
            QueueUrl=self.dlq_url,
            MessageBody=body,
            MessageAttributes={
                "LastError": {"DataType": "String", "StringValue": error_text},
                "ErrorType": {"DataType": "String", "StringValue": type(error).__name__},
            },
        )
        LOG.error("dead-lettered %s: %s", message.source if message else "message", error_text)
        return MessageOutcome.DEAD_LETTERED


def _error_text(error: Exception) -> str:
    """`Type: message`, bounded (a dead-letter attribute and a run-log column)."""
    return f"{type(error).__name__}: {error}"[:ERROR_TEXT_LIMIT]


def emit_outcome_metrics(row: RunRecord, bucket: str) -> None:
    """One handling as EMF metrics for `bucket`: its outcome, requests and 429s."""
    metrics.emit_record({METRIC_WORKER_OUTCOME: 1}, bucket=bucket,
                        dimensions={METRIC_DIMENSION_OUTCOME: row.outcome})
    metrics.emit_record({METRIC_SPOTIFY_REQUESTS: row.requests or 0,
                         METRIC_SPOTIFY_RATE_LIMITED: row.rate_limited or 0}, bucket=bucket)
