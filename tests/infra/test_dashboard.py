"""The environment's dashboard: one widget per operator question, on contract.py's metrics."""

from __future__ import annotations

import json

import pytest
from spotify_runtime import contract

from infra.constructs.nag import render
from tests.infra.cfn import only


def _joined(node) -> str:
    """The body with literal text kept verbatim (it is JSON) and references as `<...>`."""
    if isinstance(node, str):
        return node
    if "Fn::Join" in node:
        delimiter, items = node["Fn::Join"]
        return delimiter.join(_joined(item) for item in items)
    if "Fn::ImportValue" in node:  # a name exported by IngestStack
        return f"<import:{node['Fn::ImportValue'].split(':')[-1]}>"
    return render(node)


def widgets(template) -> list[dict]:
    dashboard = only(template, "AWS::CloudWatch::Dashboard")
    return json.loads(_joined(dashboard["DashboardBody"]))["widgets"]


def metrics_of(widget: dict) -> list[list]:
    return widget["properties"].get("metrics", [])


def find(widgets_: list[dict], question: str) -> dict:
    (widget,) = [w for w in widgets_ if question in w["properties"]["title"]]
    return widget


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_one_dashboard_per_environment_with_a_widget_per_question(environments, name):
    dashboard = only(environments[name].transform, "AWS::CloudWatch::Dashboard")
    assert dashboard["DashboardName"] == f"spotify-etl-{name}-pipeline"
    titles = [w["properties"]["title"] for w in widgets(environments[name].transform)]
    assert len(titles) == 8 and len(set(titles)) == 8
    assert all(title.endswith((")", "?")) for title in titles)


def test_sources_landed_and_failed_per_day(dev):
    widget = find(widgets(dev.transform), "sources land?")
    lines = metrics_of(widget)
    outcome_lines = [line for line in lines if line[0] == contract.METRICS_NAMESPACE]
    outcomes = {line[line.index(contract.METRIC_DIMENSION_OUTCOME) + 1] for line in outcome_lines}
    assert outcomes == {"landed", "dead_lettered"}
    assert all(line[1] == contract.METRIC_WORKER_OUTCOME for line in outcome_lines)
    (runs,) = [line for line in lines if line[0] == "AWS/Lambda"]
    assert runs[1] == "Invocations" and runs[-1]["label"] == "runs (planner invocations)"
    assert widget["properties"]["period"] == 86400


def test_every_worker_outcome_has_a_line(dev):
    widget = find(widgets(dev.transform), "What did the extract worker do")
    outcomes = [line[line.index(contract.METRIC_DIMENSION_OUTCOME) + 1]
                for line in metrics_of(widget)]
    assert outcomes == list(contract.WORKER_OUTCOMES)


@pytest.mark.parametrize(("question", "metric"), [
    ("Spotify requests", contract.METRIC_SPOTIFY_REQUESTS),
    ("Spotify requests", contract.METRIC_SPOTIFY_RATE_LIMITED),
    ("quarantined", contract.METRIC_RAW_FILES_QUARANTINED),
    ("quarantined", contract.METRIC_RAW_FILES_TRANSFORMED),
    ("new authorization", contract.METRIC_REFRESH_TOKEN_DAYS_LEFT),
    ("latest snapshot date", contract.METRIC_LATEST_SNAPSHOT_DATE),
])
def test_custom_metrics_are_the_contract_s_on_this_bucket(dev, question, metric):
    lines = metrics_of(find(widgets(dev.transform), question))
    (line,) = [line for line in lines if line[1] == metric]
    assert line[0] == contract.METRICS_NAMESPACE
    bucket = line[line.index(contract.METRIC_DIMENSION_BUCKET) + 1]
    assert bucket == "spotify-etl-dev-<AWS::AccountId>-us-east-1"


def test_transform_duration_and_errors(dev):
    lines = metrics_of(find(widgets(dev.transform), "transform slow or failing"))
    assert {(line[0], line[1]) for line in lines} == {("AWS/Lambda", "Duration"),
                                                      ("AWS/Lambda", "Errors")}


def test_every_dead_letter_queue_depth(dev):
    lines = metrics_of(find(widgets(dev.transform), "dead-letter queue"))
    assert [(line[0], line[1]) for line in lines] == [
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible")] * 3
    labels = {line[-1]["label"] for line in lines}
    assert labels == {"extract dead letters", "schedule dead letters", "transform failures"}
