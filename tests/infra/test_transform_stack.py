"""TransformStack: trigger queue, failure handling, pandas layer, grants and alarms."""

from __future__ import annotations

from spotify_runtime import layout
from spotify_runtime.contract import METRIC_RAW_FILE_FAILURES
from spotify_runtime.contract import METRIC_RAW_FILES_QUARANTINED as QUARANTINE_METRIC

from tests.infra.cfn import actions_on, function, function_statements, only, resources

TRANSFORM = "spotify_runtime.transform.handler.handler"
BUCKET = "spotify-etl-dev-<AWS::AccountId>-us-east-1"


def test_rule_sends_object_created_under_to_process_into_the_transform_queue(dev):
    rule = only(dev.transform, "AWS::Events::Rule")
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["object"] == {"key": [{"prefix": layout.RAW_TO_PROCESS}]}
    (mapping,) = resources(dev.transform, "AWS::Lambda::EventSourceMapping").values()
    function_id, _ = function(dev.transform, TRANSFORM)
    assert mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    (target,) = rule["Targets"]
    assert target["Arn"] == mapping["Properties"]["EventSourceArn"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] <= 2
    assert "DeadLetterConfig" in target


def test_failed_files_end_in_the_failure_queue_after_bounded_deliveries(dev):
    # The function is invoked synchronously by its event source: no async retries to configure.
    assert resources(dev.transform, "AWS::Lambda::EventInvokeConfig") == {}
    queues = resources(dev.transform, "AWS::SQS::Queue")
    (source,) = [q for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    failures_id = source["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    rule = only(dev.transform, "AWS::Events::Rule")
    (target,) = rule["Targets"]
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == failures_id
    assert all(q["Properties"]["SqsManagedSseEnabled"] for q in queues.values())


def test_transform_uses_the_pandas_layer_from_ssm_and_configured_memory(dev, config):
    _, transform = function(dev.transform, TRANSFORM)
    settings = config.environments["dev"]
    assert transform["Runtime"] == "python3.14"
    assert transform["MemorySize"] == settings.transform_memory_mb
    (layer,) = transform["Layers"]
    parameter = dev.transform.to_json()["Parameters"][layer["Ref"]]
    assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    assert parameter["Default"] == (
        f"/aws/service/aws-sdk-pandas/{settings.pandas_layer_version}/py3.14/x86_64/layer-arn"
    )
    assert set(transform["Environment"]["Variables"]) == {"DATA_BUCKET", "LOG_LEVEL"}


def test_transform_grants_exactly_its_prefixes(dev):
    statements = function_statements(dev.transform, TRANSFORM)
    assert actions_on(statements, f"{BUCKET}/{layout.RAW_TO_PROCESS}*") == {
        "s3:GetObject",
        "s3:DeleteObject",
    }
    for prefix in (layout.RAW_PROCESSED, layout.RAW_FAILED):
        assert actions_on(statements, f"{BUCKET}/{prefix}*") == {"s3:PutObject"}
    # Each table partition is one object it reads, merges into and puts back under a
    # condition; nothing there is ever deleted (docs/storage.md).
    assert actions_on(statements, f"{BUCKET}/{layout.PROCESSED}*") == {
        "s3:GetObject",
        "s3:PutObject",
    }
    s3_actions = {
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if action.startswith("s3:")
    }
    assert s3_actions == {"s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:ListBucket"}


def test_list_bucket_only_on_the_archive_prefixes(dev):
    # What decides "already processed" (transform/raw_object.py): a listing of the archived key.
    statements = function_statements(dev.transform, TRANSFORM)
    (listing,) = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": [f"{layout.RAW_PROCESSED}*", f"{layout.RAW_FAILED}*"]}
    }
    assert not actions_on(statements, f"{BUCKET}/{layout.RAW_PROCESSED}*") & {
        "s3:GetObject", "s3:GetObject*"
    }


def test_alarms_on_errors_failures_and_quarantined_files(dev):
    alarms = [a["Properties"] for a in resources(dev.transform, "AWS::CloudWatch::Alarm").values()]
    by_metric = {a["MetricName"]: a for a in alarms}
    assert set(by_metric) == {"Errors", "ApproximateNumberOfMessagesVisible", QUARANTINE_METRIC,
                              METRIC_RAW_FILE_FAILURES}
    for metric in (QUARANTINE_METRIC, METRIC_RAW_FILE_FAILURES):
        custom = by_metric[metric]
        assert custom["Namespace"] == "SpotifyEtl"
        (dimension,) = custom["Dimensions"]
        assert dimension["Name"] == "Bucket"
        assert custom["Threshold"] == 0
        assert custom["ComparisonOperator"] == "GreaterThanThreshold"
    for alarm in alarms:
        # The topic lives in IngestStack: the action is an imported value.
        (action,) = alarm["AlarmActions"]
        assert "Fn::ImportValue" in action
