"""What a Lambda container keeps between invocations, for every function: its AWS clients, and
whatever else a function keeps there (the extract worker: its Spotify client and token, secrets
read, its queue worker). Made on first use; a container runs one invocation at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, MutableMapping
from typing import Any, TypeVar

import boto3

T = TypeVar("T")


KEPT: MutableMapping[Hashable, Any] = {}
"""What this container keeps, by key."""


def kept(key: Hashable, make: Callable[[], T]) -> T:
    """What this container keeps under `key`, made by `make()` on first use."""
    if key not in KEPT:
        KEPT[key] = make()
    return KEPT[key]


def find(key: Hashable) -> Any | None:
    """What this container keeps under `key`, or None (nothing is made)."""
    return KEPT.get(key)


def keep(key: Hashable, thing: Any) -> None:
    """Keep `thing` under `key` from now on (replacing what was kept there)."""
    KEPT[key] = thing


def aws_client(service: str) -> Any:
    """This container's boto3 client for `service` (standard AWS configuration, so
    `AWS_ENDPOINT_URL` points it at a local endpoint). Each is made from a session of its own:
    creating clients from boto3's shared default session is not thread-safe."""
    return kept(("aws", service), lambda: boto3.session.Session().client(service))
