"""`recently-played` with a cursor: each run asks Spotify only for the plays after the newest one
already landed, so every play reaches the lake once (docs/listening.md).

Order of a run: read the cursor -> one request (`after=<cursor>`, limit 50) -> write the raw
envelope at `layout.listening_raw_key` (named by the cursor asked after) -> advance the cursor to
the newest `played_at` written. A failure before the cursor moves repeats the same request and
overwrites the same key; a delivery after it moved asks only for newer plays (a new key).

Spotify keeps only the last 50 plays. A page of 50 plays all newer than the cursor means plays
may have been forgotten between the cursor and the oldest play of the page: the run says so (a
log line naming that interval, the ListeningHistoryGaps metric) and still lands what it got.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from spotify_runtime import metrics
from spotify_runtime.contract import LISTENING_PAGE_SIZE, METRIC_LISTENING_GAPS
from spotify_runtime.envelope import build_envelope
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.endpoints import page_size
from spotify_runtime.extract.errors import ExtractError
from spotify_runtime.extract.spotify_client import SpotifyClient
from spotify_runtime.extract.state import CursorStore
from spotify_runtime.layout import listening_raw_key, state_key
from spotify_runtime.sources import Source

LOG = logging.getLogger(__name__)

RECENTLY_PLAYED_PATH = "me/player/recently-played"
SOURCE_NAME = "Recently played"


def played_at_ms(text: Any) -> int:
    """A play's `played_at` (ISO 8601, e.g. 2026-11-24T09:30:00.123Z) as Unix milliseconds."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ExtractError(f"recently-played: played_at {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def iso_ms(millis: int) -> str:
    """Unix milliseconds as ISO 8601 UTC with milliseconds (for log lines)."""
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


@dataclass(frozen=True)
class Gap:
    """Plays may be missing between these two times (Unix ms, exclusive)."""

    after_ms: int
    before_ms: int

    def describe(self, source: Source) -> str:
        """The log line: which interval may have lost plays, and what to do about it."""
        return (f"{source}: {LISTENING_PAGE_SIZE} plays newer than the cursor: plays between "
                f"{iso_ms(self.after_ms)} and {iso_ms(self.before_ms)} may be missing (Spotify "
                "keeps only the last 50; run the listening schedule more often)")


@dataclass(frozen=True)
class ListeningRun:
    """One cursor-paged extraction: the envelope to write (None: nothing new) and its key."""

    key: str
    envelope: dict[str, Any] | None
    after_ms: int | None
    newest_ms: int | None
    gap: Gap | None = None


def extract_recently_played(
    client: SpotifyClient,
    source: Source,
    cursors: CursorStore,
    *,
    run_at: datetime,
    deadline: Deadline,
) -> ListeningRun:
    """Read the cursor and ask for the plays after it; nothing is written here."""
    after_ms = cursors.read(state_key(source.type, source.key_id))
    params: dict[str, Any] = {"limit": page_size("me/player/recently-played")}
    if after_ms is not None:
        params["after"] = after_ms
    page = client.get(RECENTLY_PLAYED_PATH, params, deadline=deadline)
    plays = [(played_at_ms(item.get("played_at")), item) for item in page.get("items") or []]
    # Spotify answers newest first; the cursor is exclusive. Keep only what is newer, in case a
    # server answers inclusively: a play at the cursor is already in the lake.
    plays = [(ms, item) for ms, item in plays if after_ms is None or ms > after_ms]
    plays.sort(key=lambda pair: pair[0], reverse=True)
    key = listening_raw_key(source.type, source.key_id, after_ms, run_at)
    if not plays:
        return ListeningRun(key, None, after_ms, None)
    newest, oldest = plays[0][0], plays[-1][0]
    gap = None
    if after_ms is not None and len(plays) >= LISTENING_PAGE_SIZE:
        gap = Gap(after_ms, oldest)
    envelope = build_envelope(
        source_type=source.type,
        source_id=None,
        source_name=SOURCE_NAME,
        metadata={"after_ms": after_ms, "newest_ms": newest, "oldest_ms": oldest,
                  "possible_gap": gap is not None},
        items=[item for _, item in plays],
        extracted_at=datetime.now(UTC),
        run_at=run_at,
    )
    return ListeningRun(key, envelope, after_ms, newest, gap)


def commit(
    run: ListeningRun, source: Source, cursors: CursorStore, *, bucket: str | None = None
) -> None:
    """After the envelope is written: advance the cursor, then report a gap if there was one.

    `bucket` (deployed runs) is the metric's dimension; without it only the log line is written.
    """
    if run.newest_ms is not None:
        cursors.advance(state_key(source.type, source.key_id), run.newest_ms)
    if run.gap is not None:
        LOG.warning("%s", run.gap.describe(source))
        if bucket:
            metrics.emit(METRIC_LISTENING_GAPS, 1, bucket=bucket)


def describe_nothing_new(run: ListeningRun) -> str:
    """Why nothing was written."""
    since = iso_ms(run.after_ms) if run.after_ms is not None else "ever"
    return f"no plays since {since}" if run.after_ms is not None else f"no plays {since}"

