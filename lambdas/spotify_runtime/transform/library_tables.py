"""The listening and library tables (plays, top_tracks, top_artists, saved_albums,
followed_artists, playlists), built beside the four track tables of build.py.

Sources whose items are tracks (recently-played, top-tracks, playlists) go through build.py's
track path and get their own table added here (`track_source_tables`); sources whose items are
not tracks (top-artists, saved-albums, followed-artists) are built here entirely
(`build_non_track`), feeding albums and artists as well.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.transform import values
from spotify_runtime.transform.reader import ENVELOPE, RawDocument
from spotify_runtime.transform.tables import SCHEMAS

NON_TRACK_SOURCES = ("top-artists", "saved-albums", "followed-artists")
"""Source types whose items are artists or albums, not tracks."""


def _get(array: pa.Array, *names: str) -> pa.Array:
    for name in names:
        array = pc.struct_field(array, name)
    return array


def _build():  # build.py imports this module; its helpers are looked up when first used
    from spotify_runtime.transform import build

    return build


def _item_where(index: pa.Array, field: str):
    return lambda row: f"items[{index[row].as_py()}].{field}"


def track_source_tables(doc: RawDocument, kept) -> dict[str, pa.Table]:
    """plays, top_tracks and playlists for a track source (`kept`: build._Tracks)."""
    build = _build()
    items = doc.items.take(kept.index) if len(kept.index) < len(doc.items) else doc.items
    song_ids = _get(kept.tracks, "id")
    tables = {name: SCHEMAS[name].empty_table() for name in ("plays", "top_tracks", "playlists")}
    if doc.source_type == "recently-played":
        where = _item_where(kept.index, "played_at")
        played = _get(items, "played_at")
        build._require(pc.is_valid(played), where, 'missing "played_at"')
        tables["plays"] = build._table("plays", {
            "played_at": values.timestamps(played, where),
            "song_id": song_ids,
            "context_type": _get(items, "context", "type"),
            "context_uri": _get(items, "context", "uri"),
        })
    elif doc.source_type == "top-tracks":
        ranges, ranks = _get(items, "time_range"), _get(items, "rank")
        build._require(pc.is_valid(ranges), _item_where(kept.index, "time_range"),
                       'missing "time_range"')
        build._require(pc.is_valid(ranks), _item_where(kept.index, "rank"), 'missing "rank"')
        tables["top_tracks"] = build._table(
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
    playlist_id = doc.source_id or _get(metadata, "id")[0].as_py()
    if playlist_id is None:
        return SCHEMAS["playlists"].empty_table()
    return _build()._table("playlists", {
        "playlist_id": pa.array([playlist_id], pa.string()),
        "name": _get(metadata, "name"),
        "owner_id": _get(metadata, "owner", "id"),
        "description": _get(metadata, "description"),
        "snapshot_id": _get(metadata, "snapshot_id"),
        "total_items": pa.array([len(doc.items)], pa.int64()),
        "public": _get(metadata, "public"),
        "collaborative": _get(metadata, "collaborative"),
    })


def build_non_track(doc: RawDocument):
    """Every table for a source whose items are artists or albums (a build.BuiltTables)."""
    build = _build()
    tables = {name: schema.empty_table() for name, schema in SCHEMAS.items()}
    items = pc.drop_null(doc.items) if doc.items.null_count else doc.items
    index = pc.indices_nonzero(pc.is_valid(doc.items))
    if doc.source_type == "saved-albums":
        albums = _get(items, "album")
        where = _item_where(index, "album")
        build._require(pc.is_valid(albums), lambda row: f"items[{index[row].as_py()}]",
                       'missing "album"')
        build._require(pc.is_valid(_get(albums, "id")), where, 'missing "id"')
        build._require_list_ids(_get(albums, "artists"), where, "artists")
        tables["albums"] = build._albums(albums, where)
        tables["artists"] = build._artists(_get(albums, "artists"))
        tables["saved_albums"] = build._table("saved_albums", {
            "album_id": _get(albums, "id"),
            "added_at": values.timestamps(_get(items, "added_at"),
                                          _item_where(index, "added_at")),
        })
    else:
        artists = _get(items, "artist") if doc.source_type == "top-artists" else pa.StructArray.\
            from_arrays([_get(items, "id"), _get(items, "name")], names=["id", "name"])
        field = "artist." if doc.source_type == "top-artists" else ""
        where = _item_where(index, f"{field}id")
        build._require(pc.is_valid(_get(artists, "id")), where, 'missing "id"')
        tables["artists"] = build._artists(_as_lists(artists))
        ids = _get(artists, "id")
        if doc.source_type == "top-artists":
            ranges, ranks = _get(items, "time_range"), _get(items, "rank")
            build._require(pc.is_valid(ranges), _item_where(index, "time_range"),
                           'missing "time_range"')
            build._require(pc.is_valid(ranks), _item_where(index, "rank"), 'missing "rank"')
            tables["top_artists"] = build._table(
                "top_artists", {"time_range": ranges, "rank": ranks, "artist_id": ids}
            )
        else:
            tables["followed_artists"] = build._table(
                "followed_artists", {"artist_id": ids}
            ).take(values.first_occurrences(ids))
    skipped = {build.NULL_TRACK: doc.items.null_count} if doc.items.null_count else {}
    item_table = "albums" if doc.source_type == "saved-albums" else "artists"
    return build.BuiltTables(tables=tables, items=len(doc.items), skipped=skipped,
                             item_table=item_table)


def _as_lists(structs: pa.StructArray) -> pa.Array:
    """Each struct as a one-element list (the shape build._artists takes credits in)."""
    offsets = pa.array(range(len(structs) + 1), pa.int32())
    return pa.ListArray.from_arrays(offsets, structs)
