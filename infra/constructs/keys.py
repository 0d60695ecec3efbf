"""Customer-managed KMS keys of an environment."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import EnvironmentSettings
from infra.constructs.retention import removal_policy


def environment_key(
    scope: Construct, construct_id: str, *, settings: EnvironmentSettings, purpose: str
) -> kms.Key:
    """A rotating key that goes with the stack when the environment's data does."""
    return kms.Key(
        scope,
        construct_id,
        description=f"spotify-etl {settings.name}: {purpose}",
        enable_key_rotation=True,
        removal_policy=removal_policy(settings),
    )
