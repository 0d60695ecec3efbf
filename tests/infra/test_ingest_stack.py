"""IngestStack: bucket, secret, schedule -> planner -> queue -> worker, and their grants."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match
from spotify_runtime import layout

from infra.components.data_lake import TABLE_NONCURRENT_VERSION_DAYS
from infra.constructs.lambda_code import SOURCES_FILE_PATH
from tests.infra.cfn import actions_on, function, function_statements, grants, only, resources

PLANNER = "spotify_runtime.extract.planner.handler"
WORKER = "spotify_runtime.extract.worker.handler"


def data_lake(template):
    buckets = [
        r["Properties"]
        for r in resources(template, "AWS::S3::Bucket").values()
        if "LoggingConfiguration" in r["Properties"]
    ]
    assert len(buckets) == 1
    return buckets[0]


def test_data_lake_bucket_is_private_versioned_logged_and_sends_events(dev):
    bucket = data_lake(dev.ingest)
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["NotificationConfiguration"]["EventBridgeConfiguration"] == {
        "EventBridgeEnabled": True
    }
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "data-lake/"
    dev.ingest.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_lifecycle_expires_noncurrent_versions_and_archives_processed_raw_files(dev, prod, config):
    for env in (dev, prod):
        rules = {r["Id"]: r for r in data_lake(env.ingest)["LifecycleConfiguration"]["Rules"]}
        settings = config.environments[env.stage.node.id.removeprefix("SpotifyEtl-")]
        noncurrent = rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"]
        assert noncurrent["NoncurrentDays"] == settings.noncurrent_version_expiration_days
        archive = rules["ArchiveProcessedRawFiles"]
        assert archive["Prefix"] == layout.RAW_PROCESSED
        assert archive["Transitions"] == [
            {"StorageClass": "GLACIER_IR", "TransitionInDays": settings.archive_transition_days}
        ]
        # S3 skips objects under 128 KB for this class unless a rule names a size; the rule
        # says so itself: from 128 KiB up (smaller ones cost less in Standard than the 128 KB
        # Glacier IR bills them as).
        assert archive["ObjectSizeGreaterThan"] == str(128 * 1024 - 1)


def test_versions_of_table_files_expire_in_days_not_weeks(dev, prod):
    # Iceberg keeps its own history; writers, compaction and orphan deletion delete table files
    # all the time, and a versioned bucket would keep each for the bucket-wide 30 days.
    for env in (dev, prod):
        rules = {r["Id"]: r for r in data_lake(env.ingest)["LifecycleConfiguration"]["Rules"]}
        (tables,) = [rule for rule in rules.values() if rule.get("Prefix") == layout.TABLES]
        assert tables["Status"] == "Enabled"
        days = tables["NoncurrentVersionExpiration"]["NoncurrentDays"]
        assert days == TABLE_NONCURRENT_VERSION_DAYS <= 3
        assert days < rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"][
            "NoncurrentDays"]  # the shorter rule is the one S3 applies
        assert tables["ExpiredObjectDeleteMarker"] is True


def test_dev_data_is_destroyed_with_the_stack_and_prod_data_is_retained(dev, prod):
    dev_buckets = resources(dev.ingest, "AWS::S3::Bucket").values()
    prod_buckets = resources(prod.ingest, "AWS::S3::Bucket").values()
    assert {b["DeletionPolicy"] for b in dev_buckets} == {"Delete"}
    assert {b["DeletionPolicy"] for b in prod_buckets} == {"Retain"}
    assert len(resources(dev.ingest, "Custom::S3AutoDeleteObjects")) == 2
    assert resources(prod.ingest, "Custom::S3AutoDeleteObjects") == {}


def test_secret_is_created_with_the_documented_shape(dev):
    secret = only(dev.ingest, "AWS::SecretsManager::Secret")
    generated = secret["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "client_secret"
    assert set(json.loads(generated["SecretStringTemplate"])) == {"client_id"}


def test_schedule_runs_daily_at_18_10_utc_with_retries_and_dead_letter_queue(dev):
    schedule = only(dev.ingest, "AWS::Scheduler::Schedule")
    assert schedule["ScheduleExpression"] == "cron(10 18 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    target = schedule["Target"]
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
    assert "DeadLetterConfig" in target
    assert target["Arn"]["Fn::GetAtt"][0] == function(dev.ingest, PLANNER)[0]
    assert json.loads(target["Input"]) == {"run_at": "<aws.scheduler.scheduled-time>"}


def test_planner_gets_the_sources_and_the_queue_and_may_only_send_to_it(dev, config):
    _, planner = function(dev.ingest, PLANNER)
    variables = planner["Environment"]["Variables"]
    # The list comes in a layer of its own (a file under /opt), never in the 4 KB environment.
    assert "SOURCES" not in variables
    assert variables["SOURCES_FILE"] == SOURCES_FILE_PATH
    (layer,) = planner["Layers"]
    layer_id = layer["Ref"]
    assert resources(dev.ingest, "AWS::Lambda::LayerVersion")[layer_id]["Properties"][
        "CompatibleRuntimes"
    ] == ["python3.14"]
    assert "EXTRACT_QUEUE_URL" in variables
    statements = function_statements(dev.ingest, PLANNER)
    non_log_actions = {a for a, _ in grants(statements) if not a.startswith("logs:")}
    assert non_log_actions == {"sqs:SendMessage"}


def test_extract_queue_redrives_to_dead_letter_queue_and_outlasts_the_worker(dev, config):
    _, worker = function(dev.ingest, WORKER)
    queues = resources(dev.ingest, "AWS::SQS::Queue")
    extract_queue = [q["Properties"] for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert len(extract_queue) == 1
    queue = extract_queue[0]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == (
        config.environments["dev"].extract_max_receive_count
    )
    for properties in (q["Properties"] for q in queues.values()):
        assert properties["SqsManagedSseEnabled"] is True
    # Every queue refuses plain HTTP.
    assert len(resources(dev.ingest, "AWS::SQS::QueuePolicy")) == len(queues)


def test_worker_consumes_with_configured_batch_size_and_concurrency(dev, prod, config):
    for env, name in ((dev, "dev"), (prod, "prod")):
        settings = config.environments[name]
        mapping = only(env.ingest, "AWS::Lambda::EventSourceMapping")
        assert mapping["BatchSize"] == settings.extract_batch_size
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": settings.extract_max_concurrency}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert config.environments["prod"].extract_max_concurrency == 5


def test_worker_environment_holds_the_secret_id_not_the_credentials(dev, config):
    _, worker = function(dev.ingest, WORKER)
    variables = worker["Environment"]["Variables"]
    settings = config.environments["dev"]
    assert set(variables) >= {
        "DATA_BUCKET",
        "SPOTIFY_SECRET_ID",
        "EXTRACT_QUEUE_URL",
        "EXTRACT_DLQ_URL",
        "EXTRACT_MAX_ATTEMPTS",
        "EXTRACT_REQUESTS_PER_30S",
        "EXTRACT_MAX_CONCURRENCY",
    }
    assert variables["EXTRACT_MAX_ATTEMPTS"] == str(settings.extract_max_attempts)
    assert variables["EXTRACT_REQUESTS_PER_30S"] == str(settings.extract_requests_per_30s)
    assert variables["SPOTIFY_SECRET_ID"] == {
        "Ref": next(iter(resources(dev.ingest, "AWS::SecretsManager::Secret")))
    }
    assert not {"CLIENT_ID", "CLIENT_SECRET", "REFRESH_TOKEN"} & {v.upper() for v in variables}


def test_worker_grants(dev):
    statements = function_statements(dev.ingest, WORKER)
    secret_id = next(iter(resources(dev.ingest, "AWS::SecretsManager::Secret")))
    assert actions_on(statements, f"/{layout.RAW_TO_PROCESS}*") == {"s3:PutObject"}
    assert ("secretsmanager:GetSecretValue", f"<{secret_id}>") in grants(statements)
    # A rotated refresh token is written back: to that secret only.
    put = {r for a, r in grants(statements) if a == "secretsmanager:PutSecretValue"}
    assert put == {f"<{secret_id}>"}
    s3_resources = {r for a, r in grants(statements) if a.startswith("s3:")}
    assert all(r.endswith((f"/{layout.RAW_TO_PROCESS}*", f"/{layout.RUN_LOG_OBJECTS}"))
               for r in s3_resources)
    queues = resources(dev.ingest, "AWS::SQS::Queue")
    extract_queue = next(k for k, q in queues.items() if "RedrivePolicy" in q["Properties"])
    dlq = queues[extract_queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]
    dlq_id = dlq["Fn::GetAtt"][0]
    assert {"sqs:ChangeMessageVisibility", "sqs:SendMessage"} <= actions_on(
        statements, f"<{extract_queue}.Arn>"
    )
    assert actions_on(statements, f"<{dlq_id}.Arn>") == {"sqs:SendMessage"}


def test_imported_secret_and_alert_email(tmp_path):
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.config import parse_environment
    from infra.stacks.ingest import IngestStack

    settings = parse_environment(
        "byname", {"secret_name": "spotify/etl", "alert_email": "ops@example.com"}, {}
    )
    app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    stack = IngestStack(app, "Ingest", settings=settings, env=cdk.Environment(region="eu-west-1"))
    template = Template.from_stack(stack)
    assert resources(template, "AWS::SecretsManager::Secret") == {}
    statements = function_statements(template, WORKER)
    for action in ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"):
        secret_grants = {r for a, r in grants(statements) if a == action}
        assert secret_grants == {
            "arn:<AWS::Partition>:secretsmanager:eu-west-1:<AWS::AccountId>:secret:"
            "spotify/etl-??????"
        }
    _, worker = function(template, WORKER)
    assert worker["Environment"]["Variables"]["SPOTIFY_SECRET_ID"] == "spotify/etl"
    subscription = only(template, "AWS::SNS::Subscription")
    assert subscription["Protocol"] == "email"
    assert subscription["Endpoint"] == "ops@example.com"


def test_no_subscription_without_alert_email(dev, config):
    assert config.environments["dev"].alert_email is None
    assert resources(dev.ingest, "AWS::SNS::Subscription") == {}
    topic = only(dev.ingest, "AWS::SNS::Topic")
    assert "KmsMasterKeyId" in topic


def test_alarms_on_extraction_errors_and_dead_letters(dev):
    alarms = resources(dev.ingest, "AWS::CloudWatch::Alarm").values()
    errors = [a for a in alarms if a["Properties"]["MetricName"] == "Errors"]
    visible = [
        a for a in alarms if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    planner_id, _ = function(dev.ingest, PLANNER)
    worker_id, _ = function(dev.ingest, WORKER)
    alarmed_functions = {a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in errors}
    assert alarmed_functions == {planner_id, worker_id}
    assert len(visible) == 2  # schedule DLQ and extract DLQ
    for alarm in (*errors, *visible):
        assert alarm["Properties"]["Threshold"] == 0
        assert alarm["Properties"]["ComparisonOperator"] == "GreaterThanThreshold"
        assert len(alarm["Properties"]["AlarmActions"]) == 1


def refresh_token_alarm(template):
    [alarm] = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
               if a["Properties"]["MetricName"] == "RefreshTokenDaysLeft"]
    return alarm


def test_refresh_token_alarm_fires_at_the_configured_days_left(dev, tmp_path):
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.config import parse_environment
    from infra.stacks.ingest import IngestStack

    alarm = refresh_token_alarm(dev.ingest)
    bucket_id = next(k for k, r in resources(dev.ingest, "AWS::S3::Bucket").items()
                     if "LoggingConfiguration" in r["Properties"])
    assert (alarm["Namespace"], alarm["Statistic"]) == ("SpotifyEtl", "Minimum")
    assert alarm["Dimensions"] == [{"Name": "Bucket", "Value": {"Ref": bucket_id}}]
    assert alarm["Threshold"] == 30
    assert alarm["ComparisonOperator"] == "LessThanOrEqualToThreshold"
    assert len(alarm["AlarmActions"]) == 1 and "spotify_etl auth" in alarm["AlarmDescription"]

    settings = parse_environment("early", {"refresh_token_alarm_days": 45}, {})
    app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    stack = IngestStack(app, "Ingest", settings=settings, env=cdk.Environment(region="eu-west-1"))
    assert refresh_token_alarm(Template.from_stack(stack))["Threshold"] == 45


def test_functions_run_python_3_14_with_their_own_log_groups(dev):
    for handler in (PLANNER, WORKER):
        _, properties = function(dev.ingest, handler)
        assert properties["Runtime"] == "python3.14"
        log_group = properties["LoggingConfig"]["LogGroup"]["Ref"]
        statements = function_statements(dev.ingest, handler)
        assert actions_on(statements, f"<{log_group}.Arn>") == {
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        }
    retention = {
        r["Properties"]["RetentionInDays"]
        for r in resources(dev.ingest, "AWS::Logs::LogGroup").values()
    }
    assert retention == {14}


def _listening_template(tmp_path, **overrides):
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.config import parse_environment
    from infra.stacks.ingest import IngestStack

    settings = parse_environment(
        "listen", {"sources": ["recently-played", "top-tracks"], **overrides}, {})
    app = cdk.App(context={"aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    return Template.from_stack(IngestStack(app, "Ingest", settings=settings))


def test_listening_sources_get_an_hourly_schedule_through_the_same_planner(tmp_path, dev):
    template = _listening_template(tmp_path)
    schedules = resources(template, "AWS::Scheduler::Schedule").values()
    by_payload = {json.loads(s["Properties"]["Target"]["Input"]).get("sources"):
                  s["Properties"] for s in schedules}
    assert set(by_payload) == {"daily", "listening"}
    assert by_payload["listening"]["ScheduleExpression"] == "cron(0 * * * ? *)"
    assert by_payload["daily"]["ScheduleExpression"] == "cron(10 18 * * ? *)"
    planner_id = function(template, PLANNER)[0]
    assert {p["Target"]["Arn"]["Fn::GetAtt"][0] for p in by_payload.values()} == {planner_id}
    # without listening sources (cdk.json's dev) there is one schedule, with no `sources` field
    assert "sources" not in json.loads(only(dev.ingest, "AWS::Scheduler::Schedule")["Target"]
                                       ["Input"])


def test_the_worker_may_read_only_the_state_prefix_and_its_run_log_objects(tmp_path, dev):
    statements = function_statements(_listening_template(tmp_path), WORKER)
    assert actions_on(statements, f"/{layout.STATE}*") == {"s3:GetObject", "s3:PutObject"}
    listing = [s for s in statements if "s3:ListBucket" in str(s["Action"])]
    assert len(listing) == 1
    assert listing[0]["Condition"] == {"StringLike": {"s3:prefix": [f"{layout.STATE}*"]}}
    reads = {r for a, r in grants(statements) if a == "s3:GetObject"}
    assert reads and all(r.endswith((f"/{layout.STATE}*", f"/{layout.RUN_LOG_OBJECTS}"))
                         for r in reads)
    # no listening source configured: no state grant at all
    assert actions_on(function_statements(dev.ingest, WORKER), f"/{layout.STATE}*") == set()


def test_without_a_listening_schedule_the_daily_one_plans_everything(tmp_path):
    template = _listening_template(tmp_path, listening_schedule_cron=None)
    schedule = only(template, "AWS::Scheduler::Schedule")
    assert "sources" not in json.loads(schedule["Target"]["Input"])
    # the cursor is still kept: recently-played runs daily then (and may lose plays)
    assert actions_on(function_statements(template, WORKER), f"/{layout.STATE}*")


def test_a_listening_gap_alarms(tmp_path):
    alarms = resources(_listening_template(tmp_path), "AWS::CloudWatch::Alarm").values()
    gaps = [a["Properties"] for a in alarms
            if a["Properties"].get("MetricName") == "ListeningHistoryGaps"]
    assert len(gaps) == 1 and gaps[0]["Namespace"] == "SpotifyEtl"
    assert gaps[0]["Threshold"] == 0 and gaps[0]["AlarmActions"]
