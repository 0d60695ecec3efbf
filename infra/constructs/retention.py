"""How long things are kept, and whether they go with the stack, from the typed settings."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from infra.config import EnvironmentSettings

# The values CloudWatch Logs accepts, in the order of the RetentionDays enum (INFINITE last).
_LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip


def log_retention(settings: EnvironmentSettings) -> logs.RetentionDays:
    """The shortest CloudWatch Logs retention that keeps logs at least `log_retention_days`."""
    members = [m for m in logs.RetentionDays if m != logs.RetentionDays.INFINITE]
    for days, member in zip(_LOG_RETENTION_DAYS, members, strict=True):
        if days >= settings.log_retention_days:
            return member
    return members[-1]


def removal_policy(settings: EnvironmentSettings) -> cdk.RemovalPolicy:
    """DESTROY for throw-away environments (dev), RETAIN for ones whose data matters (prod)."""
    return cdk.RemovalPolicy.DESTROY if settings.destroy_on_removal else cdk.RemovalPolicy.RETAIN
