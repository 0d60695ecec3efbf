"""The schedules invoke this: one extract-queue message per configured source, then return.

Environment: `SOURCES_FILE` (or `SOURCES`, see source_list.py), `EXTRACT_QUEUE_URL`.
The payload's `sources` field picks which configured sources a run plans (contract.py:
`all`, the default; `daily`, all but the listening sources; `listening`, only those), so the
daily and the listening schedule share this planner and the extract queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from spotify_runtime import container
from spotify_runtime.contract import (
    ENV_EXTRACT_QUEUE_URL,
    RUN_AT_FIELD,
    SOURCE_GROUP_ALL,
    SOURCE_GROUP_DAILY,
    SOURCE_GROUP_FIELD,
    SOURCE_GROUP_LISTENING,
    SOURCE_GROUPS,
)
from spotify_runtime.envelope import iso_utc
from spotify_runtime.extract.message_body import ExtractMessage, parse_run_at
from spotify_runtime.extract.source_list import configured_sources
from spotify_runtime.logs import configure_logging, required_env
from spotify_runtime.sources import Source

LOG = logging.getLogger(__name__)

SQS_BATCH_LIMIT = 10
"""SendMessageBatch takes at most 10 entries."""
SEND_RETRIES = 2
"""Extra tries for entries SQS reports as Failed before the planner gives up."""
RUN_TIME_FIELDS = (RUN_AT_FIELD, "scheduled_time", "time")
"""Where the schedule's time may be in the event: the Scheduler input the CDK app sets
(`{"run_at": <aws.scheduler.scheduled-time>}`), or an EventBridge scheduled event's `time`."""


class PlanningError(RuntimeError):
    """Some messages could not be sent; the message names the sources and SQS's reasons."""


def run_time_from_event(event: Any, now: Callable[[], datetime] | None = None) -> datetime:
    """The schedule's time from the event if it carries one, else now; UTC, whole seconds.

    Using the scheduled time (not the moment of invocation) keeps a retried invocation of the
    same schedule on the same raw keys.
    """
    if isinstance(event, dict):
        for name in RUN_TIME_FIELDS:
            value = event.get(name)
            if isinstance(value, str) and value.strip():
                return parse_run_at(value).replace(microsecond=0)
    moment = now() if now is not None else datetime.now(UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


def source_group_from_event(event: Any) -> str:
    """The payload's source group (`all` when it names none); ValueError for an unknown one."""
    group = event.get(SOURCE_GROUP_FIELD) if isinstance(event, dict) else None
    if group is None:
        return SOURCE_GROUP_ALL
    if group not in SOURCE_GROUPS:
        raise ValueError(f"event field {SOURCE_GROUP_FIELD!r}: {group!r} is not one of "
                         f"{', '.join(SOURCE_GROUPS)}")
    return str(group)


def select_sources(sources: Sequence[Source], group: str) -> list[Source]:
    """The sources of `group` (contract.SOURCE_GROUPS), in configured order."""
    if group == SOURCE_GROUP_LISTENING:
        return [source for source in sources if source.is_listening]
    if group == SOURCE_GROUP_DAILY:
        return [source for source in sources if not source.is_listening]
    return list(sources)


def _send_batch(sqs: Any, queue_url: str, entries: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Send one batch; returns SQS's Failed entries."""
    response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    return list(response.get("Failed", []))


def plan_run(
    sqs: Any,
    queue_url: str,
    sources: Sequence[Source],
    run_at: datetime,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send one message per source for the run at `run_at`, in batches of 10; returns the count.

    Entries SQS reports as Failed are re-sent up to SEND_RETRIES times; PlanningError if any
    still fail (the schedule's retry and its dead-letter queue take it from there).
    """
    entries = [
        {"Id": str(index), "MessageBody": ExtractMessage(source, run_at).to_body()}
        for index, source in enumerate(sources)
    ]
    for offset in range(0, len(entries), SQS_BATCH_LIMIT):
        pending = entries[offset:offset + SQS_BATCH_LIMIT]
        for attempt in range(SEND_RETRIES + 1):
            failed = _send_batch(sqs, queue_url, pending)
            if not failed:
                break
            failed_ids = {entry["Id"] for entry in failed}
            pending = [entry for entry in pending if entry["Id"] in failed_ids]
            if attempt < SEND_RETRIES:
                sleep(0.2 * 2**attempt)
        else:
            reasons = "; ".join(
                f"{sources[int(entry['Id'])]}: {entry.get('Code', '?')} {entry.get('Message', '')}"
                for entry in failed
            )
            raise PlanningError(f"{len(failed)} extract message(s) not sent: {reasons}")
    LOG.info("planned %d sources for run %s", len(entries), iso_utc(run_at))
    return len(entries)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Schedule target: enqueue every configured source for this run."""
    configure_logging()
    queue_url = required_env(ENV_EXTRACT_QUEUE_URL)
    group = source_group_from_event(event)
    sources = select_sources(configured_sources(), group)
    run_at = run_time_from_event(event)
    count = plan_run(container.aws_client("sqs"), queue_url, sources, run_at)
    return {"run_at": iso_utc(run_at), "sources": group, "messages_sent": count}
