"""The transform's batching settings (cdk.json): defaults, ranges and the rules between them, each
mistake refused at synth naming its key."""

from __future__ import annotations

import pytest

from infra.components.transformation import visibility_timeout_seconds
from infra.config import ConfigError, EnvironmentSettings, parse_environment

BASE = "spotify-etl.environments.dev"


def settings(**values) -> EnvironmentSettings:
    return parse_environment("dev", values, {})


def test_defaults_are_the_measured_ones():
    default = settings()
    assert default.transform_batch_size == 100
    assert default.transform_batching_window_seconds == 20
    assert default.transform_batch_max_mib == 128


@pytest.mark.parametrize(("key", "value"), [
    ("transform_batch_size", 0), ("transform_batch_size", 10_001),
    ("transform_batch_size", "100"), ("transform_batching_window_seconds", -1),
    ("transform_batching_window_seconds", 301), ("transform_batch_max_mib", 7),
    ("transform_batch_max_mib", True),
])
def test_out_of_range_values_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError, match=rf"^{BASE}\.{key}: expected a whole number"):
        settings(**{key: value})


def test_a_batch_over_ten_needs_a_window():
    with pytest.raises(ConfigError, match=rf"^{BASE}\.transform_batching_window_seconds: 0 "
                                          r"with transform_batch_size 11"):
        settings(transform_batch_size=11, transform_batching_window_seconds=0)
    assert settings(transform_batch_size=10, transform_batching_window_seconds=0)
    assert settings(transform_batch_size=10_000, transform_batching_window_seconds=300)


def test_the_batch_bytes_fit_a_quarter_of_the_memory():
    with pytest.raises(ConfigError, match=rf"^{BASE}\.transform_batch_max_mib: 443 MiB .* at "
                                          r"most 442"):
        settings(transform_batch_max_mib=443)  # 1769 // 4 = 442
    assert settings(transform_batch_max_mib=256, transform_memory_mb=1024)
    with pytest.raises(ConfigError, match=r"transform_batch_max_mib"):
        settings(transform_batch_max_mib=128, transform_memory_mb=500)


@pytest.mark.parametrize("window", [0, 20, 300])
def test_the_queue_outlasts_six_timeouts_and_the_window(window):
    from spotify_runtime import contract

    visibility = visibility_timeout_seconds(settings(transform_batching_window_seconds=window,
                                                     transform_batch_size=10))
    assert visibility >= 6 * contract.TRANSFORM_TIMEOUT_SECONDS + window
    assert visibility <= 12 * 3600  # SQS's most
