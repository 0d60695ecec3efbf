"""Apache Iceberg tables: a table's Iceberg definition made from the runtime's Arrow schema
(plus its partition column and `source_file`), and the one write every writer does
(`replace_source_files`, one commit that replaces exactly some source files' rows).

docs/storage.md ("Moving to Apache Iceberg") tells why a re-delivery replaces rather than adds
and how concurrent commits are retried at the catalog (`COMMIT_PROPERTIES`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import EqualTo, In
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema, assign_fresh_schema_ids
from pyiceberg.table import Table
from pyiceberg.transforms import IdentityTransform

from spotify_runtime.partition_files import PARQUET_CODEC

# The first write of a source replaces nothing, which PyIceberg reports as a warning: in the
# Lambda logs that would be one warning per raw file, for the normal case.
warnings.filterwarnings("ignore", message="Delete operation did not match any records")

SOURCE_FILE = "source_file"
"""The column naming the raw file (or upload, or run-log writer) a row came from: what
`replace_source_files` replaces."""
COMMIT_PROPERTIES = {
    # A big day's transforms commit to one table at once (transform_max_concurrency); each
    # conflict costs a metadata refresh, not a data rewrite, so retry often and briefly.
    "commit.retry.num-retries": "20",
    "commit.retry.min-wait-ms": "50",
    "commit.retry.max-wait-ms": "2000",
    "commit.retry.total-timeout-ms": "60000",
}
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": PARQUET_CODEC,
    # Every commit writes a new metadata file holding the whole snapshot list; without this a
    # table committing a few times a minute keeps them all. A reader reads the one Glue points
    # to when it plans, so the last 20 (minutes of commits) are plenty.
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "20",
    # Each commit adds a manifest, and an overwrite reads every manifest of the snapshot to find
    # the files its filter matches: without merging, commit time grows with every commit a
    # table has had (docs/storage.md, "Cost and limits"). Merged once 20 accumulate.
    "commit.manifest-merge.enabled": "true",
    "commit.manifest.min-count-to-merge": "20",
    **COMMIT_PROPERTIES,
}
"""Every table's Iceberg properties, at creation (CDK and the local stand-in alike)."""

FILE_IO = "spotify_runtime.iceberg_io.BotoFileIO"
"""`py-io-impl`: table files through boto3 (iceberg_io.py says why)."""


@dataclass(frozen=True)
class IcebergTable:
    """One table: name, the columns a writer gives (its runtime schema), the partition column."""

    name: str
    columns: pa.Schema
    """The runtime's Arrow schema, without the partition column or `source_file`."""
    partition: str
    """The partition column: a string, `yyyy-MM-dd` or `yyyy-MM`."""

    @property
    def arrow_schema(self) -> pa.Schema:
        """The table's full Arrow schema: its columns, the partition column, `source_file`."""
        return self.columns.append(pa.field(self.partition, pa.string(), nullable=False)).append(
            pa.field(SOURCE_FILE, pa.string(), nullable=False)
        )

    def iceberg_schema(self) -> Schema:
        """The Iceberg schema with fresh field IDs (as a catalog assigns them at creation)."""
        return assign_fresh_schema_ids(Catalog._convert_schema_if_needed(self.arrow_schema))

    def partition_spec(self, schema: Schema) -> PartitionSpec:
        """Identity partitioning on the partition column of `schema`."""
        field = schema.find_field(self.partition)
        return PartitionSpec(PartitionField(source_id=field.field_id, field_id=1000,
                                            transform=IdentityTransform(), name=self.partition))

    def rows(self, columns: pa.Table, partition_value: str, source_file: str) -> pa.Table:
        """`columns` (of `self.columns`) as rows of the table: one partition, one source file."""
        count = columns.num_rows
        table = columns.cast(self.columns)
        table = table.append_column(self.arrow_schema.field(self.partition),
                                    pa.array([partition_value] * count, pa.string()))
        return table.append_column(self.arrow_schema.field(SOURCE_FILE),
                                   pa.array([source_file] * count, pa.string()))


def glue_catalog() -> Catalog:
    """The tables' catalog: Glue, through the environment's boto3 settings (region, endpoint).

    Glue keeps no archived version per commit (`glue.skip-archive`): Iceberg's own snapshots are
    the history, and a table committing a few times a minute would reach Glue's version quota."""
    # Imported here: pyiceberg's Glue catalog imports boto3, which `cdk synth` (reading only
    # the definitions above) does not install (requirements/cdk.in).
    from pyiceberg.catalog.glue import GlueCatalog

    return GlueCatalog("glue", **{"py-io-impl": FILE_IO, "glue.skip-archive": "true"})


def evolve(existing: Table, table: IcebergTable) -> Table:
    """`existing` with every column of `table` that it lacks added (nullable: existing rows read
    null) and `TABLE_PROPERTIES` set; unchanged (no commit) if it has them. A writer runs this
    before its first write, so a version that adds a column deploys without a failed delivery."""
    if set(table.arrow_schema.names) - set(existing.schema().column_names):
        with existing.update_schema() as update:
            update.union_by_name(table.arrow_schema)
    # A table made another way (by hand, or a deploy that set none) gets the writers' codec and
    # retries: a data file in a codec the layer lacks could not be read back by the functions.
    differing = {name: value for name, value in TABLE_PROPERTIES.items()
                 if name != "format-version" and existing.properties.get(name) != value}
    if differing:
        with existing.transaction() as transaction:
            transaction.set_properties(differing)
    return existing


def replace_source_files(iceberg: Table, rows: pa.Table, source_files: set[str]) -> None:
    """Replace every row of each of `source_files` by its rows among `rows`, in one commit: a
    batch of raw files costs one commit per table, not one per file (a commit's cost grows with
    the table's manifests and snapshots: docs/storage.md). A source file without rows loses its
    rows."""
    found = set(rows.column(SOURCE_FILE).unique().to_pylist()) if rows.num_rows else set()
    if not found <= source_files:
        raise ValueError(f"rows of another source file than {sorted(source_files)}: "
                         f"{sorted(found - source_files)}")
    if not source_files:
        return
    condition = (EqualTo(SOURCE_FILE, next(iter(source_files))) if len(source_files) == 1
                 else In(SOURCE_FILE, source_files))
    iceberg.overwrite(rows, overwrite_filter=condition)
