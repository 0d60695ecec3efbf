"""The deployed path, locally: an upload under imports/ on moto's server -> the rule -> the
import queue -> the deployed handler -> `streams` -> the `listening` view, which then holds the
API's plays and the export's plays once each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pyarrow as pa
from spotify_runtime import run_log
from spotify_runtime.history_import.handler import handler
from spotify_runtime.layout import IMPORTS, IMPORTS_FAILED, RUN_LOG, STREAMS
from spotify_runtime.transform.tables import PLAYS, SONGS

from spotify_local.duckdb_athena import open_lake, run_sql
from spotify_local.iceberg_lake import save_pointers
from spotify_local.lake_sync import download_bucket
from spotify_local.moto_aws import local_aws, start_import_capture
from spotify_local.spotify_export import dump, export_zip, extended_row
from spotify_local.sqs_event_source import to_lambda_records
from tests.iceberg_catalog import replace_source_file

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
TRACKS = [(f"{n:022d}", f"Track {n}", "Artist", "Album") for n in range(4)]


def deliver(local, queue_url):
    """What the SQS event source does: the queue's messages as one batch to the handler."""
    sqs = local.client("sqs")
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                   AttributeNames=["All"]).get("Messages", [])
    assert messages, "the rule delivered nothing"
    return handler({"Records": to_lambda_records(messages, arn)},
                   s3=boto3.client("s3", endpoint_url=local.endpoint_url))


def commit_rows(local, table, rows, schema):
    """`rows` committed into the transform's Iceberg table as one raw file's rows of a day."""
    from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

    columns = pa.Table.from_pylist(
        [{name: None for name in schema.names} | row for row in rows], schema=schema)
    replace_source_file(local.catalog().load_table(f"{local.database}.{table}"),
                   TABLE_DEFINITIONS[table].rows(columns, "2026-11-21", "api-test"), "api-test")


def test_an_upload_reaches_streams_and_listening_holds_every_play_once(tmp_path):
    export_rows = [extended_row(T0 + timedelta(minutes=4 * n), 200_000, track=TRACKS[n])
                   for n in range(3)]
    with local_aws() as local:
        queue_url = start_import_capture(local)
        s3 = local.client("s3")
        # The API saw plays 1 (played_at = its start) and a play the export does not have.
        api = [{"played_at": T0 + timedelta(minutes=4, seconds=-200), "song_id": TRACKS[1][0]},
               {"played_at": T0 + timedelta(hours=5), "song_id": TRACKS[3][0]}]
        commit_rows(local, "plays", api, PLAYS)
        commit_rows(local, "songs", [{"song_id": TRACKS[3][0], "song_name": "Only on the API",
                                      "url": "u", "album_id": "a"}], SONGS)
        upload = f"{IMPORTS}20261204T120000Z/my_spotify_data.zip"
        zip_bytes = export_zip({"Streaming_History_Audio_2026.json": dump(export_rows)})
        s3.put_object(Bucket=local.bucket, Key=upload, Body=zip_bytes)
        s3.put_object(Bucket=local.bucket, Key=f"{IMPORTS}20261204T120000Z/YourLibrary.json",
                      Body=b'{"tracks": []}')
        result = deliver(local, queue_url)
        assert result["batchItemFailures"] == []
        statuses = {r["key"].rsplit("/", 1)[1]: r for r in result["results"]}
        assert statuses["my_spotify_data.zip"]["status"] == "imported"
        assert statuses["my_spotify_data.zip"]["imported"] == 3
        assert statuses["YourLibrary.json"]["status"] == "quarantined"
        keys = download_bucket(s3, local.bucket, tmp_path)
        save_pointers(local.client("glue"), local.database, tmp_path)
    assert f"{STREAMS}ended_month=2026-11/streams.parquet" in keys
    assert upload in keys  # the original upload is kept
    failed = [k for k in keys if k.startswith(IMPORTS_FAILED)]
    assert len(failed) == 2 and any(k.endswith(".error.json") for k in failed)
    report = json.loads((tmp_path / next(k for k in failed if k.endswith(".json")
                                         and "error" in k)).read_text())
    assert "not a Spotify streaming-history file" in report["message"]
    runs = [row for path in (tmp_path / RUN_LOG).rglob("runs.parquet")
            for row in run_log.read_table(path.read_bytes()).to_pylist()]
    imported = next(r for r in runs if r["outcome"] == "imported")
    assert dict(imported["rows"])["imported"] == 3 and imported["items"] == 3
    assert imported["covered_from"] == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

    lake = open_lake(tmp_path)
    rows = run_sql(lake, "SELECT song_id, origin, track_name, ms_played FROM listening "
                         "ORDER BY ended_at").as_dicts()
    assert [(r["song_id"], r["origin"]) for r in rows] == [
        (TRACKS[0][0], "export"), (TRACKS[1][0], "both"), (TRACKS[2][0], "export"),
        (TRACKS[3][0], "api")]
    assert rows[1]["ms_played"] == 200_000  # the export's details
    assert rows[3]["track_name"] == "Only on the API"
