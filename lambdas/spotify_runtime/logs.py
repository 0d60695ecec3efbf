"""Logging and environment at every handler's edge (shared by all functions)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from spotify_runtime.contract import ENV_LOG_LEVEL

QUIET_LOGGERS = ("boto3", "botocore", "urllib3", "s3transfer", "spotipy")
"""Kept at WARNING whatever LOG_LEVEL says: at DEBUG botocore logs response bodies (a
GetSecretValue's SecretString) and spotipy/urllib3 log request headers (bearer tokens)."""


def quiet_sdk_loggers() -> None:
    """Hold the AWS SDK's and HTTP libraries' loggers at WARNING."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(environ: Mapping[str, str] | None = None) -> None:
    """Log at LOG_LEVEL (default INFO) through the Lambda runtime's handler; SDKs stay quiet."""
    env = os.environ if environ is None else environ
    level = env.get(ENV_LOG_LEVEL, "INFO").upper()
    logging.getLogger().setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    quiet_sdk_loggers()


def required_env(name: str, environ: Mapping[str, str] | None = None) -> str:
    """An environment variable the deployment must set; a clear error naming it otherwise."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} is not set (the CDK app sets it)")
    return value
