"""The Spotify app credentials secret: created as a placeholder, or an existing one imported."""

from __future__ import annotations

import json

from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.config import EnvironmentSettings
from infra.constructs.nag import acknowledge
from infra.constructs.retention import removal_policy
from infra.constructs.stable_ids import keep_logical_id

SECRET_TEMPLATE = {"client_id": "REPLACE_ME"}
"""Documented shape `{"client_id", "client_secret", "refresh_token"?}`. The stack creates a
placeholder (client_secret generated) and never holds a real credential; put the real values
with `aws secretsmanager put-secret-value` (docs/deploying.md)."""


class SpotifySecret(Construct):
    """`secret`, `secret_id` (what the worker reads it by) and `grant_read`."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings):
        super().__init__(scope, construct_id)
        if settings.secret_name:
            self.secret = secretsmanager.Secret.from_secret_name_v2(
                self, "Secret", settings.secret_name
            )
            self.secret_id = settings.secret_name
            # Secrets Manager appends six random characters to the name in the ARN.
            self.arn_for_policy = f"{self.secret.secret_arn}-??????"
            return
        secret = secretsmanager.Secret(
            self,
            "Secret",
            description=f"spotify-etl {settings.name}: Spotify app credentials "
            '{"client_id", "client_secret", "refresh_token"?}',
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(SECRET_TEMPLATE),
                generate_string_key="client_secret",
            ),
            removal_policy=removal_policy(settings),
        )
        keep_logical_id(secret, "SpotifySecretA8C04999")
        acknowledge(
            secret,
            "AwsSolutions-SMG4",
            "Spotify client secrets and refresh tokens are reissued only in Spotify's "
            "developer dashboard or by the user's consent; no rotation Lambda can do that.",
        )
        self.secret = secret
        self.secret_id = secret.secret_arn
        self.arn_for_policy = secret.secret_arn

    def grant_read(self, role: iam.IRole) -> None:
        """GetSecretValue on this secret only."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"], resources=[self.arn_for_policy]
            )
        )

    def grant_put_value(self, role: iam.IRole) -> None:
        """PutSecretValue on this secret only (the worker stores a rotated refresh token)."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:PutSecretValue"], resources=[self.arn_for_policy]
            )
        )
