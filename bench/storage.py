"""Storage: bytes of our Parquet output against the same rows written as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from spotify_runtime.transform.tables import TABLES

from bench.report import Section, Target

TARGETS = (("Parquet bytes vs CSV for the same rows", "<= 35%"),)

ID_SUFFIXES = ("_id", "_ids", "url")
"""Columns holding Spotify IDs (random base62, about 16 bytes of entropy each) or URLs built
from them: no encoding compresses those much, so they are reported apart."""


@dataclass(frozen=True)
class TableStorage:
    """One table's size as our Parquet files and as CSV (pandas `to_csv`, as the seed wrote)."""

    table: str
    rows: int
    parquet_bytes: int
    csv_bytes: int
    id_parquet_bytes: int
    """Parquet column-chunk bytes of the ID and URL columns."""
    id_csv_bytes: int
    """CSV bytes of the same columns written on their own."""

    @property
    def ratio(self) -> float:
        """Parquet bytes over CSV bytes (Athena bills by bytes scanned)."""
        return self.parquet_bytes / self.csv_bytes if self.csv_bytes else float("nan")

    @property
    def ratio_without_ids(self) -> float:
        """The same ratio for every other column (footers and headers count as other)."""
        other_csv = self.csv_bytes - self.id_csv_bytes
        return (self.parquet_bytes - self.id_parquet_bytes) / other_csv if other_csv else 0.0


def _is_id_column(name: str) -> bool:
    return name.endswith(ID_SUFFIXES)


def _id_chunk_bytes(files: list[Path]) -> int:
    total = 0
    for path in files:
        meta = pq.ParquetFile(path).metadata
        for group in range(meta.num_row_groups):
            for index in range(meta.num_columns):
                chunk = meta.row_group(group).column(index)
                if _is_id_column(chunk.path_in_schema.split(".")[0]):
                    total += chunk.total_compressed_size
    return total


def _measure_table(table: str, files: list[Path]) -> TableStorage:
    # File by file: the partition column lives in the path, not in the files, on both sides.
    frame = pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()
    id_columns = [c for c in frame.columns if _is_id_column(c)]
    return TableStorage(
        table=table,
        rows=len(frame),
        parquet_bytes=sum(f.stat().st_size for f in files),
        csv_bytes=len(frame.to_csv(index=False).encode("utf-8")),
        id_parquet_bytes=_id_chunk_bytes(files),
        id_csv_bytes=len(frame[id_columns].to_csv(index=False).encode("utf-8"))
        if id_columns else 0,
    )


def measure(ours_out: Path) -> list[TableStorage]:
    """Per-table sizes of a transform output directory, plus a `total` row last."""
    results = []
    for table in TABLES:
        files = sorted((ours_out / table).rglob("*.parquet"))
        if files:  # a playlist fills five of the tables; the listening ones stay empty
            results.append(_measure_table(table, files))
    if not any(r.parquet_bytes for r in results):
        raise RuntimeError(f"no Parquet files under {ours_out}")
    fields = ("rows", "parquet_bytes", "csv_bytes", "id_parquet_bytes", "id_csv_bytes")
    results.append(
        TableStorage("total", **{f: sum(getattr(r, f) for r in results) for f in fields})
    )
    return results


def to_section(results: list[TableStorage], n_items: int, reference_csv_bytes: int) -> Section:
    """Per-table bytes and the 35% target."""
    section = Section(
        title=f"Storage: Parquet against CSV for the same rows ({n_items:,}-item playlist)",
        headers=["Table", "Rows", "Parquet bytes", "CSV bytes", "Parquet/CSV",
                 "ID+URL columns share of Parquet", "Parquet/CSV without ID+URL columns"],
        rows=[
            [r.table, f"{r.rows:,}", f"{r.parquet_bytes:,}", f"{r.csv_bytes:,}", f"{r.ratio:.1%}",
             f"{r.id_parquet_bytes / r.parquet_bytes:.0%}" if r.parquet_bytes else "-",
             f"{r.ratio_without_ids:.1%}"]
            for r in results
        ],
        data=results,
    )
    section.notes.append(
        "CSV bytes: our own rows and columns read back from the Parquet files and written with "
        "pandas `to_csv(index=False)`, as the seed wrote its tables. ID+URL columns: `*_id`, "
        "`*_ids`, `url`, `external_url` (random 22-character base62 IDs, and URLs that repeat "
        "them). For scale, the seed reference's three CSV files for the same input total "
        f"{reference_csv_bytes:,} bytes (fewer columns and tables)."
    )
    total = results[-1]
    met = total.ratio <= 0.35
    section.targets.append(Target(
        *TARGETS[0], f"{total.ratio:.1%}", met,
        "" if met else (
            f"the ID and URL columns are {total.id_parquet_bytes / total.parquet_bytes:.0%} of "
            "the Parquet bytes: a random Spotify ID carries ~16 bytes of entropy that no "
            "encoding removes, and each URL repeats its ID; every other column is at "
            f"{total.ratio_without_ids:.0%} of its CSV"
        ),
    ))
    return section
