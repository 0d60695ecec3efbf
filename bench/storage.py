"""Storage: bytes of our Parquet output against the same rows written as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from spotify_runtime.layout import TABLES

from bench.report import Section, Target


@dataclass(frozen=True)
class TableStorage:
    """One table's size as our Parquet files and as CSV (pandas `to_csv`, as the seed wrote)."""

    table: str
    rows: int
    parquet_bytes: int
    csv_bytes: int

    @property
    def ratio(self) -> float:
        """Parquet bytes over CSV bytes (Athena bills by bytes scanned)."""
        return self.parquet_bytes / self.csv_bytes if self.csv_bytes else float("nan")


def _read_files(files: list[Path]) -> pa.Table:
    # File by file: the partition column lives in the path, not in the files, on both sides.
    return pa.concat_tables([pq.read_table(f) for f in files])


def measure(ours_out: Path) -> list[TableStorage]:
    """Per-table sizes of a transform output directory, plus a `total` row last."""
    results = []
    for table in TABLES:
        files = sorted((ours_out / table).rglob("*.parquet"))
        if not files:
            results.append(TableStorage(table, 0, 0, 0))
            continue
        frame = _read_files(files).to_pandas()
        csv_bytes = len(frame.to_csv(index=False).encode("utf-8"))
        parquet_bytes = sum(f.stat().st_size for f in files)
        results.append(TableStorage(table, len(frame), parquet_bytes, csv_bytes))
    results.append(
        TableStorage(
            "total",
            sum(r.rows for r in results),
            sum(r.parquet_bytes for r in results),
            sum(r.csv_bytes for r in results),
        )
    )
    return results


def to_section(results: list[TableStorage], n_items: int, reference_csv_bytes: int) -> Section:
    """Per-table bytes and the 35% target."""
    section = Section(
        title=f"Storage: Parquet against CSV for the same rows ({n_items:,}-item playlist)",
        headers=["Table", "Rows", "Parquet bytes", "CSV bytes", "Parquet/CSV"],
        data=results,
        rows=[
            [r.table, f"{r.rows:,}", f"{r.parquet_bytes:,}", f"{r.csv_bytes:,}", f"{r.ratio:.1%}"]
            for r in results
        ],
    )
    section.notes.append(
        "CSV bytes: our own rows and columns read back from the Parquet files and written with "
        "pandas `to_csv(index=False)`, as the seed wrote its tables. For scale, the seed "
        f"reference's three CSV files for the same input total {reference_csv_bytes:,} bytes."
    )
    total = results[-1]
    section.targets.append(
        Target("Parquet bytes vs CSV for the same rows", "<= 35%", f"{total.ratio:.1%}",
               total.ratio <= 0.35)
    )
    return section
