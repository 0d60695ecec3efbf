"""Output names from raw keys, and S3 / EventBridge event parsing."""

from datetime import date
from urllib.parse import quote_plus

import pytest
from spotify_runtime.layout import partition_key, processed_file_stem
from spotify_runtime.transform.events import raw_objects
from spotify_runtime.transform.snapshot import date_in_key

from spotify_etl.iceberg_migration import is_partition_key


def test_stem_of_an_extractor_key_is_readable():
    key = "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json"
    assert processed_file_stem(key) == "playlist__37i9dQZF1DXcBWIGoYBM5M__20261124T181000Z"


def test_one_object_per_table_and_day_and_old_per_file_objects_are_told_apart():
    assert partition_key("songs", date(2026, 11, 24)) == (
        "processed/songs/snapshot_date=2026-11-24/songs.parquet")
    assert is_partition_key(partition_key("songs", date(2026, 11, 24)))
    assert not is_partition_key("processed/songs/snapshot_date=2026-11-24/"
                                "playlist__37i9dQZF1DXcBWIGoYBM5M__20261124T181000Z.parquet")
    assert not is_partition_key("processed/songs/snapshot_date=2026-11-24/albums.parquet")


@pytest.mark.parametrize("relative", [
    "spotify_raw_2023-03-15 18:10:02.json", "a+b/ñandú.json", "_hidden.json", "x__y.json",
])
def test_unusual_keys_get_safe_names(relative):
    stem = processed_file_stem("raw/to_process/" + relative)
    assert stem[0].isalnum()
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in stem)


def test_names_never_collide():
    relatives = ["a/b.json", "a__b.json", "a b.json", "a+b.json", "a-b.json", "a_b.json",
                 "a/b/c.json", "a__b__c.json", "ñ.json", "n.json", "a/b.JSON"]
    stems = [processed_file_stem("raw/to_process/" + r) for r in relatives]
    assert len(set(stems)) == len(stems)


def test_with_and_without_prefix_give_the_same_stem():
    assert processed_file_stem("raw/to_process/a/b.json") == processed_file_stem("a/b.json")


@pytest.mark.parametrize(("key", "expected"), [
    ("raw/to_process/spotify_raw_2023-03-15 18:10:02.123456.json", date(2023, 3, 15)),
    ("raw/to_process/spotify_raw_20230315.json", date(2023, 3, 15)),
    ("raw/to_process/2023_02_31/then_2023-04-01.json", date(2023, 4, 1)),  # first valid date
    ("raw/to_process/export-123456789.json", None),
])
def test_date_in_key(key, expected):
    assert date_in_key(key) == expected


def eventbridge(key, bucket="lake"):
    return {"version": "0", "detail-type": "Object Created", "source": "aws.s3",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1}}}


def s3_records(*keys, bucket="lake"):
    return {"Records": [
        {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(k, safe="/")}}}
        for k in keys
    ]}


def test_classic_records_are_url_decoded_in_order():
    keys = ["raw/to_process/tutorial/my list día 1+2.json", KEY]
    found = raw_objects(s3_records(*keys), "lake")
    assert [(o.bucket, o.key) for o in found] == [("lake", k) for k in keys]


def test_eventbridge_key_is_decoded():
    (found,) = raw_objects(eventbridge("raw/to_process/tutorial/a+b.json"), "lake")
    assert found.key == "raw/to_process/tutorial/a b.json"
    (plain,) = raw_objects(eventbridge(KEY), "lake")
    assert plain.key == KEY


KEY = "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json"


@pytest.mark.parametrize("key", [
    KEY,
    "raw/to_process/album/4aawyAB9vmqN3uQ7FjRGTy/20261124T181000Z.json",
    "raw/to_process/saved-tracks/me/20261124T181000Z.json",
    "raw/to_process/recently-played/me/20261124T181000Z.json",
    "raw/to_process/tutorial/spotify_raw_2023-03-15 18:10:02.123456.json",
    "raw/to_process/tutorial/export.json",
])
def test_accepts_exactly_the_raw_key_layout(key):
    assert [o.key for o in raw_objects(eventbridge(key), "lake")] == [key]


@pytest.mark.parametrize("key", [
    "raw/to_process/playlist/../../processed/songs/x.json",
    "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/../20261124T181000Z.json",
    "raw/to_process/tutorial/../x.json",
    "raw/to_process/tutorial/..json",
    "raw/to_process/tutorial/a/b.json",
    "raw/to_process/tutorial/line\nbreak.json",
    "raw/to_process/x.json",
    "raw/to_process/a/b.json",
    "raw/to_process/podcast/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json",
    "raw/to_process/playlist/short/20261124T181000Z.json",
    "raw/to_process/saved-tracks/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json",
    "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/2026-11-24.json",
    "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json.txt",
    "raw/processed/playlist/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json",
    "processed/songs/x.json",
])
def test_drops_anything_else_with_one_log_line(key, caplog):
    caplog.set_level("INFO", logger="spotify_runtime.transform")
    assert raw_objects(eventbridge(key), "lake") == []
    assert len(caplog.records) == 1 and "not a raw key" in caplog.text


def test_ignores_other_event_types_and_shapes():
    assert [o.key for o in raw_objects(s3_records(KEY, KEY), "lake")] == [KEY]
    deleted = dict(eventbridge(KEY), **{"detail-type": "Object Deleted"})
    assert raw_objects(deleted, "lake") == []
    assert raw_objects({"hello": "world"}, "lake") == []
    removed = s3_records(KEY)
    removed["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    removed["Records"] += [{"eventSource": "aws:sqs"}, "not a record"]
    assert raw_objects(removed, "lake") == []


def test_only_the_functions_own_bucket(caplog):
    caplog.set_level("WARNING", logger="spotify_runtime.transform")
    assert raw_objects(eventbridge(KEY, bucket="other"), "lake") == []
    nameless = eventbridge(KEY)
    del nameless["detail"]["bucket"]
    assert raw_objects(nameless, "lake") == []
    assert caplog.text.count("not this function's bucket") == 2
