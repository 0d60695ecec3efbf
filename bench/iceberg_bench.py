"""Writing a day's raw files into the Iceberg tables per file and in batches of several sizes,
against the old one object per table and day, one writer at a time (the cost of a commit alone):
wall time per file, bytes (data and metadata apart) and snapshots left. Why batches: a commit's
cost grows with the table's manifests and snapshots (docs/storage.md).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from spotify_runtime import iceberg_io
from spotify_runtime.iceberg_tables import glue_catalog
from spotify_runtime.partition_files import S3ObjectStore
from spotify_runtime.transform.iceberg_writer import write_batch
from spotify_runtime.transform.raw_to_parquet import TransformedFile, transform_raw_file

from bench.big_day_bench import ITEMS_PER_PLAYLIST, raw_documents
from bench.report import Section, Target
from infra.catalog_tables import iceberg_location, iceberg_tables
from spotify_etl.commands.transform import write_partitions
from spotify_etl.day_objects import source_rows
from spotify_local.iceberg_lake import create_or_evolve
from spotify_local.moto_aws import patched_environ, strict_glue_table_versions

LAMBDA_LIMIT_MIB = 250
"""Lambda's limit on a function's unzipped code and layers together."""
REPO_ROOT = Path(__file__).resolve().parent.parent
TRANSFORM_LOCK = REPO_ROOT / "lambdas" / "transform-requirements.txt"
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64")
"""pyroaring (a PyIceberg dependency) ships manylinux_2_28 wheels only for CPython 3.14; the
python3.14 runtime (Amazon Linux 2023, glibc 2.34) runs them."""
SOURCES = 100
BATCH_SIZES = (10, 50)
BUCKET = "iceberg-bench"
DATABASE = "bench"
TARGETS = (("Transform per raw file, Iceberg in batches against today's", "no slower"),)


@dataclass
class Way:
    """One way of writing the day: its wall time and bytes."""

    name: str
    seconds: float = 0.0
    data_bytes: int = 0
    metadata_bytes: int = 0
    snapshots: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    """Rows per table at the end of the day (each way must end with the same)."""
    per_file_seconds: list[float] = field(default_factory=list)


@dataclass
class IcebergResult:
    """Every way, the first being today's layout."""

    sources: int
    ways: list[Way]
    packages: dict[str, float] = field(default_factory=dict)
    """Unzipped MiB for the Lambda runtime: `pyiceberg` (with its dependencies), `pyarrow`."""


@contextmanager
def _moto() -> Iterator[Any]:
    from moto import mock_aws

    environment = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": None,
                   "AWS_PROFILE": None}
    with patched_environ(environment), mock_aws():
        strict_glue_table_versions()
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        yield s3


@contextmanager
def _counting(way: Way) -> Iterator[None]:
    """Count the bytes every Iceberg file write puts (data files apart from metadata)."""
    original = iceberg_io._Writer.close  # the one place an Iceberg file is put

    def close(writer: Any) -> None:
        if not writer.closed and not writer._failed:
            size = len(writer.getvalue())
            if "/data/" in writer._key:
                way.data_bytes += size
            else:
                way.metadata_bytes += size
        original(writer)

    iceberg_io._Writer.close = close  # type: ignore[method-assign]
    try:
        yield
    finally:
        iceberg_io._Writer.close = original  # type: ignore[method-assign]


def _today(files: list[TransformedFile]) -> Way:
    way = Way("today: one object per table and day")
    with _moto() as s3:
        store = S3ObjectStore(s3, BUCKET)
        original_put = store.put_if

        def put_if(key: str, body: bytes, expected_tag: str | None) -> None:
            way.data_bytes += len(body)
            original_put(key, body, expected_tag)

        store.put_if = put_if  # type: ignore[method-assign]
        started = time.perf_counter()
        for transformed in files:
            began = time.perf_counter()
            write_partitions(store, transformed)
            way.per_file_seconds.append(time.perf_counter() - began)
        way.seconds = time.perf_counter() - started
        keys = {key for transformed in files for key in transformed.tables}
        for key in keys:
            table = key.removeprefix("processed/").split("/")[0]
            body = store.get(key)
            way.rows[table] = way.rows.get(table, 0) + (
                sum(rows.num_rows for rows in source_rows(body[0]).values()) if body else 0)
    return way


def _iceberg(files: list[TransformedFile], batch: int) -> Way:
    name = "Iceberg, a commit per raw file" if batch == 1 else f"Iceberg, batches of {batch}"
    way = Way(name)
    definitions = {table.name: table for table in iceberg_tables()}
    with _moto(), _counting(way):
        boto3.client("glue").create_database(DatabaseInput={"Name": DATABASE})
        catalog = glue_catalog()
        for table in definitions.values():
            create_or_evolve(catalog, DATABASE, table, iceberg_location(BUCKET, table))
        started = time.perf_counter()
        for first in range(0, len(files), batch):
            chunk = files[first:first + batch]
            began = time.perf_counter()
            write_batch(catalog, DATABASE, chunk)
            way.per_file_seconds.extend([(time.perf_counter() - began) / len(chunk)] * len(chunk))
        way.seconds = time.perf_counter() - started
        way.snapshots = max(len(catalog.load_table(f"{DATABASE}.{name}").snapshots())
                            for name in definitions)
        way.rows = {name: count for name in definitions
                    if (count := len(catalog.load_table(f"{DATABASE}.{name}").scan().to_arrow()))}
    return way


def run(work: Path, sources: int = SOURCES, batch_sizes: tuple[int, ...] = BATCH_SIZES,
        items: int = ITEMS_PER_PLAYLIST, *, packages: bool = True) -> IcebergResult:
    """Write `sources` playlists of one day each way; `work` is unused (inputs are generated
    in memory)."""
    del work
    files = [transform_raw_file(body, key) for key, body in raw_documents(sources, items)]
    ways: list[Callable[[], Way]] = [lambda: _today(files), lambda: _iceberg(files, 1),
                                     *[lambda b=b: _iceberg(files, b) for b in batch_sizes]]
    return IcebergResult(sources, [way() for way in ways], package_sizes() if packages else {})


def installed_mib(*requirements: str) -> float:
    """MiB that pip installs for the Lambda runtime (wheels only, no bytecode): what a
    function's zip holds unzipped."""
    from infra.constructs.lambda_code import RUNTIME_PYTHON_VERSION

    with tempfile.TemporaryDirectory() as target:
        platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-compile", "--target", target, *platforms, "--implementation", "cp",
             "--python-version", RUNTIME_PYTHON_VERSION, "--only-binary=:all:", *requirements],
            check=True, capture_output=True)
        return sum(path.stat().st_size for path in Path(target).rglob("*")
                   if path.is_file()) / 2**20


def package_sizes() -> dict[str, float]:
    """PyIceberg and its dependencies (the transform lock) and the layer's pyarrow as a wheel,
    unzipped, for the function runtime."""
    from infra.config import EnvironmentSettings
    from infra.layer_versions import LAYERS

    pyarrow = LAYERS[EnvironmentSettings("x").pandas_layer_version].pyarrow
    return {"pyiceberg": installed_mib("--require-hashes", "-r", str(TRANSFORM_LOCK)),
            "pyarrow": installed_mib("--no-deps", f"pyarrow=={pyarrow}")}


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def to_section(result: IcebergResult) -> Section:
    """The figures as a report section."""
    today = result.ways[0]
    reference = today.seconds / result.sources
    rows = []
    for way in result.ways:
        per_file = way.seconds / result.sources
        tail = way.per_file_seconds[-max(1, result.sources // 10):]
        rows.append([
            way.name, f"{per_file * 1000:,.0f} ms", f"{per_file / reference:.1f}x",
            f"{sum(tail) / len(tail) * 1000:,.0f} ms", _mib(way.data_bytes),
            _mib(way.metadata_bytes) if way is not today else "-",
            str(way.snapshots) if way is not today else "-",
        ])
    notes = []
    if result.packages:
        iceberg, pyarrow = result.packages["pyiceberg"], result.packages["pyarrow"]
        notes.append(
            f"Package for the Lambda runtime, unzipped: PyIceberg and its dependencies "
            f"{iceberg:.0f} MiB; the layer's pyarrow as a wheel {pyarrow:.0f} MiB; both "
            f"{iceberg + pyarrow:.0f} MiB of Lambda's {LAMBDA_LIMIT_MIB} MiB, without the AWS "
            "SDK for pandas layer (beside the layer, reported at about 204 MB, PyIceberg would "
            "not fit).")
    best = min(result.ways[1:], key=lambda way: way.seconds)
    met = best.seconds <= today.seconds
    return Section(
        f"Iceberg writes: {result.sources:,} raw files of one day",
        headers=["way", "per raw file", "vs today", "per raw file, last tenth", "data written",
                 "metadata written", "snapshots of a table"],
        rows=rows,
        notes=[
            "Sequential writes on moto in process (Glue's VersionId check strict), the same "
            "transformed rows each way; 'last tenth': the day's last files, where a commit "
            "meets the most manifests and snapshots. No snapshot expiry during the day.",
            *notes,
        ],
        targets=[Target(TARGETS[0][0], TARGETS[0][1],
                        f"{best.seconds / today.seconds:.1f}x today's ({best.name})", met,
                        "" if met else "a commit reads every manifest of the table")],
        data=result,
    )
