"""Client-side pacing: keep each extract worker inside its share of Spotify's rolling window.

Spotify counts requests in a rolling 30-second window. The queue's maximum concurrency bounds how
many workers run at once, so giving each worker `requests_per_30s // max_concurrency` requests per
window bounds the rate Spotify sees by configuration (docs/scaling.md explains the sizing).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import RateLimitedError

WINDOW_SECONDS = 30.0
"""Spotify's rolling rate-limit window."""
EDGE_MARGIN_SECONDS = 0.05
"""Waited past the instant the oldest request leaves the window, so that a server counting the
window's edge as inside it never sees one request too many."""


class PacingOverrunError(RateLimitedError):
    """Our own budget's next slot comes after the invocation's deadline: the source needed more
    requests than this invocation could send at the worker's pace."""


class Pacer:
    """At most `budget` requests in any rolling `window_seconds` (a sliding log of send times)."""

    def __init__(
        self,
        budget: int,
        window_seconds: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if budget < 1:
            raise ValueError(f"pacing budget must be at least 1 request per window, got {budget}")
        self.budget = budget
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self.deadline: Deadline | None = None
        """The deadline of the invocation being served; bounds every wait of `__call__`."""

    @classmethod
    def for_worker(
        cls,
        requests_per_30s: int,
        max_concurrency: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Pacer:
        """One worker's share of the budget that all `max_concurrency` workers split evenly."""
        if max_concurrency < 1:
            raise ValueError(f"max concurrency must be at least 1, got {max_concurrency}")
        return cls(max(requests_per_30s // max_concurrency, 1), clock=clock, sleep=sleep)

    def wait_time(self) -> float:
        """Seconds until the next request may be sent (0 when a slot is free now)."""
        now = self._clock()
        while self._sent and self._sent[0] <= now - self.window_seconds:
            self._sent.popleft()
        if len(self._sent) < self.budget:
            return 0.0
        return self._sent[0] + self.window_seconds + EDGE_MARGIN_SECONDS - now

    def acquire(self, deadline: Deadline | None = None) -> None:
        """Wait for a free slot and take it.

        Raises PacingOverrunError (a RateLimitedError, so a caller that knows no better defers
        the work) when the wait would end after `deadline`.
        """
        wait = self.wait_time()
        while wait > 0:
            if deadline is not None and not deadline.allows_wait(wait):
                raise PacingOverrunError(
                    f"request budget of {self.budget} per {self.window_seconds:.0f}s is spent; "
                    f"the next slot in {wait:.1f}s does not fit in this invocation",
                    retry_after_seconds=wait,
                )
            self._sleep(wait)
            wait = self.wait_time()
        self._sent.append(self._clock())

    def __call__(self) -> None:
        """The Spotify client's `throttle` hook: `acquire` bounded by the current deadline."""
        self.acquire(self.deadline)
