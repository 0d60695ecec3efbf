"""The output tables and their columns: the one place they are defined.

Each table is a pyarrow schema whose fields carry a one-line description (field metadata,
also stored in the Parquet files). `docs/tables.md` is generated from here (`render_markdown`)
and a test keeps it in sync. Column names follow the tutorial this project started from
(docs/migrating.md) where it had them, so existing Athena queries keep working.
`snapshot_date` is the hive partition (the folder `snapshot_date=YYYY-MM-DD`), not a column
inside the files.
"""

from __future__ import annotations

import pyarrow as pa

TIMESTAMP = pa.timestamp("ms", tz="UTC")
"""All timestamps: UTC, millisecond precision."""


def _column(name: str, type_: pa.DataType, description: str, nullable: bool = True,
            *, unique: bool = False) -> pa.Field:
    # `unique`: each value once per file, which the data-quality checks enforce (quality.py).
    metadata = {"description": description, **({"unique": "true"} if unique else {})}
    return pa.field(name, type_, nullable=nullable, metadata=metadata)


DEV_MODE_NULL_COLUMNS: dict[str, dict[str, str]] = {
    "songs": {"popularity": "track `popularity`"},
}
"""Table -> column -> the Spotify field it comes from, which Spotify leaves out of answers to
development-mode apps (Feb 2026): always null for them, filled for extended-quota apps. Each
must stay nullable; a test checks the list against the local stand-in's dev-mode answers."""


SONGS = pa.schema([
    _column("song_id", pa.string(), "Spotify track ID (each ID once per file).", False,
            unique=True),
    _column("song_name", pa.string(), "Track name, exactly as Spotify returned it.", False),
    _column("duration_ms", pa.int64(), "Track length in milliseconds."),
    _column("url", pa.string(), "open.spotify.com URL of the track.", False),
    _column("popularity", pa.int32(),
            "Spotify popularity 0-100; null where the API omits it (development-mode apps)."),
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
            "open.spotify.com URL of the artist (the tutorial this project started from "
            "wrote the API href here).", False),
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

PLAYS = pa.schema([
    _column("played_at", TIMESTAMP,
            "When the play started, UTC, milliseconds (Spotify's `played_at`); one play per "
            "instant for one user, so (played_at) identifies a play.", False),
    _column("song_id", pa.string(), "Spotify track ID of what was played (joins songs.song_id).",
            False),
    _column("context_type", pa.string(),
            "What it was played from: `playlist`, `album`, `artist`, ...; null when Spotify "
            "gives no context."),
    _column("context_uri", pa.string(),
            "Spotify URI of that playlist/album/artist (`spotify:playlist:<id>`); null when "
            "Spotify gives no context."),
])

TOP_TRACKS = pa.schema([
    _column("time_range", pa.string(),
            "`short_term` (about 4 weeks), `medium_term` (6 months) or `long_term` (about a "
            "year).", False),
    _column("rank", pa.int32(), "1 for the user's most played track in that time range.", False),
    _column("song_id", pa.string(), "Spotify track ID (joins songs.song_id).", False),
])

TOP_ARTISTS = pa.schema([
    _column("time_range", pa.string(),
            "`short_term` (about 4 weeks), `medium_term` (6 months) or `long_term` (about a "
            "year).", False),
    _column("rank", pa.int32(), "1 for the user's most played artist in that time range.",
            False),
    _column("artist_id", pa.string(), "Spotify artist ID (joins artists.artist_id).", False),
])

SAVED_ALBUMS = pa.schema([
    _column("album_id", pa.string(), "Spotify album ID (joins albums.album_id).", False),
    _column("added_at", TIMESTAMP, "When the user saved the album, UTC."),
])

FOLLOWED_ARTISTS = pa.schema([
    _column("artist_id", pa.string(),
            "Spotify ID of an artist the user follows (joins artists.artist_id).", False),
])

PLAYLISTS = pa.schema([
    _column("playlist_id", pa.string(), "Spotify playlist ID.", False),
    _column("name", pa.string(), "Playlist name, exactly as Spotify returned it."),
    _column("owner_id", pa.string(), "Spotify user ID of the owner."),
    _column("description", pa.string(), "Description as Spotify returned it (HTML-escaped)."),
    _column("snapshot_id", pa.string(),
            "Spotify's version of the playlist: changes whenever its items change."),
    _column("total_items", pa.int64(),
            "Items extracted (every item, including those playlist_tracks leaves out).", False),
    _column("public", pa.bool_(), "Whether the playlist is public; null if Spotify omits it."),
    _column("collaborative", pa.bool_(), "Whether other users may edit it."),
])

SCHEMAS: dict[str, pa.Schema] = {
    "songs": SONGS,
    "albums": ALBUMS,
    "artists": ARTISTS,
    "playlist_tracks": PLAYLIST_TRACKS,
    "plays": PLAYS,
    "top_tracks": TOP_TRACKS,
    "top_artists": TOP_ARTISTS,
    "saved_albums": SAVED_ALBUMS,
    "followed_artists": FOLLOWED_ARTISTS,
    "playlists": PLAYLISTS,
}
TABLES = tuple(SCHEMAS)
"""The tables the transform writes, in order: one folder each under `layout.PROCESSED` and one
Glue table each (infra/catalog_tables.py)."""
assert all(SCHEMAS[table].field(column).nullable
           for table, columns in DEV_MODE_NULL_COLUMNS.items() for column in columns), (
    "a column development mode empties must be nullable")

TABLE_DESCRIPTIONS = {
    "songs": "One row per track in the raw file (playable tracks only).",
    "albums": "One row per album of those tracks (and the album of an album source).",
    "artists": "Every artist credited on a track, plus album artists.",
    "playlist_tracks": "One row per playable playlist item, in playlist order (playlist sources).",
    "plays": "One row per play of a track (recently-played), each play once in the lake however "
             "many runs saw it: runs ask only for plays after the cursor, and a repeated run "
             "overwrites its own files (docs/listening.md). Partitioned by the day of the "
             "cursor the run started from; query by `played_at`, not `snapshot_date`. Episodes "
             "and local files are left out. The played tracks are in songs, albums and artists.",
    "top_tracks": "The user's top tracks per time range, as of the snapshot (top-tracks).",
    "top_artists": "The user's top artists per time range, as of the snapshot (top-artists).",
    "saved_albums": "Albums in the user's library (saved-albums); the albums are in albums.",
    "followed_artists": "Artists the user follows (followed-artists); the artists are in "
                        "artists.",
    "playlists": "One row per playlist source (each playlist my-playlists expands into, too): "
                 "its metadata when extracted.",
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
        "Parquet (Snappy), one object per table and day: "
        "`processed/<table>/snapshot_date=YYYY-MM-DD/<table>.parquet` ([storage.md](storage.md)). "
        "`snapshot_date` is the partition column (from the folder). "
        "Types are as Athena shows them.",
        "",
        "**dev mode: null** marks the columns that are always null for a development-mode "
        "Spotify app (almost every app since May 2025): Spotify leaves their fields out of its "
        "answers to such apps (Feb 2026). Extended-quota apps get them filled.",
    ]
    for table, schema in SCHEMAS.items():
        lines += ["", f"## {table}", "", TABLE_DESCRIPTIONS[table], "",
                  "| column | type | nullable | description |", "|---|---|---|---|"]
        for field in schema:
            description = field.metadata[b"description"].decode()
            nullable = "yes" if field.nullable else "no"
            if field.name in DEV_MODE_NULL_COLUMNS.get(table, {}):
                nullable += " (**dev mode: null**)"
            lines.append(f"| `{field.name}` | {_type_name(field.type)} | {nullable} | "
                         f"{description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
