#!/usr/bin/env python3
"""The CDK app: one SpotifyEtl-<env> stage per environment in cdk.json (or only `-c env=NAME`).

With an enabled `pipeline` section, the app is instead one PipelineStack (`SpotifyEtlPipeline`)
that deploys those same stages, in order, from the repository (infra/stacks/deployment_pipeline.py).

The CDK CLI (`make synth`, `cdk deploy`) passes cdk.json's context to this process; run directly
(`python app.py`), the app reads cdk.json itself and writes the cloud assembly to ./cdk.out.
"""

import json
import os
import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import CONTEXT_KEY, ConfigError, parse_config
from infra.stacks.deployment_pipeline import PipelineStack
from infra.stage import SpotifyEtlStage

PIPELINE_STACK = "SpotifyEtlPipeline"
CDK_JSON = Path(__file__).resolve().parent / "cdk.json"
# How the CDK CLI hands its context over: an environment variable, or a file when it is large.
_CLI_CONTEXT_VARIABLES = ("CDK_CONTEXT_JSON", "CONTEXT_OVERFLOW_LOCATION")


def _app() -> cdk.App:
    if any(name in os.environ for name in _CLI_CONTEXT_VARIABLES):
        return cdk.App()
    try:
        context = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        sys.exit(f"spotify-etl configuration error: cannot read the context from {CDK_JSON} "
                 f"({error}); run `make synth` (the CDK CLI) instead")
    return cdk.App(context=context, outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))


app = _app()
try:
    config = parse_config(app.node.try_get_context(CONTEXT_KEY))
    environments = config.select(app.node.try_get_context("env"))
except ConfigError as error:
    sys.exit(f"spotify-etl configuration error: {error}")
if config.pipeline is None:
    for settings in environments:
        SpotifyEtlStage(app, settings)
else:
    PipelineStack(
        app,
        PIPELINE_STACK,
        pipeline=config.pipeline,
        environments=environments,
        env=cdk.Environment(account=config.pipeline.account, region=config.pipeline.region),
        description="spotify-etl: CDK Pipelines pipeline deploying every environment",
    )
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
