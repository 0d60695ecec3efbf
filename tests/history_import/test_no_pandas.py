"""The history import keeps pandas out of its processes (the command and the Lambda container),
and imports the same rows either way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
from spotify_runtime.layout import STREAMS

from spotify_local.spotify_export import dump, extended_row

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from pathlib import Path
{guard}
from spotify_runtime.history_import.importer import import_files
from spotify_etl.export_paths import path_members
from spotify_local.folder_store import FolderStore

report = import_files(path_members([Path(sys.argv[1])]).files, FolderStore(Path(sys.argv[2])))
print(json.dumps({{"pandas": "pandas" in sys.modules, "imported": report.imported}}))
"""


def _env(**more: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "lambdas")]),
            **more}


def _export(folder: Path) -> Path:
    start = datetime(2025, 12, 31, 23, 50, tzinfo=UTC)
    rows = [extended_row(start + timedelta(minutes=4 * n), 180_000,
                         track=(f"{n:022d}", f"Track {n}", "Artist", "Album")) for n in range(30)]
    folder.mkdir()
    (folder / "Streaming_History_Audio_2025.json").write_bytes(dump(rows))
    return folder


def _probe(tmp_path: Path, name: str, guard: str, **env: str) -> tuple[dict, list[dict]]:
    lake = tmp_path / name
    done = subprocess.run([sys.executable, "-c", PROBE.format(guard=guard),
                           str(_export(tmp_path / f"{name}-export")), str(lake)],
                          cwd=ROOT, capture_output=True, text=True, check=True, env=_env(**env))
    rows = [row for part in sorted((lake / STREAMS).rglob("*.parquet"))
            for row in pq.read_table(part).to_pylist()]
    return json.loads(done.stdout), rows


def test_the_import_handler_keeps_pandas_out_only_in_a_lambda_container(tmp_path):
    guard = "import spotify_runtime.history_import.handler"
    in_lambda, lambda_rows = _probe(tmp_path, "lambda", guard,
                                    AWS_LAMBDA_RUNTIME_API="127.0.0.1:9001")
    local, local_rows = _probe(tmp_path, "local", guard, AWS_LAMBDA_RUNTIME_API="")
    assert in_lambda == {"pandas": False, "imported": 30}
    assert local == {"pandas": True, "imported": 30}  # what the guard is for
    assert lambda_rows == local_rows and len(lambda_rows) == 30


def test_the_import_command_never_imports_pandas(tmp_path):
    export = _export(tmp_path / "export")
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "spotify_etl", "import", str(export),
         "--lake", str(tmp_path / "lake")],
        cwd=ROOT, capture_output=True, text=True, check=True, env=_env())
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")]
    assert "pyarrow.parquet" in imported  # -X importtime lists what it imported
    # pyarrow tries (a refused attempt is listed as `pandas` alone); pandas itself, imported,
    # would bring its hundreds of submodules
    assert "pandas" in imported and not [name for name in imported if name.startswith("pandas.")]
    assert "imported: 30 plays" in done.stdout
