"""Negative grants across every template: what no role of ours may have."""

from __future__ import annotations

from spotify_runtime import layout

from tests.infra.cfn import as_list, function_statements, grants, resources
from tests.infra.test_ingest_stack import WORKER
from tests.infra.test_transform_stack import TRANSFORM

ALLOWED_PREFIXES = (
    layout.RAW_TO_PROCESS,
    layout.RAW_PROCESSED,
    layout.RAW_FAILED,
    layout.TABLES,  # the transform's Iceberg tables (and their optimizers, the report reads),
    layout.STREAMS,  # the history import merges the month objects,
    layout.IMPORTS,  # reads uploads,
    layout.IMPORTS_FAILED,  # copies the refused ones here
    layout.ATHENA_RESULTS,  # the monthly report's queries write and read their results,
    layout.REPORTS,  # and it writes the month's page and card here
)
ALLOWED_KEY_PATTERNS = (
    layout.RUN_LOG_OBJECTS,  # the run log's day objects, and nothing else under it (below)
)


def all_templates(environments):
    for name, env in environments.items():
        for stack, template in env.templates.items():
            yield f"{name}/{stack}", template


def all_statements(template):
    statements = []
    for policy in resources(template, "AWS::IAM::Policy").values():
        statements += policy["Properties"]["PolicyDocument"]["Statement"]
    for role in resources(template, "AWS::IAM::Role").values():
        for policy in role["Properties"].get("Policies", []):
            statements += policy["PolicyDocument"]["Statement"]
    return statements


def test_no_managed_policies_on_our_roles(environments):
    for where, template in all_templates(environments):
        for logical_id, role in resources(template, "AWS::IAM::Role").items():
            managed = role["Properties"].get("ManagedPolicyArns")
            if managed is None:
                continue
            # The only exception: CDK's bucket auto-delete provider, which exists only where
            # data is destroyed with the stack (dev), and carries AWSLambdaBasicExecutionRole.
            assert where.startswith("dev/") and logical_id.startswith(
                "CustomS3AutoDeleteObjectsCustomResourceProvider"
            ), f"{where}: {logical_id} has managed policies {managed}"


def test_prod_has_no_managed_policy_at_all(prod):
    for template in prod.templates.values():
        for role in resources(template, "AWS::IAM::Role").values():
            assert "ManagedPolicyArns" not in role["Properties"]


def test_no_wildcard_s3_actions_and_no_grant_on_all_objects(environments):
    for where, template in all_templates(environments):
        statements = all_statements(template)
        for statement in statements:
            assert not {"s3:*", "*"} & set(as_list(statement["Action"])), where
        # Unconditional S3 grants are on one of our prefixes, never on `<bucket>/*`.
        for action, resource in grants(statements):
            # Athena asks its caller for the results bucket's region (the monthly report's).
            if action.startswith("s3:") and action != "s3:GetBucketLocation":
                assert resource.endswith((*(f"/{p}*" for p in ALLOWED_PREFIXES),
                                          *(f"/{k}" for k in ALLOWED_KEY_PATTERNS))), (
                    f"{where}: {action} on {resource}"
                )
        # The bucket-level actions are ListBucket, always with a prefix condition, and
        # GetBucketLocation (above).
        for statement in statements:
            if "s3:ListBucket" in as_list(statement["Action"]):
                assert "s3:prefix" in str(statement["Condition"]), where


def test_no_function_writes_under_the_prefix_that_triggers_it(dev):
    transform_writes = {
        resource
        for action, resource in grants(function_statements(dev.transform, TRANSFORM))
        if action == "s3:PutObject"
    }
    assert transform_writes
    assert not any(r.endswith(f"/{layout.RAW_TO_PROCESS}*") for r in transform_writes)
    worker_writes = {
        resource
        for action, resource in grants(function_statements(dev.ingest, WORKER))
        if action == "s3:PutObject"
    }
    assert worker_writes and all(
        r.endswith((f"/{layout.RAW_TO_PROCESS}*", f"/{layout.RUN_LOG_OBJECTS}"))
        for r in worker_writes)
    assert not any(r.endswith((f"/{layout.PROCESSED}*", f"/{layout.TABLES}*"))
                   for r in worker_writes)


def test_run_log_writers_hold_only_the_day_objects(dev):
    """Each function reads and rewrites the run log's day objects (one per day, shared by the
    writers, docs/storage.md), and nothing else there."""
    def run_log_writes(template, handler):
        return {
            (action, resource)
            for action, resource in grants(function_statements(template, handler))
            if f"/{layout.RUN_LOG}" in resource
        }

    extract = f"<DataLakeE54831B2.Arn>/{layout.RUN_LOG}run_date=*/runs.parquet"
    assert run_log_writes(dev.ingest, WORKER) == {
        ("s3:PutObject", extract), ("s3:GetObject", extract)}
    transform = (f"arn:<AWS::Partition>:s3:::spotify-etl-dev-<AWS::AccountId>-us-east-1/"
                 f"{layout.RUN_LOG}run_date=*/runs.parquet")
    assert run_log_writes(dev.transform, TRANSFORM) == {
        ("s3:PutObject", transform), ("s3:GetObject", transform)}


def test_lambda_logs_only_into_their_own_log_groups(environments):
    for where, template in all_templates(environments):
        for statement in all_statements(template):
            actions = as_list(statement["Action"])
            if any(a.startswith("logs:") for a in actions):
                for resource in as_list(statement["Resource"]):
                    assert resource != "*", f"{where}: logs on *"
