"""Transform throughput and memory: ours, the seed reference and the parse-only floor."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from spotify_runtime.layout import TABLES

from bench.inputs import raw_playlist_file
from bench.measure import ProcessCost, measure_process, median_cost
from bench.report import Section, Target, markdown_table, mib, ratio, seconds

IMPLEMENTATIONS = ("ours", "reference", "floor")
"""Measured in this order within each run, so drift over the run hits all three alike."""

REFERENCE_TABLES = ("songs", "albums", "artists")


@dataclass(frozen=True)
class SizeResult:
    """Median costs and output row counts of every implementation for one input size."""

    n_items: int
    input_bytes: int
    costs: dict[str, ProcessCost]
    ours_rows: dict[str, int]
    reference_rows: dict[str, int]
    ours_out: Path
    reference_out: Path

    def ratio(self, numerator: str, denominator: str, field: str) -> float:
        """`field` (wall_seconds or peak_rss_bytes) of one implementation over another."""
        return getattr(self.costs[numerator], field) / getattr(self.costs[denominator], field)


def command(implementation: str, raw: Path, out: Path) -> list[str]:
    """The command line that runs one implementation on `raw`, writing under `out`."""
    python = sys.executable
    if implementation == "ours":
        return [python, "-m", "spotify_etl", "transform", str(raw), "--out", str(out)]
    if implementation == "reference":
        return [python, "-m", "bench.seed_reference", str(raw), "--out", str(out)]
    if implementation == "floor":
        return [python, "-m", "bench.floor", str(raw)]
    raise ValueError(f"unknown implementation {implementation!r}")


def parquet_rows(out: Path) -> dict[str, int]:
    """Rows per table in our output directory (from the Parquet footers)."""
    return {
        table: sum(pq.ParquetFile(f).metadata.num_rows for f in (out / table).rglob("*.parquet"))
        for table in TABLES
    }


def csv_rows(out: Path) -> dict[str, int]:
    """Rows per table in the reference's CSV files (parsed: names may hold newlines)."""
    return {t: len(pd.read_csv(out / f"{t}_transformed.csv")) for t in REFERENCE_TABLES}


def measure_size(work_dir: Path, n_items: int, runs: int, repo_root: Path) -> SizeResult:
    """Run every implementation `runs` times on the input of `n_items`; keep the medians."""
    raw = raw_playlist_file(work_dir, n_items)
    outputs = {name: work_dir / "out" / name / str(n_items) for name in IMPLEMENTATIONS}
    samples: dict[str, list[ProcessCost]] = {name: [] for name in IMPLEMENTATIONS}
    for _ in range(runs):
        for name in IMPLEMENTATIONS:
            shutil.rmtree(outputs[name], ignore_errors=True)
            samples[name].append(measure_process(command(name, raw, outputs[name]), repo_root))
    return SizeResult(
        n_items=n_items,
        input_bytes=raw.stat().st_size,
        costs={name: median_cost(samples[name]) for name in IMPLEMENTATIONS},
        ours_rows=parquet_rows(outputs["ours"]),
        reference_rows=csv_rows(outputs["reference"]),
        ours_out=outputs["ours"],
        reference_out=outputs["reference"],
    )


def run(work_dir: Path, sizes: list[int], runs: int, repo_root: Path) -> list[SizeResult]:
    """Measure every size, smallest first."""
    return [measure_size(work_dir, n, runs, repo_root) for n in sorted(sizes)]


def to_section(results: list[SizeResult], runs: int) -> Section:
    """Figures per size, row counts, and the 100,000-item targets."""
    section = Section(
        title="Transform: time and peak memory (whole processes)",
        data=results,
        headers=[
            "Items", "Input MiB",
            "Ours s", "Reference s", "Floor s",
            "Ours MiB", "Reference MiB", "Floor MiB",
            "Ours/ref time", "Ours/ref mem", "Ours/floor time", "Ours/floor mem",
        ],
    )
    for r in results:
        section.rows.append([
            f"{r.n_items:,}", mib(r.input_bytes),
            *(seconds(r.costs[name].wall_seconds) for name in IMPLEMENTATIONS),
            *(mib(r.costs[name].peak_rss_bytes) for name in IMPLEMENTATIONS),
            ratio(r.ratio("ours", "reference", "wall_seconds")),
            ratio(r.ratio("ours", "reference", "peak_rss_bytes")),
            ratio(r.ratio("ours", "floor", "wall_seconds")),
            ratio(r.ratio("ours", "floor", "peak_rss_bytes")),
        ])
    section.notes.append(
        f"Median of {runs} runs each; wall time from spawn to exit (interpreter start-up "
        "included for all three), peak RSS from `wait4` of that one process. Ours: "
        "`python -m spotify_etl transform RAW --out DIR` (four Parquet tables). Reference: "
        "`python -m bench.seed_reference` (the seed tutorial's transform, three CSV files). "
        "Floor: `python -m bench.floor` (`json.load` of the file, nothing else)."
    )
    section.notes.append(_rows_table(results))
    if results:
        section.targets.extend(_targets(results[-1]))
    return section


def _rows_table(results: list[SizeResult]) -> str:
    headers = ["Items", *(f"ours {t}" for t in TABLES), *(f"ref {t}" for t in REFERENCE_TABLES)]
    rows = [
        [f"{r.n_items:,}", *(f"{r.ours_rows[t]:,}" for t in TABLES),
         *(f"{r.reference_rows[t]:,}" for t in REFERENCE_TABLES)]
        for r in results
    ]
    return (
        "Rows written. Ours keeps each song once per file and one `playlist_tracks` row per "
        "item; the seed writes a `songs` row per item and only track artists.\n\n"
        + markdown_table(headers, rows)
    )


def _targets(largest: SizeResult) -> list[Target]:
    at = f"{largest.n_items:,} items"
    speedup = largest.ratio("reference", "ours", "wall_seconds")
    memory = largest.ratio("ours", "reference", "peak_rss_bytes")
    vs_floor = largest.ratio("ours", "floor", "wall_seconds")
    tables = sum(1 for rows in largest.ours_rows.values() if rows)
    return [
        Target(f"Transform speed vs seed reference ({at})", ">= 5x faster",
               f"{speedup:.2f}x faster", speedup >= 5),
        Target(f"Transform peak memory vs seed reference ({at})", "<= 0.4x",
               f"{memory:.2f}x", memory <= 0.4),
        Target(f"Transform time vs json.load floor ({at})", "< 1.0x (faster)",
               f"{vs_floor:.2f}x", vs_floor < 1.0),
        Target(f"Tables written ({at})", "4 (seed: 3)", str(tables), tables == 4),
    ]
