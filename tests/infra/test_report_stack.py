"""ReportStack: the monthly schedule, the report function's settings, its least-privilege grants
(the workgroup, the database, what the queries read, `reports/`, the SES identity) and alarms."""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from spotify_runtime import contract, layout

from infra.config import CONTEXT_KEY, ConfigError, parse_config
from infra.stage import SpotifyEtlStage
from tests.infra.cfn import function, function_statements, grants, only, resources
from tests.infra.conftest import cdk_json_context

BUCKET = "arn:<AWS::Partition>:s3:::spotify-etl-dev-<AWS::AccountId>-us-east-1"
HANDLER = contract.REPORT_HANDLER
OWNER = "owner@example.com"
ARN = "arn:<AWS::Partition>:{}:us-east-1:<AWS::AccountId>:{}"


def _report_template(tmp_path, **settings) -> Template:
    """The dev environment's ReportStack with `settings` over cdk.json's."""
    context = copy.deepcopy(cdk_json_context())
    context[CONTEXT_KEY]["environments"]["dev"].update(settings)
    app = cdk.App(context=context, outdir=str(tmp_path))
    (dev,) = parse_config(context[CONTEXT_KEY]).select("dev")
    return Template.from_stack(SpotifyEtlStage(app, dev).report)


def test_the_schedule_runs_on_the_1st_in_the_schedule_time_zone(dev):
    schedule = only(dev.report, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpression"] == f"cron({contract.DEFAULT_REPORT_SCHEDULE_CRON})"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    target = schedule["Target"]
    assert target["Input"] == '{"run_at":"<aws.scheduler.scheduled-time>"}'
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2
    assert "DeadLetterConfig" in target
    function_id, _ = function(dev.report, HANDLER)
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_function_settings_come_from_the_contract(dev):
    _, properties = function(dev.report, HANDLER)
    assert properties["MemorySize"] == contract.REPORT_MEMORY_MB
    assert properties["Timeout"] == contract.REPORT_TIMEOUT_SECONDS
    assert "Layers" not in properties  # plotly and pillow are in its own asset, no pandas
    variables = properties["Environment"]["Variables"]
    assert variables[contract.ENV_REPORT_WORKGROUP] == "spotify-etl-dev"
    assert variables[contract.ENV_REPORT_DATABASE] == "spotify_etl_dev"
    assert variables[contract.ENV_REPORT_TIME_ZONE] == "UTC"
    assert variables[contract.ENV_PLAY_MIN_SECONDS] == "30"
    assert contract.ENV_REPORT_EMAIL not in variables  # dev sets no address: bucket only


def test_grants_the_workgroup_the_database_what_it_reads_and_reports_only(dev):
    statements = function_statements(dev.report, HANDLER)
    allowed = grants(statements)
    s3 = {(a, r) for a, r in allowed if a.startswith("s3:")}
    assert s3 == {
        # Athena reads with the caller's permissions: the Iceberg tables' data and metadata
        # files, `streams`' month objects and the run log's day objects.
        ("s3:GetObject", f"{BUCKET}/{layout.TABLES}*"),
        ("s3:GetObject", f"{BUCKET}/{layout.STREAMS}*"),
        ("s3:GetObject", f"{BUCKET}/{layout.RUN_LOG_OBJECTS}"),
        ("s3:GetObject", f"{BUCKET}/{layout.ATHENA_RESULTS}*"),
        ("s3:PutObject", f"{BUCKET}/{layout.ATHENA_RESULTS}*"),
        ("s3:AbortMultipartUpload", f"{BUCKET}/{layout.ATHENA_RESULTS}*"),
        ("s3:PutObject", f"{BUCKET}/{layout.REPORTS}*"),
        ("s3:GetBucketLocation", BUCKET),
    }
    athena = {r for a, r in allowed if a.startswith("athena:")}
    assert athena == {ARN.format("athena", "workgroup/spotify-etl-dev")}
    glue = {r for a, r in allowed if a.startswith("glue:")}
    assert glue == {ARN.format("glue", "catalog"), ARN.format("glue", "database/spotify_etl_dev"),
                    ARN.format("glue", "table/spotify_etl_dev/*")}
    assert not {a for a, _ in allowed if a.startswith("glue:") and not a.startswith("glue:Get")}
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [
        f"{layout.TABLES}*", f"{layout.STREAMS}*", f"{layout.RUN_LOG}*",
        f"{layout.ATHENA_RESULTS}*"]}}
    assert not [a for a, _ in allowed if a.startswith("ses:")]  # no address: no mail


def test_with_an_address_it_may_send_raw_mail_from_that_identity_only(tmp_path):
    template = _report_template(tmp_path, report_email=OWNER)
    statements = function_statements(template, HANDLER)
    ses = {(a, r) for a, r in grants(statements) if a.startswith("ses:")}
    assert ses == {("ses:SendRawEmail", ARN.format("ses", f"identity/{OWNER}"))}
    _, properties = function(template, HANDLER)
    assert properties["Environment"]["Variables"][contract.ENV_REPORT_EMAIL] == OWNER


def test_without_report_email_the_alert_address_gets_the_report(tmp_path):
    template = _report_template(tmp_path, alert_email="alerts@example.com",
                                schedule_time_zone="Europe/Paris")
    _, properties = function(template, HANDLER)
    assert properties["Environment"]["Variables"][contract.ENV_REPORT_EMAIL] == \
        "alerts@example.com"
    schedule = only(template, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Paris"


def test_nothing_listens_under_reports(environments):
    for env in environments.values():
        for template in env.templates.values():
            for rule in resources(template, "AWS::Events::Rule").values():
                assert layout.REPORTS not in str(rule["Properties"].get("EventPattern"))


def test_alarms_on_errors_and_on_undelivered_schedules(dev):
    alarms = [a["Properties"] for a in resources(dev.report, "AWS::CloudWatch::Alarm").values()]
    function_id, _ = function(dev.report, HANDLER)
    errors = [a for a in alarms if a.get("MetricName") == "Errors"]
    assert len(errors) == 1
    assert errors[0]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
    assert errors[0]["AlarmActions"]
    assert [a for a in alarms if a.get("MetricName") == "ApproximateNumberOfMessagesVisible"]


@pytest.mark.parametrize("cron", ["0 6 2 * ? *", "0 6 ? * MON *", "0 6 1 1 ? *"])
def test_a_report_schedule_off_the_1st_is_refused_naming_the_key(cron):
    context = copy.deepcopy(cdk_json_context())[CONTEXT_KEY]
    context["environments"]["dev"]["report_schedule_cron"] = cron
    with pytest.raises(ConfigError, match=r"^spotify-etl\.environments\.dev\."
                                          r"report_schedule_cron: .* on the 1st"):
        parse_config(context)


def test_a_report_email_that_is_no_address_is_refused_naming_the_key():
    context = copy.deepcopy(cdk_json_context())[CONTEXT_KEY]
    context["environments"]["dev"]["report_email"] = "owner at example"
    with pytest.raises(ConfigError, match=r"environments\.dev\.report_email: 'owner at example'"):
        parse_config(context)
