"""A virtual clock for simulations: threads take turns, and time jumps while everyone sleeps.

Participant threads run one at a time (a baton). A participant runs until it calls `sleep`; the
baton then goes to the participant with the earliest wake-up time (ties in the order they went to
sleep), and the clock jumps to that time. Nothing else moves the clock, so an HTTP request to a
local server takes no virtual time, and a run is deterministic for a given seed. The server's
own threads only read `now`.

Every wait of a participant must be a `sleep` on this clock: blocking on anything else that needs
another participant to run would deadlock (the simulation code obeys this).
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable


class VirtualClock:
    """Shared simulated time in seconds, with cooperative `sleep` for participant threads."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._cond = threading.Condition()
        self._running = 0
        self._queue: list[tuple[float, int]] = []
        self._woken: set[int] = set()
        self._tickets = itertools.count()
        self._errors: list[BaseException] = []

    def now(self) -> float:
        """The current simulated time."""
        return self._now

    def enter(self) -> None:
        """Make the calling thread the running participant (the simulation's main thread)."""
        with self._cond:
            if self._running:
                raise RuntimeError("a participant is already running")
            self._running = 1

    def leave(self) -> None:
        """The calling participant is done; pass the baton on."""
        with self._cond:
            self._running -= 1
            self._pass_baton()

    def sleep(self, seconds: float) -> None:
        """Let simulated time pass for the calling participant (others run meanwhile)."""
        with self._cond:
            ticket = self._enqueue(self._now + max(seconds, 0.0))
            self._running -= 1
            self._pass_baton()
            self._wait_turn(ticket)

    def spawn(self, target: Callable[[], None], name: str) -> threading.Thread:
        """Start a participant thread; it runs when the baton reaches it (now, in spawn order)."""
        with self._cond:
            ticket = self._enqueue(self._now)

        def body() -> None:
            with self._cond:
                self._wait_turn(ticket)
            try:
                target()
            except BaseException as error:  # surfaced by raise_errors() in the main thread
                self._errors.append(error)
            finally:
                self.leave()

        thread = threading.Thread(target=body, name=name, daemon=True)
        thread.start()
        return thread

    def raise_errors(self) -> None:
        """Re-raise the first exception a participant thread ended with."""
        if self._errors:
            raise self._errors[0]

    def _enqueue(self, wake_at: float) -> int:
        ticket = next(self._tickets)
        heapq.heappush(self._queue, (wake_at, ticket))
        return ticket

    def _wait_turn(self, ticket: int) -> None:
        while ticket not in self._woken:
            self._cond.wait()
        self._woken.discard(ticket)

    def _pass_baton(self) -> None:
        if self._running > 0 or not self._queue:
            return
        wake_at, ticket = heapq.heappop(self._queue)
        self._now = max(self._now, wake_at)
        self._woken.add(ticket)
        self._running = 1
        self._cond.notify_all()
