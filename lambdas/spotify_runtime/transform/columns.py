"""Building blocks both table builders use: build.py (track sources) and library_tables.py
(listening and library sources).

Nested fields read null-safe, checks of fields whose absence damages the whole file (not one
item), columns cast to a table's schema (`tables.SCHEMAS`), and the albums and artists tables,
which track sources and library sources (saved albums, top and followed artists) all feed.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.transform import values
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.tables import SCHEMAS


def nested(array: pa.Array, *names: str) -> pa.Array:
    """A nested struct field; null wherever any parent is null."""
    for name in names:
        array = pc.struct_field(array, name)
    return array


def require(present: pa.Array, where: values.Where, what: str) -> None:
    """InvalidRawFileError at the first row where `present` is false (a field whose absence
    damages the file, not one item)."""
    missing = pc.indices_nonzero(pc.invert(pc.fill_null(present, False)))
    if len(missing):
        raise InvalidRawFileError(where(missing[0].as_py()), what)


def require_list_ids(lists: pa.Array, where: values.Where, name: str) -> None:
    """InvalidRawFileError at the first entry of `lists` (e.g. an album's artists) that is null
    or has no `id`."""
    if not pc.any(pc.is_null(nested(pc.list_flatten(lists), "id"))).as_py():
        return
    for row, entries in enumerate(lists.to_pylist()):  # error path only
        for position, entry in enumerate(entries or []):
            if entry is None or entry.get("id") is None:
                raise InvalidRawFileError(f"{where(row)}.{name}[{position}]", 'missing "id"')


def table(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """Columns cast to the table's schema (order and types from `tables.SCHEMAS`)."""
    schema = SCHEMAS[name]
    arrays = [pc.cast(columns[f.name], f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def albums_table(albums: pa.StructArray, where: values.Where) -> pa.Table:
    """The albums table: each album ID once (its first occurrence); `where` names a row's
    place in the raw document for errors."""
    first = values.first_occurrences(nested(albums, "id"))
    unique = albums.take(first)
    ids = nested(unique, "id")
    text = nested(unique, "release_date")

    def date_where(row: int) -> str:
        return f"{where(first[row].as_py())}.release_date"

    columns = {
        "album_id": ids,
        "name": nested(unique, "name"),
        "release_date": values.release_dates(text, date_where),
        "release_date_precision": values.release_date_precisions(
            nested(unique, "release_date_precision"), text
        ),
        "total_tracks": nested(unique, "total_tracks"),
        "url": values.open_urls(ids, "album"),
        "album_type": nested(unique, "album_type"),
        "artist_ids": values.list_of_ids(nested(unique, "artists")),
    }
    return table("albums", columns)


def artists_table(*credit_lists: pa.Array) -> pa.Table:
    """The artists table from lists of artist credits (a track's, an album's): each artist ID
    once (its first occurrence)."""
    credited = pa.concat_arrays([pc.list_flatten(lists) for lists in credit_lists])
    unique = credited.take(values.first_occurrences(nested(credited, "id")))
    ids = nested(unique, "id")
    columns = {
        "artist_id": ids,
        "artist_name": nested(unique, "name"),
        "external_url": values.open_urls(ids, "artist"),
    }
    return table("artists", columns)
