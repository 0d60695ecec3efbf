"""The Athena API stand-in the demo's monthly report runs on: as strict as Athena where the
report function could tell, and its answers read back as Athena's are."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from spotify_runtime.named_queries import NamedQuery
from spotify_runtime.play_rule import PlayRule
from spotify_runtime.report.period import Period
from spotify_runtime.report.queries import AthenaQueries, ReportQueryError

from spotify_local.athena_api import InvalidRequestError, LakeAthena

QUERY = NamedQuery("q", "test", "SELECT DATE '2026-04-01' AS day, 2 AS n, 1.5 AS x, NULL AS gone, "
                   "true AS ok WHERE DATE '2026-04-01' BETWEEN CAST(? AS DATE) AND "
                   "CAST(? AS DATE)", ("start_day", "end_day"))


def _athena() -> LakeAthena:
    return LakeAthena(duckdb.connect(":memory:"), workgroup="wg", database="db")


def test_rows_come_back_typed_through_the_report_runner():
    rows = AthenaQueries(_athena(), workgroup="wg", database="db").run(
        QUERY, Period.month(2026, 4), PlayRule(30))
    assert rows == [{"day": date(2026, 4, 1), "n": 2, "x": 1.5, "gone": None, "ok": True}]


def test_another_workgroup_or_database_is_refused():
    with pytest.raises(InvalidRequestError, match="WorkGroup other is not found"):
        AthenaQueries(_athena(), workgroup="other", database="db").run(
            QUERY, Period.month(2026, 4), PlayRule(30))
    with pytest.raises(InvalidRequestError, match="Database other does not exist"):
        AthenaQueries(_athena(), workgroup="wg", database="other").run(
            QUERY, Period.month(2026, 4), PlayRule(30))


def test_a_parameter_that_is_not_a_string_literal_is_refused():
    with pytest.raises(InvalidRequestError, match="not a string literal"):
        _athena().start_query_execution(QueryString="SELECT 1 WHERE 1 = ?",
                                        QueryExecutionContext={"Database": "db"},
                                        WorkGroup="wg", ExecutionParameters=["1"])


def test_a_failing_query_is_failed_with_the_engine_message():
    broken = NamedQuery("broken", "test", "SELECT * FROM nowhere")
    with pytest.raises(ReportQueryError, match=r"broken: Athena query FAILED: .*nowhere"):
        AthenaQueries(_athena(), workgroup="wg", database="db").run(
            broken, Period.month(2026, 4), PlayRule(30))
