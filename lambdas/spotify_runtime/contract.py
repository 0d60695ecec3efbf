"""What the CDK app and the Lambda code must agree on, defined once and imported by both.

Environment variable names, metric names, timeouts and worker defaults: a stack sets them, a
handler reads them, and a test of either side fails if one of them is typed differently.
Plain values only (no CDK, no boto3), so every function's asset can carry this module.
"""

from __future__ import annotations

# --- Environment variables ------------------------------------------------------------------
ENV_LOG_LEVEL = "LOG_LEVEL"
ENV_DATA_BUCKET = "DATA_BUCKET"
"""The data-lake bucket (extract worker: where raw files go; transform: the only bucket whose
events it accepts)."""
ENV_SPOTIFY_SECRET_ID = "SPOTIFY_SECRET_ID"
ENV_SPOTIFY_API_URL = "SPOTIFY_API_URL"
"""Optional: a Spotify Web API other than api.spotify.com (the local stand-in)."""
ENV_SPOTIFY_ACCOUNTS_URL = "SPOTIFY_ACCOUNTS_URL"
ENV_SOURCES_FILE = "SOURCES_FILE"
ENV_SOURCES = "SOURCES"
ENV_EXTRACT_QUEUE_URL = "EXTRACT_QUEUE_URL"
ENV_EXTRACT_DLQ_URL = "EXTRACT_DLQ_URL"
ENV_EXTRACT_MAX_ATTEMPTS = "EXTRACT_MAX_ATTEMPTS"
ENV_EXTRACT_REQUESTS_PER_30S = "EXTRACT_REQUESTS_PER_30S"
ENV_EXTRACT_MAX_CONCURRENCY = "EXTRACT_MAX_CONCURRENCY"

# --- Metrics (CloudWatch Embedded Metric Format) --------------------------------------------
METRICS_NAMESPACE = "SpotifyEtl"
METRIC_RAW_FILES_QUARANTINED = "RawFilesQuarantined"
"""Raw files the transform moved to raw/failed/ (dimension Bucket); an alarm watches it."""
METRIC_DIMENSION_BUCKET = "Bucket"
METRIC_WORKER_OUTCOME = "WorkerOutcome"
"""Messages the extract worker handled, one per handling (dimensions Bucket, Outcome)."""
METRIC_DIMENSION_OUTCOME = "Outcome"
WORKER_OUTCOMES = (
    "landed", "deferred", "retry_scheduled", "paced_out", "dead_lettered", "not_started",
    "returned",
)
"""Values of the Outcome dimension (queue_worker.Outcome); `landed` and `dead_lettered` are the
sources landed and failed."""
METRIC_SPOTIFY_REQUESTS = "SpotifyRequests"
"""Spotify API requests the extract worker sent (dimension Bucket)."""
METRIC_SPOTIFY_RATE_LIMITED = "SpotifyRateLimited"
"""429 answers Spotify gave the extract worker (dimension Bucket)."""
METRIC_RAW_FILES_TRANSFORMED = "RawFilesTransformed"
"""Raw files the transform turned into tables (dimension Bucket)."""
METRIC_LATEST_SNAPSHOT_DATE = "LatestSnapshotDate"
"""The snapshot date of a raw file just transformed, as the number YYYYMMDD (dimension Bucket):
its Maximum over a period is the latest snapshot date that reached the tables."""
METRIC_DAYS_UNTIL_REAUTHORIZATION = "DaysUntilReauthorization"
"""Days before the stored Spotify user authorization must be renewed (dimension Bucket). The
lead's contract for the re-authorization work (issue 11), which emits it; the dashboard shows it
from the day it exists."""

# --- Functions --------------------------------------------------------------------------------
PLANNER_TIMEOUT_SECONDS = 120
"""Enough to send thousands of messages in batches of ten."""
WORKER_TIMEOUT_SECONDS = 15 * 60
"""One source per invocation, paced at its share of the request budget: 15 minutes lets the
largest playlist (10,000 items, about 200 requests) fit at a share of 7 requests per 30 s
(docs/scaling.md). A 429 that does not fit defers the message instead of waiting."""
TRANSFORM_TIMEOUT_SECONDS = 5 * 60
WORKER_MEMORY_MB = 512
PLANNER_MEMORY_MB = 256

# --- Extract worker defaults (cdk.json may override each; docs/scaling.md explains them) -------
DEFAULT_EXTRACT_MAX_ATTEMPTS = 3
DEFAULT_EXTRACT_REQUESTS_PER_30S = 90
DEFAULT_EXTRACT_MAX_CONCURRENCY = 2
DEFAULT_EXTRACT_BATCH_SIZE = 1
DEFAULT_EXTRACT_MAX_RECEIVE_COUNT = 20
SQS_VISIBILITY_TIMEOUT_FACTOR = 6
"""Lambda's rule for SQS sources: the queue's visibility timeout is at least six times the
function timeout."""

# --- Schedule -------------------------------------------------------------------------------
RUN_AT_FIELD = "run_at"
"""The field of the schedule's payload that carries its scheduled time (names the run)."""

# --- Handlers (module.function, as the stacks deploy them) ------------------------------------
PLANNER_HANDLER = "spotify_runtime.extract.planner.handler"
WORKER_HANDLER = "spotify_runtime.extract.worker.handler"
TRANSFORM_HANDLER = "spotify_runtime.transform.handler.handler"

# --- Source list layer ------------------------------------------------------------------------
SOURCES_FILE_NAME = "sources.json"
"""Name of the file in the source-list layer (layers are extracted under /opt)."""
