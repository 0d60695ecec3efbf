"""What the demo says when something fails: each error once, in its stage, with the real cause.

Runs `python -m spotify_etl run-local` in a child process, so what is checked is exactly what a
user's terminal shows (log lines, stdout, the closing error line).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from spotify_runtime.layout import RAW_TO_PROCESS

from spotify_local.spotify import content as sample

ROOT = Path(__file__).resolve().parents[2]


def _run_local(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "lambdas")]),
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "spotify_etl", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_an_id_not_in_the_sample_data_says_so_once(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    history = lake / "raw" / "processed" / "old.json"
    history.parent.mkdir(parents=True)
    history.write_text("{}", encoding="utf-8")
    done = _run_local("run-local", "--lake", str(lake),
                      "--source", "playlist:AAAAAAAAAAAAAAAAAAAAAA")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: Spotify Web API: playlist:AAAAAAAAAAAAAAAAAAAAAA: "
                                  "not in the sample data; it has: ")
    assert f"playlist:{sample.PLAYLIST_ID}" in done.stderr
    assert "development-mode" not in done.stderr + done.stdout
    assert "✗ Spotify Web API" in done.stdout
    # A stage the run cannot go on without: the lake is left as it was.
    assert sorted(p.relative_to(lake).as_posix() for p in lake.rglob("*")) == [
        "raw", "raw/processed", "raw/processed/old.json"]


def test_failures_are_said_once_in_their_stage_without_metric_records(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    broken = lake / RAW_TO_PROCESS / "playlist" / "0BrokenP1ayl1stXXXXXXX" / "20240501T181000Z.json"
    broken.parent.mkdir(parents=True)
    broken.write_text("null", encoding="utf-8")
    editorial = f"playlist:{sample.EDITORIAL_PLAYLIST_ID}"
    done = _run_local("run-local", "--lake", str(lake), "--source", editorial,
                      "--source", "saved-tracks")
    assert done.returncode == 1
    shown = done.stdout + done.stderr
    assert shown.count("Spotify answered 404") == 1
    assert shown.count("expected a JSON object, got null") <= 1
    assert shown.count("quarantined under raw/failed/") == 1
    assert '"_aws"' not in shown
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr
    lines = {line.split()[1]: line for line in done.stdout.splitlines()
             if line.startswith(("✓", "✗"))}
    assert lines["Extract"].startswith("✗") and lines["Transform"].startswith("✗")
    assert lines["Catalog"].startswith("✓")  # the good source is still catalogued


def test_verbose_shows_the_handlers_lines_not_the_sdks(tmp_path: Path) -> None:
    done = _run_local("-v", "run-local", "--lake", str(tmp_path / "lake"))
    assert done.returncode == 0, done.stderr[-2000:]
    loggers = {line.split()[1].rstrip(":") for line in done.stderr.splitlines()
               if line.split()[:1] in (["DEBUG"], ["INFO"])}
    assert any(name.startswith("spotify_runtime.") for name in loggers)
    assert not {name for name in loggers
                if name.split(".")[0] in ("botocore", "boto3", "urllib3", "s3transfer",
                                          "werkzeug", "moto")}
