"""Output names from raw keys, and S3 / EventBridge event parsing."""

from datetime import date
from urllib.parse import quote_plus

import pytest
from spotify_runtime.layout import processed_file_stem, processed_key
from spotify_runtime.transform.events import raw_objects
from spotify_runtime.transform.snapshot import date_in_key


def test_stem_of_an_extractor_key_is_readable():
    key = "raw/to_process/playlist/37i9dQZF1DXcBWIGoYBM5M/20261124T181000Z.json"
    assert processed_file_stem(key) == "playlist__37i9dQZF1DXcBWIGoYBM5M__20261124T181000Z"
    assert processed_key("songs", date(2026, 11, 24), key) == (
        "processed/songs/snapshot_date=2026-11-24/"
        "playlist__37i9dQZF1DXcBWIGoYBM5M__20261124T181000Z.parquet"
    )


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
    keys = ["raw/to_process/my list/día 1+2.json", "raw/to_process/a/b.json"]
    found = raw_objects(s3_records(*keys))
    assert [(o.bucket, o.key) for o in found] == [("lake", k) for k in keys]


def test_eventbridge_key_is_decoded():
    (found,) = raw_objects(eventbridge("raw/to_process/a+b.json"))
    assert found.key == "raw/to_process/a b.json"
    (plain,) = raw_objects(eventbridge("raw/to_process/a/b.json"))
    assert plain.key == "raw/to_process/a/b.json"


def test_ignores_other_prefixes_suffixes_and_event_types(caplog):
    caplog.set_level("INFO", logger="spotify_runtime.transform")
    event = s3_records("raw/processed/a.json", "raw/to_process/a.txt", "processed/x.json",
                       "raw/to_process/ok.json", "raw/to_process/ok.json")
    assert [o.key for o in raw_objects(event)] == ["raw/to_process/ok.json"]
    assert "not a .json object under raw/to_process/" in caplog.text
    deleted = dict(eventbridge("raw/to_process/a.json"), **{"detail-type": "Object Deleted"})
    assert raw_objects(deleted) == []
    assert raw_objects({"hello": "world"}) == []
    removed = s3_records("raw/to_process/gone.json")
    removed["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    removed["Records"] += [{"eventSource": "aws:sqs"}, "not a record"]
    assert raw_objects(removed) == []


def test_bucket_falls_back_to_the_default():
    event = eventbridge("raw/to_process/a.json")
    del event["detail"]["bucket"]
    assert raw_objects(event, default_bucket="fallback")[0].bucket == "fallback"
    assert raw_objects(event) == []
