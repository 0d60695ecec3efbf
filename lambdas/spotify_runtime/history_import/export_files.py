"""One JSON file of Spotify's personal-data export -> rows of `streams`, skips counted per reason.

Both kinds (Extended streaming history, Account data), told apart by their rows, not their
names; every layout Spotify wrote, read by Arrow's JSON reader with a schema naming only the keys
kept (personal fields are never converted), and row by row by Python's json when Arrow cannot
type a file. What is read and skipped: docs/history-import.md ("What is read, what is kept").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from spotify_runtime.history_import.kinds import BASIC, EXTENDED
from spotify_runtime.history_import.members import NotAnExportError
from spotify_runtime.history_import.streams import STREAMS_SCHEMA, TIMESTAMP

EXTENDED_KEYS: dict[str, pa.DataType] = {
    "ts": pa.string(), "ms_played": pa.int64(), "platform": pa.string(),
    "conn_country": pa.string(), "master_metadata_track_name": pa.string(),
    "master_metadata_album_artist_name": pa.string(),
    "master_metadata_album_album_name": pa.string(), "spotify_track_uri": pa.string(),
    "episode_name": pa.string(), "episode_show_name": pa.string(),
    "spotify_episode_uri": pa.string(), "audiobook_title": pa.string(),
    "audiobook_uri": pa.string(), "audiobook_chapter_title": pa.string(),
    "reason_start": pa.string(), "reason_end": pa.string(), "shuffle": pa.bool_(),
    "skipped": pa.bool_(), "offline": pa.bool_(), "offline_timestamp": pa.int64(),
    "incognito_mode": pa.bool_(),
}
BASIC_KEYS: dict[str, pa.DataType] = {
    "endTime": pa.string(), "msPlayed": pa.int64(), "artistName": pa.string(),
    "trackName": pa.string(), "podcastName": pa.string(), "episodeName": pa.string(),
    "audiobookName": pa.string(), "chapterName": pa.string(), "authorName": pa.string(),
}
ROW = pa.struct([pa.field(name, type_) for name, type_ in {**EXTENDED_KEYS, **BASIC_KEYS}.items()])
READ_SCHEMA = pa.schema([pa.field("rows", pa.list_(ROW))])

# Skip reasons (a row that is not a play, or not one we can place in time).
NO_TIMESTAMP = "no_timestamp"
"""Neither `ts` nor `endTime` (or not a time Spotify writes)."""
OUT_OF_RANGE = "time_out_of_range"
"""Before Spotify existed (2006) or more than a day after the import: a clock error."""
NOTHING_PLAYED = "nothing_played"
"""`ms_played` 0 or absent: the row records no listening."""
DUPLICATE_IN_IMPORT = "duplicate_in_import"
"""The same play (same identity) twice in what was imported (exact duplicate rows)."""
MALFORMED_ROW = "malformed_row"
"""Not an object, or a value of another type than Spotify writes."""
EMPTY = "empty"
"""The kind of a file holding no row at all (`[]`): of neither kind, nothing to import."""
_HEAD_KEY = re.compile(rb'"(ts|endTime)"\s*:')
_EMPTY_ARRAY = re.compile(rb"\s*\[\s*\]\s*")


def head_kind(head: bytes) -> str | None:
    """EXTENDED, BASIC or EMPTY as a file's first bytes tell (the first `ts` or `endTime` key of
    an array); None when they do not tell, and the whole file must be read to know."""
    if _EMPTY_ARRAY.fullmatch(head):
        return EMPTY
    if not head.lstrip().startswith(b"["):
        return None
    found = _HEAD_KEY.search(head)
    if found is None:
        return None
    return EXTENDED if found.group(1) == b"ts" else BASIC

EARLIEST_PLAY = datetime(2006, 1, 1, tzinfo=UTC)
"""Spotify was founded in 2006 (launched 2008): an earlier end time is a clock error."""
OFFLINE_MS_THRESHOLD = 100_000_000_000
"""`offline_timestamp` above this is milliseconds (old files), at or below it seconds (new ones):
1e11 s is the year 5138, 1e11 ms is March 1973."""


@dataclass
class FileRows:
    """The rows of one export file: `rows` (STREAMS_SCHEMA, without duplicates resolved across
    files), how many objects the file held, and the rows skipped per reason."""

    name: str
    kind: str
    rows: pa.Table
    file_rows: int
    skipped: Counter[str] = field(default_factory=Counter)


def read_export_file(name: str, data: bytes, *, now: datetime | None = None) -> FileRows:
    """Parse one export file; NotAnExportError (naming the file) if it is not one."""
    head = data.lstrip()[:1]
    if head != b"[":
        what = "empty" if not head else "not a JSON array"
        raise NotAnExportError(f"{name}: not a Spotify streaming-history file ({what})")
    skipped: Counter[str] = Counter()
    try:
        raw = _arrow_rows(data)
    except pa.ArrowInvalid:
        raw = _python_rows(name, data, skipped)
    valid = pc.is_valid(raw)  # `null` elements of the array
    if nulls := len(raw) - (pc.sum(valid).as_py() or 0):
        skipped[MALFORMED_ROW] += nulls
        raw = raw.filter(valid)
    file_rows = len(raw) + skipped[MALFORMED_ROW]
    if file_rows == 0:
        return FileRows(name, EMPTY, STREAMS_SCHEMA.empty_table(), 0, skipped)
    kind = _kind(name, raw)
    rows = _extended(raw) if kind == EXTENDED else _basic(raw)
    rows = _drop_unplayable(rows, skipped, now or datetime.now(UTC))
    return FileRows(name, kind, rows, file_rows, skipped)


PARSE_PIECE_BYTES = 2 * 2**20
"""How much of a file Arrow's JSON reader parses at once. A file is one JSON array (one line for
the reader), so it is cut between two rows into pieces of about this size, each parsed as its own
document: the parse of a piece, not of the whole file, sits beside the file's bytes."""
_BETWEEN_ROWS = re.compile(rb"\}\s*,\s*\{")


def _pieces(data: bytes) -> list[tuple[bytes, memoryview, bytes]]:
    """`data` (a JSON array) cut between rows into documents `{"rows": [...]}` of about
    PARSE_PIECE_BYTES each, as (prefix, slice of data, suffix). A cut that falls inside a string
    value (a name holding `}, {`) leaves an unterminated string: that piece does not parse, and
    the file is then parsed whole."""
    view, cuts, position = memoryview(data), [], PARSE_PIECE_BYTES
    while position < len(data) - PARSE_PIECE_BYTES // 2:
        found = _BETWEEN_ROWS.search(data, position)
        if found is None:
            break
        cuts.append(found)
        position = found.end() + PARSE_PIECE_BYTES
    starts = [0, *(cut.end() - 1 for cut in cuts)]
    ends = [*(cut.start() + 1 for cut in cuts), len(data)]
    return [(b'{"rows":' if start == 0 else b'{"rows":[', view[start:end],
             b"}" if end == len(data) else b"]}") for start, end in zip(starts, ends, strict=True)]


def _parse(document: bytes) -> pa.StructArray:
    table = pa_json.read_json(
        pa.BufferReader(document),  # read in place (a BytesIO would be copied once more)
        read_options=pa_json.ReadOptions(use_threads=False, block_size=len(document) + 1),
        parse_options=pa_json.ParseOptions(explicit_schema=READ_SCHEMA, newlines_in_values=True,
                                           unexpected_field_behavior="ignore"),
    )
    lists = table.column("rows").combine_chunks()
    return lists.values if len(lists) else pa.array([], ROW)


def _arrow_rows(data: bytes) -> pa.StructArray:
    """The file's rows, parsed piece by piece (_pieces); ArrowInvalid if the file does not
    parse as a whole either."""
    parts = []
    for prefix, body, suffix in _pieces(data):
        try:
            parts.append(_parse(b"".join((prefix, body, suffix))))
        except pa.ArrowInvalid:
            return _parse(b"".join((b'{"rows":', data, b"}")))
    return parts[0] if len(parts) == 1 else pa.concat_arrays(parts)


def _fits(value: object, type_: pa.DataType) -> bool:
    if value is None:
        return True
    if type_ == pa.string():
        return isinstance(value, str)
    if type_ == pa.bool_():
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and -2**63 <= value < 2**63


def _python_rows(name: str, data: bytes, skipped: Counter[str]) -> pa.StructArray:
    try:
        document = json.loads(data)
    except ValueError as error:
        raise NotAnExportError(f"{name}: not a Spotify streaming-history file (not valid "
                               f"JSON: {error})") from None
    kept = []
    for row in document:
        if isinstance(row, dict) and all(_fits(row.get(f.name), f.type) for f in ROW):
            kept.append({f.name: row.get(f.name) for f in ROW})
        else:
            skipped[MALFORMED_ROW] += 1
    return pa.array(kept, ROW)


def _kind(name: str, raw: pa.StructArray) -> str:
    extended = pc.sum(pc.is_valid(raw.field("ts"))).as_py() or 0
    basic = pc.sum(pc.is_valid(raw.field("endTime"))).as_py() or 0
    if extended == 0 and basic == 0:
        if len(raw) == 0:
            return EXTENDED  # an empty file of either kind: nothing to tell, nothing to import
        raise NotAnExportError(f"{name}: not a Spotify streaming-history file (no row has "
                               "`ts` or `endTime`)")
    if extended and basic:
        raise NotAnExportError(f"{name}: mixes rows of the extended and the basic export")
    return EXTENDED if extended else BASIC


def _spotify_id(uri: pa.Array) -> pa.Array:
    """The ID of `spotify:<type>:<id>` (null stays null, an empty string becomes null)."""
    ids = pc.replace_substring_regex(uri, pattern=r"^spotify:[a-z]+:", replacement="")
    return pc.if_else(pc.equal(ids, ""), pa.scalar(None, pa.string()), ids)


def _time(text: pa.Array, format_: str) -> pa.Array:
    return pc.strptime(text, format=format_, unit="ms", error_is_null=True).cast(TIMESTAMP)


def _offline_at(stamp: pa.Array) -> pa.Array:
    """ms in endsong-era files, seconds in Streaming_History_*; 0 means none."""
    as_ms = pc.if_else(pc.greater(stamp, OFFLINE_MS_THRESHOLD), stamp, pc.multiply(stamp, 1000))
    as_ms = pc.if_else(pc.greater(stamp, 0), as_ms, pa.scalar(None, pa.int64()))
    return as_ms.cast(pa.timestamp("ms")).cast(TIMESTAMP)


def _content_type(*named: pa.Array) -> pa.Array:
    """The first of track, episode, audiobook whose name or URI is set; else unknown."""
    result = pa.array(["unknown"] * len(named[0]), pa.string())
    for content_type, column in reversed(list(zip(("track", "episode", "audiobook"), named,
                                                  strict=True))):
        result = pc.if_else(pc.is_valid(column), content_type, result)
    return result


def _coalesce_text(*columns: pa.Array) -> pa.Array:
    # Empty strings name nothing (seen in old rows) and would make a row look like content.
    cleaned = [pc.if_else(pc.equal(c, ""), pa.scalar(None, pa.string()), c) for c in columns]
    return pc.coalesce(*cleaned) if len(cleaned) > 1 else cleaned[0]


def _extended(raw: pa.StructArray) -> pa.Table:
    f = raw.field
    track = _coalesce_text(f("spotify_track_uri"), f("master_metadata_track_name"))
    episode = _coalesce_text(f("spotify_episode_uri"), f("episode_name"))
    audiobook = _coalesce_text(f("audiobook_uri"), f("audiobook_title"))
    columns = {
        "ended_at": _time(f("ts"), "%Y-%m-%dT%H:%M:%SZ"),
        "ms_played": f("ms_played"),
        "content_type": _content_type(track, episode, audiobook),
        "song_id": _spotify_id(f("spotify_track_uri")),
        "episode_id": _spotify_id(f("spotify_episode_uri")),
        "audiobook_id": _spotify_id(f("audiobook_uri")),
        "track_name": f("master_metadata_track_name"),
        "artist_name": f("master_metadata_album_artist_name"),
        "album_name": f("master_metadata_album_album_name"),
        "episode_name": f("episode_name"),
        "show_name": f("episode_show_name"),
        "audiobook_name": f("audiobook_title"),
        "chapter_name": f("audiobook_chapter_title"),
        "reason_start": f("reason_start"), "reason_end": f("reason_end"),
        "skipped": f("skipped"), "shuffle": f("shuffle"), "offline": f("offline"),
        "offline_at": _offline_at(f("offline_timestamp")),
        "incognito_mode": f("incognito_mode"), "platform": f("platform"),
        "conn_country": f("conn_country"),
    }
    return _table(columns, EXTENDED, identity=[
        columns["content_type"], pc.coalesce(f("spotify_track_uri"), f("spotify_episode_uri"),
                                             f("audiobook_uri"), ""),
        # Rows without a URI are told apart by what they name and how long they played.
        *[pc.if_else(pc.is_valid(pc.coalesce(f("spotify_track_uri"), f("spotify_episode_uri"),
                                              f("audiobook_uri"))), "", pc.cast(c, pa.string()))
          for c in (f("master_metadata_track_name"), f("master_metadata_album_artist_name"),
                    f("episode_name"), f("audiobook_chapter_title"), f("ms_played"))],
    ])


def _basic(raw: pa.StructArray) -> pa.Table:
    f = raw.field
    nulls = pa.nulls(len(raw), pa.string())
    track, episode = f("trackName"), f("episodeName")
    audiobook = _coalesce_text(f("audiobookName"), f("chapterName"))
    columns = {
        "ended_at": _time(f("endTime"), "%Y-%m-%d %H:%M"),
        "ms_played": f("msPlayed"),
        "content_type": _content_type(_coalesce_text(track, f("artistName")),
                                      _coalesce_text(episode, f("podcastName")), audiobook),
        "song_id": nulls, "episode_id": nulls, "audiobook_id": nulls,
        "track_name": track, "artist_name": pc.coalesce(f("artistName"), f("authorName")),
        "album_name": nulls, "episode_name": episode, "show_name": f("podcastName"),
        "audiobook_name": f("audiobookName"), "chapter_name": f("chapterName"),
    }
    return _table(columns, BASIC, identity=[
        columns["content_type"], *[pc.cast(c, pa.string()) for c in (
            f("artistName"), f("trackName"), f("podcastName"), f("episodeName"),
            f("audiobookName"), f("chapterName"), f("msPlayed"))],
    ])


def _table(columns: dict[str, pa.Array], kind: str, identity: list[pa.Array]) -> pa.Table:
    length = len(columns["ended_at"])
    ended_ms = pc.cast(pc.cast(columns["ended_at"], pa.timestamp("ms")), pa.int64())
    keys = pc.binary_join_element_wise(
        pc.cast(ended_ms, pa.string()), *[pc.fill_null(c, "") for c in identity], "\x1f",
        null_handling="replace", null_replacement="")
    play_ids = pa.array([hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
                         for key in keys.to_pylist()], pa.string())
    arrays = []
    for column in STREAMS_SCHEMA:
        if column.name == "play_id":
            arrays.append(play_ids)
        elif column.name == "export_kind":
            arrays.append(pa.array([kind] * length, pa.string()))
        else:
            arrays.append(columns.get(column.name, pa.nulls(length, column.type)))
    return pa.Table.from_arrays(arrays, schema=_nullable(STREAMS_SCHEMA))


def _nullable(schema: pa.Schema) -> pa.Schema:
    # Rows are checked (and dropped) after they are built: every column may be null until then.
    return pa.schema([f.with_nullable(True) for f in schema])


def _drop_unplayable(rows: pa.Table, skipped: Counter[str], now: datetime) -> pa.Table:
    """Drop (and count) rows with no usable end time or nothing played."""
    earliest, latest = (pa.scalar(EARLIEST_PLAY, TIMESTAMP),
                        pa.scalar(now + timedelta(days=1), TIMESTAMP))
    checks = [
        (NO_TIMESTAMP, lambda r: pc.is_valid(r["ended_at"])),
        (OUT_OF_RANGE, lambda r: pc.and_(pc.greater_equal(r["ended_at"], earliest),
                                         pc.less_equal(r["ended_at"], latest))),
        (NOTHING_PLAYED, lambda r: pc.greater(pc.fill_null(r["ms_played"], 0), 0)),
    ]
    for reason, check in checks:
        keep = pc.fill_null(check(rows), False)
        dropped = len(rows) - (pc.sum(keep).as_py() or 0)
        if dropped:
            skipped[reason] += dropped
            rows = rows.filter(keep)
    return rows.cast(STREAMS_SCHEMA)


def unique_plays(tables: list[pa.Table], skipped: Counter[str]) -> pa.Table:
    """All rows once per `play_id` (the first kept), the others counted as duplicates."""
    rows = pa.concat_tables(tables) if tables else STREAMS_SCHEMA.empty_table()
    if rows.num_rows == 0:
        return rows
    indexed = rows.append_column("_row", pa.array(range(rows.num_rows), pa.int64()))
    first = indexed.group_by("play_id", use_threads=False).aggregate([("_row", "min")])
    duplicates = rows.num_rows - first.num_rows
    if duplicates:
        skipped[DUPLICATE_IN_IMPORT] += duplicates
        kept = first["_row_min"]
        rows = rows.take(pc.take(kept, pc.sort_indices(kept)))
    return rows
