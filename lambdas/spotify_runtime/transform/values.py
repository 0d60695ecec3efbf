"""Column-level conversions on pyarrow arrays: timestamps, release dates, URLs, first occurrences.

Each function works on whole columns (no per-row Python) and, when a value cannot be converted,
raises InvalidRawFileError naming the first offending row through `where(row)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.tables import TIMESTAMP

Where = Callable[[int], str]
"""Row index -> path of that row's value in the raw document, for error messages."""

_HAS_OFFSET = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"
_RELEASE_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_PRECISION_BY_LENGTH = {4: "year", 7: "month", 10: "day"}


def first_occurrences(ids: pa.Array) -> pa.Array:
    """Indices of the first row of each distinct ID, ascending (IDs must not be null)."""
    return pc.index_in(pc.unique(ids), value_set=ids)


def timestamps(text: pa.Array, where: Where) -> pa.Array:
    """ISO 8601 strings to UTC timestamps; a value without an offset is taken as UTC."""
    with_z = pc.binary_join_element_wise(text, "Z", "")
    zoned = pc.if_else(pc.match_substring_regex(text, _HAS_OFFSET), text, with_z)
    try:
        # Via microseconds, so fractional seconds finer than the column's unit truncate.
        micro = pc.cast(zoned, pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        bad = _first_bad(text, where, "is not an ISO 8601 timestamp", _parses_as_timestamp)
        raise bad from None
    return pc.cast(micro, TIMESTAMP, safe=False)


def bad_timestamps(text: pa.Array) -> pa.Array | None:
    """Which values `timestamps` cannot convert (None if it converts them all)."""
    try:
        timestamps(text, lambda row: "")
    except InvalidRawFileError:
        return pa.array([value is not None and not _parses_as_timestamp(value)
                         for value in text.to_pylist()], pa.bool_())  # error path only
    return None


def bad_release_dates(text: pa.Array) -> pa.Array | None:
    """Which values `release_dates` cannot convert (None if it converts them all)."""
    try:
        release_dates(text, lambda row: "")
    except InvalidRawFileError:
        return pa.array([value is not None and not value.startswith("0000")
                         and not _is_release_date(value)
                         for value in text.to_pylist()], pa.bool_())  # error path only
    return None


def _parses_as_timestamp(value: str) -> bool:
    try:
        pc.cast(pa.array([value if re.search(_HAS_OFFSET, value) else value + "Z"]),
                pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        return False
    return True


def release_dates(text: pa.Array, where: Where) -> pa.Array:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` to dates (first day of the year or month).

    Spotify gives `0000` (and `0000-00-00`) for unknown dates: those become null.
    """
    unknown = pc.starts_with(text, "0000")
    text = pc.if_else(unknown, pa.scalar(None, pa.string()), text)
    length = pc.utf8_length(text)
    padded = pc.case_when(
        pc.make_struct(pc.equal(length, 4), pc.equal(length, 7)),
        pc.binary_join_element_wise(text, "-01-01", ""),
        pc.binary_join_element_wise(text, "-01", ""),
        text,
    )
    well_formed = pc.match_substring_regex(text, _RELEASE_DATE.pattern)
    try:
        if pc.all(pc.fill_null(well_formed, True)).as_py() is False:  # None: no rows
            raise pa.ArrowInvalid("malformed")
        return pc.cast(padded, pa.date32())
    except pa.ArrowInvalid:
        raise _first_bad(
            text, where, "is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", _is_release_date
        ) from None


def _is_release_date(value: str) -> bool:
    if not _RELEASE_DATE.match(value):
        return False
    parts = [int(part) for part in value.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def release_date_precisions(given: pa.Array, release_date: pa.Array) -> pa.Array:
    """The given precision, or the one implied by the date's length when Spotify omitted it."""
    implied = pc.case_when(
        pc.make_struct(*(pc.equal(pc.utf8_length(release_date), n) for n in _PRECISION_BY_LENGTH)),
        *_PRECISION_BY_LENGTH.values(),
    )
    return pc.coalesce(given, implied)


def _first_bad(
    text: pa.Array, where: Where, what: str, is_good: Callable[[str], bool]
) -> Exception:
    for index, value in enumerate(text.to_pylist()):
        if value is not None and not is_good(value):
            return InvalidRawFileError(where(index), f"{value!r} {what}")
    return InvalidRawFileError(where(0), what)  # unreachable unless pyarrow disagrees


def open_urls(ids: pa.Array, kind: str) -> pa.Array:
    """open.spotify.com URLs built from the IDs: the same as Spotify's `external_urls.spotify`,
    without parsing (and holding in memory) one more string per track, album and artist."""
    return pc.binary_join_element_wise(f"https://open.spotify.com/{kind}/", ids, "")


def list_of_ids(lists: pa.Array) -> pa.Array:
    """list<struct{id,...}> to list<string> of the IDs, keeping nulls and list boundaries."""
    lengths = pc.fill_null(pc.list_value_length(lists), 0)
    offsets = pa.concat_arrays([pa.array([0], pa.int32()),
                                pc.cast(pc.cumulative_sum(lengths), pa.int32())])
    ids = pc.struct_field(pc.list_flatten(lists), "id")
    return pa.ListArray.from_arrays(offsets, ids, mask=pc.is_null(lists))


def first_in_lists(lists: pa.Array) -> pa.Array:
    """The first element of each list; null for empty or null lists."""
    heads = pc.list_slice(lists, 0, 1, return_fixed_size_list=True)
    return pc.list_flatten(pc.fill_null(heads, pa.scalar([None], heads.type)))
