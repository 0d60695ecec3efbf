"""The transform handler against moto's S3: idempotence, quarantine, failures, odd keys."""

import json
from datetime import UTC, datetime
from urllib.parse import quote_plus

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError
from spotify_runtime.layout import RUN_LOG, TABLES, raw_key
from spotify_runtime.transform.handler import handler

from tests.iceberg_catalog import rows_per_source, table_rows, transform_catalog

BUCKET = "lake"
DATABASE = "lake_db"
WRITTEN = ("songs", "albums", "artists", "playlist_tracks", "playlists")
PLAYLIST = "37i9dQZF1DXcBWIGoYBM5M"
KEY = raw_key("playlist", PLAYLIST, datetime(2026, 11, 24, 18, 10, tzinfo=UTC))


@pytest.fixture
def s3(aws_in_process, monkeypatch):
    monkeypatch.setenv("DATA_BUCKET", BUCKET)
    monkeypatch.setenv("GLUE_DATABASE", DATABASE)
    transform_catalog(BUCKET, DATABASE)
    return boto3.client("s3", region_name="us-east-1")


@pytest.fixture
def catalog(s3):
    from spotify_runtime.iceberg_tables import glue_catalog

    return glue_catalog()


def tables(catalog):
    """{table: {source_file: rows}} of every transform table that has rows."""
    from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

    found = {name: rows_per_source(catalog, DATABASE, name) for name in TABLE_DEFINITIONS}
    return {name: counts for name, counts in found.items() if counts}


def objects(s3, prefix=""):
    """{key: bytes} of everything under prefix (the run log and the tables' files only when
    asked for by prefix; tests/local/test_run_log.py covers the log)."""
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=prefix) for o in page.get("Contents", [])]
    return {k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys
            if prefix or not k.startswith((RUN_LOG, TABLES))}


def eventbridge(key):
    return {"detail-type": "Object Created", "source": "aws.s3",
            "detail": {"bucket": {"name": BUCKET}, "object": {"key": quote_plus(key, safe="/")}}}


def notification(*keys):
    return {"Records": [{"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": BUCKET}, "object": {"key": quote_plus(k, safe="/")}}} for k in keys]}


def rows(data):
    return pq.read_table(pa.BufferReader(data)).to_pylist()


def test_processes_then_archives_and_a_second_delivery_changes_nothing(s3, catalog,
                                                                        raw_fixture):
    raw = raw_fixture("playlist_envelope.json")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=raw)
    result = handler(eventbridge(KEY), s3=s3)
    assert result["results"][0]["status"] == "processed"
    assert result["results"][0]["rows"]["songs"] == 4
    after_first = objects(s3)
    stem = f"playlist__{PLAYLIST}__20261124T181000Z"
    assert sorted(after_first) == [f"raw/processed/playlist/{PLAYLIST}/20261124T181000Z.json"]
    assert after_first[f"raw/processed/playlist/{PLAYLIST}/20261124T181000Z.json"] == raw
    written = tables(catalog)
    assert sorted(written) == sorted(WRITTEN)
    assert written["songs"] == {stem: 4}
    songs = table_rows(catalog, DATABASE, "songs")
    assert sorted(r["song_id"][:3] for r in songs) == ["2TA", "2TB", "2TC", "2TD"]
    assert {r["snapshot_date"] for r in songs} == {"2026-11-24"}

    (log,) = objects(s3, RUN_LOG).values()  # one run-log object for the day
    assert [r["outcome"] for r in rows(log)] == ["processed"]
    again = handler(eventbridge(KEY), s3=s3)  # the same event, delivered twice
    assert again["results"][0]["status"] == "already_done"
    assert objects(s3) == after_first and tables(catalog) == written

    s3.put_object(Bucket=BUCKET, Key=KEY, Body=raw)  # the extractor re-delivering the same run
    handler(notification(KEY), s3=s3)
    assert objects(s3) == after_first
    assert tables(catalog) == written  # its rows replaced, not added


@pytest.mark.parametrize(
    "relative", ["tutorial/my playlist día 1+2.json", "tutorial/a+b c ñ 東京.json"]
)
def test_keys_with_spaces_plus_and_unicode(s3, catalog, raw_fixture, relative):
    key = "raw/to_process/" + relative
    s3.put_object(Bucket=BUCKET, Key=key, Body=raw_fixture("playlist_envelope.json"))
    (result,) = handler(notification(key), s3=s3)["results"]
    assert result["status"] == "processed"
    stored = objects(s3)
    assert "raw/processed/" + relative in stored and key not in stored
    assert list(tables(catalog)["songs"].values()) == [4]


def test_a_plus_in_a_key_arrives_encoded_as_s3_sends_it(s3, raw_fixture):
    key = "raw/to_process/tutorial/a+b.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=raw_fixture("playlist_envelope.json"))
    event = eventbridge(key)
    event["detail"]["object"]["key"] = "raw/to_process/tutorial/a%2Bb.json"  # S3's "+"
    (result,) = handler(event, s3=s3)["results"]
    assert result["status"] == "processed" and result["key"] == key
    assert "raw/processed/tutorial/a+b.json" in objects(s3)


def test_malformed_file_is_quarantined_with_its_report(s3, raw_doc, capsys):
    doc = raw_doc("playlist_envelope.json")
    doc["items"][4]["item"]["duration_ms"] = "long"
    body = json.dumps(doc).encode()
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
    (result,) = handler(eventbridge(KEY), s3=s3)["results"]  # does not raise
    assert result["status"] == "quarantined"
    stored = objects(s3)
    failed = f"raw/failed/playlist/{PLAYLIST}/20261124T181000Z.json"
    assert sorted(stored)[0] == failed and len(stored) == 2  # no raw left
    (report_key,) = [key for key in stored if key != failed]
    assert report_key.startswith(failed + ".") and report_key.endswith(".error.json")
    assert stored[failed] == body
    assert objects(s3, TABLES + "songs/data/") == {}  # no rows written
    report = json.loads(stored[report_key])
    assert report["where"] == "items[4].item.duration_ms"
    assert report["what"] == 'expected an integer, got a string ("long")'
    assert report["error"] == "InvalidRawFileError" and report["key"] == KEY
    assert datetime.fromisoformat(report["failed_at"]).tzinfo is not None
    metric = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert metric["RawFilesQuarantined"] == 1 and metric["Bucket"] == BUCKET
    assert metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "SpotifyEtl"
    assert metric["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] == "RawFilesQuarantined"


def test_not_json_is_quarantined(s3):
    s3.put_object(Bucket=BUCKET, Key="raw/to_process/tutorial/x.json", Body=b"<html>")
    (result,) = handler(notification("raw/to_process/tutorial/x.json"), s3=s3)["results"]
    assert result["status"] == "quarantined" and "not valid JSON" in result["what"]


class RecordingS3:
    """Delegates to a real client and records each operation called."""

    def __init__(self, client):
        self.client, self.calls = client, []

    def __getattr__(self, name):
        real = getattr(self.client, name)

        def recorded(**kwargs):
            self.calls.append(name)
            return real(**kwargs)
        return recorded


class FailingS3:
    """Delegates to a real client; the named operation raises once on its nth call."""

    def __init__(self, client, operation, nth=1):
        self.client, self.operation, self.calls, self.nth = client, operation, 0, nth

    def __getattr__(self, name):
        real = getattr(self.client, name)
        if name != self.operation:
            return real

        def flaky(**kwargs):
            self.calls += 1
            if self.calls == self.nth:
                raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, name)
            return real(**kwargs)
        return flaky


class FailingCatalog:
    """Delegates to a real catalog; its nth load_table raises (a table's commit failing)."""

    def __init__(self, catalog, nth):
        self.catalog, self.nth, self.calls = catalog, nth, 0

    def load_table(self, identifier):
        self.calls += 1
        if self.calls == self.nth:
            raise ConnectionError("Glue did not answer")
        return self.catalog.load_table(identifier)


def test_failed_table_write_keeps_the_raw_object_and_raises(s3, catalog, raw_fixture):
    raw = raw_fixture("playlist_envelope.json")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=raw)
    with pytest.raises(ConnectionError):  # two tables written, the third fails
        handler(eventbridge(KEY), s3=s3, catalog=FailingCatalog(catalog, nth=3))
    assert objects(s3, "raw/") == {KEY: raw}  # raw in place
    # The two tables written keep its rows (a second delivery may have written them too).
    assert len(tables(catalog)) == 2
    handler(eventbridge(KEY), s3=s3)  # Lambda's retry
    assert objects(s3, "raw/to_process/") == {}
    stem = f"playlist__{PLAYLIST}__20261124T181000Z"
    assert {name: list(counts) for name, counts in tables(catalog).items()} == {
        name: [stem] for name in WRITTEN}
    assert tables(catalog)["songs"] == {stem: 4}  # once, though written twice


def test_failed_archive_copy_keeps_the_raw_object_and_a_retry_finishes(s3, catalog,
                                                                       raw_fixture):
    raw = raw_fixture("playlist_envelope.json")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=raw)
    with pytest.raises(ClientError):
        handler(eventbridge(KEY), s3=FailingS3(s3, "copy_object"))
    assert objects(s3, "raw/") == {KEY: raw}
    written = tables(catalog)
    handler(eventbridge(KEY), s3=s3)
    assert tables(catalog) == written  # the retry replaced the same rows
    assert list(objects(s3, "raw/")) == [f"raw/processed/playlist/{PLAYLIST}/20261124T181000Z.json"]


def test_two_raw_files_on_one_day_both_survive_in_one_commit(s3, catalog, raw_fixture):
    other = raw_key("playlist", PLAYLIST, datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    for key in (KEY, other):
        s3.put_object(Bucket=BUCKET, Key=key, Body=raw_fixture("playlist_envelope.json"))
    handler(notification(KEY, other), s3=s3)
    assert tables(catalog)["songs"] == {f"playlist__{PLAYLIST}__20261124T181000Z": 4,
                                        f"playlist__{PLAYLIST}__20261124T060000Z": 4}
    songs = catalog.load_table(f"{DATABASE}.songs")
    assert len(songs.metadata.snapshots) == 1  # both files' rows: one commit


def test_seed_paging_object_backfills(s3, catalog, raw_fixture):
    dated = "raw/to_process/tutorial/spotify_raw_2023-03-15 18:10:02.123456.json"
    undated = "raw/to_process/tutorial/export.json"
    for key in (dated, undated):
        s3.put_object(Bucket=BUCKET, Key=key, Body=raw_fixture("playlist_paging_seed.json"))
    handler(notification(dated, undated), s3=s3)
    tracks = table_rows(catalog, DATABASE, "playlist_tracks")
    today = datetime.now(UTC).date().isoformat()  # moto's LastModified: the upload time
    assert sorted({r["snapshot_date"] for r in tracks}) == sorted(["2023-03-15", today])
    assert sorted((r["playlist_id"], r["position"]) for r in tracks
                  if r["snapshot_date"] == "2023-03-15") == [(PLAYLIST, 100), (PLAYLIST, 102)]


def test_missing_raw_object_never_archived_is_logged_and_left_alone(s3):
    (result,) = handler(eventbridge(KEY), s3=s3)["results"]  # moto answers 404
    assert result["status"] == "gone"
    assert objects(s3) == {}


def test_a_failed_read_raises_instead_of_counting_as_done(s3):
    with pytest.raises(ClientError):
        handler(eventbridge(KEY), s3=FailingS3(s3, "get_object"))


def test_events_for_another_bucket_or_without_one_are_dropped_untouched(s3, raw_fixture):
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=raw_fixture("album_envelope.json"))
    other = eventbridge(KEY)
    other["detail"]["bucket"]["name"] = "someone-elses-bucket"
    nameless = eventbridge(KEY)
    del nameless["detail"]["bucket"]
    recording = RecordingS3(s3)
    for event in (other, nameless):
        assert handler(event, s3=recording)["results"] == []
    assert recording.calls == []  # not even a GetObject
    assert list(objects(s3)) == [KEY]
