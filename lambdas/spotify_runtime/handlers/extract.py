"""Direct-invocation extract: `{"sources": ["TYPE:ID", ...]}` (default: the configured list).

Every source is attempted and written as soon as it is complete; the handler raises at the
end if any failed, so the function's error alarm fires.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from spotify_runtime.deadline import Deadline
from spotify_runtime.envelope import iso_utc
from spotify_runtime.errors import SourcesFailedError
from spotify_runtime.extract_run import extract_all, summarize
from spotify_runtime.handlers import (
    configure_logging,
    container_aws_client,
    container_client,
    required_env,
)
from spotify_runtime.raw_sink import S3RawSink
from spotify_runtime.source_list import configured_sources, parse_source_list
from spotify_runtime.sources import Source

logger = logging.getLogger(__name__)


def event_sources(event: Mapping[str, Any] | None, environ: Mapping[str, str]) -> list[Source]:
    """The sources named by the event's `sources`, else the configured ones."""
    raw = (event or {}).get("sources")
    if raw is None:
        return configured_sources(environ)
    return parse_source_list(raw, "the event's 'sources'")


def handler(event: Mapping[str, Any] | None, context: Any) -> dict[str, Any]:
    """Extract the sources; returns what landed, raises SourcesFailedError if any failed."""
    configure_logging()
    sources = event_sources(event, os.environ)
    run_at = datetime.now(UTC).replace(microsecond=0)
    deadline = Deadline.from_lambda_context(context) if context else Deadline.unlimited()
    sink = S3RawSink(container_aws_client("s3"), required_env("DATA_BUCKET"))
    outcomes = extract_all(container_client(), sources, sink, run_at=run_at, deadline=deadline)
    summary = summarize(outcomes)
    failures = [outcome.describe() for outcome in outcomes if not outcome.ok]
    if failures:
        logger.error("%s", summary)
        raise SourcesFailedError(f"{summary}: " + "; ".join(failures))
    logger.info("%s", summary)
    return {
        "run_at": iso_utc(run_at),
        "extracted": [
            {"source": str(o.source), "key": o.key, "items": o.item_count} for o in outcomes
        ],
    }
