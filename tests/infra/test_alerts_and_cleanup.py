"""Someone gets told (alert_email warning), redeploys work and results expire."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template
from spotify_runtime import layout

from infra.config import parse_environment
from infra.constructs.alerts import NO_ALERT_EMAIL_WARNING
from infra.constructs.nag import render
from infra.stage import SpotifyEtlStage
from tests.infra.cfn import resources

NAME_PROPERTIES = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::Glue::Database": "DatabaseInput.Name",
    "AWS::Athena::WorkGroup": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Events::Rule": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
}


def named_resources(environment):
    """(stack, logical ID, resource) of every resource with a physical name we chose."""
    for stack, template in environment.templates.items():
        for resource_type, path in NAME_PROPERTIES.items():
            for logical_id, resource in resources(template, resource_type).items():
                value = resource["Properties"]
                for part in path.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if value is not None:
                    yield stack, logical_id, resource


def warnings_about_alert_email(stack):
    return Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp(f".*{NO_ALERT_EMAIL_WARNING}|.*alert_email.*")
    )


def test_an_environment_without_alert_email_warns_but_synthesizes(environments, config):
    for name, env in environments.items():
        assert config.environments[name].alert_email is None
        (warning,) = warnings_about_alert_email(env.stage.ingest)
        assert "alarms go to an SNS topic nobody is subscribed to" in str(warning.entry.data)


def test_with_alert_email_there_is_no_warning(tmp_path):
    app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    settings = parse_environment("mail", {"alert_email": "ops@example.com"}, {})
    stage = SpotifyEtlStage(app, settings)
    assert warnings_about_alert_email(stage.ingest) == []


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_named_resource_follows_destroy_on_removal(environments, config, name):
    destroy = config.environments[name].destroy_on_removal
    found = list(named_resources(environments[name]))
    assert len(found) > 10
    for stack, logical_id, resource in found:
        if resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::Events::Rule",
                                "AWS::IAM::Role"):
            assert resource.get("DeletionPolicy", "Delete") == "Delete", logical_id
            continue
        expected = "Delete" if destroy else "Retain"
        assert resource.get("DeletionPolicy") == expected, f"{name}/{stack}/{logical_id}"


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_athena_results_expire_and_are_read_only_through_athena(environments, config, name):
    ingest: Template = environments[name].ingest
    days = config.environments[name].athena_results_expiration_days
    buckets = resources(ingest, "AWS::S3::Bucket")
    (lake,) = [b for b in buckets.values() if "BucketName" in b["Properties"]]
    rules = {r["Id"]: r for r in lake["Properties"]["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireAthenaResults"]["Prefix"] == layout.ATHENA_RESULTS
    assert rules["ExpireAthenaResults"]["ExpirationInDays"] == days == 30
    statements = [
        s for policy in resources(ingest, "AWS::S3::BucketPolicy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and "aws:CalledVia" in json.dumps(s.get("Condition"))
    ]
    (deny,) = statements
    assert deny["Principal"] == {"AWS": "*"}
    assert set(deny["Action"]) == {"s3:GetObject", "s3:GetObjectVersion"}
    assert render(deny["Resource"]).endswith(f"/{layout.ATHENA_RESULTS}*")
    assert deny["Condition"] == {
        "ForAllValues:StringNotEquals": {"aws:CalledVia": ["athena.amazonaws.com"]}
    }
