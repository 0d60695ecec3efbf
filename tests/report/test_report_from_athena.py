"""`report --env NAME`: the report queries go to the environment's Athena workgroup and Glue
database on moto's Athena (its HTTP server), and the page is built from the results it returns.

moto runs no SQL: its results API queues one canned result per query execution, in the order
the queries start (the report runs them in name order, one at a time: the year's, then, for the
comparison, the year before's).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from spotify_runtime.report.queries import report_queries

from spotify_etl.cli import main
from spotify_local.identity import ACCOUNT, REGION
from spotify_local.moto_aws import local_aws

REPO = Path(__file__).resolve().parents[2]
WORKGROUP, DATABASE = "spotify-etl-dev", "spotify_etl_dev"
"""What the CDK app names the dev environment's workgroup and database (infra/naming.py)."""

CANNED: dict[str, tuple[list[tuple[str, str]], list[tuple[Any, ...]]]] = {
    "report_summary": (
        [("plays", "bigint"), ("minutes", "double"), ("days_listened", "bigint"),
         ("tracks", "bigint"), ("artists", "bigint")],
        [(3, 9.5, 1, 2, 1)]),
    "report_per_day": (
        [("day", "date"), ("plays", "bigint"), ("minutes", "double"), ("tracks", "bigint")],
        [("2026-05-01", 3, 9.5, 2)]),
    "report_per_week": (
        [("week_start", "date"), ("plays", "bigint"), ("minutes", "double"),
         ("days_listened", "bigint")],
        [("2026-04-27", 3, 9.5, 1)]),
    "report_top": (
        [("kind", "varchar"), ("name", "varchar"), ("artist_name", "varchar"),
         ("plays", "bigint"), ("minutes", "double"), ("rank_by_minutes", "bigint"),
         ("rank_by_plays", "bigint")],
        [("artist", "Canned Artist", None, 3, 9.5, 1, 1)]),
}


def _athena_result(columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> dict:
    def datum(value: Any) -> dict:
        return {} if value is None else {"VarCharValue": str(value)}

    header = {"Data": [{"VarCharValue": name} for name, _ in columns]}
    return {"rows": [header, *({"Data": [datum(v) for v in row]} for row in rows)],
            "column_info": [{"Name": name, "Type": kind, "Label": name} for name, kind in columns]}


def test_report_env_queries_the_workgroup_and_builds_from_its_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)  # cdk.json names the environment
    queries = report_queries()
    out = tmp_path / "report.html"
    with local_aws() as local:
        athena = local.client("athena")
        athena.create_work_group(Name=WORKGROUP, Configuration={"ResultConfiguration": {
            "OutputLocation": f"s3://{local.bucket}/athena-results/"}})
        results = [_athena_result(*CANNED.get(name, ([("nothing", "varchar")], [])))
                   for name in queries]
        results += [_athena_result([("nothing", "varchar")], []) for _ in queries]
        answer = requests.post(f"{local.endpoint_url}/moto-api/static/athena/query-results",
                               json={"account_id": ACCOUNT, "region": REGION,
                                     "results": results}, timeout=10)
        assert answer.status_code == 201
        assert main(["report", "--env", "dev", "--year", "2026", "--out", str(out)]) == 0
        ids = athena.list_query_executions(WorkGroup=WORKGROUP)["QueryExecutionIds"]
        executions = [athena.get_query_execution(QueryExecutionId=i)["QueryExecution"]
                      for i in ids]
    assert sorted(e["Query"] for e in executions) == sorted(
        2 * [q.sql for q in queries.values()])
    by_text = {query.sql: query for query in queries.values()}
    # The counting rule comes from cdk.json (play_min_seconds: 30) as milliseconds.
    years = [{"start_day": f"'{y}-01-01'", "end_day": f"'{y}-12-31'", "min_ms_played": "'30000'"}
             for y in (2026, 2025)]
    asked = {year["start_day"]: 0 for year in years}
    for execution in executions:
        assert execution["WorkGroup"] == WORKGROUP
        assert execution["QueryExecutionContext"]["Database"] == DATABASE
        named = by_text[execution["Query"]]
        expected = [[year[name] for name in named.parameters] for year in years]
        assert execution["ExecutionParameters"] in expected
        asked[years[expected.index(execution["ExecutionParameters"])]["start_day"]] += 1
    assert list(asked.values()) == [len(queries), len(queries)]  # the year, then the year before
    page = out.read_text(encoding="utf-8")
    assert "Canned Artist" in page
    assert "Busiest day: 2026-05-01, 9.5 minutes in 3 plays." in page
    assert "Athena (dev)" in page
    assert "report: 3 plays (30 s or more), 2026-01-01 to 2026-12-31" in capsys.readouterr().out
