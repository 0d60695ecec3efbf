"""The Iceberg write benchmark at a tiny size: every way ends the day with the same rows."""

from __future__ import annotations

from bench.iceberg_bench import run, to_section


def test_every_way_writes_the_same_rows(tmp_path):
    result = run(tmp_path, sources=4, batch_sizes=(2,), items=5, packages=False)
    today, per_file, batched = result.ways
    assert today.rows and per_file.rows == today.rows == batched.rows
    assert per_file.snapshots > batched.snapshots > 0
    section = to_section(result)
    assert [row[0] for row in section.rows] == [way.name for way in result.ways]
