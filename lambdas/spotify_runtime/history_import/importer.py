"""An import: export files -> `streams`, with the account of every row (imported, already
present, merged into a play already counted and skipped, per reason). The command line and the
Lambda both run `import_files`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from spotify_runtime.history_import.export_files import (
    DUPLICATE_IN_IMPORT,
    EMPTY,
    head_kind,
    read_export_file,
    unique_plays,
)
from spotify_runtime.history_import.kinds import EXTENDED
from spotify_runtime.history_import.members import ExportFile, NotAnExportError
from spotify_runtime.history_import.same_play import one_row_per_play
from spotify_runtime.history_import.streams import MergeCounts, write_streams
from spotify_runtime.partition_files import ObjectStore
from spotify_runtime.run_log import HISTORY_IMPORT, RunRecord


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
    damaged: list[str] = field(default_factory=list)
    """Files that started as exports but broke further on (one line each): skipped, not
    counted in `rows_in_files`."""
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
            "damaged_files": self.damaged,
            "skipped": dict(sorted(self.skipped.items())),
            "first_play": self.first_play.isoformat() if self.first_play else None,
            "last_play": self.last_play.isoformat() if self.last_play else None,
        }


def _plan(files: list[ExportFile], report: ImportReport,
          now: datetime | None) -> list[ExportFile]:
    """Every file checked to be an export before anything is written, by its first bytes (a file
    they do not tell about is read whole), the extended ones first: a basic row then finds its
    extended twin already stored. Empty files are listed as ignored; NotAnExportError names a
    file that is no export, or says that no file holds a row."""
    planned: list[tuple[bool, ExportFile]] = []
    for file in files:
        kind = head_kind(file.first_bytes())
        if kind is None:
            kind = read_export_file(file.name, file.read(), now=now).kind
        if kind == EMPTY:
            report.ignored.append(f"{file.name} (empty: no rows)")
        else:
            planned.append((kind != EXTENDED, file))
    if files and not planned:
        names = ", ".join(file.name for file in files)
        raise NotAnExportError(f"{names}: no rows (an empty streaming history is not an export)")
    return [file for _basic, file in sorted(planned, key=lambda item: item[0])]


def import_files(files: list[ExportFile], store: ObjectStore, *, ignored: list[str] = (),
                 now: datetime | None = None) -> ImportReport:
    """Check every file is an export (nothing is written otherwise), then import them file by
    file, each merged into its month objects before the next is read, so memory holds about one
    file's worth. A file that starts as an export but breaks further on is damaged: skipped and
    named (`damaged`), the others imported; when no file is left, NotAnExportError.

    One file at a time, with no second file parsing meanwhile: the function's 1,024 MB is about
    half a vCPU, where a second parse thread buys no time and costs a file's memory."""
    report = ImportReport(ignored=list(ignored))
    seen: list[pa.Array] = []  # play_ids of this import's earlier files, one array per file
    months: set[str] = set()
    for file in _plan(files, report, now):
        try:
            parsed = read_export_file(file.name, file.read(), now=now)
        except NotAnExportError as error:
            report.damaged.append(str(error))
            continue
        report.files.append(FileSummary(parsed.name, parsed.kind, parsed.file_rows))
        report.skipped.update(parsed.skipped)
        rows = unique_plays([parsed.rows], report.skipped)
        earlier = _seen_before(rows["play_id"], seen)
        if duplicates := pc.sum(earlier).as_py() or 0:
            report.skipped[DUPLICATE_IN_IMPORT] += duplicates
            rows = rows.filter(pc.invert(earlier))
        seen.append(rows["play_id"].combine_chunks())
        rows = one_row_per_play(rows, report.merged)
        if rows.num_rows:
            _account(report, rows, write_streams(store, rows,
                                                 lambda month, _counts: months.add(month)))
        # Arrow's allocator keeps freed memory for reuse; each file's parse then adds to the
        # peak instead of reusing it (measured: 35 MiB less on the 10-year export).
        pa.default_memory_pool().release_unused()
    if report.damaged and not report.files:
        raise NotAnExportError("; ".join(report.damaged))
    report.months = len(months)
    return report


def _seen_before(play_ids: pa.ChunkedArray, seen: list[pa.Array]) -> pa.Array:
    """A mask over `play_ids`: the identity is in an earlier file's `seen` array. The hash set
    is made of this file's identities (thousands), never of all earlier ones (hundreds of
    thousands by the last file: a set that size cost more memory than the file's parse)."""
    ids = play_ids.combine_chunks()
    if not seen:
        return pa.array([False] * len(ids), pa.bool_())
    both = [earlier.filter(pc.is_in(earlier, value_set=ids)) for earlier in seen]
    return pc.is_in(ids, value_set=pa.concat_arrays(both))


def _account(report: ImportReport, rows: pa.Table, counts: MergeCounts) -> None:
    report.imported += counts.imported
    report.already_present += counts.already_present
    report.merged.update(dict(counts.merged))
    report.basic_replaced += counts.basic_replaced
    bounds = pc.min_max(rows["ended_at"])
    first, last = bounds["min"].as_py(), bounds["max"].as_py()
    report.first_play = min(report.first_play or first, first)
    report.last_play = max(report.last_play or last, last)


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
                       "basic_replaced": report.basic_replaced,
                       "damaged_files": len(report.damaged)}
        # A merged row is a row of the files not written as a row of its own, like a skipped
        # one: both go in `skipped`, each under its own reason (no name is shared).
        record.skipped = dict(report.skipped) | dict(report.merged)
        record.covered_from, record.covered_to = report.first_play, report.last_play
    return record
