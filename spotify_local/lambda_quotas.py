"""Lambda's account settings and its Service Quotas entry, added to moto as AWS shapes them.

moto 5.2.5 answers neither `lambda:GetAccountSettings` (404) nor Service Quotas for `lambda`
(NoSuchResourceException), and `doctor` reads both. A new account's concurrency is not something
any API sets, so tests set it here (`set_account_concurrency`), as AWS sets it per account.

Strict where AWS is: GetAccountSettings is `GET /2016-08-19/account-settings/` only;
`UnreservedConcurrentExecutions` is the limit minus every function's reserved concurrency (AWS
keeps 100 of it unreservable, which PutFunctionConcurrency enforces, not this read); Service
Quotas knows the Lambda quota `doctor` reads (Concurrent executions, L-B99A9384) and answers
NoSuchResourceException for any other Lambda quota code, as it does for a code that does not
exist; an unknown service still gets moto's own answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from moto.awslambda import urls as lambda_urls
from moto.awslambda.models import lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend

CONCURRENT_EXECUTIONS_QUOTA = "L-B99A9384"
"""Service Quotas code of Lambda's 'Concurrent executions'."""
DEFAULT_CONCURRENCY = 1000
"""An established account's default (AWS's Lambda quotas page)."""

ACCOUNT_SETTINGS_PATH = r"{0}/(?P<api_version>2016-08-19)/account-settings/?$"


@dataclass
class AccountConcurrency:
    """What one account and region allows: `limit` is what Lambda enforces (GetAccountSettings),
    `quota` what Service Quotas shows as applied (a new account can show the default there while
    Lambda enforces less)."""

    limit: int = DEFAULT_CONCURRENCY
    quota: float = float(DEFAULT_CONCURRENCY)


_ACCOUNTS: dict[tuple[str, str], AccountConcurrency] = {}


def set_account_concurrency(account_id: str, region: str, *, limit: int,
                            quota: float | None = None) -> None:
    """Make `account_id` in `region` allow `limit` concurrent executions (and show `quota` in
    Service Quotas, by default the same)."""
    _ACCOUNTS[(account_id, region)] = AccountConcurrency(limit, float(limit if quota is None
                                                                      else quota))


def forget_accounts() -> None:
    """Every account back to the default."""
    _ACCOUNTS.clear()


def _concurrency(account_id: str, region: str) -> AccountConcurrency:
    return _ACCOUNTS.get((account_id, region), AccountConcurrency())


def _get_account_settings(self: LambdaResponse) -> str:
    account = _concurrency(self.current_account, self.region)
    functions = lambda_backends[self.current_account][self.region].list_functions()
    reserved = sum(int(function.reserved_concurrency or 0) for function in functions)
    return json.dumps({
        "AccountLimit": {
            "TotalCodeSize": 80_530_636_800,
            "CodeSizeUnzipped": 262_144_000,
            "CodeSizeZipped": 52_428_800,
            "ConcurrentExecutions": account.limit,
            "UnreservedConcurrentExecutions": account.limit - reserved,
        },
        "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(functions)},
    })


def _lambda_quota(backend: ServiceQuotasBackend, quota_code: str) -> dict[str, Any]:
    if quota_code != CONCURRENT_EXECUTIONS_QUOTA:
        raise NoSuchResource
    account = _concurrency(backend.account_id, backend.region_name)
    return {
        "ServiceCode": "lambda",
        "ServiceName": "AWS Lambda",
        "QuotaArn": f"arn:aws:servicequotas:{backend.region_name}:{backend.account_id}:"
                    f"lambda/{CONCURRENT_EXECUTIONS_QUOTA}",
        "QuotaCode": CONCURRENT_EXECUTIONS_QUOTA,
        "QuotaName": "Concurrent executions",
        "Value": account.quota,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def install() -> None:
    """Add both to moto (idempotent); call before the moto server answers its first Lambda
    request, since it builds its URL map then."""
    if getattr(LambdaResponse, "get_account_settings", None) is _get_account_settings:
        return
    lambda_urls.url_paths[ACCOUNT_SETTINGS_PATH] = LambdaResponse.dispatch
    LambdaResponse.get_account_settings = _get_account_settings  # type: ignore[attr-defined]
    original = ServiceQuotasBackend.get_service_quota

    def get_service_quota(self: ServiceQuotasBackend, service_code: str,
                          quota_code: str) -> dict[str, Any]:
        if service_code == "lambda":
            return _lambda_quota(self, quota_code)
        return original(self, service_code, quota_code)

    ServiceQuotasBackend.get_service_quota = get_service_quota  # type: ignore[method-assign]
