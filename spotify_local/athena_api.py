"""Athena's query API answered by DuckDB over a local lake: the calls the monthly report
function makes (StartQueryExecution, GetQueryExecution, GetQueryResults through its paginator),
so the demo runs the deployed handler unchanged.

As strict as Athena where the handler could tell: a workgroup or database other than the
environment's is refused; execution parameters are SQL literals (a string in quotes); a query
that fails is FAILED with the engine's message; results are text with the header row first and
Athena's type names, NULL as an absent value.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from spotify_local.duckdb_athena import LakeQueryError, run_sql


class InvalidRequestError(ValueError):
    """What Athena answers InvalidRequestException for."""


def _literal(text: str) -> str:
    """One execution parameter, given as Athena takes it: a quoted string literal."""
    if len(text) < 2 or text[0] != "'" or text[-1] != "'":
        raise InvalidRequestError(f"execution parameter {text!r} is not a string literal")
    return text[1:-1].replace("''", "'")


def _athena_type(values: list[Any]) -> str:
    """Athena's name for the type of a column of these values (varchar when all are NULL)."""
    present = [value for value in values if value is not None]
    kinds = {type(value) for value in present}
    if kinds <= {bool} and present:
        return "boolean"
    if kinds <= {int} and present:
        return "bigint"
    if kinds <= {int, float, Decimal} and present:
        return "double"
    if kinds <= {datetime} and present:
        return "timestamp"
    if kinds <= {date} and present:
        return "date"
    return "varchar"


def _text(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"VarCharValue": "true" if value else "false"}
    if isinstance(value, datetime):
        return {"VarCharValue": value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]}
    return {"VarCharValue": str(value)}


class LakeAthena:
    """A boto3-like Athena client over `connection` (open_lake), for one workgroup and
    database."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, *, workgroup: str,
                 database: str) -> None:
        self.connection, self.workgroup, self.database = connection, workgroup, database
        self.executions: dict[str, dict[str, Any]] = {}

    def start_query_execution(self, *, QueryString: str,  # noqa: N803 - boto3's names
                              QueryExecutionContext: dict[str, str], WorkGroup: str,  # noqa: N803
                              ExecutionParameters: list[str] | None = None,  # noqa: N803
                              ) -> dict[str, str]:
        """Run the query now; its id."""
        if WorkGroup != self.workgroup:
            raise InvalidRequestError(f"WorkGroup {WorkGroup} is not found")
        if QueryExecutionContext.get("Database") != self.database:
            raise InvalidRequestError(f"Database {QueryExecutionContext.get('Database')} "
                                      "does not exist")
        values = [_literal(text) for text in ExecutionParameters or []]
        execution_id = str(uuid.uuid4())
        try:
            result = run_sql(self.connection, QueryString, values)
            status: dict[str, Any] = {"State": "SUCCEEDED"}
        except LakeQueryError as error:
            result, status = None, {"State": "FAILED", "StateChangeReason": str(error)}
        self.executions[execution_id] = {"status": status, "result": result}
        return {"QueryExecutionId": execution_id}

    def get_query_execution(self, *, QueryExecutionId: str) -> dict[str, Any]:  # noqa: N803
        """The execution's status (every query here has finished when it is started)."""
        return {"QueryExecution": {"QueryExecutionId": QueryExecutionId,
                                   "Status": self.executions[QueryExecutionId]["status"]}}

    def get_paginator(self, operation: str) -> LakeAthena:
        """Only GetQueryResults pages (one page here)."""
        if operation != "get_query_results":
            raise InvalidRequestError(f"no paginator for {operation} in this stand-in")
        return self

    def paginate(self, *, QueryExecutionId: str) -> list[dict[str, Any]]:  # noqa: N803
        """The results as one GetQueryResults page: the header row, then the rows as text."""
        result = self.executions[QueryExecutionId]["result"]
        if result is None:
            raise InvalidRequestError("the query did not succeed: no results")
        columns = [(name, _athena_type([row[i] for row in result.rows]))
                   for i, name in enumerate(result.columns)]
        header = {"Data": [{"VarCharValue": name} for name, _ in columns]}
        return [{"ResultSet": {
            "ResultSetMetadata": {"ColumnInfo": [{"Name": n, "Type": t} for n, t in columns]},
            "Rows": [header, *({"Data": [_text(v) for v in row]} for row in result.rows)]}}]
