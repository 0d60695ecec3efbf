"""Hooks on every S3 client botocore makes while a block runs: how the local run reaches the
clients the Lambda code creates for itself, without a branch in that code (the fault injector's
errors and crashes, the big-day benchmark's S3 latency)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.session


@contextmanager
def hooked_s3_clients(hooks: dict[str, Callable[..., Any]]) -> Iterator[None]:
    """Register `hooks` (botocore event name -> handler) on each S3 client created in the block."""
    original = botocore.session.Session.create_client

    def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        client = original(session, service_name, *args, **kwargs)
        if service_name == "s3":
            for event, handler in hooks.items():
                client.meta.events.register(event, handler)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]
