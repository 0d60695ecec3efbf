"""Local bundling of the function assets: sources copied, pip run for the Lambda platform; the
transform's asset (its own pyarrow and PyIceberg) measured against Lambda's 250 MB."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from spotify_runtime.extract.source_list import configured_sources

from infra.constructs import lambda_code
from infra.constructs.lambda_code import BundlingError, PipLocalBundling
from tests.deps.locks import pins


@pytest.fixture
def pip_calls(monkeypatch):
    calls = []

    def fake_run(command, **_kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(lambda_code.subprocess, "run", fake_run)
    return calls


def test_bundling_copies_sources_and_installs_wheels_for_lambda(tmp_path, pip_calls):
    out = tmp_path / "asset"
    assert PipLocalBundling().try_bundle(str(out), image=lambda_code.RUNTIME.bundling_image)
    assert (out / "spotify_runtime" / "layout.py").is_file()
    assert (out / "spotify_runtime" / "extract" / "worker.py").is_file()
    assert not (out / "spotify_runtime" / "transform").exists()  # the extract asset: no transform
    assert not list(out.rglob("__pycache__"))
    (command,) = pip_calls
    joined = " ".join(command)
    assert "install" in command and f"--target {out}" in joined
    assert f"-r {lambda_code.REQUIREMENTS}" in joined
    assert "--platform manylinux2014_x86_64" in joined
    assert "--implementation cp" in joined
    assert "--python-version 3.14" in joined
    assert "--only-binary=:all:" in command


def test_requirements_never_bundle_pandas_or_pyarrow():
    names = set(pins(lambda_code.REQUIREMENTS))
    assert "spotipy" in names
    assert not names & {"pandas", "pyarrow", "numpy", "awswrangler", "boto3"}


def test_pip_failure_is_one_clear_error(tmp_path, monkeypatch):
    def failing_run(command, **_kwargs):
        return subprocess.CompletedProcess(command, 1, "", "ERROR: No matching distribution\n")

    monkeypatch.setattr(lambda_code.subprocess, "run", failing_run)
    with pytest.raises(BundlingError, match=r"manylinux2014_x86_64 cp3\.14: ERROR: No matching"):
        PipLocalBundling().try_bundle(str(tmp_path), image=lambda_code.RUNTIME.bundling_image)


def test_source_list_layer_holds_the_list_as_the_planner_reads_it():
    sources = ["playlist:3cEYpjA9oz9GiPac4AsH4n", "album:4aawyAB9vmqN3uQ7FjRGTy"]
    code = lambda_code.source_list_code(json.dumps(sources))
    staged = Path(code.path) / Path(lambda_code.SOURCES_FILE_PATH).name
    assert [str(s) for s in configured_sources({"SOURCES_FILE": str(staged)})] == sources


def test_the_transform_asset_holds_the_shared_modules_and_the_transform_only(tmp_path,
                                                                            pip_calls):
    out = tmp_path / "asset"
    assert lambda_code.TransformLocalBundling().try_bundle(
        str(out), image=lambda_code.RUNTIME.bundling_image)
    files = {path.relative_to(out).as_posix() for path in out.rglob("*.py")}
    assert "spotify_runtime/transform/handler.py" in files
    assert "spotify_runtime/contract.py" in files and "spotify_runtime/layout.py" in files
    assert "spotify_runtime/iceberg_tables.py" in files
    for other in ("extract", "history_import", "report"):
        assert not [name for name in files if name.startswith(f"spotify_runtime/{other}/")]
    assert not list(out.glob("*requirements*"))  # pip reads the lock where it is
    (command,) = pip_calls
    joined = " ".join(command)
    assert f"-r {lambda_code.TRANSFORM_REQUIREMENTS}" in joined and "--require-hashes" in joined
    # pyroaring (PyIceberg's) has only manylinux_2_28 wheels for CPython 3.14.
    assert "--platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64" in joined


def test_the_transform_lock_holds_pyarrow_and_pyiceberg_and_no_pandas():
    names = set(pins(lambda_code.TRANSFORM_REQUIREMENTS))
    assert {"pyarrow", "pyiceberg", "pyroaring"} <= names
    assert not names & {"pandas", "numpy", "boto3", "botocore", "spotipy", "plotly"}


def test_the_transform_asset_depends_on_its_lock_and_what_is_left_out():
    lock = lambda_code.TRANSFORM_REQUIREMENTS
    before = lambda_code._inputs_hash("transform", [lock])
    assert lambda_code._inputs_hash("transform", [lock]) == before  # stable
    assert lambda_code._inputs_hash("transform", [lambda_code.REPORT_REQUIREMENTS]) != before
    assert lambda_code._inputs_hash("transform", [lock], "pyarrow/tests") != before


def test_the_report_asset_holds_its_sources_queries_and_chart_library_only(tmp_path, pip_calls):
    out = tmp_path / "asset"
    assert lambda_code.ReportLocalBundling().try_bundle(
        str(out), image=lambda_code.RUNTIME.bundling_image)
    report = out / "spotify_runtime" / "report"
    assert (report / "monthly.py").is_file() and (report / "queries" / "report_top.sql").is_file()
    assert (report / "plotly-basic.min.js").read_bytes() == lambda_code.PLOTLY_BUNDLE.read_bytes()
    assert (out / "spotify_runtime" / "contract.py").is_file()
    for other in ("extract", "transform", "history_import"):
        assert not (out / "spotify_runtime" / other).exists(), other
    assert not list(out.glob("requirements*"))  # pip reads the lock where it is
    (command,) = pip_calls
    joined = " ".join(command)
    assert f"-r {lambda_code.REPORT_REQUIREMENTS}" in joined
    assert "--platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64" in joined


def test_the_report_lock_holds_plotly_and_pillow_and_no_pandas():
    names = set(pins(lambda_code.REPORT_REQUIREMENTS))
    assert {"plotly", "pillow"} <= names
    assert not names & {"pandas", "pyarrow", "numpy", "boto3", "duckdb", "spotipy"}


def test_a_missing_chart_library_is_one_clear_error(tmp_path, pip_calls, monkeypatch):
    monkeypatch.setattr(lambda_code, "PLOTLY_BUNDLE", tmp_path / "nowhere.js")
    with pytest.raises(BundlingError, match=r"chart library is missing .*run `make venv`"):
        lambda_code.ReportLocalBundling().try_bundle(
            str(tmp_path / "asset"), image=lambda_code.RUNTIME.bundling_image)


def test_the_other_assets_hold_no_report_code(dev):
    # The transform's asset is bundled (skipped here): its test above builds it.
    for stack in ("HistoryImport",):
        (function,) = [
            resource for resource in dev.templates[stack].find_resources(
                "AWS::Lambda::Function").values()
            if resource["Properties"]["Handler"].startswith("spotify_runtime.")
        ]
        asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
        asset = Path(dev.stage.outdir).parent / f"asset.{asset_hash}"
        assert (asset / "spotify_runtime" / "contract.py").is_file()
        assert not (asset / "spotify_runtime" / "report").exists(), stack
        assert not list(asset.glob("requirements*")), stack


LAMBDA_UNZIPPED_LIMIT_MB = 250
"""Lambda's limit on a function's code and layers, unzipped (250 MB = 262,144,000 bytes)."""
TRANSFORM_ASSET_BUDGET_MB = 200
"""What the transform's asset may reach: 50 MB of room under the limit for what a pyarrow,
PyIceberg or dependency release adds. Measured 2026-12-08 (pyarrow 22.0.0, PyIceberg 0.12.0):
173.9 MB (165.9 MiB); the locked wheels alone, with nothing of pyarrow left out, 211.6 MB."""


def test_the_transform_asset_unzipped_fits_lambda_with_room_to_spare(tmp_path):
    """Bundles the real asset (pip downloads or reuses the locked wheels for manylinux x86_64,
    CPython 3.14) and adds up what Lambda unzips."""
    out = tmp_path / "asset"
    assert lambda_code.TransformLocalBundling().try_bundle(
        str(out), image=lambda_code.RUNTIME.bundling_image)
    assert (out / "pyarrow" / "parquet" / "__init__.py").is_file()
    assert (out / "pyiceberg" / "catalog" / "glue.py").is_file()
    assert not (out / "pandas").exists() and not (out / "pyarrow" / "tests").exists()
    size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    megabytes = size / 1_000_000
    print(f"transform asset unzipped: {megabytes:.1f} MB ({size / 2**20:.1f} MiB)")
    assert megabytes <= TRANSFORM_ASSET_BUDGET_MB < LAMBDA_UNZIPPED_LIMIT_MB, megabytes


def test_what_the_transform_asset_leaves_out_of_pyarrow_is_never_imported(tmp_path):
    """The same pyarrow (the development lock pins the transform's version) copied without
    `PYARROW_UNUSED`: the modules the transform and PyIceberg use import, and a Parquet file
    round-trips. The host's wheel has the same layout as the Lambda one."""
    import pyarrow

    installed = Path(pyarrow.__file__).parent
    assert pyarrow.__version__ in pins(lambda_code.TRANSFORM_REQUIREMENTS)["pyarrow"]
    copy = tmp_path / "site"
    shutil.copytree(installed, copy / "pyarrow", symlinks=True)
    lambda_code.remove_unused(copy, lambda_code.PYARROW_UNUSED)
    assert not list((copy / "pyarrow").glob("*flight*"))
    script = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(copy)!r})\n"
        "import pyarrow as pa, pyarrow.compute, pyarrow.dataset, pyarrow.fs, pyarrow.json\n"
        "import pyarrow.parquet as pq\n"
        f"assert pa.__file__.startswith({str(copy)!r}), pa.__file__\n"
        "import pyiceberg.io.pyarrow, pyiceberg.table\n"
        "sink = pa.BufferOutputStream()\n"
        "pq.write_table(pa.table({'a': [1, 2]}), sink, compression='snappy')\n"
        "assert pq.read_table(pa.BufferReader(sink.getvalue())).num_rows == 2\n"
        "print('ok', flush=True)\n"
        "os._exit(0)\n"  # no Arrow teardown at exit (docs: it may abort a finished process)
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, env={**os.environ, "PYTHONPATH": ""})
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]
