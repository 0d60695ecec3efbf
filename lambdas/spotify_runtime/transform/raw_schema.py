"""The part of the raw JSON the transform reads, as pyarrow types.

Both accepted inputs (the envelope and a bare playlist-items paging object) are read with one
schema: fields absent from a document come back null, fields not listed are never parsed (that
is most of the payload: images, markets, hrefs), which keeps memory low. For the same reason
`external_urls` is not read: open.spotify.com URLs are built from the IDs (`values.open_urls`).

An item struct is the union of every item shape: playlist items (`added_at`, `added_by`,
`is_local`, track under `item` or `track`), saved tracks (`added_at`, `track`), play history
(`played_at`, `context`, `track`), top items (`time_range`, `rank`, `track` or `artist`), saved
albums (`added_at`, `album`), artist items (`album`, `track`), followed artists and album items
(the artist's or track's own fields).
"""

from __future__ import annotations

import pyarrow as pa

_STRING = pa.string()
_INT = pa.int64()

ARTIST = pa.struct([("id", _STRING), ("name", _STRING)])

ALBUM_FIELDS = [
    ("id", _STRING),
    ("name", _STRING),
    ("album_type", _STRING),
    ("release_date", _STRING),
    ("release_date_precision", _STRING),
    ("total_tracks", _INT),
    ("artists", pa.list_(ARTIST)),
]
ALBUM = pa.struct(ALBUM_FIELDS)

TRACK_FIELDS = [
    ("id", _STRING),
    ("name", _STRING),
    ("type", _STRING),
    ("is_local", pa.bool_()),
    ("duration_ms", _INT),
    ("popularity", _INT),
    ("explicit", pa.bool_()),
    ("track_number", _INT),
    ("disc_number", _INT),
    ("external_ids", pa.struct([("isrc", _STRING)])),
    ("album", ALBUM),
    ("artists", pa.list_(ARTIST)),
]
TRACK = pa.struct(TRACK_FIELDS)

METADATA = pa.struct([
    *ALBUM_FIELDS,
    ("description", _STRING),
    ("snapshot_id", _STRING),
    ("public", pa.bool_()),
    ("collaborative", pa.bool_()),
    ("owner", pa.struct([("id", _STRING)])),
])
"""An album's fields, and a playlist's (whose id and name are among the album's)."""

ITEM = pa.struct([
    *TRACK_FIELDS,
    ("added_at", _STRING),
    ("added_by", pa.struct([("id", _STRING)])),
    ("played_at", _STRING),
    ("context", pa.struct([("type", _STRING), ("uri", _STRING)])),
    ("time_range", _STRING),
    ("rank", _INT),
    ("artist", ARTIST),
    ("item", TRACK),
    ("track", TRACK),
])

DOCUMENT = pa.schema([
    # envelope
    ("schema_version", _INT),
    ("extracted_at", _STRING),
    ("run_at", _STRING),
    ("source", pa.struct([("type", _STRING), ("id", _STRING), ("name", _STRING)])),
    ("metadata", METADATA),
    ("items", pa.list_(ITEM)),
    # bare paging object
    ("href", _STRING),
    ("offset", _INT),
])
"""The top level of either accepted shape."""
