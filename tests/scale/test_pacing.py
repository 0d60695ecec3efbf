"""The pacer keeps a worker within its share of the rolling 30-second window."""

from __future__ import annotations

import pytest
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import RateLimitedError
from spotify_runtime.extract.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_worker_share_is_the_budget_split_over_max_concurrency() -> None:
    assert Pacer.for_worker(100, 4).budget == 25
    assert Pacer.for_worker(90, 5).budget == 18
    assert Pacer.for_worker(3, 5).budget == 1


def test_no_rolling_window_holds_more_than_the_budget() -> None:
    time = FakeTime()
    pacer = Pacer(5, clock=time.clock, sleep=time.sleep)
    sent = []
    for _ in range(23):
        pacer.acquire()
        sent.append(time.now)
        time.now += 0.7  # the request itself takes a little time

    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 30) <= 5
    # Paced, not idle: 23 requests at 5 per 30 s need a little over 4 windows.
    assert 120 <= sent[-1] <= 125


def test_a_wait_that_does_not_fit_the_deadline_defers() -> None:
    time = FakeTime()
    pacer = Pacer(1, clock=time.clock, sleep=time.sleep)
    pacer.deadline = Deadline(10.0, time.clock)
    pacer()
    with pytest.raises(RateLimitedError) as raised:
        pacer()
    assert 29 < raised.value.retry_after_seconds <= 31
    assert time.now == 0.0
