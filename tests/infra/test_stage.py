"""The stage: three stacks per environment, dependencies one way, settings per environment."""

from __future__ import annotations

import json

import pytest


def dependency_ids(stack):
    return {dependency.node.id for dependency in stack.dependencies}


def test_each_environment_is_a_stage_with_three_stacks(environments, config):
    assert set(environments) == set(config.environments) >= {"dev", "prod"}
    for name, env in environments.items():
        assert env.stage.node.id == f"SpotifyEtl-{name}"
        stack_names = {
            env.stage.ingest.stack_name,
            env.stage.transform.stack_name,
            env.stage.catalog.stack_name,
        }
        assert stack_names == {f"SpotifyEtl-{name}-{s}" for s in ("Ingest", "Transform", "Catalog")}


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_dependencies_run_one_way(environments, name):
    stage = environments[name].stage
    assert dependency_ids(stage.transform) == {"Ingest"}
    assert dependency_ids(stage.catalog) == {"Ingest"}
    assert dependency_ids(stage.ingest) == set()


def imported_values(template) -> set[str]:
    """The export names a template imports."""
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "Fn::ImportValue" in node:
                found.add(json.dumps(node["Fn::ImportValue"], sort_keys=True))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(template.to_json())
    return found


def test_ingest_exports_only_the_alert_topic_the_others_import(dev):
    # IngestStack exports the alert topic (its ARN); it imports nothing from the other stacks.
    assert imported_values(dev.ingest) == set()
    exports = dev.ingest.to_json()["Outputs"]
    assert len(exports) == 1
    (output,) = exports.values()
    assert output["Value"] == {"Ref": next(iter(dev.ingest.find_resources("AWS::SNS::Topic")))}
    assert len(imported_values(dev.transform)) == 1
    assert imported_values(dev.catalog) == imported_values(dev.transform)


def test_environments_get_their_region(environments, config):
    for name, env in environments.items():
        assert env.stage.ingest.region == config.environments[name].region
