"""The optional CDK Pipelines stack: absent unless cdk.json enables it; then one stage per
environment in order, approvals where configured, `make test` and `make synth` as the synth step.
"""

from __future__ import annotations

import copy
import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from infra.config import CONTEXT_KEY, ConfigError, parse_config
from infra.stacks.deployment_pipeline import PipelineStack, approval_step_id
from tests.infra.cfn import only
from tests.infra.conftest import cdk_json_context
from tests.infra.test_app import run_app

CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/abc-123"


def with_pipeline(**section) -> dict:
    """The shipped context with the pipeline section enabled (and `section` over it)."""
    context = copy.deepcopy(cdk_json_context())
    context[CONTEXT_KEY]["pipeline"] = {
        "repository": "me/spotify-etl", "connection_arn": CONNECTION,
        "environments": {"prod": {"approval": True}}, **section,
    }
    return context


def test_shipped_cdk_json_has_the_pipeline_disabled(config):
    raw = json.loads(json.dumps(cdk_json_context()))[CONTEXT_KEY]
    assert raw["pipeline"]["enabled"] is False
    assert config.pipeline is None


@pytest.mark.parametrize(("section", "key"), [
    ({"repository": "not a repo"}, "pipeline.repository"),
    ({"connection_arn": "arn:aws:s3:::bucket"}, "pipeline.connection_arn"),
    ({"environments": {"staging": {"approval": True}}}, "pipeline.environments.staging"),
    ({"environments": {"prod": {"approval": "yes"}}}, "pipeline.environments.prod.approval"),
    ({"branch": ""}, "pipeline.branch"),
    ({"enabled": "no"}, "pipeline.enabled"),
    ({"bucket": "x"}, "pipeline.bucket"),
])
def test_pipeline_mistakes_name_the_key(section, key):
    with pytest.raises(ConfigError, match=f"^spotify-etl.{key}"):
        parse_config(with_pipeline(**section)[CONTEXT_KEY])


@pytest.fixture(scope="module")
def pipeline_stack(tmp_path_factory):
    context = with_pipeline()
    config = parse_config(context[CONTEXT_KEY])
    app = cdk.App(context=context, outdir=str(tmp_path_factory.mktemp("pipeline.out")))
    stack = PipelineStack(
        app, "SpotifyEtlPipeline", pipeline=config.pipeline,
        environments=config.select(None), env=cdk.Environment(region="us-east-1"),
    )
    return stack, Template.from_stack(stack)


def test_one_stage_per_environment_in_order_with_approval_where_configured(pipeline_stack):
    _, template = pipeline_stack
    stages = only(template, "AWS::CodePipeline::Pipeline")["Stages"]
    names = [stage["Name"] for stage in stages]
    assert names[:3] == ["Source", "Build", "UpdatePipeline"]  # self-mutation before deploying
    deployed = [n for n in names if n.startswith("SpotifyEtl-")]
    assert deployed == ["SpotifyEtl-dev", "SpotifyEtl-prod"]
    by_name = {stage["Name"]: stage["Actions"] for stage in stages}
    for env, approved in (("dev", False), ("prod", True)):
        actions = by_name[f"SpotifyEtl-{env}"]
        approvals = [a for a in actions if a["ActionTypeId"]["Category"] == "Approval"]
        deploys = [a for a in actions if a["ActionTypeId"]["Category"] == "Deploy"]
        assert {a["Name"].split(".")[0] for a in deploys} == {"Ingest", "Transform", "Catalog",
                                                              "HistoryImport", "Report"}
        if approved:
            (approval,) = approvals
            assert approval["Name"] == approval_step_id(env)
            assert approval["RunOrder"] < min(a["RunOrder"] for a in deploys)
        else:
            assert approvals == []


def test_source_is_the_connection_and_synth_runs_the_tests_then_synth(pipeline_stack):
    _, template = pipeline_stack
    stages = only(template, "AWS::CodePipeline::Pipeline")["Stages"]
    (source,) = stages[0]["Actions"]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == CONNECTION
    assert source["Configuration"]["FullRepositoryId"] == "me/spotify-etl"
    assert source["Configuration"]["BranchName"] == "main"
    specs = [
        json.loads(project["Properties"]["Source"]["BuildSpec"])
        for project in template.find_resources("AWS::CodeBuild::Project").values()
    ]
    synth = [s for s in specs if "make test" in json.dumps(s)]
    assert len(synth) == 1
    assert synth[0]["phases"]["build"]["commands"] == ["make test", "make synth"]


def test_app_synthesizes_the_pipeline_when_enabled_with_no_nag_finding(tmp_path):
    result = run_app(tmp_path, with_pipeline())
    assert result.returncode == 0, result.stderr
    out = tmp_path / "cdk.out"
    report = out / "validation-report.json"
    if report.exists():
        plugins = json.loads(report.read_text())["pluginReports"]
        assert [v["ruleName"] for p in plugins for v in p["violations"]] == []
    manifest = json.loads((out / "manifest.json").read_text())
    artifacts = manifest["artifacts"].items()
    stacks = {n for n, a in artifacts if a["type"] == "aws:cloudformation:stack"}
    assert stacks == {"SpotifyEtlPipeline"}
    # The environments are now deployed by the pipeline: their assemblies sit below it.
    assemblies = {n for n, a in manifest["artifacts"].items() if a["type"] == "cdk:cloud-assembly"}
    assert assemblies == {"assembly-SpotifyEtlPipeline-SpotifyEtl-dev",
                          "assembly-SpotifyEtlPipeline-SpotifyEtl-prod"}
