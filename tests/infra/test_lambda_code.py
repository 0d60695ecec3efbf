"""Local bundling of the extract functions: sources copied, pip run for the Lambda platform."""

from __future__ import annotations

import json
import subprocess
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


def test_the_transform_asset_holds_the_shared_modules_and_the_transform_only(dev):
    templates = dev.templates["Transform"]
    (function,) = [
        resource for resource in templates.find_resources("AWS::Lambda::Function").values()
        if resource["Properties"]["Handler"].startswith("spotify_runtime.")
    ]
    asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    asset = Path(dev.stage.outdir).parent / f"asset.{asset_hash}"
    files = {path.relative_to(asset).as_posix() for path in asset.rglob("*.py")}
    assert "spotify_runtime/transform/handler.py" in files
    assert "spotify_runtime/contract.py" in files and "spotify_runtime/layout.py" in files
    assert not [name for name in files if name.startswith("spotify_runtime/extract/")]
    assert not (asset / "requirements.txt").exists()
    assert not (asset / "requirements.in").exists()


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
    for stack in ("Transform", "HistoryImport"):
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
