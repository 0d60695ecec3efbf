"""A raw document to the tables (`tables.SCHEMAS`), column by column with pyarrow.

The track tables are built here; the listening and library tables in library_tables.py; what
both use in columns.py.

Items whose track is null, episodes and local files produce no rows; so do damaged items (no
track ID or name, no album, an artist without an ID, a date that does not parse): one bad item
never costs the file. Each is counted per reason. Songs, albums and artists hold each ID once
(its first occurrence in the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.transform import library_tables, values
from spotify_runtime.transform.columns import (
    albums_table,
    artists_table,
    nested,
    require_list_ids,
    table,
)
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_schema import TRACK
from spotify_runtime.transform.reader import RawDocument
from spotify_runtime.transform.tables import SCHEMAS

NULL_TRACK = "null_track"
LOCAL_FILE = "local_file"
EPISODE = "episode"
NOT_A_TRACK = "not_a_track"
MISSING_ID = "missing_id"
MISSING_NAME = "missing_name"
MISSING_ARTISTS = "missing_artists"
ARTIST_WITHOUT_ID = "artist_without_id"
MISSING_ALBUM = "missing_album"
ALBUM_WITHOUT_ID = "album_without_id"
ALBUM_ARTIST_WITHOUT_ID = "album_artist_without_id"
BAD_RELEASE_DATE = "bad_release_date"
BAD_ADDED_AT = "bad_added_at"
ALBUM_DAMAGE = frozenset({MISSING_ALBUM, ALBUM_WITHOUT_ID, ALBUM_ARTIST_WITHOUT_ID,
                          BAD_RELEASE_DATE})
"""Damage of the track's album only: the item gives no songs row, but it is still a play."""


@dataclass(frozen=True)
class BuiltTables:
    """The tables for one raw file and what was left out of them."""

    tables: dict[str, pa.Table]
    """Every table in `tables.TABLES` order; a table may have no rows."""
    items: int
    skipped: dict[str, int] = field(default_factory=dict)
    """Items that produced no songs row, per reason (only reasons that occurred)."""
    item_table: str = "songs"
    """The table each kept item gives a row to (deduplicated): songs for track sources; the
    data-quality row-count check compares with it."""

    def rows(self) -> dict[str, int]:
        """Rows per table."""
        return {name: table.num_rows for name, table in self.tables.items()}


class _Tracks:
    """The playable tracks of a document, with where each came from (for error paths)."""

    def __init__(self, doc: RawDocument) -> None:
        items = doc.items
        self.album_source = doc.source_type == "album"
        if self.album_source:  # album items are the tracks themselves
            tracks = pa.StructArray.from_arrays(
                [nested(items, f.name) for f in TRACK], fields=list(TRACK), mask=items.is_null()
            )
            self.from_item = None
        else:  # current API: `item`; before 2026 and in other sources: `track`
            self.from_item = pc.is_valid(nested(items, "item"))
            tracks = _choose(self.from_item, nested(items, "item"), nested(items, "track"))
        reasons = {
            NULL_TRACK: pc.is_null(tracks),
            LOCAL_FILE: pc.or_kleene(pc.fill_null(nested(tracks, "is_local"), False),
                                     pc.fill_null(nested(items, "is_local"), False)),
            EPISODE: pc.equal(pc.fill_null(nested(tracks, "type"), "track"), "episode"),
            NOT_A_TRACK: pc.not_equal(pc.fill_null(nested(tracks, "type"), "track"), "track"),
            **_damage(tracks, items, self.album_source),
        }
        drop = pc.is_null(tracks)
        # A play is a play without its album (recently-played answered simplified tracks in
        # 2016): album damage keeps the item out of songs/albums, not out of plays.
        drop_play = drop
        self.skipped: dict[str, int] = {}
        for reason, matches in reasons.items():  # first matching reason wins
            if matches is None:  # no item has this damage (the usual case)
                continue
            counted = matches if reason == NULL_TRACK else pc.and_(matches, pc.invert(drop))
            if count := pc.sum(counted).as_py():
                self.skipped[reason] = count
            drop = pc.or_(drop, counted)
            if reason not in ALBUM_DAMAGE:
                drop_play = pc.or_(drop_play, pc.fill_null(matches, False))
        self.index = pc.indices_nonzero(pc.invert(drop))
        self.play_index = pc.indices_nonzero(pc.invert(drop_play))
        """Item index of each track that still counts for plays and top tracks (the kept ones
        and those whose album alone is damaged)."""
        """Item index of each kept track."""
        # Only what the tables need from the item around the track: taking whole items would
        # copy every nested track twice.
        self.items = pa.StructArray.from_arrays(
            [nested(items, name) for name in ("added_at", "added_by", "album")],
            names=["added_at", "added_by", "album"],
        )
        self.tracks, self.from_item_kept = tracks, self.from_item
        if len(self.index) < len(items):  # copying nested columns costs time: only if needed
            self.items = self.items.take(self.index)
            self.tracks = tracks.take(self.index)
            if self.from_item is not None:
                self.from_item_kept = self.from_item.take(self.index)
        self.play_tracks = (self.tracks if len(self.play_index) == len(self.index)
                            else tracks.take(self.play_index))

    def where(self, row: int) -> str:
        """Path of kept track `row` in the raw document."""
        item = f"items[{self.index[row].as_py()}]"
        if self.from_item_kept is None:
            return item
        return f"{item}.{'item' if self.from_item_kept[row].as_py() else 'track'}"


def _damage(tracks: pa.StructArray, items: pa.StructArray,
            album_source: bool) -> dict[str, pa.Array | None]:
    """Per damage reason, which items have it (None where none has)."""
    found: dict[str, pa.Array | None] = {
        MISSING_ID: _any_null(nested(tracks, "id")),
        MISSING_NAME: _any_null(nested(tracks, "name")),
        MISSING_ARTISTS: _any_null(nested(tracks, "artists")),
        ARTIST_WITHOUT_ID: _entries_without_id(nested(tracks, "artists")),
    }
    if not album_source:  # an album source's album is the file's metadata: file-level
        own = nested(tracks, "album")
        album = _choose(pc.is_valid(own), own, nested(items, "album"))
        found[MISSING_ALBUM] = _any_null(album)
        found[ALBUM_WITHOUT_ID] = _any_null(nested(album, "id"))
        found[ALBUM_ARTIST_WITHOUT_ID] = _entries_without_id(nested(album, "artists"))
        found[BAD_RELEASE_DATE] = values.bad_release_dates(nested(album, "release_date"))
    found[BAD_ADDED_AT] = values.bad_timestamps(nested(items, "added_at"))
    return found


def _any_null(array: pa.Array) -> pa.Array | None:
    nulls = pc.is_null(array)
    return nulls if pc.any(nulls).as_py() else None


def _entries_without_id(lists: pa.Array) -> pa.Array | None:
    """Rows whose list holds a null entry or an entry without `id`; None if there are none."""
    entries = pc.list_flatten(lists)
    bad = pc.or_(pc.is_null(entries), pc.is_null(nested(entries, "id")))
    if not pc.any(bad).as_py():
        return None
    rows = pc.filter(pc.list_parent_indices(lists), bad)
    return pc.is_in(pa.array(range(len(lists)), pa.int64()), value_set=pc.cast(rows, pa.int64()))


def _choose(condition: pa.Array, when_true: pa.Array, when_false: pa.Array) -> pa.Array:
    """if_else that avoids copying nested data when one side is chosen for every row."""
    if pc.all(condition).as_py() is not False:  # True, or None for no rows
        return when_true
    if not pc.any(condition).as_py():
        return when_false
    return pc.if_else(condition, when_true, when_false)


def build_tables(doc: RawDocument) -> BuiltTables:
    """Build every table of `tables.SCHEMAS` for one document. Raises InvalidRawFileError."""
    if doc.source_type in library_tables.NON_TRACK_ITEM_TABLES:
        skipped = {NULL_TRACK: doc.items.null_count} if doc.items.null_count else {}
        return BuiltTables(tables=library_tables.non_track_tables(doc), items=len(doc.items),
                           skipped=skipped,
                           item_table=library_tables.NON_TRACK_ITEM_TABLES[doc.source_type])
    kept = _Tracks(doc)  # damaged items are skipped there: what is kept can be converted
    tracks = kept.tracks
    albums, album_where = _track_albums(doc, kept)
    added_at = values.timestamps(
        nested(kept.items, "added_at"), lambda row: f"items[{kept.index[row].as_py()}].added_at"
    )
    tables = {
        "songs": _songs(kept, albums, added_at),
        "albums": albums_table(albums, album_where),
        "artists": artists_table(nested(tracks, "artists"), nested(albums, "artists")),
        "playlist_tracks": _playlist_tracks(doc, kept, added_at),
        **library_tables.track_source_tables(doc, kept.play_index, kept.play_tracks),
    }
    tables = {name: tables.get(name, SCHEMAS[name].empty_table()) for name in SCHEMAS}
    return BuiltTables(tables=tables, items=len(doc.items), skipped=kept.skipped)


def _track_albums(doc: RawDocument, kept: _Tracks) -> tuple[pa.StructArray, values.Where]:
    """The album of each kept track: its own, else the item's (artist), else the metadata."""
    if kept.album_source:
        if not doc.metadata.is_valid()[0].as_py():
            raise InvalidRawFileError("top level", 'missing "metadata" (the album)')
        if not nested(doc.metadata, "id").is_valid()[0].as_py():
            raise InvalidRawFileError("metadata", 'missing "id"')
        require_list_ids(nested(doc.metadata, "artists"), lambda row: "metadata", "artists")
        albums = doc.metadata.take(pa.array([0] * len(kept.tracks), pa.int64()))
        return albums, lambda row: "metadata"
    own = nested(kept.tracks, "album")
    own_valid = pc.is_valid(own)
    albums = _choose(own_valid, own, nested(kept.items, "album"))

    def where(row: int) -> str:
        if own_valid[row].as_py():
            return f"{kept.where(row)}.album"
        return f"items[{kept.index[row].as_py()}].album"

    return albums, where


def _songs(kept: _Tracks, albums: pa.StructArray, added_at: pa.Array) -> pa.Table:
    tracks = kept.tracks
    ids = nested(tracks, "id")
    artist_ids = values.list_of_ids(nested(tracks, "artists"))
    columns = {
        "song_id": ids,
        "song_name": nested(tracks, "name"),
        "duration_ms": nested(tracks, "duration_ms"),
        "url": values.open_urls(ids, "track"),
        "popularity": nested(tracks, "popularity"),
        "song_added": added_at,
        "album_id": nested(albums, "id"),
        "artist_id": values.first_in_lists(artist_ids),
        "artist_ids": artist_ids,
        "explicit": nested(tracks, "explicit"),
        "isrc": nested(tracks, "external_ids", "isrc"),
        "track_number": nested(tracks, "track_number"),
        "disc_number": nested(tracks, "disc_number"),
    }
    return table("songs", columns).take(values.first_occurrences(ids))


def _playlist_tracks(doc: RawDocument, kept: _Tracks, added_at: pa.Array) -> pa.Table:
    if doc.source_type != "playlist":
        return SCHEMAS["playlist_tracks"].empty_table()
    playlist_id = doc.source_id or nested(doc.metadata, "id")[0].as_py()
    columns = {
        "playlist_id": pa.array([playlist_id] * len(kept.tracks), pa.string()),
        "song_id": nested(kept.tracks, "id"),
        "position": pc.add(kept.index, doc.first_position),
        "added_at": added_at,
        "added_by": nested(kept.items, "added_by", "id"),
    }
    return table("playlist_tracks", columns)
