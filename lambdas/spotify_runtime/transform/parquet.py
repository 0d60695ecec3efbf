"""Tables to Parquet bytes (Snappy), the one place the file format options are chosen."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

COMPRESSION = "snappy"


def parquet_bytes(table: pa.Table) -> bytes:
    """One table as a Snappy-compressed Parquet file, in memory."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression=COMPRESSION)
    return sink.getvalue().to_pybytes()
