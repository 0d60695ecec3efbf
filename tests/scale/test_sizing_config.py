"""The queue-worker settings in cdk.json: a budget every concurrent worker gets a share of."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, parse_config


def config(**settings):
    return parse_config({"environments": {"dev": settings}})


def test_defaults_give_each_worker_a_share() -> None:
    dev = config().environments["dev"]
    assert dev.extract_requests_per_30s // dev.extract_max_concurrency >= 1


def test_a_budget_below_the_concurrency_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"environments\.dev\.extract_requests_per_30s: 3 "):
        config(extract_requests_per_30s=3, extract_max_concurrency=5)
