"""Shared fixtures for the scale tests: moto's SQS and S3 in process."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from spotify_runtime.sources import Source

RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)


def playlist_sources(count: int) -> list[Source]:
    """`count` distinct playlist sources with valid 22-character IDs."""
    return [Source("playlist", f"pl{index:020d}") for index in range(count)]


@pytest.fixture
def aws(aws_in_process: None) -> None:
    """moto in process (tests/conftest.py)."""


@pytest.fixture
def sqs_moto(aws: None):
    """A boto3 SQS client on moto."""
    return boto3.client("sqs", region_name="us-east-1")


@pytest.fixture
def sqs(sqs_moto):
    """The SQS client tests use (moto unless a test module overrides it)."""
    return sqs_moto


def drain(sqs, queue_url: str) -> list[dict]:
    """Receive every visible message (not deleting them)."""
    messages: list[dict] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300,
            MessageAttributeNames=["All"], AttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


class RecordingSQS:
    """A real (moto) client that also records visibility changes."""

    def __init__(self, client) -> None:
        self.client = client
        self.visibility: list[int] = []

    def change_message_visibility(self, **kwargs):
        self.visibility.append(kwargs["VisibilityTimeout"])
        return self.client.change_message_visibility(**kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)
