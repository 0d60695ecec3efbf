"""Where the report's numbers come from: its named queries (queries/ beside this module), and
the runner that answers them on Athena.

A runner takes a named query and the period, and answers rows as dictionaries of Python values
(int, float, str, bool, date, datetime, None), so the sections never know which engine answered
(the command line also runs them on DuckDB over the local lake: spotify_local/lake_queries.py).
Athena gets the query text unchanged with the period as execution parameters (SQL literals), in
the environment's workgroup and Glue database, and its results are read back through
GetQueryResults with the workgroup's own result settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from spotify_runtime.named_queries import NamedQuery, load_named_queries
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import UTC_ZONE, Period

REPORT_QUERIES_DIR = Path(__file__).with_name("queries")
"""The listening report's named queries (over `listening`); the CDK app creates them in the
workgroup, and the monthly report function carries them in its asset."""

Rows = list[dict[str, Any]]


class ReportQueryError(Exception):
    """A report query the engine refused or could not finish; the message says which."""


class QueryRunner(Protocol):
    """Runs one report query for a period under a counting rule."""

    def run(self, query: NamedQuery, period: Period, rule: PlayRule) -> Rows:
        """The query's rows, as dictionaries keyed by column name."""
        ...


def report_queries(zone: ZoneInfo = UTC_ZONE) -> dict[str, NamedQuery]:
    """Every report query, by name, its days, weeks, months and hours in `zone`."""
    return {query.name: query for query in load_named_queries(REPORT_QUERIES_DIR, zone.key)}


def run_all(runner: QueryRunner, period: Period, rule: PlayRule) -> dict[str, Rows]:
    """Every report query's rows for `period` (in its zone) under `rule`, by query name (in
    name order)."""
    return {name: runner.run(query, period, rule)
            for name, query in report_queries(period.zone).items()}


def query_values(query: NamedQuery, period: Period, rule: PlayRule) -> list[str]:
    """`query`'s execution parameters for `period` under `rule`; ValueError when the query's
    days are another zone's than the period's (its text was read for another zone)."""
    if query.zone is not None and query.zone != period.zone.key:
        raise ValueError(f"{query.name}: read for the time zone {query.zone}, run for a period "
                         f"in {period.zone.key}: read it with report_queries(period.zone)")
    return period.parameters(query.parameters, rule)


ATHENA_DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
_INTEGERS = {"tinyint", "smallint", "integer", "int", "bigint"}
_REALS = {"double", "float", "real", "decimal"}


def athena_value(text: str | None, athena_type: str) -> Any:
    """One cell of GetQueryResults (always text, absent for NULL) as the Python value."""
    if text is None:
        return None
    kind = athena_type.lower()
    if kind in _INTEGERS:
        return int(text)
    if kind in _REALS:
        return float(text)
    if kind == "boolean":
        return text == "true"
    if kind == "date":
        return date.fromisoformat(text)
    if kind.startswith("timestamp"):
        return datetime.fromisoformat(text.replace(" UTC", ""))
    return text


class AthenaQueries:
    """The report queries on Athena, in a deployed environment's workgroup and database."""

    def __init__(self, athena: Any, *, workgroup: str, database: str,
                 poll_seconds: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> None:
        self.athena, self.workgroup, self.database = athena, workgroup, database
        self.poll_seconds, self.sleep = poll_seconds, sleep

    def run(self, query: NamedQuery, period: Period, rule: PlayRule) -> Rows:
        """Submit `query`, wait for it, and read its results."""
        execution_id = self.athena.start_query_execution(
            QueryString=query.sql,
            QueryExecutionContext={"Database": self.database},
            WorkGroup=self.workgroup,
            # Athena substitutes the values as SQL literals: strings in quotes.
            ExecutionParameters=[f"'{value}'"
                                 for value in query_values(query, period, rule)],
        )["QueryExecutionId"]
        status = self._wait(execution_id)
        if status["State"] != "SUCCEEDED":
            reason = status.get("StateChangeReason", "no reason given")
            raise ReportQueryError(f"{query.name}: Athena query {status['State']}: {reason}")
        return self._rows(execution_id)

    def _wait(self, execution_id: str) -> dict[str, Any]:
        while True:
            execution = self.athena.get_query_execution(QueryExecutionId=execution_id)
            status = execution["QueryExecution"]["Status"]
            if status["State"] in ATHENA_DONE:
                return status
            self.sleep(self.poll_seconds)

    def _rows(self, execution_id: str) -> Rows:
        rows: Rows = []
        paginator = self.athena.get_paginator("get_query_results")
        header_seen = False
        for page in paginator.paginate(QueryExecutionId=execution_id):
            result = page["ResultSet"]
            columns = [(c["Name"], c["Type"]) for c in result["ResultSetMetadata"]["ColumnInfo"]]
            for row in result["Rows"]:
                cells = [datum.get("VarCharValue") for datum in row["Data"]]
                if not header_seen:  # the first row of a SELECT's results names the columns
                    header_seen = True
                    continue
                rows.append({name: athena_value(cell, kind)
                             for (name, kind), cell in zip(columns, cells, strict=True)})
        return rows
