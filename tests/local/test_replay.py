"""Replaying failed raw files keeps every error report: docs/operations.md's commands, as written.

A report moved along with its raw file is never transformed (it went back beside the file),
and a second failure adds a report instead of replacing the first.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from rich.console import Console
from spotify_runtime.layout import RAW_FAILED, RAW_TO_PROCESS
from spotify_runtime.transform.events import raw_objects

from spotify_etl.report.build import PLOTLY_BUNDLE
from spotify_local.local_run import RunOptions, run_pipeline

OPERATIONS = (Path(__file__).parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
BROKEN = "playlist/0BrokenP1ayl1stXXXXXXX/20240501T181000Z.json"  # a well-formed raw key


def _local_replay_commands() -> list[str]:
    """The docs' local replay block, as a user would paste it."""
    blocks = re.findall(r"```sh\n(.*?)```", OPERATIONS, flags=re.DOTALL)
    (block,) = [b for b in blocks if ".lake/raw/failed" in b]
    return [line for line in block.splitlines() if line.strip()]


def _run_local(lake: Path) -> None:
    run_pipeline(RunOptions(lake_dir=lake, chart_library=PLOTLY_BUNDLE, print_queries=False),
                 Console(file=io.StringIO()))


def _reports(lake: Path) -> dict[str, bytes]:
    return {p.relative_to(lake).as_posix(): p.read_bytes()
            for p in lake.rglob("*.error.json")}


def test_local_replay_as_written_keeps_every_report(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    lake = Path(".lake")
    broken = lake / RAW_TO_PROCESS / BROKEN
    broken.parent.mkdir(parents=True)
    broken.write_text("{not json", encoding="utf-8")
    _run_local(lake)
    first = _reports(lake)
    assert len(first) == 1

    *shell, run_local = _local_replay_commands()
    assert run_local == ".venv/bin/python -m spotify_etl run-local"
    for line in shell:
        subprocess.run(["bash", "-ec", line], check=True)
    assert (lake / RAW_TO_PROCESS / BROKEN).exists() and not (lake / RAW_FAILED).exists()
    _run_local(lake)  # what the block's last line runs

    reports = _reports(lake)
    assert len(reports) == 2, sorted(reports)
    assert all(key.startswith(RAW_FAILED + BROKEN + ".") for key in reports)
    assert {key: reports[key] for key in first} == first  # the first report, unchanged
    for body in reports.values():
        assert json.loads(body)["key"] == RAW_TO_PROCESS + BROKEN  # no report of a report
    assert not list((lake / "raw").rglob("*.error.json.*"))
    assert (lake / RAW_FAILED / BROKEN).read_text(encoding="utf-8") == "{not json"


def test_an_error_report_under_to_process_is_never_a_raw_file() -> None:
    report = RAW_TO_PROCESS + BROKEN + ".20240501T181009.000000Z.error.json"
    event = {"detail-type": "Object Created",
             "detail": {"bucket": {"name": "b"}, "object": {"key": report}}}
    assert raw_objects(event, "b") == []
    assert raw_objects({"Records": [{"s3": {"bucket": {"name": "b"},
                                            "object": {"key": report}}}]}, "b") == []
