"""`python -m spotify_etl transform INPUT.json --out DIR`: the Lambda's transform on a local file.

Puts the file's rows into `DIR/<table>/snapshot_date=<date>/<table>.parquet`, the same one
object per table and day as under `processed/` in the bucket (docs/storage.md), named inside it
`<type>__<id>__<file>` (the source type and ID come from the file, since the raw files of one run
share a file name), and prints rows per table and skipped items per reason. Every table is built
before anything is written, so bad input leaves nothing under DIR; each object is replaced whole
(written beside it, then renamed). Transforming the same file again changes nothing; other rows
under the same name (another input with the same source and file name, or an older transform)
are never replaced unless --replace is given.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from spotify_runtime.partition_files import ObjectStore
from spotify_runtime.sources import USER_KEY_ID, USER_SOURCE_TYPES
from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_to_parquet import (
    TransformedFile,
    transform_raw_file,
)
from spotify_runtime.transform.reader import RawDocument

from spotify_etl.day_objects import replace_source_rows, source_rows
from spotify_etl.errors import CliError
from spotify_local.folder_store import FolderStore


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `transform` subcommand."""
    parser = sub.add_parser(
        "transform",
        help="turn a raw JSON file (envelope or playlist-items paging object) into Parquet",
        description=__doc__,
    )
    parser.add_argument("input", type=Path, metavar="INPUT.json", help="raw file to transform")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="output directory (tables go under DIR/<table>/snapshot_date=...)")
    parser.add_argument("--snapshot-date", type=_date, metavar="YYYY-MM-DD",
                        help="partition to write (default: from the envelope, the file name, "
                             "else the file's modification time)")
    parser.add_argument("--replace", action="store_true",
                        help="replace existing outputs of the same name even if their content "
                             "differs (default: refuse)")
    parser.set_defaults(func=run)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def run(args: argparse.Namespace) -> int:
    """Transform one file; print the summary."""
    source: Path = args.input
    try:
        modified = datetime.fromtimestamp(source.stat().st_mtime, UTC)
        transformed = transform_raw_file(  # reads the file itself: bytes freed once parsed
            source.read_bytes, source.name, last_modified=modified,
            snapshot_date=args.snapshot_date,
            name_outputs=lambda document: source_run_key(document, source.name),
        )
    except OSError as error:
        raise CliError(f"{source}: {error.strerror or error}") from None
    except InvalidRawFileError as error:
        raise CliError(f"{source}: {error}") from None
    transformed = relative_to_processed(transformed)
    if not args.replace:
        _refuse_to_replace(transformed, FolderStore(args.out))
    written = _write(transformed, args.out)
    _print_summary(transformed, written)
    return 0


def relative_to_processed(transformed: TransformedFile) -> TransformedFile:
    """The same rows keyed relative to `processed/` (DIR stands for that prefix)."""
    return replace(transformed, tables=transformed.relative_tables())


def _refuse_to_replace(transformed: TransformedFile, store: FolderStore) -> None:
    """Fail before writing if a partition already holds other rows under this file's name.

    Rows are deterministic (same input, same rows), so rows that differ were written for
    another input or by another version of the transform.
    """
    for key, table in transformed.tables.items():
        try:
            current = store.get(key)
        except OSError as error:
            raise CliError(f"{store.root / key}: {error.strerror or error}") from None
        held = source_rows(current[0]).get(transformed.source_file) if current else None
        if held is None or held.equals(table.cast(held.schema)):
            continue
        raise CliError(
            f"{store.root / key} holds other rows named {transformed.source_file} (another input "
            "with the same source and file name, or an older transform): not replacing them; "
            "use another --out, or --replace"
        )


def _write(transformed: TransformedFile, out: Path) -> list[Path]:
    """Put the file's rows into each partition object under `out` (each replaced whole)."""
    try:
        return [out / key for key in write_partitions(FolderStore(out), transformed)]
    except OSError as error:
        raise CliError(f"{out}: {error.strerror or error}") from None


def _print_summary(transformed: TransformedFile, written: list[Path]) -> None:
    summary = transformed.summary()
    print(f"snapshot_date={summary['snapshot_date']}  items={summary['items']}")
    for table, rows in summary["rows"].items():
        print(f"  {table:<16} {rows:>9} rows")
    skipped = summary["skipped"] or {}
    if skipped:
        for reason, count in skipped.items():
            print(f"  skipped {reason:<12} {count:>5} items")
    else:
        print("  skipped          none")
    for path in written:
        print(f"  wrote {path}")


def write_partitions(store: ObjectStore, transformed: TransformedFile,
                     deadline: float | None = None) -> list[str]:
    """Make `transformed`'s rows its source's rows in each partition object; returns the keys.

    A failure raises with the partitions written so far left as they are: the raw file stays in
    raw/to_process/ and the retry writes them all again (the same rows: no change). Taking them
    back out would be wrong: a second delivery of the same file may have written them meanwhile
    and archived the file, and its rows would be lost (docs/storage.md).
    """
    for key, table in transformed.tables.items():
        replace_source_rows(store, key, transformed.source_file, table, deadline=deadline)
    return list(transformed.tables)


UNNAMED_SOURCE = "unnamed"
"""The ID segment of `source_run_key` for a paging object that names no playlist."""


def source_run_key(document: RawDocument, file_name: str) -> str:
    """`<type>/<id>/<file name>`: the raw key a local file would have had in the bucket.

    Raw files of one run share their file name (the run's timestamp) across sources, so a file
    name alone does not tell their outputs apart; the source type and ID from the document do.
    """
    if document.source_id:
        ident = document.source_id
    elif document.source_type in USER_SOURCE_TYPES:
        ident = USER_KEY_ID
    else:
        ident = UNNAMED_SOURCE
    return f"{document.source_type}/{ident}/{file_name}"
