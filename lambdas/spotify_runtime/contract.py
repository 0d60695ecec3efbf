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
ENV_REPORT_WORKGROUP = "REPORT_WORKGROUP"
"""The monthly report: the Athena workgroup its queries run in."""
ENV_REPORT_DATABASE = "REPORT_DATABASE"
"""The monthly report: the Glue database its queries name."""
ENV_REPORT_TIME_ZONE = "REPORT_TIME_ZONE"
"""The monthly report: the IANA zone of its hours of day and of "the previous month"."""
ENV_PLAY_MIN_SECONDS = "PLAY_MIN_SECONDS"
"""The counting rule's threshold (play_min_seconds in cdk.json)."""
ENV_REPORT_EMAIL = "REPORT_EMAIL"
"""Optional: the SES-verified address the monthly report is mailed from and to; unset, the
report is only written to the bucket."""
ENV_GLUE_DATABASE = "GLUE_DATABASE"
"""The Glue database holding the Iceberg tables (the transform writes them through it)."""
ENV_TRANSFORM_BATCH_MAX_MIB = "TRANSFORM_BATCH_MAX_MIB"
"""The transform: most MiB of built rows held before a batch's tables are committed
(transform_batch_max_mib in cdk.json); more raw files in one SQS batch commit in several."""
DEFAULT_TRANSFORM_BATCH_MAX_MIB = 128
DEFAULT_REFRESH_TOKEN_ALARM_DAYS = 30
"""Days before the refresh token expires at which its alarm fires (cdk.json may override)."""

# --- Metrics (CloudWatch Embedded Metric Format) --------------------------------------------
METRICS_NAMESPACE = "SpotifyEtl"
METRIC_RAW_FILES_QUARANTINED = "RawFilesQuarantined"
"""Raw files the transform moved to raw/failed/ (dimension Bucket); an alarm watches it."""
METRIC_RAW_FILE_FAILURES = "RawFileTransformFailures"
"""Raw files whose transform raised in an SQS batch (dimension Bucket): the message goes back to
the queue, so the invocation itself does not count as a Lambda error; an alarm watches this."""
METRIC_DIMENSION_BUCKET = "Bucket"
METRIC_IMPORTS_QUARANTINED = "HistoryImportsQuarantined"
"""Uploads under imports/ the history import refused (copied to imports-failed/ with a report;
dimension Bucket); an alarm watches it."""
METRIC_REFRESH_TOKEN_DAYS_LEFT = "RefreshTokenDaysLeft"
"""Days before the refresh token expires (extract worker, each invocation; dimension Bucket);
0 once Spotify refused it. An alarm fires at `refresh_token_alarm_days` or fewer."""
METRIC_QUOTA_DEFERRALS = "QuotaDeferrals"
"""Messages the extract worker deferred because Spotify's quota was spent (dimension Bucket)."""
METRIC_LISTENING_GAPS = "ListeningHistoryGaps"
"""Recently-played runs that found a full page of plays newer than the cursor (dimension
Bucket): plays between the cursor and the oldest play of the page may be lost for good."""
METRIC_WORKER_OUTCOME = "WorkerOutcome"
"""Messages the extract worker handled, one per handling (dimensions Bucket, Outcome)."""
METRIC_DIMENSION_OUTCOME = "Outcome"
WORKER_OUTCOMES = (
    "landed", "expanded", "deferred", "quota_deferred", "retry_scheduled", "paced_out",
    "dead_lettered", "not_started", "returned",
)
"""Values of the Outcome dimension (queue_worker.MessageOutcome); `landed` and `dead_lettered`
are the sources landed and failed."""
METRIC_SPOTIFY_REQUESTS = "SpotifyRequests"
"""Spotify API requests the extract worker sent (dimension Bucket)."""
METRIC_SPOTIFY_RATE_LIMITED = "SpotifyRateLimited"
"""429 answers Spotify gave the extract worker (dimension Bucket)."""
METRIC_RAW_FILES_TRANSFORMED = "RawFilesTransformed"
"""Raw files the transform turned into tables (dimension Bucket)."""
METRIC_LATEST_SNAPSHOT_DATE = "LatestSnapshotDate"
"""The snapshot date of a raw file just transformed, as the number YYYYMMDD (dimension Bucket):
its Maximum over a period is the latest snapshot date that reached the tables."""

# --- Functions --------------------------------------------------------------------------------
PLANNER_TIMEOUT_SECONDS = 120
"""Enough to send thousands of messages in batches of ten."""
WORKER_TIMEOUT_SECONDS = 15 * 60
"""One source per invocation, paced at its share of the request budget: 15 minutes lets the
largest playlist (10,000 items, about 200 requests) fit at a share of 7 requests per 30 s
(docs/scaling.md). A 429 that does not fit defers the message instead of waiting."""
TRANSFORM_TIMEOUT_SECONDS = 5 * 60
HISTORY_IMPORT_TIMEOUT_SECONDS = 5 * 60
"""A heavy listener's 10-year export imports in a few seconds (docs/benchmarks.md, History
import): five minutes leaves room for a slow S3 and many months of merges."""
HISTORY_IMPORT_MEMORY_MB = 1024
"""The benchmark's 300,000-play export peaks near a third of this; Lambda gives CPU in
proportion to memory, which the parse uses."""
HISTORY_IMPORT_BATCH_SIZE = 1
"""Uploads per invocation (its SQS event source's batch size): one export per invocation."""
HISTORY_IMPORT_MAX_CONCURRENCY = 2
"""Imports at once (the least an SQS event source allows): uploads are rare and large."""
REPORT_TIMEOUT_SECONDS = 10 * 60
"""Two months of the 14 report queries, one at a time on Athena (seconds each), the page and
the card: ten minutes leaves room for a queued workgroup."""
REPORT_MEMORY_MB = 1024
"""Plotly's figures and Pillow's 1080 x 1920 card fit in a fraction of this; the CPU Lambda
gives with it keeps the rendering to seconds."""
PLANNER_CONCURRENCY = 1
"""Planners at once: its schedules invoke it once a run, minutes apart."""
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
REPORT_MONTH_FIELD = "month"
"""Optional field of the monthly report's payload: the month (YYYY-MM) to report on instead of
the one before the scheduled time (a manual re-run)."""
SOURCE_GROUP_FIELD = "sources"
"""The field of the schedule's payload that selects which configured sources a run plans."""
SOURCE_GROUP_ALL = "all"
"""Every configured source (the daily schedule when there is no listening schedule)."""
SOURCE_GROUP_DAILY = "daily"
"""Every configured source except the listening ones (the daily schedule beside a listening
schedule)."""
SOURCE_GROUP_LISTENING = "listening"
"""Only the listening sources (sources.LISTENING_SOURCE_TYPES): the listening schedule."""
SOURCE_GROUPS = (SOURCE_GROUP_ALL, SOURCE_GROUP_DAILY, SOURCE_GROUP_LISTENING)
DEFAULT_LISTENING_SCHEDULE_CRON = "0 * * * ? *"
"""Hourly: well inside the time it takes to play 50 tracks (about 2.5 hours), after which
Spotify forgets the oldest plays."""
DEFAULT_REPORT_SCHEDULE_CRON = "0 6 1 * ? *"
"""06:00 on the 1st (in the schedule's time zone): the month before is over everywhere, and the
day's extraction has not started."""
LISTENING_MAX_INTERVAL_HOURS = 2
"""The longest gap allowed between two runs of the listening schedule (config.py checks it)."""
LISTENING_PAGE_SIZE = 50
"""Spotify keeps (and returns) at most the last 50 plays."""

# --- Handlers (module.function, as the stacks deploy them) ------------------------------------
PLANNER_HANDLER = "spotify_runtime.extract.planner.handler"
WORKER_HANDLER = "spotify_runtime.extract.worker.handler"
TRANSFORM_HANDLER = "spotify_runtime.transform.handler.handler"
HISTORY_IMPORT_HANDLER = "spotify_runtime.history_import.handler.handler"
REPORT_HANDLER = "spotify_runtime.report.monthly.handler"

# --- Monthly report asset ------------------------------------------------------------------
PLOTLY_PACKAGE, PLOTLY_FILE = "plotly.js-basic-dist-min", "plotly-basic.min.js"
"""Plotly's basic partial bundle (npm package and file, pinned in package-lock.json): the command
line reads it from node_modules/<PLOTLY_PACKAGE>/, and the CDK app copies it into the monthly
report function's asset beside spotify_runtime/report/page.py."""

# --- Source list layer ------------------------------------------------------------------------
SOURCES_FILE_NAME = "sources.json"
"""Name of the file in the source-list layer (layers are extracted under /opt)."""
