"""Land sources: fetch each (fetch.py) and write its raw file as soon as it is complete, one
outcome each; the extract worker lands one source per SQS message (`SourceExtractor`), the local
CLI a list of them (`land_sources`).

A failing source never stops the others; its error is kept in its outcome so the caller can
decide (the worker defers on RateLimitedError, retries TransientError, dead-letters the rest).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from spotify_runtime.extract import listening
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import ExtractError
from spotify_runtime.extract.fetch import fetch_envelope, require_authorization
from spotify_runtime.extract.library import my_playlists
from spotify_runtime.extract.raw_sink import RawSink
from spotify_runtime.extract.spotify_client import ResourceUnavailableError, SpotifyClient
from spotify_runtime.extract.state import CursorStore
from spotify_runtime.layout import raw_key
from spotify_runtime.sources import LISTENING_SOURCE_TYPES, Source

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
    expanded: tuple[Source, ...] = ()
    """For `my-playlists`: the playlist sources it expanded into (nothing is written for it)."""
    note: str | None = None
    """Why nothing was written although nothing failed (e.g. no plays since the cursor)."""
    warning: str | None = None
    """Something the user should know although the source landed (a possible listening gap)."""

    @property
    def ok(self) -> bool:
        """Whether the source was extracted (its envelope written, or expanded)."""
        return self.error is None

    @property
    def is_expansion(self) -> bool:
        """Whether the source stands for others (`my-playlists`): `expanded` lists them."""
        return self.source.type == "my-playlists"

    def describe(self) -> str:
        """One line: `TYPE:ID: N items -> location` or `TYPE:ID: <cause>`."""
        if self.ok and self.is_expansion:
            return f"{self.source}: {len(self.expanded)} playlist(s) to extract"
        if self.ok and self.location is None:
            return f"{self.source}: {self.item_count} items ({self.note or 'nothing written'})"
        if self.ok:
            return f"{self.source}: {self.item_count} items -> {self.location}"
        message = str(self.error)
        return message if message.startswith(str(self.source)) else f"{self.source}: {message}"


def land_source(
    client: SpotifyClient,
    source: Source,
    sink: RawSink,
    *,
    run_at: datetime,
    deadline: Deadline,
    cursors: CursorStore | None = None,
    metric_bucket: str | None = None,
) -> SourceOutcome:
    """Extract `source` and write its envelope at layout.raw_key(...) as soon as it is complete.

    With `cursors`, listening sources are extracted incrementally (extract/listening.py) and
    their keys are named by the cursor; `metric_bucket` is the dimension of the gap metric
    (deployed runs). `my-playlists` writes nothing: its outcome lists the playlists to extract.
    Never raises for a source's failure: the error (an ExtractError, or anything unexpected,
    logged with its traceback) is in the outcome.
    """
    key = raw_key(source.type, source.key_id, run_at)
    sent_before = client.requests_sent
    try:
        if source.type == "my-playlists":
            return _expand(client, source, deadline, sent_before)
        if source.type in LISTENING_SOURCE_TYPES and cursors is not None:
            return _listening(client, source, sink, cursors, run_at, deadline, sent_before,
                              metric_bucket)
        envelope = fetch_envelope(client, source, run_at=run_at, deadline=deadline)
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


def _expand(client: SpotifyClient, source: Source, deadline: Deadline,
            sent_before: int) -> SourceOutcome:
    require_authorization(client, source)
    try:
        playlists = tuple(my_playlists(client, deadline))
    except ResourceUnavailableError as error:
        raise ExtractError(f"{source}: Spotify answered {error.http_status} on {error.path}: "
                           "the refresh token lacks the playlist-read-private scope? (run "
                           "`python -m spotify_etl auth` again)") from error
    outcome = SourceOutcome(source, "", requests=client.requests_sent - sent_before,
                            expanded=playlists)
    logger.info("%s", outcome.describe())
    return outcome


def _listening(
    client: SpotifyClient, source: Source, sink: RawSink, cursors: CursorStore,
    run_at: datetime, deadline: Deadline, sent_before: int, metric_bucket: str | None,
) -> SourceOutcome:
    require_authorization(client, source)
    run = listening.extract_recently_played(client, source, cursors, run_at=run_at,
                                            deadline=deadline)
    location = sink.write(run.key, run.envelope) if run.envelope is not None else None
    # Only once the plays are written does the cursor move past them.
    listening.commit(run, source, cursors, bucket=metric_bucket)
    items = len(run.envelope["items"]) if run.envelope is not None else 0
    outcome = SourceOutcome(
        source, run.key, location, items, client.requests_sent - sent_before,
        note=None if location else listening.describe_nothing_new(run),
        warning=run.gap.describe(source) if run.gap else None,
    )
    logger.info("%s", outcome.describe())
    return outcome


@dataclass(frozen=True)
class SourceExtractor:
    """How the extract worker extracts the source of one message: `land_source` with this
    container's Spotify client, raw sink and cursor store."""

    client: SpotifyClient
    sink: RawSink
    cursors: CursorStore | None = None
    """Keeps the listening sources' cursors (deployed: S3 under layout.STATE)."""
    metric_bucket: str | None = None
    """The listening gap metric's dimension (deployed runs)."""

    def extract_source(self, source: Source, run_at: datetime,
                       deadline: Deadline) -> SourceOutcome:
        """The source's outcome, landed or expanded; raises the error that stopped it (the
        worker decides the message's fate from it)."""
        outcome = land_source(self.client, source, self.sink, run_at=run_at,
                              deadline=deadline, cursors=self.cursors,
                              metric_bucket=self.metric_bucket)
        if outcome.error is not None:
            raise outcome.error
        return outcome

    def counters(self) -> tuple[int, int]:
        """The Spotify client's running totals: (requests sent, 429 answers)."""
        return self.client.requests_sent, self.client.rate_limited


