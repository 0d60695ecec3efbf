"""The report queries on DuckDB over the local lake; the queries themselves, the runner
protocol and the Athena runner are the deployed function's (spotify_runtime/report/queries.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from spotify_runtime.named_queries import NamedQuery, local_time_sql
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import UTC_ZONE, Period
from spotify_runtime.report.queries import ReportQueryError, Rows, query_values

from spotify_local.duckdb_athena import LakeQueryError, open_lake, run_sql


class LakeQueries:
    """The report queries on DuckDB over the local lake (the catalog's tables and the
    `listening` view), or on `connection` when given (one that has a `listening` relation)."""

    def __init__(self, lake_dir: Path, connection: duckdb.DuckDBPyConnection | None = None,
                 ) -> None:
        self.connection = open_lake(lake_dir) if connection is None else connection

    def history_start(self, zone: ZoneInfo = UTC_ZONE) -> date | None:
        """The day in `zone` of the lake's first play (None: no play yet); it chooses a period
        only, no number of the page comes from here."""
        row = self.connection.execute(
            f"SELECT CAST({local_time_sql('min(ended_at)', zone.key)} AS DATE) FROM listening"
        ).fetchone()
        return row[0] if row else None

    def run(self, query: NamedQuery, period: Period, rule: PlayRule) -> Rows:
        """Run `query` with the period and the rule's threshold bound to its `?` markers."""
        values = query_values(query, period, rule)
        try:
            return run_sql(self.connection, query.sql, values).as_dicts()
        except LakeQueryError as error:
            raise ReportQueryError(f"{query.name}: {error}") from None
