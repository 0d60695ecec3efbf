"""The stage: three stacks per environment, dependencies one way, settings per environment."""

from __future__ import annotations

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


def test_ingest_exports_only_what_transform_imports(dev):
    # IngestStack exports the alert topic; it imports nothing from the other stacks.
    ingest = dev.ingest.to_json()
    assert "Fn::ImportValue" not in str(ingest)
    assert "Fn::ImportValue" not in str(dev.catalog.to_json())
    assert "Fn::ImportValue" in str(dev.transform.to_json())


def test_environments_get_their_region(environments, config):
    for name, env in environments.items():
        assert env.stage.ingest.region == config.environments[name].region
