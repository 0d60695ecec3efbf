"""The monthly report function on moto's server: the previous month's queries in the workgroup
(canned Athena results, as test_report_from_athena.py), the page and card in `reports/`, and the
mail through SES (moto refuses a sender that is not verified, as SES does)."""

from __future__ import annotations

import email
from email import policy
from zoneinfo import ZoneInfo

import pytest
import requests
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends
from spotify_runtime import contract
from spotify_runtime.layout import REPORTS
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.monthly import (
    MonthlySettings,
    ReportEventError,
    handler,
    month_to_report,
)
from spotify_runtime.report.queries import report_queries

from spotify_etl.report.build import PLOTLY_BUNDLE
from spotify_local.identity import ACCOUNT, REGION
from spotify_local.moto_aws import local_aws
from tests.report.test_report_from_athena import CANNED, DATABASE, WORKGROUP, _athena_result

OWNER = "owner@example.com"


def _environ(local, email_address: str | None) -> dict[str, str]:
    env = {contract.ENV_DATA_BUCKET: local.bucket, contract.ENV_REPORT_WORKGROUP: WORKGROUP,
           contract.ENV_REPORT_DATABASE: DATABASE, contract.ENV_REPORT_TIME_ZONE: "Europe/Paris",
           contract.ENV_PLAY_MIN_SECONDS: "30"}
    if email_address:
        env[contract.ENV_REPORT_EMAIL] = email_address
    return env


def _queue_results(local) -> None:
    """One canned result per query of the month, then empty ones for the month before."""
    queries = report_queries()
    local.client("athena").create_work_group(Name=WORKGROUP, Configuration={
        "ResultConfiguration": {"OutputLocation": f"s3://{local.bucket}/athena-results/"}})
    results = [_athena_result(*CANNED.get(name, ([("nothing", "varchar")], [])))
               for name in queries]
    results += [_athena_result([("nothing", "varchar")], []) for _ in queries]
    answer = requests.post(f"{local.endpoint_url}/moto-api/static/athena/query-results",
                           json={"account_id": ACCOUNT, "region": REGION, "results": results},
                           timeout=10)
    assert answer.status_code == 201


def _sent_messages() -> list:
    """What moto's SES accepted: its server runs in this process (ThreadedMotoServer)."""
    return ses_backends[ACCOUNT][REGION].sent_messages


def _run(local, monkeypatch, email_address: str | None, event: dict) -> dict:
    for name, value in _environ(local, email_address).items():
        monkeypatch.setenv(name, value)
    return handler(event, athena=local.client("athena"), s3=local.client("s3"),
                   ses=local.client("ses"), chart_library=PLOTLY_BUNDLE)


def test_the_month_before_the_scheduled_time_is_written_and_mailed(monkeypatch):
    with local_aws() as local:
        _queue_results(local)
        ses = local.client("ses")
        ses.verify_email_identity(EmailAddress=OWNER)
        # 1 May 00:30 in Paris is still 30 April in UTC: the zone decides the month (April).
        answer = _run(local, monkeypatch, OWNER, {contract.RUN_AT_FIELD: "2026-04-30T22:30:00Z"})
        s3 = local.client("s3")
        keys = sorted(o["Key"] for o in s3.list_objects_v2(
            Bucket=local.bucket, Prefix=REPORTS)["Contents"])
        page = s3.get_object(Bucket=local.bucket, Key="reports/2026-04.html")
        card = s3.get_object(Bucket=local.bucket, Key="reports/2026-04.png")["Body"].read()
        executions = [local.client("athena").get_query_execution(QueryExecutionId=i)
                      ["QueryExecution"] for i in local.client("athena").list_query_executions(
                          WorkGroup=WORKGROUP)["QueryExecutionIds"]]
        sent = ses.get_send_statistics()["SendDataPoints"]
    assert answer["month"] == "2026-04" and answer["plays"] == 3
    assert answer["mailed_to"] == OWNER and answer["message_id"]
    assert keys == ["reports/2026-04.html", "reports/2026-04.png"]
    assert page["ContentType"] == "text/html; charset=utf-8"
    html = page["Body"].read().decode("utf-8")
    assert "Canned Artist" in html and "Your April 2026" in html
    assert "the monthly report function" in html
    assert card.startswith(b"\x89PNG\r\n\x1a\n")
    values = {value for e in executions for value in e["ExecutionParameters"]}
    # April against March, plays by the 30-second rule.
    assert values == {"'2026-03-01'", "'2026-03-31'", "'2026-04-01'", "'2026-04-30'", "'30000'"}
    # April of Paris: every query that counts days counts Paris's (REPORT_TIME_ZONE).
    in_paris = [e for e in executions if "AT TIME ZONE 'Europe/Paris'" in e["Query"]]
    assert len(in_paris) == 2 * sum(q.zone == "Europe/Paris"
                                    for q in report_queries(ZoneInfo("Europe/Paris")).values())
    assert {e["WorkGroup"] for e in executions} == {WORKGROUP}
    assert {e["QueryExecutionContext"]["Database"] for e in executions} == {DATABASE}
    assert sum(point["DeliveryAttempts"] for point in sent) == 1


def test_the_sent_message_holds_the_figures_the_card_inline_and_the_page(monkeypatch):
    with local_aws() as local:
        _queue_results(local)
        local.client("ses").verify_email_identity(EmailAddress=OWNER)
        _run(local, monkeypatch, OWNER, {contract.REPORT_MONTH_FIELD: "2026-04"})
        sent = _sent_messages()
        page = local.client("s3").get_object(Bucket=local.bucket, Key="reports/2026-04.html")
        page_bytes = page["Body"].read()
    assert len(sent) == 1
    assert sent[0].destinations == [OWNER]  # once: the To header, no Destinations beside it
    message = email.message_from_string(sent[0].raw_data, policy=policy.default)
    assert message["From"] == message["To"] == OWNER
    assert message["Subject"] == "Your April 2026: your listening report"
    text = message.get_body(("plain",)).get_content()
    assert "Plays: 3" in text and "Hours listened: 0.2" in text and "Artists: 1" in text
    html_part = message.get_body(("html",)).get_content()
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html_part
    assert images[0].get_content().startswith(b"\x89PNG")
    attached = [part for part in message.iter_attachments()
                if part.get_filename() == "2026-04.html"]
    assert len(attached) == 1 and attached[0].get_content() == page_bytes.decode("utf-8")


def test_an_unverified_sender_is_refused_after_the_report_is_written(monkeypatch):
    with local_aws() as local:
        _queue_results(local)
        with pytest.raises(ClientError, match=r"MessageRejected.*send from email owner@"):
            _run(local, monkeypatch, OWNER, {contract.REPORT_MONTH_FIELD: "2026-04"})
        objects = local.client("s3").list_objects_v2(Bucket=local.bucket, Prefix=REPORTS)
    assert [o["Key"] for o in objects["Contents"]] == ["reports/2026-04.html",
                                                       "reports/2026-04.png"]


def test_without_an_address_it_only_writes_to_the_bucket_and_says_so(monkeypatch, caplog):
    caplog.set_level("INFO")
    with local_aws() as local:
        _queue_results(local)
        answer = _run(local, monkeypatch, None, {contract.REPORT_MONTH_FIELD: "2026-04"})
        sent = _sent_messages()
    assert answer["mailed_to"] is None and sent == []
    assert "nothing is mailed" in caplog.text


@pytest.mark.parametrize(("event", "expected"), [
    ({"run_at": "2026-01-01T06:00:00Z"}, (2025, 12)),
    ({"run_at": "2026-03-01T06:00:00+00:00"}, (2026, 2)),
    ({"month": "2024-02"}, (2024, 2)),
])
def test_the_month_asked_for(event, expected):
    assert month_to_report(event, ZoneInfo("UTC")) == expected


@pytest.mark.parametrize(("event", "message"), [
    ({}, "run_at: None is not an ISO 8601 time"),
    ({"month": "2026-13"}, "month: '2026-13' is not a month"),
    ([], "expected a JSON object"),
])
def test_a_payload_without_a_month_is_refused_in_one_line(event, message):
    with pytest.raises(ReportEventError, match=message):
        month_to_report(event, ZoneInfo("UTC"))


def test_settings_name_the_variable_that_is_wrong():
    env = {contract.ENV_DATA_BUCKET: "b", contract.ENV_REPORT_WORKGROUP: "w",
           contract.ENV_REPORT_DATABASE: "d", contract.ENV_REPORT_TIME_ZONE: "Mars/Base",
           contract.ENV_PLAY_MIN_SECONDS: "30"}
    with pytest.raises(RuntimeError, match="REPORT_TIME_ZONE: unknown time zone 'Mars/Base'"):
        MonthlySettings.from_env(env)
    env[contract.ENV_REPORT_TIME_ZONE] = "UTC"
    settings = MonthlySettings.from_env(env)
    assert settings.email is None and settings.rule == PlayRule(30)
    del env[contract.ENV_REPORT_WORKGROUP]
    with pytest.raises(RuntimeError, match="REPORT_WORKGROUP is not set"):
        MonthlySettings.from_env(env)


