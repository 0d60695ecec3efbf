"""app.py as `cdk synth` runs it: context from the CLI (CDK_CONTEXT_JSON), one line on errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.infra.conftest import ROOT, cdk_json_context


def run_app(tmp_path, context: dict | None) -> subprocess.CompletedProcess:
    """Run app.py as the CDK CLI does (context in CDK_CONTEXT_JSON), or, with `context=None`,
    as `python app.py` run directly (no context: the app reads cdk.json)."""
    node_major = (
        subprocess.run(["node", "-v"], capture_output=True, text=True, check=True)
        .stdout.strip()
        .lstrip("v")
        .split(".")[0]
    )
    env = {
        **{k: v for k, v in os.environ.items()
           if k not in ("CDK_CONTEXT_JSON", "CONTEXT_OVERFLOW_LOCATION")},
        **({} if context is None else {"CDK_CONTEXT_JSON": json.dumps(context)}),
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        # What the Makefile exports: the Node end-of-life banner is not ours to print.
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": node_major,
    }
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def with_dev_setting(key: str, value) -> dict:
    context = cdk_json_context()
    context["spotify-etl"]["environments"]["dev"] = {
        **context["spotify-etl"]["environments"]["dev"],
        key: value,
    }
    return context


def assert_one_line_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0]


def test_bad_cron_fails_synth_with_one_line_naming_the_key(tmp_path):
    result = run_app(tmp_path, with_dev_setting("schedule_cron", "10 18 * * *"))
    assert_one_line_error(result, "spotify-etl.environments.dev.schedule_cron", "10 18 * * *")
    assert not (tmp_path / "cdk.out" / "manifest.json").exists()


def test_unknown_environment_fails_with_one_line(tmp_path):
    result = run_app(tmp_path, {**cdk_json_context(), "env": "staging"})
    assert_one_line_error(result, "env:", "'staging'", "dev, prod")


def test_every_environment_synthesizes_with_no_cdk_nag_finding(tmp_path):
    # Run directly (`python app.py`, no CDK CLI): the app reads cdk.json's context itself; the
    # tests above pass the context as the CLI does.
    result = run_app(tmp_path, None)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "cdk.out"
    report = out / "validation-report.json"
    if report.exists():
        plugins = json.loads(report.read_text())["pluginReports"]
        assert [v["ruleName"] for p in plugins for v in p["violations"]] == []
    manifest = json.loads((out / "manifest.json").read_text())
    stages = {
        name for name, a in manifest["artifacts"].items() if a["type"] == "cdk:cloud-assembly"
    }
    assert stages == {"assembly-SpotifyEtl-dev", "assembly-SpotifyEtl-prod"}
    for env in ("dev", "prod"):
        stage_manifest = json.loads(
            (out / f"assembly-SpotifyEtl-{env}" / "manifest.json").read_text()
        )
        stacks = {
            a["displayName"]
            for a in stage_manifest["artifacts"].values()
            if a["type"] == "aws:cloudformation:stack"
        }
        assert stacks == {f"SpotifyEtl-{env}/{s}"
                          for s in ("Ingest", "Transform", "Catalog", "HistoryImport", "Report")}
