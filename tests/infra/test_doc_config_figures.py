"""Figures the docs derive from the code (`<!-- config:KEY -->TEXT<!-- /config -->`) are the
code's: the defaults of config.py and what the templates hold."""

from __future__ import annotations

import re

from spotify_runtime.partition_files import MAX_ATTEMPTS, MAX_BACKOFF_SECONDS
from spotify_runtime.transform.handler import SECONDS_KEPT_AFTER_WAITING

from infra.config import EnvironmentSettings
from tests.infra.conftest import ROOT

MARKER = re.compile(r"<!-- config:(?P<key>[a-z0-9_]+) -->(?P<text>.*?)<!-- /config -->")
ALARM_PRICE_USD = 0.10
"""A standard-resolution CloudWatch alarm per month (us-east-1 list price), as the cost table
says."""


def _quoted() -> list[tuple[str, str, str]]:
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [(path.name, m["key"], m["text"]) for path in docs
            for m in MARKER.finditer(path.read_text(encoding="utf-8"))]


def test_config_figures_in_the_docs_are_the_codes(dev) -> None:
    alarms = sum(len(template.find_resources("AWS::CloudWatch::Alarm"))
                 for template in dev.templates.values())
    expected = {
        "transform_memory_mb": str(EnvironmentSettings("x").transform_memory_mb),
        "alarms": str(alarms),
        "alarms_cost": f"{alarms * ALARM_PRICE_USD:.2f}",
        "write_attempts": str(MAX_ATTEMPTS),
        "max_backoff_seconds": str(MAX_BACKOFF_SECONDS),
        "seconds_kept_after_waiting": str(SECONDS_KEPT_AFTER_WAITING),
    }
    quoted = _quoted()
    assert {key for _, key, _ in quoted} == set(expected)
    for doc, key, text in quoted:
        assert text == expected[key], f"{doc}: {key} says {text!r}, the code {expected[key]!r}"
