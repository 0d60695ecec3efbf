"""The Iceberg tables as the deploy would create them (infra/components/iceberg_tables.py, not yet
in a stage): one per definition, schema and partition from the runtime's schemas, Snappy; three
optimizers each; the optimizers' role reaches the tables' prefix and catalog entries only."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from infra.catalog_tables import iceberg_tables
from infra.components.iceberg_tables import IcebergTables

DATABASE = "spotify_etl_test"


def _stack(app: cdk.App) -> cdk.Stack:
    stack = cdk.Stack(app, "Tables", env=cdk.Environment(account="111111111111",
                                                          region="eu-west-1"))
    bucket = s3.Bucket(stack, "Lake", enforce_ssl=True,
                       block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                       encryption=s3.BucketEncryption.S3_MANAGED,
                       server_access_logs_prefix="access-logs/")
    IcebergTables(stack, "Iceberg", database_name=DATABASE, bucket=bucket)
    return stack


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.from_stack(_stack(cdk.App()))


def test_every_table_is_created_as_iceberg_from_its_definition(template):
    tables = {t["Properties"]["TableInput"]["Name"]: t["Properties"]
              for t in template.find_resources("AWS::Glue::Table").values()}
    assert set(tables) == {t.name for t in iceberg_tables()}
    for definition in iceberg_tables():
        iceberg = tables[definition.name]["OpenTableFormatInput"]["IcebergInput"]
        assert iceberg["MetadataOperation"] == "CREATE" and iceberg["Version"] == "2"
        created = iceberg["IcebergTableInput"]
        schema = definition.iceberg_schema()
        assert [(f["Id"], f["Name"], f["Required"]) for f in created["Schema"]["Fields"]] == [
            (f.field_id, f.name, f.required) for f in schema.fields]
        (partition,) = created["PartitionSpec"]["Fields"]
        assert partition["Name"] == definition.partition and partition["Transform"] == "identity"
        assert partition["SourceId"] == schema.find_field(definition.partition).field_id
        assert created["Properties"]["write.parquet.compression-codec"] == "snappy"


def test_a_nested_column_is_given_as_its_iceberg_type_json(template):
    (songs,) = [t["Properties"] for t in template.find_resources("AWS::Glue::Table").values()
                if t["Properties"]["TableInput"]["Name"] == "songs"]
    fields = songs["OpenTableFormatInput"]["IcebergInput"]["IcebergTableInput"]["Schema"]
    (artist_ids,) = [f for f in fields["Fields"] if f["Name"] == "artist_ids"]
    assert json.loads(artist_ids["Type"])["type"] == "list"


def test_each_table_has_its_three_optimizers_under_one_role(template):
    optimizers = template.find_resources("AWS::Glue::TableOptimizer")
    kinds = sorted((o["Properties"]["TableName"], o["Properties"]["Type"])
                   for o in optimizers.values())
    assert kinds == sorted((t.name, kind) for t in iceberg_tables()
                           for kind in ("compaction", "orphan_file_deletion", "retention"))
    roles = {json.dumps(o["Properties"]["TableOptimizerConfiguration"]["RoleArn"])
             for o in optimizers.values()}
    assert len(roles) == 1


def test_the_optimizer_role_reaches_the_tables_and_nothing_else(template):
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    text = json.dumps(statements)
    assert "/tables/*" in text and "processed/" not in text and "raw/" not in text
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [
            statement["Action"]]
        assert not any(action.endswith("*") for action in actions), actions
        if any(action.startswith("glue:") for action in actions):
            resources = json.dumps(statement["Resource"])
            assert f":table/{DATABASE}/songs" in resources and ":table/*" not in resources
    assert not template.find_resources("AWS::IAM::Role")[
        next(iter(template.find_resources("AWS::IAM::Role")))]["Properties"].get(
        "ManagedPolicyArns")


def test_the_construct_is_nag_clean(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = _stack(app)
    cdk.Validations.of(stack.node.find_child("Lake")).acknowledge(
        cdk.Acknowledgment(id="AwsSolutions-S1", reason="a test bucket; the real one logs"))
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged finding
