"""An import: export files -> `streams`, with the account of every row (imported, already
present, merged into a play already counted and skipped, per reason). The command line and the
Lambda both run `import_files`."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.history_import.export_files import EMPTY, read_export_file, unique_plays
from spotify_runtime.history_import.members import ExportFile, NotAnExportError
from spotify_runtime.history_import.same_play import one_row_per_play
from spotify_runtime.history_import.streams import MergeCounts, write_streams
from spotify_runtime.partition_files import ObjectStore
from spotify_runtime.run_log import HISTORY_IMPORT, RunRecord

PARSE_THREADS = 2


@dataclass
class FileSummary:
    """One export file: its kind and how many objects it held."""

    name: str
    kind: str
    rows: int


@dataclass
class ImportReport:
    """The account of one import; every row of every file is imported, already present,
    merged into another row of the same play (per reason, same_play.MERGE_REASONS) or skipped:
    `rows_in_files == imported + already_present + sum(merged) + sum(skipped)`.
    `basic_replaced` counts basic rows of earlier imports that gave way to their extended
    twin (rows of the lake, not of these files)."""

    files: list[FileSummary] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    imported: int = 0
    already_present: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    merged: Counter[str] = field(default_factory=Counter)
    basic_replaced: int = 0
    first_play: datetime | None = None
    last_play: datetime | None = None
    months: int = 0

    @property
    def rows_in_files(self) -> int:
        """Objects in all the export files read."""
        return sum(file.rows for file in self.files)

    def summary(self) -> dict[str, object]:
        """A JSON-friendly account (handler results, logs)."""
        return {
            "files": len(self.files), "rows_in_files": self.rows_in_files,
            "imported": self.imported, "already_present": self.already_present,
            "merged": dict(sorted(self.merged.items())), "basic_replaced": self.basic_replaced,
            "skipped": dict(sorted(self.skipped.items())),
            "first_play": self.first_play.isoformat() if self.first_play else None,
            "last_play": self.last_play.isoformat() if self.last_play else None,
        }


def read_plays(files: list[ExportFile], report: ImportReport,
               now: datetime | None = None) -> pa.Table:
    """Every play of `files` once (NotAnExportError at the first file that is not an export,
    or when every file is empty). A file holding `[]` beside others is listed as ignored."""
    tables = []
    # Arrow parses without the GIL: two files at a time (Lambda's 1,769 MB is one vCPU, more
    # is two; the local machine has several), one reading while the other parses.
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
        parsed_files = pool.map(lambda f: read_export_file(f.name, f.read(), now=now), files)
        for parsed in parsed_files:
            if parsed.kind == EMPTY:
                report.ignored.append(f"{parsed.name} (empty: no rows)")
                continue
            report.files.append(FileSummary(parsed.name, parsed.kind, parsed.file_rows))
            report.skipped.update(parsed.skipped)
            tables.append(parsed.rows)
    if files and not report.files:
        names = ", ".join(file.name for file in files)
        raise NotAnExportError(f"{names}: no rows (an empty streaming history is not an export)")
    plays = one_row_per_play(unique_plays(tables, report.skipped), report.merged)
    if plays.num_rows:
        bounds = pc.min_max(plays["ended_at"])
        report.first_play, report.last_play = bounds["min"].as_py(), bounds["max"].as_py()
    return plays


def import_files(files: list[ExportFile], store: ObjectStore, *, ignored: list[str] = (),
                 now: datetime | None = None) -> ImportReport:
    """Read every file first (a file that is not an export stops the import before anything is
    written), then merge the plays into their month objects."""
    report = ImportReport(ignored=list(ignored))
    plays = read_plays(files, report, now)
    months: list[str] = []

    def on_month(month: str, _counts: MergeCounts) -> None:
        months.append(month)

    counts = write_streams(store, plays, on_month) if plays.num_rows else MergeCounts()
    report.imported, report.already_present, report.months = (
        counts.imported, counts.already_present, len(months))
    report.merged.update(dict(counts.merged))
    report.basic_replaced = counts.basic_replaced
    return report


RUN_LOG_SOURCE = "history-import"


def run_record(now: datetime, key: str, status: str, report: ImportReport | None,
               error: str | None = None) -> RunRecord:
    """The run-log row of one import (`stage` import): files, rows imported, already present,
    skipped per reason and the time range covered."""
    record = RunRecord(run_at=now, stage=HISTORY_IMPORT, source=RUN_LOG_SOURCE, outcome=status,
                       raw_key=key, error=error)
    if report is not None:
        record.items = report.rows_in_files
        record.rows = {"files": len(report.files), "imported": report.imported,
                       "already_present": report.already_present, "months": report.months,
                       "basic_replaced": report.basic_replaced}
        # A merged row is a row of the files not written as a row of its own, like a skipped
        # one: both go in `skipped`, each under its own reason (no name is shared).
        record.skipped = dict(report.skipped) | dict(report.merged)
        record.covered_from, record.covered_to = report.first_play, report.last_play
    return record
