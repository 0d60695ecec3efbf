"""One object per partition under conditional writes: idempotent per source, exact under races."""

from __future__ import annotations

import threading

import boto3
import pyarrow as pa
import pytest
from moto.server import ThreadedMotoServer
from spotify_runtime.partition_files import (
    PartitionContentionError,
    S3ObjectStore,
    WriteConflictError,
    update_object,
)

from spotify_etl.day_objects import replace_source_rows, source_rows
from spotify_local.folder_store import FolderStore
from spotify_local.moto_aws import serialize_conditional_writes

KEY = "processed/plays/snapshot_date=2026-12-01/plays.parquet"


@pytest.fixture(scope="module")
def s3_endpoint():
    serialize_conditional_writes()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["s3", "local"])
def store(request, s3_endpoint, tmp_path):
    if request.param == "local":
        return FolderStore(tmp_path)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="x", aws_secret_access_key="x")
    bucket = f"b-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    s3.create_bucket(Bucket=bucket)
    return S3ObjectStore(s3, bucket)


def rows(*ids: str) -> pa.Table:
    return pa.table({"song_id": pa.array(ids, pa.string()),
                     "ms": pa.array(range(len(ids)), pa.int64())})


def all_ids(store) -> list[str]:
    body, _ = store.get(KEY)
    return sorted(i for t in source_rows(body).values() for i in t["song_id"].to_pylist())


def test_each_source_keeps_its_rows_and_a_rewrite_replaces_them(store):
    replace_source_rows(store, KEY, "raw-a", rows("a1", "a2"))
    replace_source_rows(store, KEY, "raw-b", rows("b1"))
    assert all_ids(store) == ["a1", "a2", "b1"]
    replace_source_rows(store, KEY, "raw-a", rows("a3"))
    assert all_ids(store) == ["a3", "b1"]


def test_the_same_source_twice_writes_nothing_the_second_time(store):
    assert replace_source_rows(store, KEY, "raw-a", rows("a1")).written
    before = store.get(KEY)
    assert not replace_source_rows(store, KEY, "raw-a", rows("a1")).written
    assert store.get(KEY) == before


def test_a_stale_tag_is_refused(store):
    replace_source_rows(store, KEY, "raw-a", rows("a1"))
    body, tag = store.get(KEY)
    replace_source_rows(store, KEY, "raw-b", rows("b1"))
    with pytest.raises(WriteConflictError):
        store.put_if(KEY, body, tag)
    with pytest.raises(WriteConflictError):  # If-None-Match: * on an object that exists
        store.put_if(KEY, body, None)
    assert all_ids(store) == ["a1", "b1"]


def test_racing_writers_lose_no_source(store):
    threads = [threading.Thread(target=replace_source_rows,
                                args=(store, KEY, f"raw-{n}", rows(f"s{n:02}")),
                                kwargs={"sleep": lambda _: None, "max_attempts": 50})
               for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all_ids(store) == [f"s{n:02}" for n in range(12)]


def test_a_partition_that_never_settles_raises_after_the_attempts(tmp_path):
    class AlwaysConflicts(FolderStore):
        def put_if(self, key, body, expected_tag):
            raise WriteConflictError(key)

    with pytest.raises(PartitionContentionError, match="3 attempts"):
        update_object(AlwaysConflicts(tmp_path), KEY, lambda old: b"x", max_attempts=3,
                      sleep=lambda _: None)


def test_with_a_deadline_a_busy_partition_is_waited_for_until_then(tmp_path):
    """A lost race costs only time: given a deadline, the attempts go on until it passes."""
    class ConflictsUntil(FolderStore):
        def __init__(self, root, losses):
            super().__init__(root)
            self.losses, self.tries = losses, 0

        def put_if(self, key, body, expected_tag):
            self.tries += 1
            if self.tries <= self.losses:
                raise WriteConflictError(key)
            super().put_if(key, body, expected_tag)

    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    busy = ConflictsUntil(tmp_path / "busy", losses=40)
    result = update_object(busy, KEY, lambda old: b"x", max_attempts=3, deadline=1_000.0,
                           sleep=sleep, clock=lambda: now[0])
    assert result.written and result.attempts == 41
    assert now[0] <= 40 * 2.0  # each wait at most MAX_BACKOFF_SECONDS
    # Past the deadline, the attempts are what is left: it gives up.
    now[0] = 0.0
    never = ConflictsUntil(tmp_path / "never", losses=10**6)
    with pytest.raises(PartitionContentionError, match="attempts"):
        update_object(never, KEY, lambda old: b"x", max_attempts=3, deadline=30.0,
                      sleep=sleep, clock=lambda: now[0])
    assert never.tries > 3 and now[0] >= 30.0


def test_a_partition_is_one_row_group_whatever_its_sources(store):
    """Readers pay per row group as per file: a partition of many sources must cost one."""
    import pyarrow.parquet as pq

    for n in range(5):
        replace_source_rows(store, KEY, f"raw-{n}", rows(f"s{n}a", f"s{n}b"))
    body, _ = store.get(KEY)
    assert pq.ParquetFile(pa.BufferReader(body)).metadata.num_row_groups == 1
    assert {s: t.num_rows for s, t in source_rows(body).items()} == {f"raw-{n}": 2
                                                                     for n in range(5)}
