"""The Iceberg tables (issue 26) as the deploy creates them, and Glue's maintenance of them.

Each table given (by default every table of `catalog_tables.iceberg_tables()`; TransformStack
gives the transform's, `catalog_tables.transform_iceberg_tables()`) is a Glue table that Glue
creates as Iceberg at deploy (`CreateTable` with `OpenTableFormatInput`): schema, partition spec
and properties (the Snappy codec, the commit retries) from the same definition the writers build
rows of, so the first write finds the table as it writes it. Glue's table optimizers keep each
table fast: compaction (bin-pack), snapshot retention and orphan-file deletion, all three under
one role that reaches the tables' prefix and the tables' catalog entries, nothing else.

TransformStack holds it for the transform's tables (`streams` and the run log stay Parquet tables
of CatalogStack for now).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct
from pyiceberg.types import IcebergType, PrimitiveType
from spotify_runtime import layout
from spotify_runtime.iceberg_tables import TABLE_PROPERTIES, IcebergTable

from infra.catalog_tables import all_tables, iceberg_location, iceberg_tables
from infra.constructs.nag import acknowledge_wildcard_resource

OPTIMIZER_LOG_GROUPS = ("iceberg-compaction", "iceberg-retention",
                        "iceberg-orphan-file-deletion")
"""The log groups Glue's optimizers write to (`/aws-glue/<name>/logs`)."""
SNAPSHOT_RETENTION_DAYS = 3
"""Snapshots kept for time travel and for queries planned from an older snapshot; Glue keeps
at least `SNAPSHOTS_RETAINED` whatever their age."""
SNAPSHOTS_RETAINED = 10
ORPHAN_RETENTION_DAYS = 3
"""A file nothing references is deleted after this: a commit in flight has such files for
seconds, so days are safe, and the bucket stops holding rewritten data after them."""


def _iceberg_type(type_: IcebergType) -> str:
    """A field type as Glue's IcebergStructField takes it: the type's Iceberg JSON (a primitive
    is its name; a list, map or struct is its JSON object, as text)."""
    if isinstance(type_, PrimitiveType):
        return str(type_)
    return json.dumps(type_.model_dump(by_alias=True, exclude_none=True), sort_keys=True)


def table_input(table: IcebergTable, location: str) -> glue.CfnTable.IcebergTableInputProperty:
    """The Iceberg schema, partition spec and properties of `table` as Glue's CreateTable takes
    them."""
    schema = table.iceberg_schema()
    spec = table.partition_spec(schema)
    docs = {field.name: field.metadata[b"description"].decode("utf-8")
            for field in table.arrow_schema if b"description" in (field.metadata or {})}
    return glue.CfnTable.IcebergTableInputProperty(
        location=location,
        schema=glue.CfnTable.IcebergSchemaProperty(
            schema_id=0, type="struct",
            fields=[glue.CfnTable.IcebergStructFieldProperty(
                id=field.field_id, name=field.name, required=field.required,
                type=_iceberg_type(field.field_type),
                doc=docs.get(field.name),  # the column's description, as the Parquet tables had
            ) for field in schema.fields],
        ),
        partition_spec=glue.CfnTable.IcebergPartitionSpecProperty(
            spec_id=0,
            fields=[glue.CfnTable.IcebergPartitionFieldProperty(
                name=field.name, source_id=field.source_id, field_id=field.field_id,
                transform=str(field.transform),
            ) for field in spec.fields],
        ),
        properties=dict(TABLE_PROPERTIES),
    )


class IcebergTables(Construct):
    """`tables`: every Iceberg table in `database_name`; `optimizer_role` and `optimizers`."""

    def __init__(self, scope: Construct, construct_id: str, *, database_name: str,
                 bucket: s3.IBucket, definitions: Sequence[IcebergTable] | None = None,
                 removal_policy: cdk.RemovalPolicy | None = None) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        definitions = list(iceberg_tables() if definitions is None else definitions)
        descriptions = {table.name: table.description for table in all_tables()}
        self.tables = {
            table.name: glue.CfnTable(
                self, f"Table-{table.name}",
                catalog_id=stack.account,
                database_name=database_name,
                open_table_format_input=glue.CfnTable.OpenTableFormatInputProperty(
                    iceberg_input=glue.CfnTable.IcebergInputProperty(
                        metadata_operation="CREATE", version="2",
                        iceberg_table_input=table_input(
                            table, iceberg_location(bucket.bucket_name, table)),
                    )),
                table_input=glue.CfnTable.TableInputProperty(
                    name=table.name, table_type="EXTERNAL_TABLE",
                    description=descriptions.get(table.name)),
            )
            for table in definitions
        }
        if removal_policy is not None:  # the database's: retained where the data is
            for table in self.tables.values():
                table.apply_removal_policy(removal_policy)
        self.optimizer_role = self._optimizer_role(database_name, bucket, definitions)
        self.optimizers = [
            self._optimizer(database_name, table.name, kind)
            for table in definitions
            for kind in ("compaction", "retention", "orphan_file_deletion")
        ]

    def _optimizer_role(self, database_name: str, bucket: s3.IBucket,
                        definitions: list[IcebergTable]) -> iam.Role:
        stack = cdk.Stack.of(self)
        role = iam.Role(self, "OptimizerRole",
                        assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
                        description="Glue table optimizers of the Iceberg tables")
        # Object-level access to the tables' files only (every table under layout.TABLES).
        role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resources=[bucket.arn_for_objects(f"{layout.TABLES}*")]))
        role.add_to_policy(iam.PolicyStatement(
            actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{layout.TABLES}*"]}}))
        role.add_to_policy(iam.PolicyStatement(
            actions=["glue:GetTable", "glue:UpdateTable"],
            resources=[
                stack.format_arn(service="glue", resource="catalog"),
                stack.format_arn(service="glue", resource="database",
                                 resource_name=database_name),
                *[stack.format_arn(service="glue", resource="table",
                                   resource_name=f"{database_name}/{table.name}")
                  for table in definitions],
            ]))
        log_groups = [
            stack.format_arn(service="logs", resource="log-group",
                             resource_name=f"/aws-glue/{name}/logs:*",
                             arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
            for name in OPTIMIZER_LOG_GROUPS
        ]
        role.add_to_policy(iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            resources=log_groups))
        reason = ("The optimizers rewrite and delete files anywhere under the tables' prefix "
                  "(their names are Iceberg's), and Glue names each optimizer run's log stream.")
        for resource in (bucket.arn_for_objects(f"{layout.TABLES}*"), *log_groups):
            acknowledge_wildcard_resource(role, resource, reason)
        return role

    def _optimizer(self, database_name: str, table_name: str,
                   kind: str) -> glue.CfnTableOptimizer:
        role_arn = self.optimizer_role.role_arn
        configuration = {
            "compaction": {"compaction_configuration": glue.CfnTableOptimizer
                           .CompactionConfigurationProperty(
                               iceberg_configuration=glue.CfnTableOptimizer
                               .IcebergCompactionConfigurationProperty(strategy="binpack"))},
            "retention": {"retention_configuration": glue.CfnTableOptimizer
                          .RetentionConfigurationProperty(
                              iceberg_configuration=glue.CfnTableOptimizer
                              .IcebergRetentionConfigurationProperty(
                                  snapshot_retention_period_in_days=SNAPSHOT_RETENTION_DAYS,
                                  number_of_snapshots_to_retain=SNAPSHOTS_RETAINED,
                                  clean_expired_files=True))},
            "orphan_file_deletion": {"orphan_file_deletion_configuration": glue.CfnTableOptimizer
                                     .OrphanFileDeletionConfigurationProperty(
                                         iceberg_configuration=glue.CfnTableOptimizer
                                         .IcebergConfigurationProperty(
                                             orphan_file_retention_period_in_days=(
                                                 ORPHAN_RETENTION_DAYS)))},
        }[kind]
        optimizer = glue.CfnTableOptimizer(
            self, f"{kind}-{table_name}",
            catalog_id=cdk.Stack.of(self).account,
            database_name=database_name, table_name=table_name, type=kind,
            table_optimizer_configuration=glue.CfnTableOptimizer
            .TableOptimizerConfigurationProperty(enabled=True, role_arn=role_arn,
                                                 **configuration),
        )
        optimizer.node.add_dependency(self.tables[table_name])
        optimizer.node.add_dependency(self.optimizer_role)
        return optimizer
