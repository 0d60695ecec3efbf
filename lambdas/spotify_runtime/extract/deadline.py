"""How long the current invocation may still run: the bound on every sleep and retry wait."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SAFETY_MARGIN_SECONDS = 10.0
"""Kept free at the end of an invocation to write what has been extracted and report."""


@dataclass
class Deadline:
    """A point in (monotonic) time after which no new wait may end."""

    expires_at: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """A deadline `seconds` from now (the CLI's `--deadline`)."""
        return cls(clock() + seconds, clock)

    @classmethod
    def from_lambda_context(cls, context: Any) -> Deadline:
        """The invocation's remaining time less a safety margin."""
        remaining = context.get_remaining_time_in_millis() / 1000.0 - SAFETY_MARGIN_SECONDS
        return cls.after(max(remaining, 0.0))

    @classmethod
    def unlimited(cls) -> Deadline:
        """No deadline (local runs without `--deadline`)."""
        return cls(float("inf"))

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(self.expires_at - self.clock(), 0.0)

    def allows_wait(self, seconds: float) -> bool:
        """Whether a wait of `seconds` would end before the deadline."""
        return seconds <= self.remaining()
