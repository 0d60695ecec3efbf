"""The local lake's table maintenance: what Glue's table optimizers do on AWS (snapshot retention
and orphan-file deletion), so the local tables do not age either.

Compaction is not here: PyIceberg 0.12 has no data-file rewrite, and an overwrite of a whole
partition with its own rows is not safe beside writers (PyIceberg retries a conflicting commit by
applying the overwrite again to the newer snapshot, with the rows read before it, which would
drop the other writer's rows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from pyiceberg.table import Table


def expire_snapshots(table: Table, older_than: datetime) -> int:
    """Expire every snapshot taken before `older_than` except the current one; returns how many.

    Only the metadata forgets them: their files go with `remove_orphan_files`."""
    current = table.current_snapshot()
    cutoff_ms = int(older_than.timestamp() * 1000)
    expired = [snapshot.snapshot_id for snapshot in table.snapshots()
               if snapshot.timestamp_ms < cutoff_ms
               and (current is None or snapshot.snapshot_id != current.snapshot_id)]
    if expired:
        table.maintenance.expire_snapshots().by_ids(expired).commit()
    return len(expired)


def referenced_files(table: Table) -> set[str]:
    """Every file a retained snapshot or the metadata log refers to."""
    metadata = table.metadata
    found = {table.metadata_location, *(entry.metadata_file for entry in metadata.metadata_log)}
    for snapshot in metadata.snapshots:
        found.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(table.io):
            found.add(manifest.manifest_path)
            found |= {entry.data_file.file_path
                      for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True)}
    return found


def remove_orphan_files(s3: Any, table: Table, older_than: datetime) -> list[str]:
    """Delete the objects under the table's location that nothing references and that were
    written before `older_than` (a commit in flight has files nothing references yet: the cutoff
    spares them, as Glue's orphan-file retention period does); returns their locations."""
    location = urlparse(table.location())
    bucket, prefix = location.netloc, location.path.strip("/") + "/"
    keep = referenced_files(table)
    removed = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            path = f"s3://{bucket}/{item['Key']}"
            if path not in keep and item["LastModified"] < older_than:
                s3.delete_object(Bucket=bucket, Key=item["Key"])
                removed.append(path)
    return removed
