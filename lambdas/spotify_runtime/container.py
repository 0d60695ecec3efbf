"""What a Lambda container keeps between invocations, for every function: its AWS clients, and
whatever else a function keeps there (the extract worker: its Spotify client and token, secrets
read, its queue worker). Made on first use; `forget` drops it all (tests and the local run start
new containers that way).

In Lambda a container runs one invocation at a time. The local event source runs each concurrent
container in a thread of its own, so what a container keeps is kept per thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import boto3

T = TypeVar("T")


class _Kept(threading.local):
    def __init__(self) -> None:
        self.things: dict[Hashable, Any] = {}


_KEPT = _Kept()


def kept(key: Hashable, make: Callable[[], T]) -> T:
    """What this container keeps under `key`, made by `make()` on first use."""
    if key not in _KEPT.things:
        _KEPT.things[key] = make()
    return _KEPT.things[key]


def find(key: Hashable) -> Any | None:
    """What this container keeps under `key`, or None (nothing is made)."""
    return _KEPT.things.get(key)


def keep(key: Hashable, thing: Any) -> None:
    """Keep `thing` under `key` from now on (replacing what was kept there)."""
    _KEPT.things[key] = thing


def aws_client(service: str) -> Any:
    """This container's boto3 client for `service` (standard AWS configuration, so
    `AWS_ENDPOINT_URL` points it at a local endpoint). Each is made from a session of its own:
    creating clients from boto3's shared default session is not thread-safe."""
    return kept(("aws", service), lambda: boto3.session.Session().client(service))


def forget() -> None:
    """Drop everything this container keeps, as a new container would start."""
    _KEPT.things.clear()
