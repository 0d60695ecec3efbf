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
    # The transform's Iceberg tables are created in the catalog's database, after CatalogStack
    # dropped any Parquet table of the same name an earlier version had there.
    assert dependency_ids(stage.transform) == {"Ingest", "Catalog"}
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


def test_ingest_exports_only_the_alert_topic_and_the_names_the_dashboard_graphs(dev):
    # IngestStack imports nothing from the other stacks. It exports the alert topic (its ARN)
    # and, for TransformStack's dashboard, the names of the worker and of two queues: plain
    # names, so no resource of one stack depends on another's beyond reading them.
    assert imported_values(dev.ingest) == set()
    exports = dev.ingest.to_json()["Outputs"]
    topic = next(iter(dev.ingest.find_resources("AWS::SNS::Topic")))
    values = [output["Value"] for output in exports.values()]
    assert {"Ref": topic} in values
    others = [value for value in values if value != {"Ref": topic}]
    types = {dev.ingest.to_json()["Resources"][
        value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]]["Type"] for value in others}
    assert types <= {"AWS::SQS::Queue", "AWS::Lambda::Function"}
    assert all("Ref" in value or value["Fn::GetAtt"][1] == "QueueName" for value in others)
    assert len(imported_values(dev.transform)) == len(exports)
    assert imported_values(dev.catalog) <= imported_values(dev.transform)


def test_environments_get_their_region(environments, config):
    for name, env in environments.items():
        assert env.stage.ingest.region == config.environments[name].region
