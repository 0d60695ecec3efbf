"""Extract and write sources, one outcome each: shared by the extract handler, the queue
worker (per SQS message) and the local CLI.

A failing source never stops the others; its error is kept in its outcome so the caller can
decide (the worker defers on RateLimitedError, retries TransientError, dead-letters the rest).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import ExtractError, QuotaExceededError
from spotify_runtime.extract.extraction import extract_source
from spotify_runtime.extract.raw_sink import RawSink
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.layout import raw_key
from spotify_runtime.sources import Source

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceOutcome:
    """What happened to one source: where its envelope went, or the error that stopped it."""

    source: Source
    key: str
    """The raw key (relative to the bucket or output directory), written or not."""
    location: str | None = None
    item_count: int = 0
    requests: int = 0
    """API requests spent on this source (retries included)."""
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """One line: `TYPE:ID: N items -> location` or `TYPE:ID: <cause>`."""
        if self.ok:
            return f"{self.source}: {self.item_count} items -> {self.location}"
        message = str(self.error)
        return message if message.startswith(str(self.source)) else f"{self.source}: {message}"


def extract_and_write(
    client: SpotifyClient,
    source: Source,
    sink: RawSink,
    *,
    run_at: datetime,
    deadline: Deadline,
) -> SourceOutcome:
    """Extract `source` and write its envelope at layout.raw_key(...) as soon as it is complete.

    Never raises for a source's failure: the error (an ExtractError, or anything unexpected,
    logged with its traceback) is in the outcome.
    """
    key = raw_key(source.type, source.key_id, run_at)
    sent_before = client.requests_sent
    try:
        envelope = extract_source(client, source, run_at=run_at, deadline=deadline)
        location = sink.write(key, envelope)
    except ExtractError as error:
        logger.warning("%s", SourceOutcome(source, key, error=error).describe())
        return SourceOutcome(source, key, requests=client.requests_sent - sent_before,
                             error=error)
    except Exception as error:  # a bug or an S3 failure must not stop the other sources
        logger.exception("%s: unexpected error", source)
        return SourceOutcome(source, key, requests=client.requests_sent - sent_before,
                             error=error)
    outcome = SourceOutcome(source, key, location, len(envelope["items"]),
                            client.requests_sent - sent_before)
    logger.info("%s", outcome.describe())
    return outcome


def extract_all(
    client: SpotifyClient,
    sources: Iterable[Source],
    sink: RawSink,
    *,
    run_at: datetime,
    deadline: Deadline,
) -> list[SourceOutcome]:
    """`extract_and_write` for each source in turn; every source is attempted, unless Spotify
    says the quota is spent: then the run stops (each further request would prolong it)."""
    outcomes = []
    for source in sources:
        outcome = extract_and_write(client, source, sink, run_at=run_at, deadline=deadline)
        outcomes.append(outcome)
        if isinstance(outcome.error, QuotaExceededError):
            break
    return outcomes


def summarize(outcomes: list[SourceOutcome]) -> str:
    """`extracted 3 of 4 sources (1 failed: playlist:ID)`."""
    failed = [str(outcome.source) for outcome in outcomes if not outcome.ok]
    text = f"extracted {len(outcomes) - len(failed)} of {len(outcomes)} sources"
    return text + (f" ({len(failed)} failed: {', '.join(failed)})" if failed else "")
