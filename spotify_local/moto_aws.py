"""A local AWS endpoint for the local run: moto's HTTP server holding the pipeline's resources.

The bucket and the secret are laid out as IngestStack lays them out (versioned bucket with
EventBridge notifications, a secret holding `{"client_id", "client_secret", "refresh_token"}`),
and an EventBridge rule with the TransformStack's pattern sends *Object Created* events under
`raw/to_process/` to a queue, from which the local run delivers them to the transform handler.
The handlers find the endpoint through the standard `AWS_ENDPOINT_URL`, set in the process
environment for as long as the endpoint is up and restored afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import requests
from moto.glue.exceptions import GlueClientError
from moto.glue.responses import GlueResponse
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer
from pyiceberg.catalog import Catalog
from spotify_runtime import contract
from spotify_runtime.envelope import iso_utc
from spotify_runtime.extract.credentials import AUTHORIZED_AT_KEY, SpotifyCredentials
from spotify_runtime.iceberg_tables import glue_catalog
from spotify_runtime.layout import IMPORTS, RAW_TO_PROCESS, TABLES

from spotify_local.iceberg_lake import glue_pointers, restore_tables, save_pointers
from spotify_local.identity import REGION
from spotify_local.lake_sync import download_bucket_prefix, seed_bucket

BUCKET_NAME = "spotify-etl-local-data"
SECRET_NAME = "spotify-etl/local/spotify-credentials"
EVENT_QUEUE_NAME = "spotify-etl-local-object-created"
DATABASE_NAME = "spotify_etl_local"
"""The Glue database of the local tables (deployed: the Catalog stack's database)."""
EVENT_FAILURES_NAME = "spotify-etl-local-transform-failures"
EVENT_RULE_NAME = "spotify-etl-local-raw-object-created"
IMPORT_QUEUE_NAME = "spotify-etl-local-history-import"
IMPORT_RULE_NAME = "spotify-etl-local-upload-created"
EXTRACT_QUEUE_NAME = "spotify-etl-local-extract"
EXTRACT_DLQ_NAME = "spotify-etl-local-extract-dead-letters"

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
}


def secret_string(credentials: SpotifyCredentials) -> str:
    """The Spotify secret's JSON, in the documented shape."""
    value = {"client_id": credentials.client_id, "client_secret": credentials.client_secret}
    if credentials.refresh_token:
        value["refresh_token"] = credentials.refresh_token
    if credentials.authorized_at is not None:
        value[AUTHORIZED_AT_KEY] = iso_utc(credentials.authorized_at)
    return json.dumps(value)


@dataclass(frozen=True)
class LocalAws:
    """A running local endpoint and the names of what it holds."""

    endpoint_url: str
    bucket: str
    secret_id: str
    """The secret's name (the handlers accept a name or an ARN); stored by store_spotify_secret."""
    event_queue_url: str
    """The transform queue: the rule delivers Object Created events into it, as deployed."""
    database: str = DATABASE_NAME
    extract_queue_url: str = ""
    extract_dlq_url: str = ""
    event_failures_url: str = ""
    """The transform queue's dead-letter queue (TransformFailures)."""

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on this endpoint."""
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=REGION)

    def handler_environment(self) -> dict[str, str]:
        """This endpoint's bucket, secret and database under the variables the handlers read
        them from, set while the endpoint is up for code that invokes a handler directly; the
        local run also sets each function's whole environment (infra.function_environments)."""
        return {contract.ENV_DATA_BUCKET: self.bucket,
                contract.ENV_SPOTIFY_SECRET_ID: self.secret_id,
                contract.ENV_GLUE_DATABASE: self.database}

    def catalog(self) -> Catalog:
        """The tables' catalog as the functions make it (Glue, through this endpoint)."""
        return glue_catalog()

    def adopt_lake(self, lake_dir: Path, include: Any = None) -> set[str]:
        """Seed the bucket with the lake folder's tables (and what else `include` accepts),
        then make the catalog's tables the folder's (iceberg_lake.restore_tables); returns the
        keys seeded."""
        keys = seed_bucket(self.client("s3"), self.bucket, lake_dir,
                           lambda key: key.startswith(TABLES) or bool(include and include(key)))
        restore_tables(self.catalog(), self.database, self.bucket, lake_dir)
        return keys

    def keep_tables(self, lake_dir: Path, before: dict[str, str]) -> None:
        """Download the files of each table committed to since `before` (glue_pointers) into
        the lake folder and record its current metadata file there; a table nobody wrote
        leaves the folder as it was."""
        changed = {name for name, key in glue_pointers(self.client("glue"), self.database).items()
                   if before.get(name) != key}
        for name in sorted(changed):
            download_bucket_prefix(self.client("s3"), self.bucket, f"{TABLES}{name}/", lake_dir)
        save_pointers(self.client("glue"), self.database, lake_dir, only=changed)

    def _redrive(self, dead_letter_name: str, timeout_seconds: int,
                 max_receive_count: int,
                 visibility_seconds: int | None = None) -> tuple[str, dict[str, str]]:
        """A dead-letter queue, and the attributes of a queue that redrives into it as the
        stacks shape theirs: visibility six times the consuming function's timeout (or
        `visibility_seconds`: a run with faults wants died invocations' messages back soon)."""
        sqs = self.client("sqs")
        dlq_url = sqs.create_queue(QueueName=dead_letter_name)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(
            QueueUrl=dlq_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        return dlq_url, {
            "VisibilityTimeout": str(visibility_seconds or
                                     contract.SQS_VISIBILITY_TIMEOUT_FACTOR * timeout_seconds),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
            ),
        }

    def with_extract_queues(self, *, max_receive_count: int,
                            visibility_seconds: int | None = None) -> LocalAws:
        """The extract queue and its dead-letter queue, shaped as IngestStack shapes them."""
        dlq_url, attributes = self._redrive(EXTRACT_DLQ_NAME, contract.WORKER_TIMEOUT_SECONDS,
                                            max_receive_count, visibility_seconds)
        queue_url = self.client("sqs").create_queue(
            QueueName=EXTRACT_QUEUE_NAME, Attributes=attributes)["QueueUrl"]
        return replace(self, extract_queue_url=queue_url, extract_dlq_url=dlq_url)

    def queue_depth(self, queue_url: str) -> int:
        """Messages on a queue: visible, in flight or delayed."""
        from spotify_local.sqs_event_source import queue_counts

        return sum(queue_counts(self.client("sqs"), queue_url))

    def dead_letter_reasons(self) -> str:
        """The last error of each dead-lettered source, one clause each (not removed)."""
        sqs = self.client("sqs")
        reasons: list[str] = []
        answer = sqs.receive_message(
            QueueUrl=self.extract_dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0,
            MessageAttributeNames=["All"],
        )
        for message in answer.get("Messages", []):
            attributes = message.get("MessageAttributes", {})
            reasons.append(attributes.get("LastError", {}).get("StringValue", message["Body"]))
        return "; ".join(reasons) or "still on the extract queue (deferred or retry pending)"

    def store_spotify_secret(self, credentials: SpotifyCredentials) -> None:
        """Create the Spotify credentials secret in the documented JSON shape."""
        self.client("secretsmanager").create_secret(
            Name=self.secret_id, SecretString=secret_string(credentials)
        )

    def with_transform_redrive(self, *, max_receive_count: int,
                               visibility_seconds: int | None = None) -> LocalAws:
        """The transform queue shaped as TransformStack shapes it, redriving to its failure
        queue after `max_receive_count` deliveries."""
        failures_url, attributes = self._redrive(
            EVENT_FAILURES_NAME, contract.TRANSFORM_TIMEOUT_SECONDS, max_receive_count,
            visibility_seconds)
        self.client("sqs").set_queue_attributes(QueueUrl=self.event_queue_url,
                                                Attributes=attributes)
        return replace(self, event_failures_url=failures_url)


def as_s3_sends_it(body: str) -> str:
    """An Object Created event's JSON with its key URL-encoded as S3 sends it.

    moto puts the key into the event as stored; S3 URL-encodes it (space as `+`), and the
    transform decodes it.
    """
    event = json.loads(body)
    obj = event["detail"]["object"]
    obj["key"] = quote_plus(obj["key"], safe="/")
    return json.dumps(event)


def _set_environ(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def patched_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables; restore the previous ones afterwards."""
    previous = {name: os.environ.get(name) for name in values}
    try:
        _set_environ(values)
        yield
    finally:
        _set_environ(previous)


def _create_resources(endpoint_url: str) -> LocalAws:
    s3 = boto3.client("s3", endpoint_url=endpoint_url, region_name=REGION)
    s3.create_bucket(Bucket=BUCKET_NAME)
    s3.put_bucket_versioning(Bucket=BUCKET_NAME, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET_NAME, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=REGION)
    queue_url = sqs.create_queue(QueueName=EVENT_QUEUE_NAME)["QueueUrl"]
    # The tables exist before anything writes them, as the deploy creates them.
    boto3.client("glue", endpoint_url=endpoint_url, region_name=REGION).create_database(
        DatabaseInput={"Name": DATABASE_NAME})
    restore_tables(glue_catalog(), DATABASE_NAME, BUCKET_NAME, None)
    return LocalAws(endpoint_url, BUCKET_NAME, SECRET_NAME, queue_url)


def route_object_created(local: LocalAws, rule_name: str, prefix: str, queue_url: str) -> None:
    """An EventBridge rule putting *Object Created* events of the bucket under `prefix` on the
    queue: the pattern of the stacks' rules (TransformStack, HistoryImportStack)."""
    queue_arn = local.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    pattern = {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [local.bucket]}, "object": {"key": [{"prefix": prefix}]}},
    }
    events = local.client("events")
    events.put_rule(Name=rule_name, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule_name, Targets=[{"Id": "queue", "Arn": queue_arn}])


def start_event_capture(local: LocalAws) -> None:
    """Route *Object Created* events under raw/to_process/ to the event queue.

    The same pattern as the TransformStack's rule. Kept separate from creating the bucket so that
    seeding the bucket with an earlier lake does not replay its events.
    """
    route_object_created(local, EVENT_RULE_NAME, RAW_TO_PROCESS, local.event_queue_url)


def start_import_capture(local: LocalAws) -> str:
    """The history import's queue, fed by *Object Created* events under imports/ as
    HistoryImportStack's rule feeds it; returns its URL."""
    queue_url = local.client("sqs").create_queue(QueueName=IMPORT_QUEUE_NAME)["QueueUrl"]
    route_object_created(local, IMPORT_RULE_NAME, IMPORTS, queue_url)
    return queue_url


_CONDITIONAL_PUT_LOCK = threading.Lock()


def serialize_conditional_writes() -> None:
    """Make moto's conditional PutObject check-and-write one step, as S3's is.

    moto compares `If-Match`/`If-None-Match` and then stores the object, with other request
    threads free to run in between: two racing writers could both pass and one write be lost,
    which S3 never allows (the loser gets 412 or 409). Idempotent.
    """
    original = S3Response.put_object
    if getattr(original, "serialized", False):
        return

    def put_object(self: S3Response) -> Any:
        with _CONDITIONAL_PUT_LOCK:
            return original(self)

    put_object.serialized = True  # type: ignore[attr-defined]
    S3Response.put_object = put_object  # type: ignore[method-assign]


_GLUE_UPDATE_LOCK = threading.Lock()


class ConcurrentModificationError(GlueClientError):
    """Glue's answer to an UpdateTable whose `VersionId` is no longer the table's."""

    def __init__(self, message: str) -> None:
        super().__init__("ConcurrentModificationException", message)


def strict_glue_table_versions() -> None:
    """Make moto's Glue UpdateTable refuse a stale `VersionId`, as Glue does.

    moto 5.2.5 stores every update as the next version whatever `VersionId` says, so two Iceberg
    commits from the same base would both succeed and the second would silently drop the first
    one's snapshot. Glue compares the `VersionId` with the table's current version and answers
    `ConcurrentModificationException` (which PyIceberg turns into a retried commit). The
    comparison and the update are one step here, as they are in Glue. Idempotent.
    """
    original = GlueResponse.update_table
    if getattr(original, "strict", False):
        return

    def update_table(self: GlueResponse) -> Any:
        with _GLUE_UPDATE_LOCK:
            expected = self.parameters.get("VersionId")
            if expected is not None:
                name = (self.parameters.get("TableInput") or {}).get("Name")
                table = self.glue_backend.get_table(self.parameters.get("DatabaseName"), name)
                current = table.as_dict()["VersionId"]
                if str(expected) != str(current):
                    raise ConcurrentModificationError(
                        f"Update table failed due to concurrent modifications: version "
                        f"{expected} is not the current version {current} of {name}."
                    )
            return original(self)

    update_table.strict = True  # type: ignore[attr-defined]
    GlueResponse.update_table = update_table  # type: ignore[method-assign]


@contextmanager
def lake_catalog(lake_dir: Path) -> Iterator[tuple[Catalog, str]]:
    """The lake folder's tables in a catalog to write them as the functions do (moto's Glue
    and S3, seeded from the folder); on leaving, the folder holds what was committed. Yields
    the catalog and the database name."""
    with local_aws() as local:
        local.adopt_lake(lake_dir)
        before = glue_pointers(local.client("glue"), local.database)
        yield local.catalog(), local.database
        local.keep_tables(lake_dir, before)


@contextmanager
def local_aws() -> Iterator[LocalAws]:
    """Start the endpoint with a fresh bucket; the process talks to it until the block ends."""
    # werkzeug logs every request at INFO; the run's own progress is what the user should see.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    serialize_conditional_writes()
    strict_glue_table_versions()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        # moto's state lives in this process: start from nothing even if an earlier run left some.
        requests.post(f"{endpoint_url}/moto-api/reset", timeout=10).raise_for_status()
        environment = {
            **DUMMY_CREDENTIALS,
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_PROFILE": None,
        }
        with patched_environ(environment):
            local = _create_resources(endpoint_url)
            with patched_environ(local.handler_environment()):
                yield local
    finally:
        server.stop()
