"""The Glue tables in the templates, column by column against `transform/tables.py`,
`streams.STREAMS_SCHEMA` and `run_log.COLUMNS`: the transform's tables as Iceberg tables under
`tables/` (TransformStack), `streams` and the run log as Parquet tables, their partitions
projected (CatalogStack)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from spotify_runtime import layout, run_log
from spotify_runtime.history_import import streams
from spotify_runtime.transform.raw_to_parquet import transform_raw_file
from spotify_runtime.transform.tables import SCHEMAS, TABLE_DESCRIPTIONS, TABLES

from infra.catalog_tables import all_tables
from infra.catalog_views import LISTENING_COLUMNS, PRESTO_TYPES, all_views
from infra.constructs.nag import render
from tests.infra.cfn import resources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"
BUCKET = "spotify-etl-dev-<AWS::AccountId>-us-east-1"

# Written out here on purpose (not catalog_tables.glue_type): the test's own reading of how
# Athena must declare each Arrow type the transform writes.
EXPECTED_GLUE = {
    "string": "string",
    "int32": "int",
    "int64": "bigint",
    "bool": "boolean",
    "date32[day]": "date",
    "timestamp[ms, tz=UTC]": "timestamp",
    "list<item: string>": "array<string>",
}
PARQUET_TO_GLUE = {
    # (physical type, logical type as pyarrow prints it) -> the Glue type Athena reads it as
    ("BYTE_ARRAY", "String"): "string",
    ("INT32", "Int(bitWidth=32, isSigned=true)"): "int",
    ("INT32", "None"): "int",
    ("INT64", "Int(bitWidth=64, isSigned=true)"): "bigint",
    ("INT64", "None"): "bigint",
    ("BOOLEAN", "None"): "boolean",
    ("INT32", "Date"): "date",
    ("INT64", "Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds, is_from_converted_type=false,"
              " force_set_converted_type=false)"): "timestamp",
}


def glue_tables(template, views: bool = False) -> dict[str, dict]:
    """The Glue tables of the template (or, with `views`, its Athena views)."""
    return {
        resource["Properties"]["TableInput"]["Name"]: resource["Properties"]["TableInput"]
        for resource in resources(template, "AWS::Glue::Table").values()
        if (resource["Properties"]["TableInput"].get("TableType") == "VIRTUAL_VIEW") == views
    }


def iceberg_input(template, table: str) -> dict:
    """The `IcebergTableInput` of the Iceberg table `table` in the template."""
    (found,) = [resource["Properties"]
                for resource in resources(template, "AWS::Glue::Table").values()
                if resource["Properties"]["TableInput"]["Name"] == table]
    iceberg = found["OpenTableFormatInput"]["IcebergInput"]
    assert iceberg["MetadataOperation"] == "CREATE"
    return iceberg["IcebergTableInput"]


def test_every_table_of_tables_py_and_the_run_log_exists_at_deploy(dev):
    # The transform's tables as Iceberg tables beside the function that writes them; streams
    # and the run log stay Parquet tables of the catalog; no name in both.
    assert sorted(glue_tables(dev.transform)) == sorted(TABLES)
    assert all("OpenTableFormatInput" in resource["Properties"]
               for resource in resources(dev.transform, "AWS::Glue::Table").values())
    assert sorted(glue_tables(dev.catalog)) == sorted(["streams", "pipeline_runs"])
    assert not any("OpenTableFormatInput" in resource["Properties"]
                   for resource in resources(dev.catalog, "AWS::Glue::Table").values())
    assert sorted(SCHEMAS) == sorted(TABLES)
    database = only_database_name(dev)
    assert {t["Properties"]["DatabaseName"] for t in
            resources(dev.transform, "AWS::Glue::Table").values()} == {database}


def only_database_name(env) -> str:
    (database,) = resources(env.catalog, "AWS::Glue::Database").values()
    return database["Properties"]["DatabaseInput"]["Name"]


def test_streams_columns_match_its_schema_and_months_are_projected_from_2006(dev):
    definition = glue_tables(dev.catalog)["streams"]
    columns = [(c["Name"], c["Type"]) for c in definition["StorageDescriptor"]["Columns"]]
    assert columns == [(f.name, EXPECTED_GLUE[str(f.type)]) for f in streams.STREAMS_SCHEMA]
    assert [k["Name"] for k in definition["PartitionKeys"]] == ["ended_month"]
    parameters = definition["Parameters"]
    assert parameters["projection.ended_month.type"] == "date"
    assert parameters["projection.ended_month.format"] == "yyyy-MM"
    assert parameters["projection.ended_month.range"] == "2006-01,NOW"
    assert render(definition["StorageDescriptor"]["Location"]) == f"s3://{BUCKET}/{layout.STREAMS}"


def test_listening_view_is_defined_at_deploy_from_the_one_sql_text(dev):
    (view,) = glue_tables(dev.catalog, views=True).values()
    assert view["Name"] == "listening" and view["TableType"] == "VIRTUAL_VIEW"
    assert view["Parameters"]["presto_view"] == "true"
    text = view["ViewOriginalText"]
    assert text.startswith("/* Presto View: ") and text.endswith(" */")
    document = json.loads(base64.b64decode(text.removeprefix("/* Presto View: ")
                                           .removesuffix(" */")))
    (listening,) = all_views()
    assert document["originalSql"] == listening.sql
    assert document["originalSql"] in (Path("infra/views/listening.sql")).read_text()
    assert document["schema"] == "spotify_etl_dev"
    assert [(c["name"], c["type"]) for c in document["columns"]] == [
        (name, PRESTO_TYPES[type_]) for name, type_ in LISTENING_COLUMNS]
    assert [(c["Name"], c["Type"]) for c in view["StorageDescriptor"]["Columns"]] == list(
        LISTENING_COLUMNS)


@pytest.mark.parametrize("table", TABLES)
def test_columns_types_and_comments_match_tables_py(dev, table):
    (definition,) = [t for t in glue_tables(dev.transform).values() if t["Name"] == table]
    assert definition["Description"] == TABLE_DESCRIPTIONS[table]
    created = iceberg_input(dev.transform, table)
    fields = created["Schema"]["Fields"]
    # The runtime's columns with their descriptions, then the partition day and the source.
    assert [(f["Name"], f.get("Doc")) for f in fields] == [
        *((field.name, field.metadata[b"description"].decode()) for field in SCHEMAS[table]),
        ("snapshot_date", None), ("source_file", None)]
    (partition,) = created["PartitionSpec"]["Fields"]
    assert partition["Name"] == "snapshot_date" and partition["Transform"] == "identity"
    assert {f["Name"]: f["Type"] for f in fields}["snapshot_date"] == "string"
    assert render(created["Location"]) == f"s3://{BUCKET}/{layout.TABLES}{table}"
    assert created["Properties"]["write.parquet.compression-codec"] == "snappy"


def test_run_log_columns_match_run_log_py(dev):
    definition = glue_tables(dev.catalog)["pipeline_runs"]
    columns = [(c["Name"], c["Type"], c["Comment"])
               for c in definition["StorageDescriptor"]["Columns"]]
    assert columns == list(run_log.COLUMNS)
    assert [k["Name"] for k in definition["PartitionKeys"]] == ["run_date"]
    storage = definition["StorageDescriptor"]
    assert render(storage["Location"]) == f"s3://{BUCKET}/{layout.RUN_LOG}"
    # Parquet, as every table (no JSON SerDe and its non-deterministic reads; docs/storage.md)
    assert "Parquet" in storage["SerdeInfo"]["SerializationLibrary"]


@pytest.mark.parametrize("table", ["streams", "pipeline_runs"])
def test_day_partitions_are_projected_so_no_crawler_run_is_needed(dev, config, table):
    definition = glue_tables(dev.catalog)[table]
    key = definition["PartitionKeys"][0]["Name"]
    parameters = definition["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters[f"projection.{key}.type"] == "date"
    assert parameters[f"projection.{key}.format"] == (
        "yyyy-MM" if table == "streams" else "yyyy-MM-dd")
    # Days from the first day of data: Athena looks for every day of the range
    # (docs/freshness.md); the imported history's months from 2006 (catalog_tables.py)
    first = "2006-01" if table == "streams" else config.environments["dev"].lake_start_date
    assert parameters[f"projection.{key}.range"] == f"{first},NOW"
    location = render(definition["StorageDescriptor"]["Location"])
    # the hive folders the writers use (processed/<t>/snapshot_date=<d>/, ...)
    template = parameters["storage.location.template"]["Fn::Join"][1]
    assert template[-1].endswith(f"{key}=${{{key}}}/")  # Athena's placeholder, kept verbatim
    assert render({"Fn::Join": ["", [*template[:-1], template[-1].split("${")[0]]]}) == (
        f"{location}{key}=")
    assert parameters["has_encrypted_data"] is False


@pytest.mark.parametrize("fixture", ["playlist_envelope.json", "album_envelope.json",
                                     "saved_tracks_envelope.json"])
def test_parquet_the_transform_writes_reads_as_the_declared_types(dev, fixture):
    # The Iceberg tables declare Iceberg types (the construct's test checks them against the
    # definitions); the Glue type each column had is the one Athena reads it as.
    declared = {
        table: {c.name: c.glue_type for c in d.columns} for table, d in
        {d.name: d for d in all_tables()}.items() if table in TABLES
    }
    transformed = transform_raw_file((FIXTURES / fixture).read_bytes(), fixture)
    assert transformed.outputs
    for key, data in transformed.outputs.items():
        table = key.split("/")[1]
        schema = pq.ParquetFile(pa.BufferReader(data)).schema
        for index in range(len(schema)):
            column = schema.column(index)
            top = column.path.split(".")[0]
            physical = (column.physical_type, str(column.logical_type))
            expected = declared[table][top]
            if expected.startswith("array<"):
                assert column.max_repetition_level == 1  # one level of list
                expected = expected.removeprefix("array<").removesuffix(">")
            assert PARQUET_TO_GLUE[physical] == expected, (table, column.path, physical)
