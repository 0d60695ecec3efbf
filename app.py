#!/usr/bin/env python3
"""The CDK app: one SpotifyEtl-<env> stage per environment in cdk.json (or only `-c env=NAME`).

With an enabled `pipeline` section, the app is instead one PipelineStack (`SpotifyEtlPipeline`)
that deploys those same stages, in order, from the repository (spotify_etl/stacks/pipeline.py).
"""

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from spotify_etl.config import CONTEXT_KEY, ConfigError, parse_config
from spotify_etl.stacks.pipeline import PipelineStack
from spotify_etl.stage import SpotifyEtlStage

PIPELINE_STACK = "SpotifyEtlPipeline"

app = cdk.App()
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
