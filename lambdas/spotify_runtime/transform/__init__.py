"""Raw Spotify JSON (envelopes, and bare paging objects as the tutorial this project started
from wrote them: docs/migrating.md) to the Parquet tables.

- `tables`: the table and column definitions (the one place they live).
- `reader`: bytes to a typed raw document (native pyarrow JSON reader, plain-json fallback).
- `build`: raw document to the four tables, with skipped items counted per reason.
- `raw_to_parquet`: one raw file's bytes to its Parquet files, in memory (the Lambda and the CLI).
- `raw_object`: one raw S3 object end to end (write tables, then archive; quarantine bad input;
  its run-log row).
- `events`: S3 / EventBridge events to (bucket, key) pairs.
"""
