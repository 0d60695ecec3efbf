"""The `streams` table: one row per play of Spotify's personal-data export, each play once.

Stored as ONE Parquet object per calendar month of `ended_at` (`layout.streams_key`), rewritten
under S3 conditional writes (`partition_files.update_object`). A play's identity (`play_id`) is a
hash of when it ended and what was played, so importing the same export twice, two overlapping
exports, or an old export after a newer one adds no row twice and loses none: the merge keeps
every row already in the object and adds only identities it does not hold yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from spotify_runtime.history_import.same_play import DOUBLE_LOG_WINDOW, merge_same_plays
from spotify_runtime.layout import streams_key
from spotify_runtime.partition_files import ObjectStore, parquet_bytes, update_object

TABLE = "streams"
TIMESTAMP = pa.timestamp("ms", tz="UTC")


def _column(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


STREAMS_SCHEMA = pa.schema([
    _column("play_id", pa.string(),
            "A play's identity: a hash of its end time and what was played (the URI; for the "
            "basic export artist, track and msPlayed, at the minute). Each value once.", False),
    _column("ended_at", TIMESTAMP,
            "When the play ended, UTC (the export's `ts`; `endTime` of the basic export, to "
            "the minute).", False),
    _column("ms_played", pa.int64(), "How long it played, in milliseconds.", False),
    _column("content_type", pa.string(),
            "`track`, `episode`, `audiobook`, or `unknown` when the row names nothing.", False),
    _column("song_id", pa.string(), "Spotify track ID (from `spotify_track_uri`)."),
    _column("episode_id", pa.string(), "Spotify episode ID (from `spotify_episode_uri`)."),
    _column("audiobook_id", pa.string(), "Spotify audiobook ID (from `audiobook_uri`)."),
    _column("track_name", pa.string(), "Track name (`master_metadata_track_name`, `trackName`)."),
    _column("artist_name", pa.string(),
            "The album's artist (`master_metadata_album_artist_name`), `artistName` in the basic "
            "export, an audiobook's author there."),
    _column("album_name", pa.string(), "Album name (`master_metadata_album_album_name`)."),
    _column("episode_name", pa.string(), "Podcast episode name (`episode_name`, `episodeName`)."),
    _column("show_name", pa.string(), "Podcast name (`episode_show_name`, `podcastName`)."),
    _column("audiobook_name", pa.string(), "Audiobook title (`audiobook_title`, "
                                           "`audiobookName`)."),
    _column("chapter_name", pa.string(),
            "Audiobook chapter (`audiobook_chapter_title`, `chapterName`)."),
    _column("reason_start", pa.string(), "Why the play started (docs/history-import.md)."),
    _column("reason_end", pa.string(), "Why the play ended (docs/history-import.md)."),
    _column("skipped", pa.bool_(), "Whether the user skipped to the next item (null in most "
                                   "old rows)."),
    _column("shuffle", pa.bool_(), "Whether shuffle was on."),
    _column("offline", pa.bool_(), "Whether it was played offline."),
    _column("offline_at", TIMESTAMP,
            "`offline_timestamp` as a time (milliseconds in old files, seconds in new ones: "
            "both read right); null when 0 or absent."),
    _column("incognito_mode", pa.bool_(), "Whether it was played in a private session."),
    _column("platform", pa.string(), "The device platform as Spotify wrote it."),
    _column("conn_country", pa.string(), "Country code of the connection."),
    _column("export_kind", pa.string(),
            "`extended` (Extended streaming history) or `basic` (Account data).", False),
])
"""The table's columns; `ended_month` (yyyy-MM of `ended_at`) is the partition."""
DESCRIPTION = ("One row per play in Spotify's personal-data export (docs/history-import.md), "
               "each play once however often it was imported. Partitioned by the month the play "
               "ended (`ended_month`).")
PARTITION_COLUMN = "ended_month"


@dataclass(frozen=True)
class MergeCounts:
    """What a merge did: rows added, rows whose identity was already in the lake, rows that are
    a play the lake already holds (per reason, same_play.MERGE_REASONS), and basic rows of the
    lake replaced by their extended twin."""

    imported: int = 0
    already_present: int = 0
    merged: tuple[tuple[str, int], ...] = ()
    basic_replaced: int = 0

    def __add__(self, other: MergeCounts) -> MergeCounts:
        merged = Counter(dict(self.merged)) + Counter(dict(other.merged))
        return MergeCounts(self.imported + other.imported,
                           self.already_present + other.already_present,
                           tuple(sorted(merged.items())),
                           self.basic_replaced + other.basic_replaced)


def merge_tables(existing: pa.Table, new: pa.Table, neighbours: pa.Table | None = None,
                 ) -> tuple[pa.Table | None, MergeCounts]:
    """`existing` (a month's stored rows) with `new`'s plays added, each play once: a new row
    whose `play_id` is there already, or that is a play already there (same_play; a second
    logging also of a play in `neighbours`, stored rows of the months beside), is not added; a
    stored basic row whose extended twin is in `new` gives way to it. None when nothing
    changes."""
    present = pc.is_in(new["play_id"], value_set=existing["play_id"].combine_chunks())
    fresh = new.filter(pc.invert(present))
    merged: Counter[str] = Counter()
    kept, added, replaced = merge_same_plays(existing, fresh, merged, neighbours)
    counts = MergeCounts(added.num_rows, new.num_rows - fresh.num_rows,
                         tuple(sorted(merged.items())), replaced)
    if added.num_rows == 0 and replaced == 0:
        return None, counts
    rows = pa.concat_tables([kept.cast(STREAMS_SCHEMA), added.cast(STREAMS_SCHEMA)])
    return rows.sort_by([("ended_at", "ascending"), ("play_id", "ascending")]), counts


def merge_rows(old: bytes | None, new: pa.Table, neighbours: pa.Table | None = None,
               ) -> tuple[bytes | None, MergeCounts]:
    """The partition object with `new`'s plays added (merge_tables); None when nothing is new."""
    if old is None and neighbours is None:  # a new month: `new` is sorted and unique
        return parquet_bytes(STREAMS_SCHEMA, [new]), MergeCounts(new.num_rows, 0)
    existing = STREAMS_SCHEMA.empty_table() if old is None else pq.read_table(pa.BufferReader(old))
    rows, counts = merge_tables(existing, new, neighbours)
    return (None if rows is None else parquet_bytes(STREAMS_SCHEMA, [rows])), counts


def month_partitions(rows: pa.Table) -> dict[str, pa.Table]:
    """`rows` sorted by `ended_at` (then `play_id`) and cut by calendar month (yyyy-MM, UTC):
    one sort, then slices (no copy per month)."""
    rows = rows.sort_by([("ended_at", "ascending"), ("play_id", "ascending")])
    months = pc.run_end_encode(pc.strftime(rows["ended_at"], format="%Y-%m").combine_chunks())
    parts, start = {}, 0
    for month, end in zip(months.values.to_pylist(), months.run_ends.to_pylist(), strict=True):
        parts[month] = rows.slice(start, end - start)
        start = end
    return parts


def write_streams(store: ObjectStore, rows: pa.Table,
                  on_month: Callable[[str, MergeCounts], None] | None = None) -> MergeCounts:
    """Merge `rows` (unique `play_id`s) into their month objects; the counts of every month.

    The merge runs again from a fresh read whenever another writer got there first, so the counts
    are those of the attempt that was written.
    """
    total = MergeCounts()
    for month, part in month_partitions(rows).items():
        counts = _merge_month(store, month, part)
        total += counts
        if on_month:
            on_month(month, counts)
    return total


def _month_bounds(month: str) -> tuple[datetime, datetime]:
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    return start, (start + timedelta(days=32)).replace(day=1)


def neighbour_rows(store: ObjectStore, month: str, part: pa.Table) -> pa.Table | None:
    """The stored rows of the months before and after `month` that a row of `part` may be the
    second logging of (same_play.double_logged): rows ending within DOUBLE_LOG_WINDOW of the
    month's edges, read only when `part` has a row with a real `offline_at` that near an edge.
    None when there is nothing to look at (most months: no object is read)."""
    start, end = _month_bounds(month)
    logged = part.filter(pc.is_valid(part["offline_at"]))
    found = []
    for edge, near, neighbour in ((start, pc.less, start - DOUBLE_LOG_WINDOW),
                                  (end, pc.greater_equal, end)):
        inside = edge + DOUBLE_LOG_WINDOW if near is pc.less else edge - DOUBLE_LOG_WINDOW
        if not pc.any(near(logged["ended_at"], pa.scalar(inside, TIMESTAMP))).as_py():
            continue
        stored = store.get(streams_key(f"{neighbour:%Y-%m}"))
        if stored is None:
            continue
        rows = pq.read_table(pa.BufferReader(stored[0]))
        low, high = edge - DOUBLE_LOG_WINDOW, edge + DOUBLE_LOG_WINDOW
        found.append(rows.filter(pc.and_(
            pc.greater_equal(rows["ended_at"], pa.scalar(low, TIMESTAMP)),
            pc.less(rows["ended_at"], pa.scalar(high, TIMESTAMP)))).cast(STREAMS_SCHEMA))
    return pa.concat_tables(found) if found else None


def _merge_month(store: ObjectStore, month: str, part: pa.Table) -> MergeCounts:
    outcome = [MergeCounts()]
    neighbours = neighbour_rows(store, month, part)

    def update(old: bytes | None) -> bytes | None:
        body, outcome[0] = merge_rows(old, part, neighbours)
        return body

    update_object(store, streams_key(month), update)
    return outcome[0]
