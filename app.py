#!/usr/bin/env python3
"""The CDK app: one SpotifyEtl-<env> stage per environment in cdk.json (or only `-c env=NAME`)."""

import sys

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from spotify_etl.config import CONTEXT_KEY, ConfigError, parse_config
from spotify_etl.stage import SpotifyEtlStage

app = cdk.App()
try:
    config = parse_config(app.node.try_get_context(CONTEXT_KEY))
    environments = config.select(app.node.try_get_context("env"))
except ConfigError as error:
    sys.exit(f"spotify-etl configuration error: {error}")
for settings in environments:
    SpotifyEtlStage(app, settings)
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
