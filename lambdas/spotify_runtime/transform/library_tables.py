"""The listening and library tables (plays, top_tracks, top_artists, saved_albums,
followed_artists, playlists), built beside the four track tables of build.py.

Sources whose items are tracks (recently-played, top-tracks, playlists) go through build.py's
track path and get their own table added here (`track_source_tables`); sources whose items are
not tracks (top-artists, saved-albums, followed-artists) are built here entirely
(`non_track_tables`), feeding albums and artists as well.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.transform import values
from spotify_runtime.transform.columns import (
    albums_table,
    artists_table,
    nested,
    require,
    require_list_ids,
    table,
)
from spotify_runtime.transform.reader import ENVELOPE, RawDocument
from spotify_runtime.transform.tables import SCHEMAS

NON_TRACK_ITEM_TABLES = {"top-artists": "artists", "saved-albums": "albums",
                         "followed-artists": "artists"}
"""Source types whose items are artists or albums, not tracks, and the table each kept item gives
a row to (`BuiltTables.item_table`)."""


def _item_where(index: pa.Array, field: str):
    return lambda row: f"items[{index[row].as_py()}].{field}"


def track_source_tables(doc: RawDocument, index: pa.Array,
                        tracks: pa.StructArray) -> dict[str, pa.Table]:
    """plays, top_tracks and playlists for a track source, given its kept tracks and the item
    index of each."""
    items = doc.items.take(index) if len(index) < len(doc.items) else doc.items
    song_ids = nested(tracks, "id")
    tables = {name: SCHEMAS[name].empty_table() for name in ("plays", "top_tracks", "playlists")}
    if doc.source_type == "recently-played":
        where = _item_where(index, "played_at")
        played = nested(items, "played_at")
        require(pc.is_valid(played), where, 'missing "played_at"')
        tables["plays"] = table("plays", {
            "played_at": values.timestamps(played, where),
            "song_id": song_ids,
            "context_type": nested(items, "context", "type"),
            "context_uri": nested(items, "context", "uri"),
        })
    elif doc.source_type == "top-tracks":
        ranges, ranks = nested(items, "time_range"), nested(items, "rank")
        require(pc.is_valid(ranges), _item_where(index, "time_range"), 'missing "time_range"')
        require(pc.is_valid(ranks), _item_where(index, "rank"), 'missing "rank"')
        tables["top_tracks"] = table(
            "top_tracks", {"time_range": ranges, "rank": ranks, "song_id": song_ids}
        )
    elif doc.source_type == "playlist":
        tables["playlists"] = _playlists(doc)
    return tables


def _playlists(doc: RawDocument) -> pa.Table:
    """One row from the playlist's metadata (envelopes only: a bare paging object has none)."""
    metadata = doc.metadata
    if doc.shape != ENVELOPE or not metadata.is_valid()[0].as_py():
        return SCHEMAS["playlists"].empty_table()
    playlist_id = doc.source_id or nested(metadata, "id")[0].as_py()
    if playlist_id is None:
        return SCHEMAS["playlists"].empty_table()
    return table("playlists", {
        "playlist_id": pa.array([playlist_id], pa.string()),
        "name": nested(metadata, "name"),
        "owner_id": nested(metadata, "owner", "id"),
        "description": nested(metadata, "description"),
        "snapshot_id": nested(metadata, "snapshot_id"),
        "total_items": pa.array([len(doc.items)], pa.int64()),
        "public": nested(metadata, "public"),
        "collaborative": nested(metadata, "collaborative"),
    })


def non_track_tables(doc: RawDocument) -> dict[str, pa.Table]:
    """Every table for a source whose items are artists or albums (`NON_TRACK_ITEM_TABLES`);
    null items produce no rows (build.py counts them)."""
    tables = {name: schema.empty_table() for name, schema in SCHEMAS.items()}
    items = pc.drop_null(doc.items) if doc.items.null_count else doc.items
    index = pc.indices_nonzero(pc.is_valid(doc.items))
    if doc.source_type == "saved-albums":
        albums = nested(items, "album")
        where = _item_where(index, "album")
        require(pc.is_valid(albums), lambda row: f"items[{index[row].as_py()}]",
                'missing "album"')
        require(pc.is_valid(nested(albums, "id")), where, 'missing "id"')
        require_list_ids(nested(albums, "artists"), where, "artists")
        tables["albums"] = albums_table(albums, where)
        tables["artists"] = artists_table(nested(albums, "artists"))
        tables["saved_albums"] = table("saved_albums", {
            "album_id": nested(albums, "id"),
            "added_at": values.timestamps(nested(items, "added_at"),
                                          _item_where(index, "added_at")),
        })
    else:
        artists = nested(items, "artist") if doc.source_type == "top-artists" else pa.StructArray.\
            from_arrays([nested(items, "id"), nested(items, "name")], names=["id", "name"])
        field = "artist." if doc.source_type == "top-artists" else ""
        where = _item_where(index, f"{field}id")
        require(pc.is_valid(nested(artists, "id")), where, 'missing "id"')
        tables["artists"] = artists_table(_as_lists(artists))
        ids = nested(artists, "id")
        if doc.source_type == "top-artists":
            ranges, ranks = nested(items, "time_range"), nested(items, "rank")
            require(pc.is_valid(ranges), _item_where(index, "time_range"),
                    'missing "time_range"')
            require(pc.is_valid(ranks), _item_where(index, "rank"), 'missing "rank"')
            tables["top_artists"] = table(
                "top_artists", {"time_range": ranges, "rank": ranks, "artist_id": ids}
            )
        else:
            tables["followed_artists"] = table(
                "followed_artists", {"artist_id": ids}
            ).take(values.first_occurrences(ids))
    return tables


def _as_lists(structs: pa.StructArray) -> pa.Array:
    """Each struct as a one-element list (the shape `artists_table` takes credits in)."""
    offsets = pa.array(range(len(structs) + 1), pa.int32())
    return pa.ListArray.from_arrays(offsets, structs)
