"""The fault injector reaches the Iceberg writes (their file IO is boto3, not pyarrow's own S3
client): S3 500/503 answers, applied or not, and containers dying after a table file, with every
failed delivery delivered again as SQS would, leave each source's rows exactly once."""

from __future__ import annotations

import pyarrow as pa
from spotify_runtime.iceberg_tables import (
    SOURCE_FILE,
    IcebergTable,
    glue_catalog,
)

from spotify_local.faults import FaultInjector, FaultRates
from spotify_local.iceberg_lake import create_or_evolve
from spotify_local.moto_aws import BUCKET_NAME, local_aws
from tests.iceberg_catalog import replace_source_file

DATABASE = "faults"
PLAYS = IcebergTable("plays", pa.schema([pa.field("play_id", pa.string(), nullable=False)]),
                     "snapshot_date")
DELIVERIES = 12
MAX_RECEIVES = 8


def _rows(source: str) -> pa.Table:
    return PLAYS.rows(pa.table({"play_id": [f"{source}#{n}" for n in range(3)]}),
                      "2026-12-01", source)


def test_s3_faults_and_deaths_during_table_writes_lose_and_double_nothing():
    injector = FaultInjector(11, FaultRates(s3_error=0.25, crash=0.5, duplicate=0.0))
    with local_aws() as local, injector.installed():
        local.client("glue").create_database(DatabaseInput={"Name": DATABASE})
        create_or_evolve(glue_catalog(), DATABASE, PLAYS, f"s3://{BUCKET_NAME}/tables/plays")

        def invoke(records: list[dict], _deadline: object) -> None:
            catalog = glue_catalog()  # a new container's clients, hooked like the handlers'
            for record in records:
                source = record["body"]
                replace_source_file(catalog.load_table(f"{DATABASE}.plays"), _rows(source), source)

        faulty = injector.wrap(invoke, new_container=lambda: None, resend=lambda _body: None,
                               last_receive=MAX_RECEIVES)
        failed_deliveries = 0
        for n in range(DELIVERIES):
            for receive in range(1, MAX_RECEIVES + 1):
                record = {"body": f"raw/{n}.json",
                          "attributes": {"ApproximateReceiveCount": str(receive)}}
                try:
                    faulty([record], None)
                    break
                except Exception:  # a failed invocation: SQS delivers the message again
                    failed_deliveries += 1
            else:
                raise AssertionError(f"raw/{n}.json never went through")

        rows = glue_catalog().load_table(f"{DATABASE}.plays").scan().to_arrow()

    counts = rows.group_by(SOURCE_FILE).aggregate([(SOURCE_FILE, "count")]).to_pydict()
    assert dict(zip(*counts.values(), strict=True)) == {
        f"raw/{n}.json": 3 for n in range(DELIVERIES)}
    assert rows.num_rows == len(set(rows.column("play_id").to_pylist()))
    injected = dict(injector.injected)
    assert any(kind.startswith("S3 5") for kind in injected), injected
    assert any(kind.startswith("container died table") for kind in injected), injected
    assert failed_deliveries > 0
