"""Moving a lake between a local folder and the local bucket.

The local run seeds the bucket from the lake folder (so history carries over), lets the handlers
work on the bucket, then downloads the bucket into a staging folder and swaps it into place, so
an interrupted run never leaves a half-written lake behind.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from spotify_runtime.layout import IMPORTS, IMPORTS_FAILED, PROCESSED, RUN_LOG, STATE, TABLES

LAKE_ROOTS = ("raw", TABLES.rstrip("/"), PROCESSED.rstrip("/"), STATE.rstrip("/"),
              RUN_LOG.rstrip("/"), IMPORTS.rstrip("/"), IMPORTS_FAILED.rstrip("/"))
"""Top-level folders of the bucket the lake folder mirrors (athena-results/ is not kept; the
extraction state is, so the next run's recently-played starts from this run's cursor; uploads of
the personal-data export are, as the bucket keeps them)."""
POINTERS_KEY = f"{TABLES}catalog.json"
"""The lake folder's record of each Iceberg table's current metadata file, what Glue holds when
deployed (iceberg_lake.py): local only, never seeded into the bucket."""


def _local_files(lake_dir: Path) -> Iterator[tuple[str, Path]]:
    for root in LAKE_ROOTS:
        base = lake_dir / root
        if base.is_dir():
            for path in sorted(base.rglob("*")):
                if path.is_file():
                    yield path.relative_to(lake_dir).as_posix(), path


def seed_bucket(
    s3: Any, bucket: str, lake_dir: Path, include: Callable[[str], bool] = lambda key: True,
    key_for: Callable[[str], str] = lambda key: key,
) -> set[str]:
    """Upload the files of an existing lake folder whose keys `include` accepts, each at
    `key_for(key)` in the bucket; returns the bucket keys."""
    keys = set()
    for key, path in _local_files(lake_dir):
        if include(key):
            s3.upload_file(str(path), bucket, key_for(key))
            keys.add(key_for(key))
    return keys


def list_keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    """Keys of the bucket's current objects under `prefix`, sorted."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


def download_bucket(s3: Any, bucket: str, target_dir: Path) -> list[str]:
    """Download the bucket's current objects under the lake roots into `target_dir`."""
    return [key for root in LAKE_ROOTS
            for key in download_bucket_prefix(s3, bucket, root + "/", target_dir)]


def download_bucket_prefix(s3: Any, bucket: str, prefix: str, target_dir: Path) -> list[str]:
    """Download the bucket's current objects under `prefix` into `target_dir` (an Iceberg
    table's file already there is not fetched again: each is written once, under a new name)."""
    keys = list_keys(s3, bucket, prefix)
    for key in keys:
        path = target_dir / key
        if key.startswith(TABLES) and path.is_file():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(path))
    return keys


def replace_lake(staging_dir: Path, lake_dir: Path) -> None:
    """Put the staged lake roots in place of the lake folder's, leaving other files alone."""
    lake_dir.mkdir(parents=True, exist_ok=True)
    for root in LAKE_ROOTS:
        staged, current = staging_dir / root, lake_dir / root
        retired = lake_dir / f".{root}.previous"
        if retired.exists():
            shutil.rmtree(retired)
        if current.exists():
            current.rename(retired)
        if staged.exists():
            staged.rename(current)
        if retired.exists():
            shutil.rmtree(retired)
