"""`python -m spotify_etl import PATH... [--lake DIR | --env NAME]`: the export into `streams`.

PATH is the zip as downloaded (`my_spotify_data.zip`), a folder, or JSON files, of either export
kind in any mix (docs/history-import.md). Locally the plays are merged into
`DIR/processed/streams/ended_month=YYYY-MM/streams.parquet` (the same objects, the same merge as
deployed, through the local object store); the command prints what it imported, what was already
there and what it skipped, per reason. With --env the files are uploaded unread to that
environment's bucket under `imports/`, where the deployed import takes them.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from spotify_runtime.history_import.importer import ImportReport, import_files, run_record
from spotify_runtime.history_import.members import (
    NotAnExportError,
    is_history_name,
)
from spotify_runtime.history_import.service import IMPORTED
from spotify_runtime.layout import IMPORTS, STREAMS
from spotify_runtime.run_log import StoreRunRecorder

from spotify_etl.errors import CliError
from spotify_etl.export_paths import path_members
from spotify_local.folder_store import FolderStore

DEFAULT_LAKE = Path(".lake")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `import` subcommand."""
    parser = sub.add_parser("import", help="import Spotify's personal-data export (your whole "
                            "listening history) into the streams table", description=__doc__)
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH",
                        help="my_spotify_data.zip, a folder, or JSON files of the export")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--lake", type=Path, default=DEFAULT_LAKE, metavar="DIR",
                        help=f"local lake to import into (default {DEFAULT_LAKE})")
    target.add_argument("--env", metavar="NAME",
                        help="upload to this cdk.json environment's bucket under imports/ "
                             "instead (the deployed import does the rest)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Import locally, or upload with --env."""
    if args.env:
        return upload(args.paths, args.env)
    try:
        members = path_members(args.paths)
        if not members.files:
            raise CliError("no streaming-history file in " + ", ".join(map(str, args.paths))
                           + " (Streaming_History_*.json, endsong_*.json, StreamingHistory*.json)")
        report = import_files(members.files, FolderStore(args.lake),
                              ignored=members.ignored)
    except NotAnExportError as error:
        raise CliError(str(error)) from None
    _record(args.lake, args.paths, report)
    for line in report_lines(report, args.lake / STREAMS):
        print(line)
    return 0


def _record(lake: Path, paths: list[Path], report: ImportReport) -> None:
    """The import's run-log row in the local lake, where the deployed import writes its own."""
    now = datetime.now(UTC)
    record = run_record(now, "local:" + ",".join(p.name for p in paths)[:200], IMPORTED, report)
    StoreRunRecorder(FolderStore(lake), f"{lake}/").record(
        record, f"local:{now.isoformat()}:{','.join(map(str, paths))}")


def report_lines(report: ImportReport, where: Path | str) -> list[str]:
    """What an import did, for people: imported, already present, merged and skipped per
    reason, and every file of the export it ignored, by name."""
    span = (f" ({report.first_play:%Y-%m-%d} .. {report.last_play:%Y-%m-%d})"
            if report.first_play and report.last_play else "")
    kinds = sorted({file.kind for file in report.files})
    lines = [
        f"read {len(report.files)} file(s) ({', '.join(kinds) or 'none'}), "
        f"{report.rows_in_files:,} rows{span}",
        f"imported: {report.imported:,} plays into {where} ({report.months} month(s))",
        f"already present: {report.already_present:,}",
        "skipped: " + (", ".join(f"{reason} {count:,}" for reason, count
                                 in sorted(report.skipped.items())) or "none"),
        "merged (another row of the same play): " + (", ".join(
            f"{reason} {count:,}" for reason, count in sorted(report.merged.items())) or "none"),
    ]
    if report.basic_replaced:
        lines.append(f"replaced: {report.basic_replaced:,} Account-data row(s) of earlier "
                     "imports by their Extended-history row")
    lines += [f"damaged, skipped: {message}" for message in report.damaged]
    if report.ignored:
        lines.append(f"ignored {len(report.ignored)} other file(s) of the export (not streaming "
                     "history): " + ", ".join(report.ignored))
    return lines


def upload(paths: list[Path], env: str) -> int:
    """Upload the files as they are under imports/<UTC time>/ of the environment's bucket."""
    from infra.config import ConfigError, load_environment
    from infra.naming import bucket_name_in
    from spotify_etl.commands.auth import cli_aws_client

    try:
        settings = load_environment(env)
    except ConfigError as error:
        raise CliError(f"--env {env}: {error}") from None
    files = [file for path in paths for file in _upload_files(path)]
    if not files:
        raise CliError("nothing to upload: no zip or streaming-history file in "
                       + ", ".join(map(str, paths)))
    account = settings.account or cli_aws_client("sts", settings.region).get_caller_identity()[
        "Account"]
    bucket = bucket_name_in(settings, account, settings.region)
    s3 = cli_aws_client("s3", settings.region)
    folder = f"{IMPORTS}{datetime.now(UTC):%Y%m%dT%H%M%SZ}/"
    for file in files:
        s3.upload_file(str(file), bucket, folder + file.name)
        print(f"uploaded {file} to s3://{bucket}/{folder}{file.name}")
    print("the deployed import reads them now; its account is in the run log (pipeline_runs)")
    return 0


def _upload_files(path: Path) -> list[Path]:
    """The files to upload for PATH: itself, or a folder's zips and streaming-history files."""
    if path.is_dir():
        return sorted(file for file in path.rglob("*") if file.is_file() and (
            file.suffix.lower() == ".zip" or is_history_name(file.name)))
    if not path.is_file():
        raise CliError(f"{path}: no such file or folder")
    return [path]
