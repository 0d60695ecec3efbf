"""One row per real play: which rows of `streams` are the same play, on Arrow tables only.

Beyond the exact identity (`play_id`) the import already keeps once: the same play in both kinds
of export (the extended row is kept), and a play Spotify logged twice (`DOUBLE_LOG_WINDOW`). The
rules and how they were measured: docs/history-import.md ("Identity: each play once"). The
functions take and return Arrow tables of STREAMS_SCHEMA, so they do not depend on how `streams`
is stored.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.history_import.kinds import BASIC, EXTENDED

DOUBLE_LOG_WINDOW = timedelta(seconds=60)
"""How far apart the ends of a double-logged pair may be. The real pairs are 16-18 s apart; the
next-nearest rows sharing an offline_timestamp, URI and ms_played are 1.5 h apart (different
plays): 60 s keeps a wide margin on both sides."""
IN_EXTENDED_HISTORY = "same_play_in_extended_history"
"""A basic (Account-data) row whose play the Extended history also holds: kept as the
extended row."""
DOUBLE_LOGGED = "double_logged_by_spotify"
"""The second row of a play Spotify logged twice."""


def _text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    return pc.cast(column, pa.string())


def basic_play_keys(rows: pa.Table) -> pa.Array:
    """What a basic row and its extended twin share: minute of end, content type, creator,
    title and milliseconds played (null where the row names nothing)."""
    minute = pc.cast(pc.cast(pc.floor_temporal(rows["ended_at"], unit="minute"),
                             pa.timestamp("ms")), pa.int64())
    kind = rows["content_type"]
    creator = pc.case_when(
        pc.make_struct(pc.equal(kind, "track"), pc.equal(kind, "episode"),
                       pc.equal(kind, "audiobook")),
        rows["artist_name"], rows["show_name"], rows["audiobook_name"])
    title = pc.coalesce(rows["track_name"], rows["episode_name"], rows["chapter_name"])
    return pc.binary_join_element_wise(_text(minute), kind, creator, title,
                                       _text(rows["ms_played"]), "\x1f")


def _double_log_keys(rows: pa.Table) -> pa.Array:
    uri = pc.coalesce(rows["song_id"], rows["episode_id"], rows["audiobook_id"])
    offline = pc.cast(pc.cast(rows["offline_at"], pa.timestamp("ms")), pa.int64())
    return pc.binary_join_element_wise(_text(offline), uri, _text(rows["ms_played"]), "\x1f")


def _ends_ms(rows: pa.Table) -> pa.Array:
    return pc.cast(pc.cast(rows["ended_at"], pa.timestamp("ms")), pa.int64())


def _array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _index(length: int) -> pa.Array:
    return pa.array(range(length), pa.int64())


def _mask(length: int, indexes: pa.Array) -> pa.Array:
    return pc.is_in(_index(length), value_set=indexes)


def double_logged(kept: pa.Table, rows: pa.Table, *, same_table: bool) -> pa.Array:
    """A mask over `rows`: the row is a second logging of a play in `kept` (with `same_table`,
    `rows` is `kept` and the later row of each pair is the one marked)."""
    if not pc.any(pc.is_valid(rows["offline_at"])).as_py():  # no real offline_timestamp
        return pa.array([False] * rows.num_rows, pa.bool_())
    left = pa.table({"key": _double_log_keys(kept), "end": _ends_ms(kept)})
    left = left.filter(pc.is_valid(left["key"]))
    right = pa.table({"key": _double_log_keys(rows), "later_end": _ends_ms(rows),
                      "row": _index(rows.num_rows)})
    right = right.filter(pc.is_valid(right["key"]))
    if left.num_rows == 0 or right.num_rows == 0:
        return pa.array([False] * rows.num_rows, pa.bool_())
    pairs = left.join(right, keys="key", join_type="inner", use_threads=False)
    gap = pc.subtract(pairs["later_end"], pairs["end"])
    window = int(DOUBLE_LOG_WINDOW.total_seconds() * 1000)
    near = pc.less_equal(pc.abs(gap), window)
    if same_table:  # each pair once: the later row goes (equal ends would be one play_id)
        near = pc.and_(near, pc.greater(gap, 0))
    return _mask(rows.num_rows, _array(pairs.filter(near)["row"]))


def held_by_extended(extended_side: pa.Table, rows: pa.Table) -> pa.Array:
    """A mask over `rows`: a basic row whose play an extended row of `extended_side` holds."""
    basic = pc.equal(rows["export_kind"], BASIC)
    if not pc.any(basic).as_py():  # most imports hold one kind: nothing to compare
        return pa.array([False] * rows.num_rows, pa.bool_())
    extended = extended_side.filter(pc.equal(extended_side["export_kind"], EXTENDED))
    if extended.num_rows == 0:
        return pa.array([False] * rows.num_rows, pa.bool_())
    held = pc.is_in(basic_play_keys(rows), value_set=_array(basic_play_keys(extended)))
    return pc.fill_null(pc.and_(basic, held), False)


def _drop(rows: pa.Table, mask: pa.Array, merged: Counter[str], reason: str) -> pa.Table:
    count = pc.sum(mask).as_py() or 0
    if count:
        merged[reason] += count
        return rows.filter(pc.invert(mask))
    return rows


def one_row_per_play(rows: pa.Table, merged: Counter[str]) -> pa.Table:
    """`rows` (unique `play_id`s, of one import) with each play Spotify logged twice once and
    each basic row an extended row of `rows` holds dropped; `merged` counts them per reason."""
    rows = _drop(rows, double_logged(rows, rows, same_table=True), merged, DOUBLE_LOGGED)
    return _drop(rows, held_by_extended(rows, rows), merged, IN_EXTENDED_HISTORY)


def merge_same_plays(existing: pa.Table, new: pa.Table, merged: Counter[str],
                     neighbours: pa.Table | None = None) -> tuple[pa.Table, pa.Table, int]:
    """`existing` (rows already stored) and `new` (one import's rows, no `play_id` of them in
    `existing`), each play once: (existing rows kept, new rows to add, existing basic rows
    replaced by their extended twin in `new`). `merged` counts the new rows dropped.
    `neighbours` are stored rows of other partitions a new row may be the second logging of
    (the two ends of a pair fall in two months: 23:59:50 on the 31st, 00:00:07 on the 1st);
    they are only looked at, never changed."""
    logged = existing if neighbours is None else pa.concat_tables([existing, neighbours])
    new = _drop(new, double_logged(logged, new, same_table=False), merged, DOUBLE_LOGGED)
    new = _drop(new, held_by_extended(existing, new), merged, IN_EXTENDED_HISTORY)
    replaced = held_by_extended(new, existing)
    count = pc.sum(replaced).as_py() or 0
    if count:
        existing = existing.filter(pc.invert(replaced))
    return existing, new, count
