"""Stand-ins for what Lambda gives a handler: its context object, a container of its own, and the
log shipping that takes its Embedded Metric Format lines to CloudWatch."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from spotify_runtime import container, metrics


@dataclass
class FakeLambdaContext:
    """What the handlers use of a Lambda context: the remaining time and a few names."""

    function_name: str
    timeout_seconds: float
    """The function's timeout: `get_remaining_time_in_millis` counts down from it as on AWS, so
    a long Retry-After ends a local run's source the way it ends an invocation."""
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the (simulated) timeout."""
        elapsed = time.monotonic() - self.started_at
        return max(int((self.timeout_seconds - elapsed) * 1000), 0)


@contextmanager
def collected_metrics(sink: Callable[[str], None]) -> Iterator[None]:
    """Send the handlers' EMF lines to `sink` instead of stdout while the block runs (every
    thread): deployed, Lambda ships them to CloudWatch; a local run would print them among its
    own output."""
    with mock.patch.object(metrics, "write_line", sink):
        yield


class _PerThread(MutableMapping[Hashable, Any]):
    """A mapping of which every thread sees its own contents."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def _things(self) -> dict[Hashable, Any]:
        if not hasattr(self._local, "things"):
            self._local.things = {}
        return self._local.things

    def __getitem__(self, key: Hashable) -> Any:
        return self._things[key]

    def __setitem__(self, key: Hashable, value: Any) -> None:
        self._things[key] = value

    def __delitem__(self, key: Hashable) -> None:
        del self._things[key]

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._things)

    def __len__(self) -> int:
        return len(self._things)


def run_containers_as_threads() -> None:
    """From now on in this process, each thread is a container of its own: what a handler keeps
    (spotify_runtime.container) is kept per thread. In Lambda a container runs one invocation
    at a time; the local event source runs concurrent containers as threads."""
    if not isinstance(container.KEPT, _PerThread):
        container.KEPT = _PerThread()


def new_container() -> None:
    """Start this thread's next invocation as a new container would: nothing kept."""
    container.KEPT.clear()
