import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "raw"


@pytest.fixture
def raw_fixture():
    """Bytes of tests/fixtures/raw/<name>."""
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def raw_doc():
    """The parsed JSON of tests/fixtures/raw/<name> (to derive variants)."""
    return lambda name: json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def read_parquet(data: bytes) -> list[dict]:
    return pq.read_table(pa.BufferReader(data)).to_pylist()


@pytest.fixture
def rows_of():
    """transform_raw_file result -> {table: [row dicts]} read back from the Parquet bytes."""
    def rows(transformed):
        return {key.split("/")[1]: read_parquet(data) for key, data in transformed.outputs.items()}
    return rows
