"""A Python Lambda function with its own role, log group and nothing more.

CDK's default role carries the AWS managed AWSLambdaBasicExecutionRole policy (logs on `*`).
Here the role starts empty and may only write to the function's own log group; every other
permission is added by the stack that wires the function to its resources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct
from spotify_runtime import contract

from infra.config import EnvironmentSettings
from infra.constructs.lambda_code import RUNTIME
from infra.constructs.retention import log_retention, removal_policy


class PythonFunction(Construct):
    """`function`, `role` (inline policies only) and `log_group` (retention from settings)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: EnvironmentSettings,
        code: lambda_.Code,
        handler: str,
        description: str,
        timeout: cdk.Duration,
        memory_size: int = 256,
        environment: Mapping[str, str] | None = None,
        layers: Sequence[lambda_.ILayerVersion] = (),
        retry_attempts: int | None = None,
        max_event_age: cdk.Duration | None = None,
        on_failure: lambda_.IDestination | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention(settings),
            removal_policy=removal_policy(settings),
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{description} (inline policies only)",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64,
            code=code,
            handler=handler,
            description=description,
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            timeout=timeout,
            memory_size=memory_size,
            environment={contract.ENV_LOG_LEVEL: "INFO", **(environment or {})},
            layers=list(layers),
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            on_failure=on_failure,
        )
