"""The history-import benchmark runs both implementations on a small export (no timings
asserted: only that both ran, produced the same plays and the section reports its targets)."""

from __future__ import annotations

import pyarrow.parquet as pq
from spotify_runtime import contract
from spotify_runtime.layout import STREAMS

from bench import import_bench


def test_both_implementations_import_the_same_plays(tmp_path):
    result = import_bench.run(tmp_path, runs=1, plays=2_000)
    ours = sum(pq.read_metadata(p).num_rows
               for p in (tmp_path / "history-import-ours" / STREAMS).rglob("*.parquet"))
    reference = pq.read_metadata(tmp_path / "history-import-reference" / "history.parquet")
    assert ours == reference.num_rows == 2_000  # generated plays all play something
    section = import_bench.to_section(result, 1, contract.HISTORY_IMPORT_MEMORY_MB,
                                      contract.HISTORY_IMPORT_TIMEOUT_SECONDS)
    assert [target.what for target in section.targets] == [t[0] for t in import_bench.TARGETS]
    assert all(target.met is not None for target in section.targets)
