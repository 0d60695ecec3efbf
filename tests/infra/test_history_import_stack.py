"""HistoryImportStack: uploads under imports/ -> queue -> function; its grants and alarms."""

from __future__ import annotations

from spotify_runtime import contract, layout

from tests.infra.cfn import function, function_statements, grants, only, resources

BUCKET = "arn:<AWS::Partition>:s3:::spotify-etl-dev-<AWS::AccountId>-us-east-1"
HANDLER = contract.HISTORY_IMPORT_HANDLER


def test_object_created_under_imports_reaches_the_function_through_its_queue(dev):
    rule = only(dev.history_import, "AWS::Events::Rule")
    pattern = rule["EventPattern"]
    assert (pattern["source"], pattern["detail-type"]) == (["aws.s3"], ["Object Created"])
    assert pattern["detail"]["object"] == {"key": [{"prefix": layout.IMPORTS}]}
    (mapping,) = resources(dev.history_import, "AWS::Lambda::EventSourceMapping").values()
    function_id, _ = function(dev.history_import, HANDLER)
    assert mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    assert mapping["Properties"]["BatchSize"] == contract.HISTORY_IMPORT_BATCH_SIZE
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    (target,) = rule["Targets"]
    assert target["Arn"] == mapping["Properties"]["EventSourceArn"]
    queues = resources(dev.history_import, "AWS::SQS::Queue")
    source = queues[mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
    failures = source["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == failures
    assert source["VisibilityTimeout"] == (contract.SQS_VISIBILITY_TIMEOUT_FACTOR
                                           * contract.HISTORY_IMPORT_TIMEOUT_SECONDS)


def test_function_settings_come_from_the_contract(dev):
    _, properties = function(dev.history_import, HANDLER)
    assert properties["MemorySize"] == contract.HISTORY_IMPORT_MEMORY_MB
    assert properties["Timeout"] == contract.HISTORY_IMPORT_TIMEOUT_SECONDS
    assert len(properties["Layers"]) == 1  # pyarrow from the AWS SDK for pandas layer
    assert set(properties["Environment"]["Variables"]) == {"DATA_BUCKET", "LOG_LEVEL"}


def test_grants_exactly_its_prefixes_and_never_writes_where_it_listens(dev):
    statements = function_statements(dev.history_import, HANDLER)
    s3 = {(action, resource) for action, resource in grants(statements)
          if action.startswith("s3:")}
    assert s3 == {
        ("s3:GetObject", f"{BUCKET}/{layout.IMPORTS}*"),
        ("s3:GetObject", f"{BUCKET}/{layout.STREAMS}*"),
        ("s3:PutObject", f"{BUCKET}/{layout.STREAMS}*"),
        ("s3:PutObject", f"{BUCKET}/{layout.IMPORTS_FAILED}*"),
        ("s3:GetObject", f"{BUCKET}/{layout.RUN_LOG_OBJECTS}"),  # one object a day
        ("s3:PutObject", f"{BUCKET}/{layout.RUN_LOG_OBJECTS}"),
    }
    assert not any(s["Action"] == "s3:ListBucket" for s in statements)
    assert not any("secretsmanager" in str(s["Action"]) for s in statements)  # no Spotify


def test_alarms_on_errors_dead_letters_and_quarantined_uploads(dev):
    alarms = resources(dev.history_import, "AWS::CloudWatch::Alarm").values()
    metrics = {alarm["Properties"].get("MetricName") for alarm in alarms}
    assert {"Errors", "ApproximateNumberOfMessagesVisible",
            contract.METRIC_IMPORTS_QUARANTINED} <= metrics
