"""Faults for the local run, from a seed: what AWS and Lambda do to the code on a bad day (S3
5xx, containers dying between steps, messages delivered twice), injected through botocore's
event hooks into the handler invocations `FaultInjector.wrap` wraps.

docs/storage.md ("Faults as a test") tells the rates, the crash points and what a run proves.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from botocore.awsrequest import AWSResponse
from spotify_runtime import layout

from spotify_local.botocore_hooks import hooked_s3_clients

CRASH_POINTS: dict[str, tuple[str, str]] = {
    # name: (operation, key or queue prefix it touches)
    "transform: after a table partition": ("PutObject", "processed/"),
    "transform: after the archive copy": ("CopyObject", "raw/processed/"),
    "transform: after archiving, before its run-log row": ("DeleteObject", "raw/to_process/"),
    "transform: after the quarantine report": ("PutObject", "raw/failed/"),
    "worker: after landing, before its run-log row": ("PutObject", "raw/to_process/"),
    "worker: after saving the cursor": ("PutObject", "state/"),
    "either: after its run-log row, before the batch response": ("PutObject", "pipeline_runs/"),
    # Iceberg tables (issue 26): a data, manifest or metadata file written, its commit not yet.
    "table writer: after a table file": ("PutObject", layout.TABLES),
}
"""Where a container may die: after the named call succeeded."""
CRASH_WITHIN = 6
"""A dying invocation dies at one of its first this many crash points."""

_ERRORS = ((500, "InternalError", "We encountered an internal error. Please try again."),
           (503, "SlowDown", "Please reduce your request rate."))


class ContainerDied(BaseException):
    """The Lambda container ended mid-invocation (out of memory, killed, timed out)."""


@dataclass(frozen=True)
class FaultRates:
    """How often each fault happens."""

    s3_error: float = 0.1
    """Share of the Lambda code's S3 requests answered 500/503 (before botocore's retries)."""
    crash: float = 0.2
    """Share of invocations whose container dies at one of its crash points."""
    duplicate: float = 0.2
    """Share of delivered messages sent to the queue a second time."""


class _Active(threading.local):
    on: bool = False
    points_to_death: int = 0
    """Crash points this invocation still passes before it dies (0: it lives)."""


class FaultInjector:
    """Injects `rates` of faults from `seed` into the invocations it wraps; counts what it did."""

    def __init__(self, seed: int, rates: FaultRates | None = None) -> None:
        self.seed = seed
        self.rates = rates or FaultRates()
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._active = _Active()

    def _draw(self, probability: float) -> bool:
        with self._lock:
            return self._random.random() < probability

    def _count(self, what: str) -> None:
        with self._lock:
            self.injected[what] += 1

    @contextmanager
    def installed(self) -> Iterator[FaultInjector]:
        """Hook every botocore client created in this block (the hooks act only inside `wrap`)."""
        with hooked_s3_clients({"before-parameter-build.s3": self._remember_key,
                                "before-send.s3": self._s3_error,
                                "after-call.s3": self._maybe_die}):
            yield self

    def _remember_key(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["fault_key"] = params.get("Key", "")

    def _s3_error(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self._active.on or not self._draw(self.rates.s3_error):
            return None
        with self._lock:
            status, code, message = self._random.choice(_ERRORS)
            applied = self._random.random() < 0.5
        if applied:  # S3 did the work; only its answer is lost
            requests.request(request.method, request.url, headers=dict(request.headers),
                             data=request.body, timeout=30)
        self._count(f"S3 {status} {code}" + (" (after applying)" if applied else ""))
        body = (f"<Error><Code>{code}</Code><Message>{message}</Message></Error>").encode()
        return AWSResponse(request.url, status, {"Content-Type": "application/xml"},
                           _Raw(body))

    def _maybe_die(self, model: Any, context: dict[str, Any], http_response: Any,
                   **_: Any) -> None:
        if not self._active.on or http_response.status_code >= 300:
            return
        key = context.get("fault_key", "")
        for name, (operation, prefix) in CRASH_POINTS.items():
            if model.name == operation and key.startswith(prefix) and self._active.points_to_death:
                self._active.points_to_death -= 1
                if not self._active.points_to_death:
                    self._count(f"container died {name}")
                    raise ContainerDied(name)

    def wrap(self, invoke: Callable[..., Any], new_container: Callable[[], None],
             resend: Callable[[str], None], last_receive: int) -> Callable[..., Any]:
        """`invoke(records, deadline)` with faults inside; a died container is reported as a
        failed invocation and replaced (`new_container`); some delivered bodies are sent again
        (`resend(body)`). `last_receive`: the queue's maxReceiveCount."""

        def faulty(records: list[dict[str, Any]], deadline: Any) -> Any:
            self._active.on = True
            final = any(int(record["attributes"]["ApproximateReceiveCount"]) >= last_receive
                        for record in records)
            with self._lock:
                dies = self._random.random() < self.rates.crash and not final
                self._active.points_to_death = self._random.randint(1, CRASH_WITHIN) if dies else 0
            try:
                return invoke(records, deadline)
            except ContainerDied as death:
                new_container()
                raise RuntimeError(f"container died {death}") from None
            finally:
                self._active.on = False
                self._active.points_to_death = 0
                for record in records:
                    if self._draw(self.rates.duplicate):
                        self._count("duplicate delivery")
                        resend(record["body"])

        return faulty


class _Raw:
    """The body of an injected error answer, as urllib3 would hand it to botocore."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Iterator[bytes]:
        yield self._body

    def read(self, *_: Any, **__: Any) -> bytes:
        body, self._body = self._body, b""
        return body
