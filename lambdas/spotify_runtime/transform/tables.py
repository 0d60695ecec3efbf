"""The output tables and their columns: the one place they are defined.

Each table is a pyarrow schema whose fields carry a one-line description (field metadata,
also stored in the Parquet files). `docs/tables.md` is generated from here (`render_markdown`)
and a test keeps it in sync. Column names follow the seed tutorial where it had them, so
existing Athena queries keep working. `snapshot_date` is the hive partition (the folder
`snapshot_date=YYYY-MM-DD`), not a column inside the files.
"""

from __future__ import annotations

import pyarrow as pa

from spotify_runtime.layout import TABLES

TIMESTAMP = pa.timestamp("ms", tz="UTC")
"""All timestamps: UTC, millisecond precision."""


def _column(name: str, type_: pa.DataType, description: str, nullable: bool = True,
            *, unique: bool = False) -> pa.Field:
    # `unique`: each value once per file, which the data-quality checks enforce (quality.py).
    metadata = {"description": description, **({"unique": "true"} if unique else {})}
    return pa.field(name, type_, nullable=nullable, metadata=metadata)


SONGS = pa.schema([
    _column("song_id", pa.string(), "Spotify track ID (each ID once per file).", False,
            unique=True),
    _column("song_name", pa.string(), "Track name, exactly as Spotify returned it.", False),
    _column("duration_ms", pa.int64(), "Track length in milliseconds."),
    _column("url", pa.string(), "open.spotify.com URL of the track.", False),
    _column("popularity", pa.int32(), "Spotify popularity 0-100; null where the API omits it."),
    _column("song_added", TIMESTAMP,
            "When the track was added to the playlist or library (item `added_at`), UTC; "
            "null for album, artist and recently-played sources."),
    _column("album_id", pa.string(), "Spotify ID of the track's album.", False),
    _column("artist_id", pa.string(),
            "The track's own first credited artist (not the album's)."),
    _column("artist_ids", pa.list_(pa.string()), "Every credited artist, in credit order."),
    _column("explicit", pa.bool_(), "Whether the track has explicit lyrics."),
    _column("isrc", pa.string(), "International Standard Recording Code; null if not given."),
    _column("track_number", pa.int32(), "Position of the track on its disc."),
    _column("disc_number", pa.int32(), "Disc number within the album."),
])

ALBUMS = pa.schema([
    _column("album_id", pa.string(), "Spotify album ID (each ID once per file).", False,
            unique=True),
    _column("name", pa.string(), "Album name, exactly as Spotify returned it."),
    _column("release_date", pa.date32(),
            "Release date; year or month precision maps to the first day (see precision). "
            "Null when Spotify gives none (or 0000)."),
    _column("release_date_precision", pa.string(), "`year`, `month` or `day`."),
    _column("total_tracks", pa.int32(), "Number of tracks on the album."),
    _column("url", pa.string(), "open.spotify.com URL of the album.", False),
    _column("album_type", pa.string(), "`album`, `single` or `compilation`."),
    _column("artist_ids", pa.list_(pa.string()), "The album's artists, in credit order."),
])

ARTISTS = pa.schema([
    _column("artist_id", pa.string(), "Spotify artist ID (each ID once per file).", False,
            unique=True),
    _column("artist_name", pa.string(), "Artist name, exactly as Spotify returned it."),
    _column("external_url", pa.string(),
            "open.spotify.com URL of the artist (the seed wrote the API href here).", False),
])

PLAYLIST_TRACKS = pa.schema([
    _column("playlist_id", pa.string(), "Spotify playlist ID; null if the raw file names none."),
    _column("song_id", pa.string(), "Spotify track ID (joins songs.song_id).", False),
    _column("position", pa.int64(),
            "0-based position in the playlist; items skipped (null, episode, local) leave gaps.",
            False),
    _column("added_at", TIMESTAMP, "When the item was added to the playlist, UTC."),
    _column("added_by", pa.string(), "Spotify user ID of who added it; null if not given."),
])

SCHEMAS: dict[str, pa.Schema] = {
    "songs": SONGS,
    "albums": ALBUMS,
    "artists": ARTISTS,
    "playlist_tracks": PLAYLIST_TRACKS,
}
assert tuple(SCHEMAS) == TABLES, "tables.SCHEMAS must match layout.TABLES"

TABLE_DESCRIPTIONS = {
    "songs": "One row per track in the raw file (playable tracks only).",
    "albums": "One row per album of those tracks (and the album of an album source).",
    "artists": "Every artist credited on a track, plus album artists.",
    "playlist_tracks": "One row per playable playlist item, in playlist order (playlist sources).",
}


def _type_name(type_: pa.DataType) -> str:
    if type_ == TIMESTAMP:
        return "timestamp (UTC)"
    if pa.types.is_list(type_):
        return f"array<{_type_name(type_.value_type)}>"
    return {"int32": "int", "int64": "bigint", "date32[day]": "date", "bool": "boolean"}.get(
        str(type_), str(type_)
    )


def render_markdown() -> str:
    """docs/tables.md: every table and column, generated from the schemas above."""
    lines = [
        "# Tables",
        "",
        "Generated from `lambdas/spotify_runtime/transform/tables.py` "
        "(`python -m spotify_runtime.transform.tables > docs/tables.md`); a test keeps it in sync.",
        "",
        "Parquet (Snappy) under `processed/<table>/snapshot_date=YYYY-MM-DD/<name>.parquet`, "
        "one file per raw file. `snapshot_date` is the partition column (from the folder). "
        "Types are as Athena shows them.",
    ]
    for table, schema in SCHEMAS.items():
        lines += ["", f"## {table}", "", TABLE_DESCRIPTIONS[table], "",
                  "| column | type | nullable | description |", "|---|---|---|---|"]
        for field in schema:
            description = field.metadata[b"description"].decode()
            nullable = "yes" if field.nullable else "no"
            lines.append(f"| `{field.name}` | {_type_name(field.type)} | {nullable} | "
                         f"{description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
