"""Synthesize the app once per test session (jsii synth takes seconds) and share the templates."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.config import CONTEXT_KEY, AppConfig, parse_config
from infra.stage import SpotifyEtlStage

ROOT = Path(__file__).resolve().parents[2]


def cdk_json_context() -> dict:
    """The context `cdk synth` passes to app.py (from cdk.json), with asset bundling skipped."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    return {**context, "aws:cdk:bundling-stacks": []}


@dataclass
class SynthesizedEnvironment:
    """One stage and its templates."""

    stage: SpotifyEtlStage
    ingest: Template
    transform: Template
    catalog: Template
    history_import: Template
    report: Template

    @property
    def templates(self) -> dict[str, Template]:
        return {"Ingest": self.ingest, "Transform": self.transform, "Catalog": self.catalog,
                "HistoryImport": self.history_import, "Report": self.report}


@pytest.fixture(scope="session")
def config() -> AppConfig:
    return parse_config(cdk_json_context()[CONTEXT_KEY])


@pytest.fixture(scope="session")
def environments(config, tmp_path_factory) -> dict[str, SynthesizedEnvironment]:
    """Every environment of cdk.json, built in one app without cdk-nag (tested on its own)."""
    app = cdk.App(context=cdk_json_context(), outdir=str(tmp_path_factory.mktemp("cdk.out")))
    stages = {settings.name: SpotifyEtlStage(app, settings) for settings in config.select(None)}
    return {
        name: SynthesizedEnvironment(
            stage=stage,
            ingest=Template.from_stack(stage.ingest),
            transform=Template.from_stack(stage.transform),
            catalog=Template.from_stack(stage.catalog),
            history_import=Template.from_stack(stage.history_import),
            report=Template.from_stack(stage.report),
        )
        for name, stage in stages.items()
    }


@pytest.fixture(scope="session")
def dev(environments) -> SynthesizedEnvironment:
    return environments["dev"]


@pytest.fixture(scope="session")
def prod(environments) -> SynthesizedEnvironment:
    return environments["prod"]
