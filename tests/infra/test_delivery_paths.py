"""Every delivery path is allowed on every side that applies, in every environment, and
docs/infrastructure.md lists exactly the paths of the templates."""

from __future__ import annotations

import copy
import re

import pytest
from spotify_runtime import contract

from tests.infra.conftest import ROOT
from tests.infra.delivery_paths import (
    NONE,
    MissingPermissionError,
    labels,
    table,
    walk,
)

DOC = ROOT / "docs" / "infrastructure.md"
BEGIN, END = "<!-- delivery-paths:begin -->", "<!-- delivery-paths:end -->"


def paths_of(environment, config, name):
    return walk(environment.templates, config.environments[name].region)


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_alarm_rule_target_dead_letter_queue_and_mapping_is_allowed(
    environments, config, name
):
    env = environments[name]
    paths = paths_of(env, config, name)  # raises MissingPermissionError naming the side
    alarms = sum(len(t.find_resources("AWS::CloudWatch::Alarm")) for t in env.templates.values())
    assert sum(p.producer.startswith("alarm ") for p in paths) == alarms
    targets = sum(
        len(rule["Properties"]["Targets"])
        + sum("DeadLetterConfig" in t for t in rule["Properties"]["Targets"])
        for template in env.templates.values()
        for rule in template.find_resources("AWS::Events::Rule").values()
    )
    assert sum(p.producer.startswith("rule ") for p in paths) == targets
    for path in paths:
        assert (path.sender, path.resource_policy) != (NONE, NONE), path
        if path.consumer.startswith("topic "):  # the alert topic has its own key
            assert path.key_policy != NONE, path


def test_alarms_and_alert_rules_notify_the_topic(dev, config):
    paths = paths_of(dev, config, "dev")
    alerting = [p for p in paths if p.consumer.startswith("topic ")]
    assert alerting and all(p.producer.startswith("alarm ") for p in alerting)
    assert all("aws:SourceArn" in p.resource_policy for p in alerting)
    assert all("aws:SourceArn" in p.key_policy for p in alerting)


def remove_statement(template_json, resource_type, predicate):
    for resource in template_json["Resources"].values():
        if resource["Type"] == resource_type:
            document = resource["Properties"].get("PolicyDocument") or resource["Properties"][
                "KeyPolicy"]
            document["Statement"] = [s for s in document["Statement"] if not predicate(s)]


class Edited:
    """A template whose JSON was edited (what `walk` reads of a Template)."""

    def __init__(self, json_document):
        self._json = json_document

    def to_json(self):
        return self._json


@pytest.mark.parametrize(("stack", "resource_type", "service", "missing"), [
    ("Ingest", "AWS::SNS::TopicPolicy", "cloudwatch.amazonaws.com", "no resource policy"),
    ("Ingest", "AWS::KMS::Key", "cloudwatch.amazonaws.com", "no Allow"),
    ("Transform", "AWS::SQS::QueuePolicy", "events.amazonaws.com", "no resource policy"),
])
def test_the_walk_fails_when_one_side_is_missing(dev, config, stack, resource_type, service,
                                                 missing):
    templates = {name: Edited(copy.deepcopy(t.to_json())) for name, t in dev.templates.items()}
    remove_statement(templates[stack].to_json(), resource_type,
                     lambda s: service in str(s.get("Principal")))
    with pytest.raises(MissingPermissionError, match=missing):
        walk(templates, config.environments["dev"].region)


def test_the_transform_queue_bounds_concurrency_without_reserving_any(environments, config):
    for name, env in environments.items():
        (function,) = [
            f for f in env.transform.find_resources("AWS::Lambda::Function").values()
            if f["Properties"]["Handler"] == contract.TRANSFORM_HANDLER
        ]
        assert "ReservedConcurrentExecutions" not in function["Properties"]
        (mapping,) = env.transform.find_resources("AWS::Lambda::EventSourceMapping").values()
        properties = mapping["Properties"]
        settings = config.environments[name]
        assert properties["ScalingConfig"] == {
            "MaximumConcurrency": settings.transform_max_concurrency
        }
        assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert properties["BatchSize"] == settings.transform_batch_size
        window = settings.transform_batching_window_seconds
        assert properties.get("MaximumBatchingWindowInSeconds", 0) == window
        queues = env.transform.find_resources("AWS::SQS::Queue")
        source = queues[properties["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        # AWS's advice for an SQS event source: six times the function timeout plus the window.
        assert source["VisibilityTimeout"] >= (
            contract.SQS_VISIBILITY_TIMEOUT_FACTOR * contract.TRANSFORM_TIMEOUT_SECONDS + window
        )
        redrive = source["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == settings.transform_max_receive_count
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in queues


def test_docs_table_is_the_templates_paths(dev, config):
    expected = table(paths_of(dev, config, "dev"), "dev", labels(dev.stage))
    text = DOC.read_text(encoding="utf-8")
    found = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), text, flags=re.DOTALL)
    assert found, f"{DOC} lacks the {BEGIN} ... {END} section"
    assert found.group(1) == expected, (
        "docs/infrastructure.md's delivery paths are out of date: replace the table with the "
        "output of `.venv/bin/python -m tests.infra.delivery_paths`"
    )
