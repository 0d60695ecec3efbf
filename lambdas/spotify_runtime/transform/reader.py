"""Raw bytes to a typed document: pyarrow's native JSON reader, with a plain-json fallback.

The fast path parses the whole file as one JSON row with `raw_schema.DOCUMENT`, so the payload
never becomes Python objects. Anything it cannot type (not JSON, a conflicting type, a number
where a string belongs, ...) goes through the standard library's `json` and a walk of the same
schema that names the offending path; correctness never depends on the fast path.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from spotify_runtime.envelope import SCHEMA_VERSION
from spotify_runtime.sources import SOURCE_TYPES
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_schema import DOCUMENT, ITEM

LOG = logging.getLogger(__name__)

ENVELOPE = "envelope"
PAGING = "paging"
_PLAYLIST_IN_HREF = re.compile(r"/playlists/([0-9A-Za-z]+)")


@dataclass(frozen=True)
class RawDocument:
    """What the tables are built from, whichever shape the file had."""

    shape: str
    """`envelope` or `paging` (a bare playlist-items paging object, as the tutorial
    this project started from wrote it: docs/migrating.md)."""
    source_type: str
    source_id: str | None
    extracted_at: datetime | None
    """The envelope's `extracted_at` (UTC); None for paging objects."""
    metadata: pa.StructArray
    """One row (`raw_schema.ALBUM` fields); null when absent."""
    items: pa.StructArray
    """One row per item (`raw_schema.ITEM`)."""
    first_position: int
    """Playlist position of items[0] (a paging object's `offset`; 0 for envelopes)."""
    run_at: datetime | None = None
    """The run the envelope belongs to (UTC; the run log's run), when it says; else None."""


def read_document(data: bytes) -> RawDocument:
    """Parse and check the top level of a raw file. Raises InvalidRawFileError."""
    if not starts_with_object(data):
        # pyarrow's native reader (21 through 26 at least) crashes the whole process on a
        # top-level null; only a document that opens with `{` may go near it.
        table = _read_plain(data)
    else:
        try:
            table = _read_native(data)
        except (pa.ArrowException, ValueError) as error:
            LOG.info("native JSON reader declined (%s); using the json module", error)
            table = _read_plain(data)
    if table.num_rows != 1:
        raise InvalidRawFileError("top level", f"expected one JSON object, found {table.num_rows}")
    return _interpret(table)


_JSON_WHITESPACE = b" \t\n\r"
_UTF8_BOM = b"\xef\xbb\xbf"


def starts_with_object(data: bytes) -> bool:
    """Whether the first byte after an optional UTF-8 BOM and JSON whitespace is `{`."""
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    # Only the head is examined: a document of megabytes of leading blanks is not worth a copy.
    head = data[start:start + 4096].lstrip(_JSON_WHITESPACE)
    if head:
        return head[:1] == b"{"
    return data[start:].lstrip(_JSON_WHITESPACE)[:1] == b"{"


def _parse_pool() -> pa.MemoryPool:
    # Parsing is the memory peak; jemalloc hands freed parse buffers back to the OS sooner than
    # the default mimalloc (peak RSS about 15% lower at 100,000 items). Not every build has it.
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return pa.default_memory_pool()


def _read_native(data: bytes) -> pa.Table:
    # One block covering the whole file: a single top-level object becomes a single row.
    options = pa_json.ReadOptions(block_size=max(len(data) + 1, 1 << 20), use_threads=False)
    parse = pa_json.ParseOptions(
        explicit_schema=DOCUMENT, unexpected_field_behavior="ignore", newlines_in_values=True
    )
    return pa_json.read_json(pa.BufferReader(data), read_options=options, parse_options=parse,
                             memory_pool=_parse_pool())


def _read_plain(data: bytes) -> pa.Table:
    try:
        document = json.loads(data)
    except UnicodeDecodeError as error:
        raise InvalidRawFileError("file", f"not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise InvalidRawFileError(where, f"not valid JSON ({error.msg})") from None
    if not isinstance(document, dict):
        raise InvalidRawFileError(
            "top level", f"expected a JSON object, got {_json_kind(document)}"
        )
    for field in DOCUMENT:
        _check(document.get(field.name), field.type, field.name)
    try:
        return pa.Table.from_pylist([document], schema=DOCUMENT)
    except (pa.ArrowException, OverflowError) as error:
        raise InvalidRawFileError("file", f"cannot be read as a table ({error})") from None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    for kind, name in ((dict, "an object"), (list, "an array"), (str, "a string"),
                       (int, "an integer"), (float, "a number")):
        if isinstance(value, kind):
            shown = json.dumps(value, ensure_ascii=False)
            return name if len(shown) > 40 else f"{name} ({shown})"
    return type(value).__name__


def _check(value: Any, type_: pa.DataType, path: str) -> None:
    """Raise InvalidRawFileError at the first value that does not fit `type_` (null fits)."""
    if value is None:
        return
    if pa.types.is_struct(type_):
        if not isinstance(value, dict):
            raise InvalidRawFileError(path, f"expected an object, got {_json_kind(value)}")
        for field in type_:
            _check(value.get(field.name), field.type, f"{path}.{field.name}")
    elif pa.types.is_list(type_):
        if not isinstance(value, list):
            raise InvalidRawFileError(path, f"expected an array, got {_json_kind(value)}")
        for index, element in enumerate(value):
            _check(element, type_.value_type, f"{path}[{index}]")
    elif pa.types.is_string(type_):
        if not isinstance(value, str):
            raise InvalidRawFileError(path, f"expected a string, got {_json_kind(value)}")
    elif pa.types.is_integer(type_):
        # 200000.0 is an integer written by a tool that has only floats (pandas, JavaScript).
        integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not integral:
            raise InvalidRawFileError(path, f"expected an integer, got {_json_kind(value)}")
    elif pa.types.is_boolean(type_) and not isinstance(value, bool):
        raise InvalidRawFileError(path, f"expected true or false, got {_json_kind(value)}")


def _interpret(table: pa.Table) -> RawDocument:
    row = {name: _one_array(table.column(name)) for name in table.column_names}
    top = {name: array[0].as_py() for name, array in row.items()
           if name in ("schema_version", "extracted_at", "run_at", "source", "href", "offset")}
    items_list = row["items"]
    if not items_list.is_valid()[0].as_py():
        raise InvalidRawFileError("top level", 'missing "items" (expected an envelope or a '
                                  "playlist-items paging object)")
    items = pc.list_flatten(items_list)
    if not isinstance(items, pa.StructArray):  # an empty list may come back untyped
        items = pa.array([], type=ITEM)
    if top["schema_version"] is not None or top["source"] is not None:
        return _envelope(top, row["metadata"], items)
    playlist = _PLAYLIST_IN_HREF.search(top["href"] or "")
    return RawDocument(
        shape=PAGING,
        source_type="playlist",
        source_id=playlist.group(1) if playlist else None,
        extracted_at=None,
        metadata=row["metadata"],
        items=items,
        first_position=top["offset"] or 0,
    )


def _one_array(column: pa.ChunkedArray) -> pa.Array:
    # One block gives one chunk; combining would copy the whole parsed payload.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _envelope(top: dict[str, Any], metadata: pa.StructArray, items: pa.StructArray) -> RawDocument:
    if top["schema_version"] != SCHEMA_VERSION:
        raise InvalidRawFileError(
            "schema_version", f"expected {SCHEMA_VERSION}, got {top['schema_version']!r}"
        )
    source = top["source"] or {}
    if source.get("type") not in SOURCE_TYPES:
        raise InvalidRawFileError(
            "source.type", f"expected one of {', '.join(SOURCE_TYPES)}, got {source.get('type')!r}"
        )
    return RawDocument(
        shape=ENVELOPE,
        source_type=source["type"],
        source_id=source.get("id"),
        extracted_at=parse_utc("extracted_at", top["extracted_at"]),
        metadata=metadata,
        items=items,
        first_position=0,
        run_at=parse_utc("run_at", top["run_at"]) if top.get("run_at") else None,
    )


def parse_utc(where: str, text: str | None) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime (no offset means UTC)."""
    if text is None:
        raise InvalidRawFileError("top level", f'missing "{where}"')
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRawFileError(where, f"{text!r} is not an ISO 8601 timestamp") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
