"""Bad input raises InvalidRawFileError saying what is wrong and where."""

import json

import pytest
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_to_parquet import transform_raw_file


def error_for(data: bytes) -> InvalidRawFileError:
    with pytest.raises(InvalidRawFileError) as caught:
        transform_raw_file(data, "raw/to_process/playlist/x/20261124T181000Z.json")
    return caught.value


@pytest.mark.parametrize(("data", "message"), [
    (b"{not json", "line 1 column 2: not valid JSON"),
    (b"", "line 1 column 1: not valid JSON"),
    (b'{"items": ["\xff\xfe"]}', "file: not UTF-8 text"),
    (b"[1, 2]", "top level: expected a JSON object, got an array ([1, 2])"),
    (b"{}", 'top level: missing "items"'),
    (b'{"items": []}\n{"items": []}', "top level: expected one JSON object, found 2"),
    (b'{"href": "h", "items": {"a": 1}}', "items: expected an array, got an object"),
])
def test_not_an_accepted_document(data, message):
    assert str(error_for(data)).startswith(message)


def envelope_with(raw_doc, change):
    doc = raw_doc("playlist_envelope.json")
    change(doc)
    return json.dumps(doc).encode()


def _set(path, value):
    def change(doc):
        target = doc
        for part in path[:-1]:
            target = target[part]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return change


_DELETE = object()


@pytest.mark.parametrize(("path", "value", "where", "what"), [
    (["schema_version"], 2, "schema_version", "expected 1, got 2"),
    (["source", "type"], "podcast", "source.type", "expected one of playlist"),
    (["extracted_at"], _DELETE, "top level", 'missing "extracted_at"'),
    (["extracted_at"], "yesterday", "extracted_at", "'yesterday' is not an ISO 8601"),
    (["items", 0, "item", "duration_ms"], "abc", "items[0].item.duration_ms",
     'expected an integer, got a string ("abc")'),
    (["items", 0, "item", "duration_ms"], 2.5, "items[0].item.duration_ms",
     "expected an integer, got a number (2.5)"),
    (["items", 4, "item", "explicit"], "no", "items[4].item.explicit", "expected true or false"),
])
def test_envelope_errors_name_the_path(raw_doc, path, value, where, what):
    error = error_for(envelope_with(raw_doc, _set(path, value)))
    assert error.where == where
    assert error.what.startswith(what)


@pytest.mark.parametrize(("path", "value", "reason"), [
    (["items", 4, "item", "album", "id"], None, "album_without_id"),
    (["items", 6, "item", "album"], _DELETE, "missing_album"),
    (["items", 0, "item", "id"], _DELETE, "missing_id"),
    (["items", 0, "item", "id"], None, "missing_id"),
    (["items", 7, "item", "name"], None, "missing_name"),
    (["items", 7, "item", "artists"], None, "missing_artists"),
    (["items", 0, "item", "artists", 1, "id"], None, "artist_without_id"),
    (["items", 0, "item", "artists", 1], None, "artist_without_id"),
    (["items", 4, "item", "album", "artists", 0, "id"], None, "album_artist_without_id"),
    (["items", 6, "item", "album", "release_date"], "10/10/2010", "bad_release_date"),
    (["items", 6, "item", "album", "release_date"], "2021-02-30", "bad_release_date"),
    (["items", 7, "added_at"], "yesterday", "bad_added_at"),
])
def test_one_damaged_item_is_skipped_and_counted_not_the_file(raw_doc, path, value, reason):
    whole = transform_raw_file(json.dumps(raw_doc("playlist_envelope.json")).encode(), "x.json")
    damaged = transform_raw_file(envelope_with(raw_doc, _set(path, value)), "x.json")
    assert damaged.built.skipped == {**whole.built.skipped, reason: 1}
    assert damaged.built.rows()["playlist_tracks"] == whole.built.rows()["playlist_tracks"] - 1
    assert damaged.built.rows()["songs"] >= whole.built.rows()["songs"] - 1 > 0


def test_old_local_file_with_null_id_and_no_is_local_costs_one_item(raw_doc):
    """A pre-2015 playlist page: a local file with `id: null` and no `is_local` anywhere."""
    doc = raw_doc("playlist_paging_seed.json")
    whole = transform_raw_file(json.dumps(doc).encode(), "x.json")
    doc["items"][2]["track"]["id"] = None
    doc["items"][2].pop("is_local", None)
    doc["items"][2]["track"].pop("is_local", None)
    damaged = transform_raw_file(json.dumps(doc).encode(), "x.json")
    assert damaged.built.skipped.get("missing_id") == 1
    assert damaged.built.rows()["playlist_tracks"] == whole.built.rows()["playlist_tracks"] - 1
    positions = damaged.built.tables["playlist_tracks"]["position"]
    assert 2 not in positions.to_pylist()


def test_album_source_needs_its_album(raw_doc):
    doc = raw_doc("album_envelope.json")
    doc["metadata"] = None
    assert str(error_for(json.dumps(doc).encode())) == (
        'top level: missing "metadata" (the album)'
    )


def test_skipped_items_need_no_fields(raw_doc):
    """A local file or episode without IDs is skipped, not an error."""
    doc = raw_doc("playlist_envelope.json")
    doc["items"] = [doc["items"][2], doc["items"][3]]
    result = transform_raw_file(json.dumps(doc).encode(), "x.json")
    assert result.built.skipped == {"episode": 1, "local_file": 1}
    # Only the playlist's own row: no track table gets a row.
    assert [key.split("/")[1] for key in result.outputs] == ["playlists"]
