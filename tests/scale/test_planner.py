"""The planner: one message per source, sent in batches of 10, failures retried then raised."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from spotify_runtime.extract import planner
from spotify_runtime.extract.planner import PlanningError, plan_run, run_time_from_event

from .conftest import RUN_AT, drain, playlist_sources


class CountingSQS:
    """Passes calls to a real client and records the size of every batch."""

    def __init__(self, client) -> None:
        self.client = client
        self.batches: list[int] = []

    def send_message_batch(self, **kwargs):
        self.batches.append(len(kwargs["Entries"]))
        return self.client.send_message_batch(**kwargs)


def test_25_sources_go_out_in_3_batches_with_the_run_time(sqs) -> None:
    url = sqs.create_queue(QueueName="extract")["QueueUrl"]
    sources = playlist_sources(25)
    counting = CountingSQS(sqs)

    assert plan_run(counting, url, sources, RUN_AT) == 25

    assert counting.batches == [10, 10, 5]
    bodies = [json.loads(message["Body"]) for message in drain(sqs, url)]
    assert sorted(body["source"] for body in bodies) == sorted(str(s) for s in sources)
    assert {body["run_at"] for body in bodies} == {"2026-11-24T18:10:00Z"}
    assert {body["attempt"] for body in bodies} == {0}


class FlakySQS:
    """Reports the given entry ids as Failed for the first `failures` calls that include them."""

    def __init__(self, failing_ids: set[str], failures: int) -> None:
        self.failing_ids = failing_ids
        self.failures = failures
        self.sent: list[str] = []

    def send_message_batch(self, QueueUrl, Entries):  # noqa: N803
        failed = []
        for entry in Entries:
            if entry["Id"] in self.failing_ids and self.failures > 0:
                failed.append({"Id": entry["Id"], "Code": "InternalError", "Message": "boom",
                               "SenderFault": False})
            else:
                self.sent.append(json.loads(entry["MessageBody"])["source"])
        if failed:
            self.failures -= 1
        return {"Successful": [], "Failed": failed}


def test_failed_entries_are_resent() -> None:
    flaky = FlakySQS({"3"}, failures=1)
    sources = playlist_sources(12)

    assert plan_run(flaky, "url", sources, RUN_AT, sleep=lambda _s: None) == 12

    assert sorted(flaky.sent) == sorted(str(s) for s in sources)


def test_entries_that_keep_failing_raise_naming_the_source() -> None:
    flaky = FlakySQS({"11"}, failures=99)
    sources = playlist_sources(12)

    with pytest.raises(PlanningError, match=str(sources[11])):
        plan_run(flaky, "url", sources, RUN_AT, sleep=lambda _s: None)


def test_run_time_comes_from_the_schedule_event_or_now() -> None:
    assert run_time_from_event({"run_at": "2026-11-24T18:10:00Z"}) == RUN_AT  # the CDK's input
    assert run_time_from_event({"time": "2026-11-24T18:10:00Z"}) == RUN_AT
    assert run_time_from_event({"scheduled_time": "2026-11-24T18:10:00.731Z"}) == RUN_AT
    fixed = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert run_time_from_event({}, now=lambda: fixed) == fixed.replace(microsecond=0)


def test_handler_reads_sources_and_queue_from_the_environment(sqs, monkeypatch) -> None:
    url = sqs.create_queue(QueueName="extract")["QueueUrl"]
    monkeypatch.setenv("EXTRACT_QUEUE_URL", url)
    monkeypatch.setenv("SOURCES", json.dumps([
        "playlist:3cEYpjA9oz9GiPac4AsH4n", "spotify:album:4aawyAB9vmqN3uQ7FjRGTy",
        "playlist:3cEYpjA9oz9GiPac4AsH4n", "saved-tracks",
    ]))

    result = planner.handler({"time": "2026-11-24T18:10:00Z"}, None)

    assert result == {"run_at": "2026-11-24T18:10:00Z", "sources": "all", "messages_sent": 3}
    sources = sorted(json.loads(m["Body"])["source"] for m in drain(sqs, url))
    assert sources == ["album:4aawyAB9vmqN3uQ7FjRGTy", "playlist:3cEYpjA9oz9GiPac4AsH4n",
                       "saved-tracks"]


def test_handler_without_a_queue_names_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("EXTRACT_QUEUE_URL", raising=False)
    with pytest.raises(RuntimeError, match="EXTRACT_QUEUE_URL"):
        planner.handler({}, None)


@pytest.mark.parametrize(("group", "expected"), [
    ("listening", ["recently-played"]),
    ("daily", ["playlist:3cEYpjA9oz9GiPac4AsH4n", "top-tracks"]),
    (None, ["playlist:3cEYpjA9oz9GiPac4AsH4n", "recently-played", "top-tracks"]),
])
def test_the_payload_selects_the_listening_or_the_daily_sources(sqs, monkeypatch, group,
                                                                expected) -> None:
    url = sqs.create_queue(QueueName="extract")["QueueUrl"]
    monkeypatch.setenv("EXTRACT_QUEUE_URL", url)
    monkeypatch.setenv("SOURCES", json.dumps(
        ["playlist:3cEYpjA9oz9GiPac4AsH4n", "recently-played", "top-tracks"]))
    event = {"run_at": "2026-11-24T18:00:00Z"} | ({"sources": group} if group else {})
    result = planner.handler(event, None)
    assert result["messages_sent"] == len(expected) and result["sources"] == (group or "all")
    assert sorted(json.loads(m["Body"])["source"] for m in drain(sqs, url)) == sorted(expected)


def test_an_unknown_source_group_is_refused_by_name(monkeypatch) -> None:
    monkeypatch.setenv("EXTRACT_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/extract")
    with pytest.raises(ValueError, match="'sources': 'weekly' is not one of all, daily"):
        planner.handler({"sources": "weekly"}, None)
