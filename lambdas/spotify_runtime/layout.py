"""Where things live in the data-lake bucket: the one place that names the prefixes.

Infrastructure (IAM grants, event filters, crawler targets), handlers and tests all import these.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime

from spotify_runtime.sources import ID_SOURCE_TYPES, USER_KEY_ID, USER_SOURCE_TYPES

RAW_TO_PROCESS = "raw/to_process/"
"""Extract writes here; an Object Created event under it triggers the transform."""
RAW_PROCESSED = "raw/processed/"
"""Raw files the transform has turned into tables (same relative key as under to_process)."""
RAW_FAILED = "raw/failed/"
"""Raw files the transform rejected, each with `<key>.<failed at>.error.json` beside it."""
ERROR_REPORT_SUFFIX = ".error.json"
"""How every error report's name ends; such an object is never a raw file."""
PROCESSED = "processed/"
"""Parquet tables: one object per table and day, processed/<table>/snapshot_date=YYYY-MM-DD/
<table>.parquet (`partition_key`; docs/storage.md)."""
TABLES = "tables/"
"""Apache Iceberg tables (issue 26): tables/<table>/data/ and tables/<table>/metadata/, written by
PyIceberg (spotify_runtime.iceberg_tables), registered in the Glue catalog."""
ATHENA_RESULTS = "athena-results/"
"""Athena query results (workgroup output location)."""
STATE = "state/"
"""Extraction state (the recently-played cursor): read and written by the extract worker only,
which is granted this prefix and no other for reading. Not data: no event, crawler or query
looks here."""
RUN_LOG = "pipeline_runs/"
"""The run log (table `pipeline_runs`): ONE Parquet object per run day, shared by every writer
(the extract worker, the transform, the history import), `run_log_key` (spotify_runtime.run_log;
docs/storage.md says why one and not one per writer)."""
RUN_LOG_OBJECTS = f"{RUN_LOG}run_date=*/runs.parquet"
"""The key pattern of every run-log object (`*`: any day): each writer's grant is on exactly these
keys, and nothing else under RUN_LOG."""


def run_log_key(day: str) -> str:
    """The run-log object of the run day `day` (yyyy-mm-dd)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise ValueError(f"run day {day!r} is not yyyy-mm-dd")
    return RUN_LOG_OBJECTS.replace("*", day)


REPORTS = "reports/"
"""The monthly reports: `reports/<YYYY-MM>.html` and `.png` (report_key), written by the
monthly report function only. No event, crawler or query looks here (no trigger loop)."""


def report_key(month: str, suffix: str) -> str:
    """The object of the month `month` (YYYY-MM) report's page (`html`) or card (`png`)."""
    if not _MONTH.fullmatch(month) or suffix not in ("html", "png"):
        raise ValueError(f"no report object for month {month!r} and suffix {suffix!r}")
    return f"{REPORTS}{month}.{suffix}"


IMPORTS = "imports/"
"""Uploads of Spotify's personal-data export (a zip or JSON files): an Object Created event under
it triggers the history import, which only reads here, so every upload is kept as uploaded."""
IMPORTS_FAILED = "imports-failed/"
"""Uploads the history import refused: a copy of the upload and `<key>.<when>.error.json` beside
it (the original stays under IMPORTS)."""
STREAMS = PROCESSED + "streams/"
"""The `streams` table: ONE Parquet object per calendar month of the play's end
(`streams_key`), rewritten under S3 conditional writes."""
STREAMS_PARTITION = "ended_month"
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def streams_key(month: str) -> str:
    """The one object of a month of `streams`:
    `processed/streams/ended_month=YYYY-MM/streams.parquet`."""
    if not _MONTH.fullmatch(month):
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    return f"{STREAMS}{STREAMS_PARTITION}={month}/streams.parquet"


def is_import_key(key: str) -> bool:
    """Whether `key` is an upload the history import reads: under IMPORTS, not a folder marker,
    no `.`/`..` segment, no control characters."""
    if not key.startswith(IMPORTS) or key.endswith("/") or len(key) > 1024:
        return False
    parts = key[len(IMPORTS):].split("/")
    return all(part not in ("", ".", "..") for part in parts) and not re.search(
        r"[\x00-\x1f\x7f]", key)


def failed_import_key(key: str) -> str:
    """Where a refused upload's copy goes."""
    return IMPORTS_FAILED + key[len(IMPORTS):]

RAW_IMPORTS = RAW_TO_PROCESS + "tutorial/"
"""Raw files brought from the tutorial this project started from (docs/migrating.md): one folder,
any file name."""

RAW_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"


def raw_timestamp(moment: datetime) -> str:
    """Format a run time for a raw key: UTC, no colons or spaces (e.g. 20261124T181000Z)."""
    if moment.tzinfo is None:
        raise ValueError("raw timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(RAW_TIMESTAMP_FORMAT)


def raw_key(source_type: str, source_key_id: str, run_at: datetime) -> str:
    """Key of one source's raw envelope for one run.

    Keyed by the *run* time (not the moment of extraction) so that a retried or re-delivered
    extraction of the same source in the same run overwrites instead of duplicating.
    """
    return f"{RAW_TO_PROCESS}{source_type}/{source_key_id}/{raw_timestamp(run_at)}.json"


def cursor_timestamp(played_at_ms: int) -> str:
    """A cursor (Unix ms) for a raw key: UTC with milliseconds, e.g. 20261124T093000123Z."""
    moment = datetime.fromtimestamp(played_at_ms / 1000, UTC)
    return moment.strftime("%Y%m%dT%H%M%S") + f"{played_at_ms % 1000:03d}Z"


def listening_raw_key(source_type: str, source_key_id: str, after_ms: int | None,
                      run_at: datetime) -> str:
    """Key of a cursor-paged listening extraction: named by the cursor it asked after.

    Every extraction that starts from the same cursor (a retry, a second delivery racing the
    first) writes the same key with the same plays (plus any newer), so it overwrites instead of
    duplicating; once the cursor has moved, the next extraction asks only for newer plays and
    writes a new key. The first extraction ever (no cursor) is named by its run time.
    """
    stamp = cursor_timestamp(after_ms) if after_ms is not None else raw_timestamp(run_at)
    return f"{RAW_TO_PROCESS}{source_type}/{source_key_id}/after-{stamp}.json"


def state_key(source_type: str, source_key_id: str) -> str:
    """Where one source's extraction state (its cursor) lives: state/<type>/<id>.json."""
    return f"{STATE}{source_type}/{source_key_id}.json"
_EXTRACTED_KEY = re.compile(
    re.escape(RAW_TO_PROCESS)
    + "(?:(?:" + "|".join(map(re.escape, ID_SOURCE_TYPES)) + ")/[0-9A-Za-z]{22}"
    + "|(?:" + "|".join(map(re.escape, USER_SOURCE_TYPES)) + ")/" + re.escape(USER_KEY_ID) + ")"
    # raw_key's run time, or listening_raw_key's cursor (`after-` and a time to the ms)
    + r"/(?:\d{8}T\d{6}Z|after-\d{8}T\d{6}(?:\d{3})?Z)\.json"
)
_IMPORTED_NAME = re.compile(r"[^/\x00-\x1f\x7f.][^/\x00-\x1f\x7f]{0,250}\.json")


def is_raw_key(key: str) -> bool:
    """Whether `key` is a raw file the transform accepts, exactly: what `raw_key` makes
    (`raw/to_process/<type>/<id>/<timestamp>.json`) or a file name directly in RAW_IMPORTS.

    Nothing else under raw/to_process/ (other folders, `..` or `.` segments, control characters,
    keys that only end in `.json`) is transformed.
    """
    if _EXTRACTED_KEY.fullmatch(key):
        return True
    return key.startswith(RAW_IMPORTS) and bool(_IMPORTED_NAME.fullmatch(key[len(RAW_IMPORTS):]))


def relative_raw_key(key: str) -> str:
    """The part of a raw key below `raw/to_process/` (or raw/processed/, raw/failed/)."""
    for prefix in (RAW_TO_PROCESS, RAW_PROCESSED, RAW_FAILED):
        if key.startswith(prefix):
            return key[len(prefix):]
    raise ValueError(f"not a raw key: {key!r}")


def processed_raw_key(key: str) -> str:
    """Where a raw object goes once its tables are written."""
    return RAW_PROCESSED + relative_raw_key(key)


def failed_raw_key(key: str) -> str:
    """Where a raw object goes when it cannot be transformed."""
    return RAW_FAILED + relative_raw_key(key)


_REPORT_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"


def error_report_key(key: str, failed_at: datetime) -> str:
    """The error report written beside a quarantined raw object: `<failed key>.<when>.error.json`.

    Named by the moment of failure (to the microsecond) so that a replayed file that fails again
    adds a report instead of replacing the first one.
    """
    if failed_at.tzinfo is None:
        raise ValueError("failure times must be timezone-aware")
    when = failed_at.astimezone(UTC).strftime(_REPORT_TIMESTAMP_FORMAT)
    return f"{failed_raw_key(key)}.{when}{ERROR_REPORT_SUFFIX}"


def is_error_report(key: str) -> bool:
    """Whether `key` names an error report (which is never transformed as a raw file)."""
    return key.endswith(ERROR_REPORT_SUFFIX)


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def processed_file_stem(key: str) -> str:
    """The source name of a raw file's rows in a partition object: deterministic, unique per key.

    Also the stem of the per-raw-file objects the previous version wrote
    (`processed/<table>/snapshot_date=<d>/<stem>.parquet`), so `migrate-storage` folds such a
    file in under the name a re-delivery of its raw file replaces.

    The relative raw key with `/` as `__` and `.json` dropped (`playlist/<id>/<ts>.json` ->
    `playlist__<id>__<ts>`), so a re-delivered file overwrites its own outputs and two raw files
    never share one. Keys with characters outside `[A-Za-z0-9._-]`, `__` of their own or a
    leading `.`/`_` (which Athena would treat as hidden) get those characters replaced by `-`
    plus a hash of the exact key, which keeps names safe for S3 and Glue and still unique.
    Accepts a full raw key or one already relative to the raw prefixes.
    """
    try:
        relative = relative_raw_key(key)
    except ValueError:
        relative = key
    stem = relative.removesuffix(".json")
    if "__" not in stem and all(_SAFE_NAME.fullmatch(part) for part in stem.split("/")):
        return stem.replace("/", "__")
    parts = [re.sub(r"[^A-Za-z0-9._-]", "-", part).lstrip("._") or "-" for part in stem.split("/")]
    digest = hashlib.sha256(relative.encode("utf-8")).hexdigest()[:10]
    return "__".join(parts) + f"-{digest}"


def partition_key(table: str, snapshot_date: date) -> str:
    """The one object of a table and day: processed/<table>/snapshot_date=<d>/<table>.parquet
    (`table` one of `transform.tables.TABLES`).

    A raw file's rows of that table and day are named by this key in the transform; the
    Iceberg writer reads the table from it, and `transform --out` writes the object itself.
    """
    return f"{PROCESSED}{table}/snapshot_date={snapshot_date.isoformat()}/{table}.parquet"


def partition_table(key: str) -> str:
    """The table a `partition_key` (or any key under `PROCESSED`) names."""
    return key.removeprefix(PROCESSED).split("/")[0]


