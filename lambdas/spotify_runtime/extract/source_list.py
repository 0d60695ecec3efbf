"""The configured source list, as the planner reads it.

Deployed, the list is a file (`SOURCES_FILE`, shipped in a small Lambda layer the CDK app builds
from cdk.json) rather than an environment variable: a function's environment holds 4 KB in all,
about a hundred sources, and the product must plan thousands. `SOURCES` (the JSON list inline)
stays for local runs and tests.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spotify_runtime.contract import ENV_SOURCES, ENV_SOURCES_FILE, SOURCES_FILE_NAME
from spotify_runtime.sources import InvalidSourceError, Source, parse_source

__all__ = ["SOURCES_FILE_NAME", "configured_sources", "parse_source_list"]


def parse_source_list(raw: Any, origin: str) -> list[Source]:
    """A JSON list of "TYPE:ID" strings (text or already decoded), de-duplicated in order.

    ValueError names `origin` (the variable, file or event field) and what is wrong with it.
    """
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw or "[]")
        except ValueError:
            raise ValueError(f"{origin} is not JSON: {str(raw)[:80]!r}") from None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError(f"{origin} must be a JSON list of 'TYPE:ID' strings")
    try:
        return list(dict.fromkeys(parse_source(item) for item in raw))
    except InvalidSourceError as error:
        raise ValueError(f"{origin}: {error}") from None


def configured_sources(environ: Mapping[str, str] | None = None) -> list[Source]:
    """The sources of `SOURCES_FILE` if set, else of `SOURCES`, else none."""
    env = os.environ if environ is None else environ
    path = env.get(ENV_SOURCES_FILE, "").strip()
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"{ENV_SOURCES_FILE} {path}: {error.strerror}") from None
        return parse_source_list(text, f"{ENV_SOURCES_FILE} {path}")
    return parse_source_list(env.get(ENV_SOURCES, "[]"), ENV_SOURCES)
