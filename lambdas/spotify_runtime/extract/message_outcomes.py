"""The outcome of each message of an extract batch (`QueueWorker`): land, defer, retry,
dead-letter.

Outcomes per message (docs/scaling.md has the whole picture):

- **landed**: the source's raw file is written at `layout.raw_key(type, id, run_at)`; the message
  is deleted (it is not in `batchItemFailures`). A second delivery overwrites the same key.
- **quota deferred**: Spotify answered the quota 429 (`QUOTA_EXCEEDED`, developer account; its
  Retry-After can be near a day and every request prolongs it). The message is sent again with
  `not_before` (now + Retry-After) and the original is deleted; no worker sends a request for it
  before `not_before`, each receive before then deferring it again by visibility (12 hours at
  most each time). Never dead-lettered for it; each such deferral counts in the QuotaDeferrals
  metric. The container sends no request to Spotify until the Retry-After has passed.
- **expanded**: a source that stands for others (`my-playlists`) listed them; one message per
  listed source is sent to the extract queue for the same run, and the message is deleted. A
  second delivery sends them again; each lands on the same raw key.
- **deferred**: Spotify asked us (429, Retry-After) to wait longer than this invocation has left.
  The message's visibility timeout is set to the wait plus a little jitter (at most 12 hours) and
  it is reported as a batch item failure, so SQS delivers it again when the wait is over. A
  deferral is not a failed attempt; the queue's redrive policy (maxReceiveCount) is the safety net.
- **retry scheduled**: any other error. The message is sent again with `attempt + 1` and a
  backoff delay (SQS DelaySeconds, at most 15 minutes), and the original is deleted.
- **dead-lettered**: the failure that makes `attempt + 1 == max_attempts`, a source Spotify says
  is unavailable (403/404: retrying cannot help), a user-scoped source once the refresh token
  was refused (`invalid_grant`: permanent until re-authorization, so no retry) or a malformed
  message. The message is sent to
  the dead-letter queue with its last error (body field `last_error` and the `LastError`
  attribute), whose alarm fires, and the original is deleted.
- **paced out**: the invocation's time ran out at the worker's own pace (its share of the
  request budget) before the source was complete. The message is sent again after the pacer's
  wait; if this happened twice to a source that had an invocation to itself, the source needs
  more requests than one invocation can send and is dead-lettered with an error that says so
  (docs/scaling.md, sizing rule 2), instead of starting over until the redrive limit.
- **not started**: the invocation is nearly out of time (or a source before it in the batch
  used it up); the message is made visible again shortly and reported as a batch item failure.
- **returned**: recording the outcome failed (an SQS call raised); the message is reported as a
  batch item failure and comes back after the queue's visibility timeout.

Every handling, whatever its outcome, is written to the run log (`pipeline_runs`, through the
injected `recorder`) with the items, requests, 429s and time it cost, and emitted as metrics.
If its row cannot be written (S3 failing beyond the retries), the message is reported as a batch
item failure whatever its outcome: its next delivery (same message id, next receive count)
records itself and this one (`unrecorded`), at the price of doing the message's work again,
which lands on the same raw key.
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
from spotify_runtime.run_log import (
    EXTRACT,
    RunLogWriteError,
    RunRecord,
    RunRecorder,
    delivery_id,
    earlier_delivery_ids,
)

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


class Outcome(enum.StrEnum):
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
        return self in (Outcome.DEFERRED, Outcome.NOT_STARTED, Outcome.RETURNED)


@dataclass(frozen=True)
class RetryPolicy:
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
class BatchResult:
    """The Lambda response and what happened to each message (by messageId)."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    unrecorded: set[str] = field(default_factory=set)
    """Messages whose run-log row could not be written: redelivered so the next delivery
    records it."""

    @property
    def response(self) -> dict[str, list[dict[str, str]]]:
        """The partial batch response for the SQS event source mapping."""
        return {
            "batchItemFailures": [
                {"itemIdentifier": message_id}
                for message_id, outcome in self.outcomes.items()
                if outcome.redeliver or message_id in self.unrecorded
            ]
        }


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
        policy: RetryPolicy | None = None,
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
        self.policy = policy or RetryPolicy()
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
        for record in records:
            self._facts = _Facts()
            began, (requests, rate_limited) = self._clock(), self.extractor.counters()
            try:
                outcome = self._handle(record, deadline, started)
            except Exception:  # an SQS call failed: leave the message to SQS, go on with the rest
                LOG.exception("could not record the outcome of message %s", record["messageId"])
                outcome = Outcome.RETURNED
            result.outcomes[record["messageId"]] = outcome
            requests_after, rate_limited_after = self.extractor.counters()
            try:
                self._log_run(record, outcome, RunRecord(
                    run_at=datetime.now(UTC), stage=EXTRACT, source="", outcome=str(outcome),
                    requests=requests_after - requests,
                    rate_limited=rate_limited_after - rate_limited,
                    duration_ms=round((self._clock() - began) * 1000),
                ))
            except RunLogWriteError:
                result.unrecorded.add(record["messageId"])
            if outcome is Outcome.PACED_OUT:
                deadline = Deadline(0.0, self._clock)  # nothing else starts in this invocation
        return result

    def _log_run(self, record: dict[str, Any], outcome: Outcome, row: RunRecord) -> None:
        """Complete the handling's row with what it learned and hand it to the recorder."""
        facts = self._facts
        if facts.message is not None:
            row.run_at = facts.message.run_at
            row.source = str(facts.message.source)
            row.attempt = facts.message.attempt
        else:
            row.source = "(unreadable message)"
        row.error, row.items, row.raw_key = facts.error, facts.items, facts.raw_key
        # One row per delivery: a deferred message comes back with the same id and a higher
        # receive count, a retried one with a new id.
        receives = record.get("attributes", {}).get("ApproximateReceiveCount", "")
        if self._metrics_bucket is not None:
            emit_outcome_metrics(row, self._metrics_bucket)
        if self._recorder is not None:
            self._recorder.record(row, delivery_id(record["messageId"], receives),
                                  earlier_delivery_ids(record["messageId"], receives))

    def _handle(self, record: dict[str, Any], deadline: Deadline, started: float) -> Outcome:
        try:
            message = parse_body(record["body"])
        except InvalidMessageError as error:
            return self._dead_letter(record, None, error)
        self._facts.message = message
        if deadline.remaining() < MIN_SECONDS_TO_START:
            self._set_visibility(record, 1)
            return Outcome.NOT_STARTED
        if message.not_before is not None:
            waiting = (message.not_before - self._now()).total_seconds()
            if waiting > 0:
                self._count_quota_deferral()
                return self._defer(record, message, waiting, started)
        blocked_for = self.blocked_until - self._clock()
        if blocked_for > 0:
            return self._defer(record, message, blocked_for, started)
        first = self._extractions == 0
        self._extractions += 1
        try:
            extracted = self.extractor.extract_source(message.source, message.run_at, deadline)
        except PacingOverrunError as error:
            return self._paced_out(record, message, error, counts=first)
        except QuotaExceededError as error:
            return self._quota_deferred(record, message, error)
        except RefreshTokenExpiredError as error:
            return self._dead_letter(record, message, error)
        except RateLimitedError as error:
            self.blocked_until = self._clock() + error.retry_after_seconds
            self._facts.error = _error_text(error)
            return self._defer(record, message, error.retry_after_seconds, started)
        except SourceUnavailableError as error:
            return self._dead_letter(record, message, error)
        except Exception as error:  # any other failure of this source: bounded retries
            LOG.warning("extract %s failed (attempt %d): %s", message.source,
                        message.attempt + 1, error)
            return self._retry_or_dead_letter(record, message, error)
        if extracted.is_expansion:
            return self._expand(record, message, extracted)
        self._facts.items, self._facts.raw_key = extracted.item_count, extracted.key
        LOG.info("landed %s at %s", message.source, extracted.location or extracted.key)
        return Outcome.LANDED

    def _expand(self, record: dict[str, Any], message: ExtractMessage,
                expansion: SourceOutcome) -> Outcome:
        """One message per expanded source, same run: a redelivery re-sends them, and each
        lands on the same raw key as before."""
        plan_run(self.sqs, self._source_queue_url(record), list(expansion.expanded),
                 message.run_at)
        LOG.info("expanded %s into %d source(s)", message.source, len(expansion.expanded))
        return Outcome.EXPANDED

    def _source_queue_url(self, record: dict[str, Any]) -> str:
        if self._queue_url:
            return self._queue_url
        arn = record["eventSourceARN"]
        if arn not in self._queue_urls:
            self._queue_urls[arn] = queue_url_from_arn(self.sqs, arn)
        return self._queue_urls[arn]

    def _set_visibility(self, record: dict[str, Any], seconds: int) -> None:
        self.sqs.change_message_visibility(
            QueueUrl=self._source_queue_url(record),
            ReceiptHandle=record["receiptHandle"],
            VisibilityTimeout=seconds,
        )

    def _defer(
        self, record: dict[str, Any], message: ExtractMessage, wait: float, started: float
    ) -> Outcome:
        elapsed = self._clock() - started
        seconds = defer_visibility_seconds(wait, elapsed, self._rng)
        self._set_visibility(record, seconds)
        LOG.warning("deferred %s by %ds (Spotify asked to wait %.0fs)", message.source, seconds,
                    wait)
        return Outcome.DEFERRED

    def _count_quota_deferral(self) -> None:
        self.quota_deferrals += 1
        if self.metric is not None:
            self.metric(METRIC_QUOTA_DEFERRALS, 1)

    def _quota_deferred(
        self, record: dict[str, Any], message: ExtractMessage, error: QuotaExceededError
    ) -> Outcome:
        """Send the message again carrying `not_before`, so that whichever container gets it
        next waits too (a visibility timeout alone ends after 12 hours and carries nothing)."""
        self.sqs.send_message(
            QueueUrl=self._source_queue_url(record),
            MessageBody=message.waiting_until(error.resume_at).to_body(),
            DelaySeconds=min(math.ceil(error.retry_after_seconds), MAX_DELAY_SECONDS),
        )
        self._count_quota_deferral()
        LOG.warning("quota: deferred %s until %s: %s", message.source,
                    error.resume_at.isoformat(), error)
        return Outcome.QUOTA_DEFERRED

    def _paced_out(
        self, record: dict[str, Any], message: ExtractMessage, error: PacingOverrunError,
        *, counts: bool,
    ) -> Outcome:
        """Send the source again after the pacer's wait; dead-letter it if it cannot fit.

        Only an invocation the source had to itself (`counts`) tells that it is too large.
        """
        again = message.next_overrun() if counts else message
        if again.overruns >= MAX_PACING_OVERRUNS:
            budget = self._pacer.budget if self._pacer else "?"
            return self._dead_letter(record, again, SourceTooLargeError(
                f"{message.source} needs more requests than one invocation can send at this "
                f"worker's pace ({budget} per 30 s, EXTRACT_REQUESTS_PER_30S // "
                "EXTRACT_MAX_CONCURRENCY): raise the worker's timeout or lower "
                "extract_max_concurrency (docs/scaling.md, sizing)"
            ))
        self.sqs.send_message(
            QueueUrl=self._source_queue_url(record),
            MessageBody=again.to_body(),
            DelaySeconds=min(math.ceil(error.retry_after_seconds), MAX_DELAY_SECONDS),
        )
        LOG.warning("paced out %s (%d of %d)", message.source, again.overruns,
                    MAX_PACING_OVERRUNS)
        return Outcome.PACED_OUT

    def _retry_or_dead_letter(
        self, record: dict[str, Any], message: ExtractMessage, error: Exception
    ) -> Outcome:
        failed_attempts = message.attempt + 1
        self._facts.error = _error_text(error)
        if failed_attempts >= self.policy.max_attempts:
            return self._dead_letter(record, message, error)
        self.sqs.send_message(
            QueueUrl=self._source_queue_url(record),
            MessageBody=message.next_attempt().to_body(),
            DelaySeconds=self.policy.delay_seconds(failed_attempts, self._rng),
        )
        return Outcome.RETRY_SCHEDULED

    def _dead_letter(
        self, record: dict[str, Any], message: ExtractMessage | None, error: Exception
    ) -> Outcome:
        error_text = self._facts.error = _error_text(error)
        if message is None:  # unparseable: keep the body as it came, the error rides along
            body = record["body"]
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
        return Outcome.DEAD_LETTERED


def _error_text(error: Exception) -> str:
    """`Type: message`, bounded (a dead-letter attribute and a run-log column)."""
    return f"{type(error).__name__}: {error}"[:ERROR_TEXT_LIMIT]


def emit_outcome_metrics(row: RunRecord, bucket: str) -> None:
    """One handling as EMF metrics for `bucket`: its outcome, requests and 429s."""
    metrics.emit_record({METRIC_WORKER_OUTCOME: 1}, bucket=bucket,
                        dimensions={METRIC_DIMENSION_OUTCOME: row.outcome})
    metrics.emit_record({METRIC_SPOTIFY_REQUESTS: row.requests or 0,
                         METRIC_SPOTIFY_RATE_LIMITED: row.rate_limited or 0}, bucket=bucket)
