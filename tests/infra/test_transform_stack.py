"""TransformStack: trigger queue and batches, failure handling, its own pyarrow and PyIceberg (no
layer), the Iceberg tables, grants and alarms."""

from __future__ import annotations

from spotify_runtime import contract, layout
from spotify_runtime.contract import METRIC_RAW_FILE_FAILURES
from spotify_runtime.contract import METRIC_RAW_FILES_QUARANTINED as QUARANTINE_METRIC
from spotify_runtime.transform.iceberg_writer import TABLE_DEFINITIONS

from infra.constructs.nag import render
from tests.infra.cfn import (
    actions_on,
    as_list,
    function,
    function_statements,
    grants,
    only,
    resources,
)

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


def test_transform_has_no_layer_its_batch_settings_and_configured_memory(environments, config):
    for name, env in environments.items():
        _, transform = function(env.transform, TRANSFORM)
        settings = config.environments[name]
        assert transform["Runtime"] == "python3.14"
        assert transform["MemorySize"] == settings.transform_memory_mb
        # pyarrow and PyIceberg are in its own asset: no AWS SDK for pandas layer, no SSM
        # parameter for one.
        assert "Layers" not in transform
        assert not [p for p in env.transform.to_json().get("Parameters", {}).values()
                    if "aws-sdk-pandas" in str(p.get("Default"))]
        variables = transform["Environment"]["Variables"]
        assert set(variables) == {"DATA_BUCKET", "LOG_LEVEL", contract.ENV_GLUE_DATABASE,
                                  contract.ENV_TRANSFORM_BATCH_MAX_MIB}
        assert variables[contract.ENV_GLUE_DATABASE] == f"spotify_etl_{name}"
        assert variables[contract.ENV_TRANSFORM_BATCH_MAX_MIB] == str(
            settings.transform_batch_max_mib)


def test_the_event_source_takes_batches_and_reports_failed_items(environments, config):
    for name, env in environments.items():
        settings = config.environments[name]
        mapping = only(env.transform, "AWS::Lambda::EventSourceMapping")
        assert mapping["BatchSize"] == settings.transform_batch_size == 100
        assert mapping["MaximumBatchingWindowInSeconds"] == (
            settings.transform_batching_window_seconds) == 20
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        queues = resources(env.transform, "AWS::SQS::Queue")
        queue = queues[mapping["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        # AWS's advice: at least six times the function timeout plus the batching window.
        assert queue["VisibilityTimeout"] == 6 * contract.TRANSFORM_TIMEOUT_SECONDS + 20


def test_the_transforms_tables_are_iceberg_tables_of_the_catalogs_database(dev):
    tables = resources(dev.transform, "AWS::Glue::Table")
    assert sorted(t["Properties"]["TableInput"]["Name"] for t in tables.values()) == sorted(
        TABLE_DEFINITIONS)
    for table in tables.values():
        created = table["Properties"]["OpenTableFormatInput"]["IcebergInput"]
        name = table["Properties"]["TableInput"]["Name"]
        assert render(created["IcebergTableInput"]["Location"]) == (
            f"s3://{BUCKET}/{layout.TABLES}{name}")
        assert table["Properties"]["DatabaseName"] == "spotify_etl_dev"
        assert table["DeletionPolicy"] == "Delete"  # dev: destroy_on_removal
    optimizers = resources(dev.transform, "AWS::Glue::TableOptimizer")
    assert len(optimizers) == 3 * len(TABLE_DEFINITIONS)


def test_prod_retains_its_tables(prod):
    tables = resources(prod.transform, "AWS::Glue::Table").values()
    assert tables and {t["DeletionPolicy"] for t in tables} == {"Retain"}


def test_transform_grants_exactly_its_prefixes(dev):
    statements = function_statements(dev.transform, TRANSFORM)
    assert actions_on(statements, f"{BUCKET}/{layout.RAW_TO_PROCESS}*") == {
        "s3:GetObject",
        "s3:DeleteObject",
    }
    for prefix in (layout.RAW_PROCESSED, layout.RAW_FAILED):
        assert actions_on(statements, f"{BUCKET}/{prefix}*") == {"s3:PutObject"}
    # The Iceberg tables' files: read, written (fresh names) and the metadata files a table no
    # longer keeps deleted, under tables/ only; nothing under processed/ any more.
    assert actions_on(statements, f"{BUCKET}/{layout.TABLES}*") == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
    }
    assert not actions_on(statements, f"{BUCKET}/{layout.PROCESSED}*")
    s3_actions = {
        action
        for statement in statements
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        if action.startswith("s3:")
    }
    assert s3_actions == {"s3:GetObject", "s3:DeleteObject", "s3:PutObject", "s3:ListBucket"}


def test_glue_grants_reach_exactly_the_transforms_tables(dev):
    statements = function_statements(dev.transform, TRANSFORM)
    glue = [s for s in statements if any(a.startswith("glue:") for a in as_list(s["Action"]))]
    (statement,) = glue
    assert sorted(as_list(statement["Action"])) == [
        "glue:GetDatabase", "glue:GetTable", "glue:UpdateTable"]
    arn = "arn:<AWS::Partition>:glue:us-east-1:<AWS::AccountId>:"
    assert sorted(render(r) for r in as_list(statement["Resource"])) == sorted([
        f"{arn}catalog", f"{arn}database/spotify_etl_dev",
        *(f"{arn}table/spotify_etl_dev/{table}" for table in TABLE_DEFINITIONS)])
    assert "Condition" not in statement


def test_no_write_reaches_the_prefix_that_triggers_it(dev):
    rule = only(dev.transform, "AWS::Events::Rule")
    (trigger,) = rule["EventPattern"]["detail"]["object"]["key"]
    statements = function_statements(dev.transform, TRANSFORM)
    writes = {resource for action, resource in grants(statements)
              if action in ("s3:PutObject", "s3:DeleteObject")}
    assert writes
    # It deletes the raw file it handled (under the trigger), and writes nothing there.
    puts = {resource for action, resource in grants(statements) if action == "s3:PutObject"}
    assert not any(f"/{trigger['prefix']}" in resource for resource in puts)
    assert not layout.TABLES.startswith(trigger["prefix"])
    assert not trigger["prefix"].startswith(layout.TABLES)


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
