"""The run log end to end on moto's S3: the worker's and the transform's rows land in
`pipeline_runs/`, and the local lake (the catalog's definitions on DuckDB) reads them and the
freshly landed tables with the catalog's types, with no crawler and no partition added."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.errors import RateLimitedError, SourceUnavailableError
from spotify_runtime.extract.landing import SourceOutcome
from spotify_runtime.extract.message_body import ExtractMessage
from spotify_runtime.extract.queue_worker import MessageOutcome, QueueWorker
from spotify_runtime.layout import RUN_LOG, failed_raw_key, raw_key
from spotify_runtime.run_log import S3RunRecorder
from spotify_runtime.sources import Source
from spotify_runtime.transform.handler import handler as transform_handler

from infra.catalog_tables import all_tables, duckdb_type
from infra.named_queries import get_named_query
from spotify_local.duckdb_athena import open_lake, run_sql
from spotify_local.iceberg_lake import save_pointers
from spotify_local.lake_sync import download_bucket
from spotify_local.scale_sim import MemoryRunRecorder
from tests.scale.extractors import FunctionExtractor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
BUCKET = "lake"
RUN_AT = datetime(2026, 11, 24, 18, 10, tzinfo=UTC)
LANDS = Source("playlist", "3cEYpjA9oz9GiPac4AsH4n")
DEFERRED = Source("album", "4aawyAB9vmqN3uQ7FjRGTy")
GONE = Source("playlist", "1mUtFZdF9Lkd6ZIGm4XxUw")
DAMAGED = Source("album", "S8eth2z0JUW7Pq0kihj9Ao")


@pytest.fixture
def aws(aws_in_process, monkeypatch):
    from tests.iceberg_catalog import transform_catalog

    monkeypatch.setenv("DATA_BUCKET", BUCKET)
    monkeypatch.setenv("GLUE_DATABASE", "lake_db")
    transform_catalog(BUCKET, "lake_db")  # creates the bucket and the tables, as deployed
    s3 = boto3.client("s3", region_name="us-east-1")
    return s3, boto3.client("sqs", region_name="us-east-1")


def _run_worker(s3, sqs, recorder) -> dict[str, MessageOutcome]:
    """One delivery of four sources: one lands, one is deferred (429), one is dead-lettered
    (404), one lands a file the transform will reject."""
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="extract")["QueueUrl"]
    body = (FIXTURES / "playlist_envelope.json").read_text(encoding="utf-8")
    counters = {"requests": 0, "rate_limited": 0}

    def extract(source, run_at, deadline):
        counters["requests"] += 3
        if source == DEFERRED:
            counters["rate_limited"] += 1
            raise RateLimitedError("rate limited: wait 3600 s", retry_after_seconds=3600)
        if source == GONE:
            raise SourceUnavailableError(f"{source}: Spotify answered 404")
        key = raw_key(source.type, source.key_id, run_at)
        document = json.loads(body)
        if source == DAMAGED:  # damage to the file itself (not one item): quarantined
            document["schema_version"] = 99
        s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())
        return SourceOutcome(source, key, f"s3://{BUCKET}/{key}", len(document["items"]))

    extractor = FunctionExtractor(
        extract, counters=lambda: (counters["requests"], counters["rate_limited"]))
    worker = QueueWorker(sqs=sqs, dlq_url=dlq, extractor=extractor, queue_url=queue,
                         recorder=recorder)
    for source in (LANDS, GONE, DAMAGED, DEFERRED):  # a 429 defers whatever follows it
        sqs.send_message(QueueUrl=queue, MessageBody=ExtractMessage(source, RUN_AT).to_body())
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10,
                                   AttributeNames=["All"])["Messages"]
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"], "attributes": m["Attributes"],
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:extract"}
               for m in received]
    result = worker.handle_batch(records, Deadline.after(600))
    bodies = {r["messageId"]: json.loads(r["body"])["source"] for r in records}
    return {bodies[message_id]: outcome for message_id, outcome in result.outcomes.items()}


def test_worker_records_every_handling_with_its_costs(aws):
    recorder = MemoryRunRecorder()
    outcomes = _run_worker(*aws, recorder)
    assert outcomes[str(DEFERRED)] is MessageOutcome.DEFERRED
    rows = {row.source: row for row in recorder.records}
    assert set(rows) == {str(LANDS), str(DEFERRED), str(GONE), str(DAMAGED)}
    assert rows[str(LANDS)].outcome == "landed" and rows[str(LANDS)].items == 8
    assert rows[str(LANDS)].requests == 3 and rows[str(LANDS)].rate_limited == 0
    assert rows[str(DEFERRED)].outcome == "deferred" and rows[str(DEFERRED)].rate_limited == 1
    assert "RateLimitedError" in rows[str(DEFERRED)].error
    assert rows[str(GONE)].outcome == "dead_lettered"
    assert rows[str(GONE)].error.startswith("SourceUnavailableError: ")
    assert all(row.run_at == RUN_AT and row.duration_ms is not None for row in rows.values())


def test_run_log_and_fresh_tables_are_queryable_with_the_catalog_types(aws, tmp_path):
    s3, sqs = aws
    outcomes = _run_worker(s3, sqs, S3RunRecorder(s3, BUCKET))
    assert outcomes[str(GONE)] is MessageOutcome.DEAD_LETTERED
    for source in (LANDS, DAMAGED):  # the bucket's Object Created events, as the rule sends them
        key = raw_key(source.type, source.key_id, RUN_AT)
        transform_handler({"detail-type": "Object Created", "source": "aws.s3", "detail": {
            "bucket": {"name": BUCKET}, "object": {"key": key}}}, s3=s3)

    damaged_key = raw_key(DAMAGED.type, DAMAGED.key_id, RUN_AT)
    (report_key,) = [item["Key"] for item in s3.list_objects_v2(
        Bucket=BUCKET, Prefix=failed_raw_key(damaged_key))["Contents"]
        if item["Key"].endswith(".error.json")]
    report = json.loads(s3.get_object(Bucket=BUCKET, Key=report_key)["Body"].read())
    assert report["where"] == "schema_version"

    download_bucket(s3, BUCKET, tmp_path)
    save_pointers(boto3.client("glue", region_name="us-east-1"), "lake_db", tmp_path)
    assert sorted(p.name for p in (tmp_path / RUN_LOG).rglob("*")) == [
        "run_date=2026-11-24", "runs.parquet"]
    connection = open_lake(tmp_path)
    for definition in all_tables():  # every column meets the catalog's type
        described = run_sql(connection, f"DESCRIBE {definition.name}").rows
        assert [(row[0], row[1]) for row in described] == [
            *((c.name, duckdb_type(c.glue_type)) for c in definition.columns),
            (definition.partition_key, "VARCHAR"),
        ]
    songs = run_sql(connection, "SELECT count(*), min(snapshot_date) FROM songs").rows
    assert songs == [(4, "2026-11-24")]  # landed minutes ago, queryable now

    rows = run_sql(connection, "SELECT stage, source, outcome, error, quality_check, run_at "
                               "FROM pipeline_runs ORDER BY stage, source").as_dicts()
    by = {(row["stage"], row["source"]): row for row in rows}
    assert by[("extract", str(DEFERRED))]["outcome"] == "deferred"
    assert by[("extract", str(GONE))]["outcome"] == "dead_lettered"
    assert "404" in by[("extract", str(GONE))]["error"]
    quarantined = by[("transform", str(DAMAGED))]
    assert quarantined["outcome"] == "quarantined"
    assert quarantined["error"] == report["message"] and quarantined["quality_check"] is None
    assert by[("transform", str(LANDS))]["outcome"] == "processed"
    assert all(row["run_at"] == RUN_AT.replace(tzinfo=None) for row in rows)

    (health,) = run_sql(connection, get_named_query("pipeline_health").sql).as_dicts()
    assert health["run_date"] == "2026-11-24"
    assert (health["sources"], health["sources_landed"], health["sources_failed"],
            health["sources_deferred"]) == (4, 2, 1, 1)
    assert (health["files_transformed"], health["files_quarantined"]) == (1, 1)
    assert (health["requests"], health["rate_limited_429s"]) == (12, 1)
