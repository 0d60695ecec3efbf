"""Each deployed function's environment variables, from the settings and the names of the
resources it uses: the CDK constructs (infra/components/) set them, and the local run
(spotify_local.local_run) sets the same ones for the same handler, pointing at its stand-ins.

The names come from spotify_runtime.contract; `LOG_LEVEL`, which every function has, is added by
PythonFunction. tests/infra/test_demo_runs_what_deploys.py compares each template's variable
names with the local run's (docs/infrastructure.md, "Environment variables").
"""

from __future__ import annotations

from spotify_runtime import contract

from infra.config import EnvironmentSettings


def planner_environment(*, sources_file: str, extract_queue_url: str) -> dict[str, str]:
    """The planner: where its source list file is, and the queue it plans onto."""
    return {
        contract.ENV_SOURCES_FILE: sources_file,
        contract.ENV_EXTRACT_QUEUE_URL: extract_queue_url,
    }


def worker_environment(
    settings: EnvironmentSettings, *, bucket: str, secret_id: str, queue_url: str, dlq_url: str,
) -> dict[str, str]:
    """The extract worker: its bucket, the secret's id (never the credentials: they are read at
    run time), its queues and the knobs of cdk.json it paces and retries by."""
    return {
        contract.ENV_DATA_BUCKET: bucket,
        contract.ENV_SPOTIFY_SECRET_ID: secret_id,
        contract.ENV_EXTRACT_QUEUE_URL: queue_url,
        contract.ENV_EXTRACT_DLQ_URL: dlq_url,
        contract.ENV_EXTRACT_MAX_ATTEMPTS: str(settings.extract_max_attempts),
        contract.ENV_EXTRACT_REQUESTS_PER_30S: str(settings.extract_requests_per_30s),
        contract.ENV_EXTRACT_MAX_CONCURRENCY: str(settings.extract_max_concurrency),
    }


def transform_environment(
    settings: EnvironmentSettings, *, bucket: str, glue_database: str,
) -> dict[str, str]:
    """The transform: its bucket, the tables' Glue database and its batch's byte bound."""
    return {
        contract.ENV_DATA_BUCKET: bucket,
        contract.ENV_GLUE_DATABASE: glue_database,
        contract.ENV_TRANSFORM_BATCH_MAX_MIB: str(settings.transform_batch_max_mib),
    }


def history_import_environment(*, bucket: str) -> dict[str, str]:
    """The history import: its bucket."""
    return {contract.ENV_DATA_BUCKET: bucket}


def report_environment(
    settings: EnvironmentSettings, *, bucket: str, workgroup: str, database: str,
    email: str | None,
) -> dict[str, str]:
    """The monthly report: its bucket, where its queries run, the counting rule, the zone of
    its hours, and the address it mails to (unset: the report is only written)."""
    environment = {
        contract.ENV_DATA_BUCKET: bucket,
        contract.ENV_REPORT_WORKGROUP: workgroup,
        contract.ENV_REPORT_DATABASE: database,
        contract.ENV_REPORT_TIME_ZONE: settings.schedule_time_zone,
        contract.ENV_PLAY_MIN_SECONDS: str(settings.play_min_seconds),
    }
    if email:
        environment[contract.ENV_REPORT_EMAIL] = email
    return environment
