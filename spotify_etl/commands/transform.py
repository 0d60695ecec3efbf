"""`python -m spotify_etl transform INPUT.json --out DIR`: the Lambda's transform on a local file.

Writes `DIR/<table>/snapshot_date=<date>/<type>__<id>__<file>.parquet` (the same layout and
names as under `processed/` in the bucket: the source type and ID come from the file, since the
raw files of one run share a file name) and prints rows per table and skipped items per reason.
Outputs are staged in a temporary directory beside DIR and moved into place only when every
table is built, so bad input leaves nothing under DIR. Transforming the same file again rewrites
identical files; an existing output with other content (another input with the same source and
file name, or an older transform) is never replaced unless --replace is given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from spotify_runtime.transform.errors import InvalidRawFileError
from spotify_runtime.transform.raw_to_parquet import (
    TransformedFile,
    source_run_key,
    transform_raw_file,
)

from spotify_etl.errors import CliError


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
    if not args.replace:
        _refuse_to_replace(transformed, args.out)
    written = _write(transformed, args.out)
    _print_summary(transformed, written)
    return 0


def _refuse_to_replace(transformed: TransformedFile, out: Path) -> None:
    """Fail before writing if an output would replace a file with different content.

    Outputs are deterministic (same input, same bytes), so a file that differs was written
    for another input or by another version of the transform.
    """
    for relative, body in transformed.relative_outputs().items():
        target = out / relative
        try:
            if target.read_bytes() == body:
                continue
        except FileNotFoundError:
            continue
        except OSError as error:
            raise CliError(f"{target}: {error.strerror or error}") from None
        raise CliError(
            f"{target} exists with other content (another input with the same source and file "
            "name, or an older transform): not replacing it; use another --out, or --replace"
        )


def _write(transformed: TransformedFile, out: Path) -> list[Path]:
    """Stage every file in a temporary directory beside `out`, then move them into place."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".transform-", dir=out.parent))
    except OSError as error:
        raise CliError(f"{out}: {error.strerror or error}") from None
    written = []
    try:
        staged = {}
        for relative, body in transformed.relative_outputs().items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            staged[relative] = path
        for relative, path in staged.items():
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            written.append(target)
    except OSError as error:
        raise CliError(f"{out}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


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
