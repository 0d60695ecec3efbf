"""The extract queue's message body: one source of one run, shared by the planner and the worker.

```
{"source": "playlist:3cEYpjA9oz9GiPac4AsH4n", "run_at": "2026-11-24T18:10:00Z", "attempt": 0}
```

`run_at` names the raw key (`layout.raw_key`), so every delivery of a message for the same run
writes the same object. `attempt` counts failed attempts (not rate-limit deferrals); the worker
re-sends the message with `attempt + 1` to retry. A message moved to the dead-letter queue by the
worker also carries `last_error` (and the `LastError` message attribute). A message re-sent
because Spotify's quota is spent carries `not_before` (ISO UTC): no worker sends a request for it
before then, whichever container receives it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from spotify_runtime.envelope import iso_utc
from spotify_runtime.sources import InvalidSourceError, Source, parse_source


class InvalidMessageError(ValueError):
    """A queue message that is not an extract request; it cannot succeed on a retry."""


@dataclass(frozen=True)
class ExtractMessage:
    """Extract `source` for the run at `run_at`; `attempt` failed attempts so far."""

    source: Source
    run_at: datetime
    attempt: int = 0
    overruns: int = 0
    not_before: datetime | None = None
    """Spotify accepts no request before this (the quota's Retry-After); None: no such wait."""

    def to_body(self, **extra: Any) -> str:
        """The JSON message body (with optional extra fields, e.g. `last_error`)."""
        body: dict[str, Any] = {
            "source": str(self.source), "run_at": iso_utc(self.run_at), "attempt": self.attempt,
        }
        if self.overruns:
            body["overruns"] = self.overruns
        if self.not_before is not None:
            body["not_before"] = iso_utc(self.not_before)
        return json.dumps({**body, **extra})

    def next_attempt(self) -> ExtractMessage:
        """The same request, one failed attempt later."""
        return replace(self, attempt=self.attempt + 1)

    def waiting_until(self, moment: datetime) -> ExtractMessage:
        """The same request, to be sent to Spotify no earlier than `moment`."""
        return replace(self, not_before=moment)

    def next_overrun(self) -> ExtractMessage:
        """The same request, after one more invocation ran out of time at the worker's pace."""
        return replace(self, overruns=self.overruns + 1)


def parse_run_at(text: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime (naive times are taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        raise ValueError(f"run_at {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_body(body: str) -> ExtractMessage:
    """Parse a message body; InvalidMessageError names what is wrong."""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        raise InvalidMessageError(f"message body is not JSON: {body[:80]!r}") from None
    if not isinstance(data, dict):
        raise InvalidMessageError("message body is not a JSON object")
    try:
        source = parse_source(str(data["source"]))
        run_at = parse_run_at(data["run_at"])
        attempt = int(data.get("attempt", 0))
        overruns = int(data.get("overruns", 0))
        not_before = parse_run_at(data["not_before"]) if data.get("not_before") else None
    except KeyError as missing:
        raise InvalidMessageError(f"message body has no {missing.args[0]!r} field") from None
    except (InvalidSourceError, ValueError, TypeError) as error:
        raise InvalidMessageError(f"invalid message body: {error}") from None
    if attempt < 0 or overruns < 0:
        raise InvalidMessageError("invalid message body: attempt and overruns cannot be negative")
    return ExtractMessage(source, run_at, attempt, overruns, not_before)
