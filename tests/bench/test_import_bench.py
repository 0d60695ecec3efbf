"""The history-import benchmark runs every implementation on a small export (no timings
asserted: only that each ran, produced the plays it should and the section reports its
targets)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from spotify_runtime import contract
from spotify_runtime.layout import STREAMS

from bench import import_bench
from bench.measure import ProcessCost
from bench.report import seconds


def test_both_implementations_import_the_same_plays(tmp_path):
    result = import_bench.run(tmp_path, runs=1, plays=2_000, maloja=False)
    ours = sum(pq.read_metadata(p).num_rows
               for p in (tmp_path / "history-import-ours" / STREAMS).rglob("*.parquet"))
    reference = pq.read_metadata(tmp_path / "history-import-reference" / "history.parquet")
    assert ours == reference.num_rows == 2_000  # generated plays all play something
    section = import_bench.to_section(result, 1, contract.HISTORY_IMPORT_MEMORY_MB,
                                      contract.HISTORY_IMPORT_TIMEOUT_SECONDS)
    assert [target.what for target in section.targets] == [t[0] for t in import_bench.TARGETS]
    verdicts = {target.what: target.met for target in section.targets}
    assert verdicts.pop(import_bench.MALOJA_SPEED[0]) is None  # not run: not measured
    assert all(met is not None for met in verdicts.values())


def _result(maloja: ProcessCost | None, missing: str = "") -> import_bench.ImportResult:
    samples = {"ours": [ProcessCost(5.0, 150 * 2**20)],
               "reference": [ProcessCost(6.0, 400 * 2**20)]}
    if maloja:
        samples["maloja"] = [maloja]
    return import_bench.ImportResult(300_000, 19, 2**28, samples,
                                     maloja_scrobbles=209_262 if maloja else None,
                                     maloja_missing=missing)


@pytest.mark.parametrize(("maloja_seconds", "met"), [(136.0, True), (45.0, False)])
def test_maloja_is_a_row_and_a_ratio_target(maloja_seconds, met):
    section = import_bench.to_section(_result(ProcessCost(maloja_seconds, 160 * 2**20)), 3,
                                      1024, 300)
    assert section.rows[-1][0].startswith("Maloja") and section.rows[-1][1:] == [
        seconds(maloja_seconds), "160.0"]
    target = {t.what: t for t in section.targets}[import_bench.MALOJA_SPEED[0]]
    assert (target.measured, target.met) == (f"{maloja_seconds / 5:.2f}x faster", met)
    assert any("209,262 scrobbles" in note for note in section.notes)


def test_a_maloja_that_could_not_be_installed_is_reported_not_measured():
    section = import_bench.to_section(_result(None, "no index"), 3, 1024, 300)
    assert len(section.rows) == 2
    target = {t.what: t for t in section.targets}[import_bench.MALOJA_SPEED[0]]
    assert (target.measured, target.met, target.limit) == ("not measured", None, "no index")
    assert "Maloja not measured: no index." in section.notes
