"""Named queries: one .sql file each, first line the description."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spotify_runtime.play_rule import IS_PLAY_MACRO, IS_PLAY_SQL

from infra.named_queries import (
    QUERIES_DIR,
    REPORT_QUERIES_DIR,
    UnknownQueryError,
    get_named_query,
    load_named_queries,
    read_named_query,
)

EXPECTED = {
    "most_featured_artists", "new_tracks_since_previous_snapshot", "top_songs_of_day",
    "listening_per_day", "top_artists_last_7_days", "first_plays_of_latest_day",
    "pipeline_health", "plays_per_month", "plays_per_reason_end", "history_imports",
}


def test_every_sql_file_is_a_named_query_with_a_description() -> None:
    queries = load_named_queries()
    assert {query.name for query in queries} == EXPECTED
    for query in queries:
        assert query.description and not query.description.startswith("-")
        assert "SELECT" in query.sql.upper()
        assert not query.sql.rstrip().endswith(";"), "Athena named queries take one statement"


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownQueryError) as raised:
        get_named_query("top_songs")
    message = str(raised.value)
    assert "'top_songs'" in message
    assert all(name in message for name in EXPECTED)


def test_a_file_without_description_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bare.sql"
    path.write_text("SELECT 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="first line"):
        read_named_query(path)


# DuckDB accepts these, Athena engine v3 (Trino) rejects them or means something else.
DUCKDB_ONLY = {
    r"::": "`::` casts (use CAST(x AS type))",
    r"\bqualify\b": "QUALIFY (filter a window in an outer query)",
    r"\bilike\b": "ILIKE (use lower(x) LIKE ...)",
    r"\bgroup\s+by\s+all\b": "GROUP BY ALL (name the columns)",
    r"\bexclude\s*\(": "SELECT * EXCLUDE",
    r"\blist_\w+\(|\bstruct_\w+\(": "DuckDB list_/struct_ functions",
    r"\bstrftime\(|\bstrptime\(": "strftime/strptime (date_format in Trino)",
}


@pytest.mark.parametrize("query", [*load_named_queries(), *load_named_queries(REPORT_QUERIES_DIR)],
                         ids=lambda query: query.name)
def test_named_queries_avoid_duckdb_only_syntax(query) -> None:
    sql = "\n".join(line.split("--")[0] for line in query.sql.splitlines()).lower()
    found = [why for pattern, why in DUCKDB_ONLY.items() if re.search(pattern, sql)]
    assert found == [], f"{query.name} uses {found}"


def test_the_counting_rule_is_written_once_and_put_in_place(tmp_path: Path) -> None:
    counting = [q for q in [*load_named_queries(), *load_named_queries(REPORT_QUERIES_DIR)]
                if q.counts_plays]
    assert {q.name for q in counting} >= {"plays_per_month", "report_summary", "report_top"}
    for query in counting:
        assert IS_PLAY_SQL in query.sql and IS_PLAY_MACRO not in query.sql, query.name
    everything = "\n".join(path.read_text(encoding="utf-8")
                           for path in [*QUERIES_DIR.glob("*.sql"),
                                        *REPORT_QUERIES_DIR.glob("*.sql")])
    assert ">= 30000" not in everything and "30000" not in everything  # no rule spelled out
    path = tmp_path / "half.sql"
    path.write_text("-- Half.\n-- parameters: min_ms_played\nSELECT * FROM t WHERE x = ?\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="one with the other"):
        read_named_query(path)
    path.write_text("-- Typo.\nSELECT * FROM t WHERE {{is_ply}}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown"):
        read_named_query(path)
    query = read_named_query(QUERIES_DIR / "plays_per_month.sql")
    assert query.values({"min_ms_played": 30_000}) == [30_000, 30_000]
    with pytest.raises(ValueError, match="no value for parameter"):
        query.values({})
