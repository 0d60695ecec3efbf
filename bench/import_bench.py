"""History import: a heavy listener's 10-year extended export (300,000 plays) imported by ours
(`python -m spotify_etl import`), by the pandas way analysts load it, and by Maloja (installed
into its own virtualenv from bench/maloja-requirements.txt), each a whole process measured for
wall time and peak RSS. The method: docs/benchmarks.md, "History import".
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.measure import ProcessCost, measure_process, median_cost
from bench.report import Section, Target, mib, ratio, seconds
from spotify_etl.clean_exit import exit_now

PLAYS = 300_000
YEARS = 10
SPEED, MEMORY, LAMBDA, MALOJA_SPEED, PEAK = TARGETS = (
    ("History import speed vs pandas reference (300,000 plays)", ">= 5x faster"),
    ("History import peak memory vs pandas reference (300,000 plays)", "<= 0.3x"),
    ("History import within the function's memory and timeout", "half or less of each"),
    ("History import speed vs Maloja's import (300,000 plays)", ">= 10x faster"),
    ("History import peak memory (300,000 plays)", "<= 200 MiB"),
)
PEAK_LIMIT_MIB = 200
MALOJA_REQUIREMENTS = Path(__file__).with_name("maloja-requirements.txt")
MALOJA_RUNS = 1
"""Maloja's import of the 10-year export takes minutes (it writes every scrobble to SQLite):
one run per bench, stated in the section."""


SPEED_LIMIT = ("the reference is pandas 3 read_json (ujson in C) on 2-space JSON; ours is bound "
               "by Arrow's JSON parse (one file at a time, single-threaded) plus interpreter "
               "and pyarrow start-up")
MEMORY_LIMIT = ("Python with pyarrow and its compute kernels loaded is about 125 MiB before "
                "any row is read (86 MiB after `import pyarrow.compute`, 127 MiB after its "
                "first call), above 0.3x the reference (about 115 MiB); one 12 MiB file's "
                "bytes, the parse of a 2 MiB piece of it and what the allocators keep take "
                "the rest")


@dataclass(frozen=True)
class ImportResult:
    """Every run's cost per implementation, and the input."""

    plays: int
    files: int
    input_bytes: int
    samples: dict[str, list[ProcessCost]]
    maloja_scrobbles: int | None = None
    """What Maloja stored (it skips plays under 30 s and rows without artist or title)."""
    maloja_missing: str = field(default="")
    """Why Maloja did not run (its virtualenv could not be made), or empty."""

    def median(self, name: str) -> ProcessCost:
        """Median cost of one implementation."""
        return median_cost(self.samples[name])


def inputs(work: Path, plays: int = PLAYS) -> Path:
    """The generated export (kept between runs: generating it takes longer than importing)."""
    folder = work / f"history-export-{plays}"
    if not (folder / ".complete").exists():
        from spotify_local.spotify_export import heavy_listener

        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in heavy_listener(plays, YEARS).items():
            (folder / name).write_bytes(data)
        (folder / ".complete").write_text("")
    return folder


def reference(export: Path, out: Path) -> None:
    """How analysts load the export today (pandas)."""
    import pandas as pd

    frames = [pd.read_json(path) for path in sorted(export.glob("*.json"))]
    history = pd.concat(frames, ignore_index=True).drop_duplicates()
    out.mkdir(parents=True, exist_ok=True)
    history.to_parquet(out / "history.parquet", index=False)


def maloja_command(work: Path) -> Path:
    """`maloja` of its own virtualenv under `work`, made once (and again when
    bench/maloja-requirements.txt changes) with `python -m venv` and pip from PyPI.
    CalledProcessError when pip cannot install it (no package index)."""
    venv = work / "maloja-venv"
    done, wanted = venv / ".complete", MALOJA_REQUIREMENTS.read_text(encoding="utf-8")
    if not done.exists() or done.read_text(encoding="utf-8") != wanted:
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "-r", str(MALOJA_REQUIREMENTS)],
                       check=True, stdout=subprocess.DEVNULL)
        done.write_text(wanted, encoding="utf-8")
    return venv / "bin" / "maloja"


def maloja_scrobbles(data: Path) -> int:
    """The scrobbles Maloja stored in its data directory."""
    with sqlite3.connect(data / "malojadb.sqlite") as database:
        return database.execute("SELECT count(*) FROM scrobbles").fetchone()[0]


def _maloja(work: Path, export: Path, command: Path) -> tuple[ProcessCost, int]:
    data = work / "history-import-maloja"
    shutil.rmtree(data, ignore_errors=True)
    first = sorted(export.glob("Streaming_History_Audio_*.json"))[0]
    cost = measure_process([str(command), "import", str(first)], stdin=b"y\n",
                           env={**os.environ, "MALOJA_DATA_DIRECTORY": str(data)})
    return cost, maloja_scrobbles(data)


def run(work: Path, runs: int, plays: int = PLAYS, *, maloja: bool = True) -> ImportResult:
    """Import the export `runs` times with ours and the reference (alternating), then
    MALOJA_RUNS times with Maloja (unless `maloja` is False)."""
    export = inputs(work, plays)
    files = sorted(export.glob("*.json"))
    samples: dict[str, list[ProcessCost]] = {"ours": [], "reference": []}
    for _ in range(runs):
        for name in samples:
            out = work / f"history-import-{name}"
            shutil.rmtree(out, ignore_errors=True)
            argv = ([sys.executable, "-m", "spotify_etl", "import", str(export), "--lake", str(out)]
                    if name == "ours" else
                    [sys.executable, "-m", "bench.import_bench", "reference", str(export),
                     str(out)])
            samples[name].append(measure_process(argv))
    result = ImportResult(plays, len(files), sum(f.stat().st_size for f in files), samples)
    if not maloja:
        return result
    try:
        command = maloja_command(work)
    except subprocess.CalledProcessError as error:
        return replace(result, maloja_missing=f"Maloja could not be installed from PyPI "
                                              f"({error})")
    samples["maloja"], scrobbles = [], 0
    for _ in range(MALOJA_RUNS):
        cost, scrobbles = _maloja(work, export, command)
        samples["maloja"].append(cost)
    return replace(result, maloja_scrobbles=scrobbles)


def to_section(result: ImportResult, runs: int, memory_mb: int, timeout_s: int) -> Section:
    """The table and the targets (the function's settings from contract.py)."""
    ours, reference_cost = result.median("ours"), result.median("reference")
    speed = reference_cost.wall_seconds / ours.wall_seconds
    memory = ours.peak_rss_bytes / reference_cost.peak_rss_bytes
    section = Section(
        title="History import",
        headers=["Implementation", "Wall time", "Peak RSS"],
        rows=[["ours (`spotify_etl import`)", seconds(ours.wall_seconds), mib(ours.peak_rss_bytes)],
              ["pandas read_json + concat + drop_duplicates + to_parquet",
               seconds(reference_cost.wall_seconds), mib(reference_cost.peak_rss_bytes)]],
        data=result,
    )
    section.notes.append(
        f"Input: {result.plays:,} plays over {YEARS} years in {result.files} "
        f"Streaming_History_Audio files ({result.input_bytes / 2**20:.0f} MiB, generated by "
        f"spotify_local.spotify_export.heavy_listener); median of {runs} run(s), each a "
        "whole process. The import function runs with "
        f"{memory_mb} MB and a {timeout_s} s timeout (lambdas/spotify_runtime/contract.py).")
    fits = (ours.peak_rss_bytes <= memory_mb * 2**20 / 2 and ours.wall_seconds <= timeout_s / 2)
    _maloja_rows(result, section)
    peak_ok = ours.peak_rss_bytes <= PEAK_LIMIT_MIB * 2**20
    section.targets = [
        Target(*SPEED, f"{ratio(speed)} faster", speed >= 5,
               limit="" if speed >= 5 else SPEED_LIMIT),
        Target(*MEMORY, f"{ratio(memory)}", memory <= 0.3,
               limit="" if memory <= 0.3 else MEMORY_LIMIT),
        Target(*LAMBDA, f"{mib(ours.peak_rss_bytes)} of {memory_mb} MB, "
               f"{seconds(ours.wall_seconds)} of {timeout_s} s", fits),
        _maloja_target(result, ours),
        Target(*PEAK, f"{mib(ours.peak_rss_bytes)} MiB", peak_ok,
               limit="" if peak_ok else MEMORY_LIMIT),
    ]
    return section


def _maloja_target(result: ImportResult, ours: ProcessCost) -> Target:
    if "maloja" not in result.samples:
        return Target(*MALOJA_SPEED, "not measured", None, limit=result.maloja_missing)
    maloja = result.median("maloja")
    speed = maloja.wall_seconds / ours.wall_seconds
    return Target(*MALOJA_SPEED, f"{ratio(speed)} faster", speed >= 10)


def _maloja_rows(result: ImportResult, section: Section) -> None:
    """Maloja's row of the table and what it did, or why it did not run."""
    if "maloja" not in result.samples:
        section.notes.append(f"Maloja not measured: {result.maloja_missing}.")
        return
    maloja = result.median("maloja")
    section.rows.append(["Maloja 3.2.3 (`maloja import FILE`, all files)",
                         seconds(maloja.wall_seconds), mib(maloja.peak_rss_bytes)])
    section.notes.append(
        f"Maloja: {len(result.samples['maloja'])} run(s) of `maloja import FILE` from its own "
        "virtualenv under the scratch directory (bench/maloja-requirements.txt, from PyPI), "
        "in a fresh MALOJA_DATA_DIRECTORY, its prompt to import every Streaming_History_Audio "
        f"file of the folder answered yes: it stored {result.maloja_scrobbles or 0:,} "
        "scrobbles in its SQLite database (it skips plays under 30 s and rows without "
        "artist or title, one row at a time in Python). Ours keeps every row and counts "
        "plays by the rule at query time: the two do different work on the same input.")


if __name__ == "__main__":
    if sys.argv[1:2] != ["reference"] or len(sys.argv) != 4:
        raise SystemExit("usage: python -m bench.import_bench reference EXPORT_DIR OUT_DIR")
    reference(Path(sys.argv[2]), Path(sys.argv[3]))
    exit_now(0)
