"""`python -m spotify_etl doctor --env NAME`: will a deploy of this environment work in the account
the AWS credentials reach? One line per check, what is wrong and how to fix it.

Checks: Lambda concurrency (what the environment's functions may run at once against the account's
limit, its unreserved part and its Service Quotas entry), the CDK bootstrap version, the Spotify
secret and its refresh token's age. Exit status 1 when a check fails, else 0 (warnings included).
Reads only: lambda:GetAccountSettings, servicequotas:GetServiceQuota, ssm:GetParameter,
cloudformation:DescribeStackResources, secretsmanager:GetSecretValue, sts:GetCallerIdentity.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from spotify_runtime.aws_errors import aws_error_code
from spotify_runtime.extract.credentials import (
    AUTHORIZED_AT_KEY,
    REFRESH_TOKEN_LIFETIME,
    SECRET_KEYS,
    CredentialsConfigError,
    parse_authorized_at,
)

from infra.config import ConfigError, EnvironmentSettings, load_environment
from spotify_etl.commands.auth import cli_aws_client, deployed_secret_id
from spotify_etl.errors import CliError

CONCURRENT_EXECUTIONS_QUOTA = "L-B99A9384"
"""Service Quotas code of Lambda's 'Concurrent executions'."""
BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
"""Where `cdk bootstrap` (default qualifier) records its version."""
MIN_BOOTSTRAP_VERSION = 6
"""The least the synthesized templates accept (their CheckBootstrapVersion rule; a test keeps
the two in step)."""
PLACEHOLDER_CLIENT_ID = "REPLACE_ME"
"""What a secret created by the stack holds until the user stores the app's client ID."""

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Finding:
    """One check's verdict and the line that explains it."""

    status: str
    check: str
    message: str

    def line(self) -> str:
        """`FAIL  lambda concurrency: ...`."""
        return f"{self.status:<4}  {self.check}: {self.message}"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `doctor` subcommand."""
    parser = sub.add_parser("doctor", help="check that an environment fits its AWS account",
                            description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", required=True, help="the cdk.json environment to check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, clients: Callable[[str, str | None], Any] = cli_aws_client,
        now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> int:
    """Print one line per check; 1 if any failed."""
    try:
        settings = load_environment(args.env)
    except ConfigError as error:
        raise CliError(f"--env {args.env}: {error}") from None
    region = settings.region

    def client(service: str) -> Any:
        return clients(service, region)

    findings = [
        check_concurrency(settings, client("lambda"), client("service-quotas")),
        check_bootstrap(client("ssm"), client("sts"), client("lambda").meta.region_name),
        *check_secret(settings, client("secretsmanager"), client("cloudformation"), now()),
    ]
    for finding in findings:
        print(finding.line())
    failed = sum(finding.status == FAIL for finding in findings)
    print(f"{len(findings)} checks, {failed} failed" if failed
          else f"{len(findings)} checks passed")
    return 1 if failed else 0


def check_concurrency(settings: EnvironmentSettings, lambda_client: Any,
                      quotas_client: Any) -> Finding:
    """The functions' combined concurrency against what Lambda leaves unreserved."""
    check = "lambda concurrency"
    needed = settings.lambda_concurrency_needed
    total = sum(needed.values())
    try:
        limit = lambda_client.get_account_settings()["AccountLimit"]
    except Exception as error:
        return Finding(FAIL, check, f"cannot read the account's Lambda settings "
                                    f"({aws_error_code(error)})")
    unreserved = limit["UnreservedConcurrentExecutions"]
    quota = _applied_quota(quotas_client)
    shown = f"; Service Quotas shows {quota:g}" if quota is not None else ""
    if total > unreserved:
        return Finding(FAIL, check, (
            f"the functions may run {total} at once but the account leaves {unreserved} of "
            f"{limit['ConcurrentExecutions']} unreserved{shown}: request an increase of "
            f"'Concurrent executions' ({CONCURRENT_EXECUTIONS_QUOTA}) in Service Quotas, or lower "
            "extract_max_concurrency / transform_max_concurrency in cdk.json"))
    if settings.lambda_concurrency_limit > limit["ConcurrentExecutions"]:
        return Finding(WARN, check, (
            f"cdk.json's lambda_concurrency_limit ({settings.lambda_concurrency_limit}) is above "
            f"the account's {limit['ConcurrentExecutions']}: set it to "
            f"{limit['ConcurrentExecutions']} so synth keeps the settings within it"))
    return Finding(OK, check, f"{total} at once fits the {unreserved} unreserved of "
                              f"{limit['ConcurrentExecutions']}{shown}")


def _applied_quota(quotas_client: Any) -> float | None:
    """Service Quotas' applied value, when it has one (a new account may show none)."""
    try:
        quota = quotas_client.get_service_quota(ServiceCode="lambda",
                                                QuotaCode=CONCURRENT_EXECUTIONS_QUOTA)
    except Exception:  # informational only: the enforced limit comes from GetAccountSettings
        return None
    return float(quota["Quota"]["Value"])


def check_bootstrap(ssm_client: Any, sts_client: Any, region: str) -> Finding:
    """`cdk bootstrap` has run in the account and region, recently enough."""
    check = "cdk bootstrap"
    try:
        account = sts_client.get_caller_identity()["Account"]
    except Exception:
        account = "ACCOUNT"
    command = f"npx aws-cdk bootstrap aws://{account}/{region}"
    try:
        value = ssm_client.get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)["Parameter"]["Value"]
    except Exception as error:
        if aws_error_code(error) == "ParameterNotFound":
            return Finding(FAIL, check, f"{account}/{region} is not bootstrapped: run `{command}`")
        return Finding(FAIL, check, f"cannot read {BOOTSTRAP_VERSION_PARAMETER} "
                                    f"({aws_error_code(error)})")
    try:
        version = int(value)
    except ValueError:
        return Finding(FAIL, check, f"{BOOTSTRAP_VERSION_PARAMETER} holds {value!r}, not a "
                                    f"version: run `{command}`")
    if version < MIN_BOOTSTRAP_VERSION:
        return Finding(FAIL, check, f"version {version} is older than the {MIN_BOOTSTRAP_VERSION} "
                                    f"the templates need: run `{command}`")
    return Finding(OK, check, f"version {version} in {account}/{region}")


def check_secret(settings: EnvironmentSettings, secrets_client: Any, cloudformation: Any,
                 now: datetime) -> list[Finding]:
    """The secret exists and holds the app's credentials; the refresh token (when the sources
    need one) is there and not about to expire."""
    try:
        secret_id = settings.secret_name or deployed_secret_id(
            f"{settings.stage_name}-Ingest", cloudformation)
    except CliError as error:
        return [Finding(WARN, "spotify secret", f"{error} (the Ingest stack creates it)")]
    try:
        text = secrets_client.get_secret_value(SecretId=secret_id).get("SecretString") or ""
        data = json.loads(text)
    except ValueError:
        data = None
    except Exception as error:
        return [Finding(FAIL, "spotify secret", f"cannot read {secret_id!r} "
                                                f"({aws_error_code(error)}): create it or fix "
                                                "secret_name in cdk.json")]
    fix = f"`python -m spotify_etl auth --env {settings.name}`"
    if not isinstance(data, dict):
        return [Finding(FAIL, "spotify secret", f"{secret_id!r} does not hold a JSON object")]
    missing = [key for key in SECRET_KEYS
               if not isinstance(data.get(key), str) or not data[key].strip()
               or data[key] == PLACEHOLDER_CLIENT_ID]
    if missing:
        return [Finding(FAIL, "spotify secret", f"{secret_id!r} has no {', '.join(missing)}: "
                                                "store the app's credentials from Spotify's "
                                                f"developer dashboard, then run {fix}")]
    return [Finding(OK, "spotify secret", f"{secret_id!r} holds the app's credentials"),
            _refresh_token(settings, data, secret_id, now, fix)]


def _refresh_token(settings: EnvironmentSettings, data: dict[str, Any], secret_id: str,
                   now: datetime, fix: str) -> Finding:
    check = "refresh token"
    needs_user = [str(source) for source in settings.sources if source.needs_user]
    if not data.get("refresh_token"):
        if needs_user:
            return Finding(FAIL, check, f"none in {secret_id!r}, and {needs_user[0]} needs a "
                                        f"user: run {fix}")
        return Finding(OK, check, "none, and no configured source needs a user")
    try:
        authorized_at = parse_authorized_at(data.get(AUTHORIZED_AT_KEY), f"secret {secret_id!r}")
    except CredentialsConfigError as error:
        return Finding(FAIL, check, f"{error}: run {fix}")
    if authorized_at is None:
        return Finding(WARN, check, f"its age is unknown (no {AUTHORIZED_AT_KEY!r}); Spotify "
                                    f"ends it six months after the consent: run {fix} to record it")
    days_left = (authorized_at + REFRESH_TOKEN_LIFETIME - now).total_seconds() / 86_400
    if days_left <= 0:
        return Finding(FAIL, check, f"expired {-days_left:.0f} days ago: run {fix}")
    if days_left <= settings.refresh_token_alarm_days:
        return Finding(WARN, check, f"expires in {days_left:.0f} days: run {fix}")
    return Finding(OK, check, f"{days_left:.0f} days left")
