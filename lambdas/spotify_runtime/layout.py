"""Where things live in the data-lake bucket: the one place that names the prefixes.

Infrastructure (IAM grants, event filters, crawler targets), handlers and tests all import these.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime

RAW_TO_PROCESS = "raw/to_process/"
"""Extract writes here; an Object Created event under it triggers the transform."""
RAW_PROCESSED = "raw/processed/"
"""Raw files the transform has turned into tables (same relative key as under to_process)."""
RAW_FAILED = "raw/failed/"
"""Raw files the transform rejected, each with `<key>.error.json` beside it."""
PROCESSED = "processed/"
"""Parquet tables: processed/<table>/snapshot_date=YYYY-MM-DD/<name>.parquet."""
ATHENA_RESULTS = "athena-results/"
"""Athena query results (workgroup output location)."""
RUN_LOG = "pipeline_runs/"
"""The run log (table `pipeline_runs`): `pipeline_runs/run_date=YYYY-MM-DD/<writer>...json`,
one JSON-lines object per fact (spotify_runtime.run_log)."""
RUN_LOG_WRITERS = {"extract": "extract-", "transform": "transform-"}
"""Object name prefix of each writer in a run-log partition: each function's grant covers only
`RUN_LOG` + `run_date=*/` + its own prefix."""


def run_log_prefix(stage: str) -> str:
    """The key prefix pattern of the run-log objects `stage` writes (`*` for any partition):
    a grant on `<this>*` covers that writer's rows and nothing else."""
    return f"{RUN_LOG}run_date=*/{RUN_LOG_WRITERS[stage]}"

TABLES = ("songs", "albums", "artists", "playlist_tracks")
"""The tables the transform writes, one folder (and one Glue table) each under PROCESSED."""

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


def error_report_key(key: str) -> str:
    """The error report written beside a quarantined raw object."""
    return failed_raw_key(key) + ".error.json"


_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def processed_file_stem(key: str) -> str:
    """The file name (without `.parquet`) of a raw file's tables: deterministic, unique per key.

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


def processed_key(table: str, snapshot_date: date, key: str) -> str:
    """Key of one table of a raw file: processed/<table>/snapshot_date=<d>/<stem>.parquet."""
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}")
    return (f"{PROCESSED}{table}/snapshot_date={snapshot_date.isoformat()}/"
            f"{processed_file_stem(key)}.parquet")
