"""Named queries: one `.sql` file each (stem the name, first `--` line the description), run by
Athena and, locally, by DuckDB, with `{{is_play}}` and `{{local_time(x)}}` put in place and
`-- parameters:` named for the execution parameters.

Here, in the runtime package, because the monthly report function reads its queries in Lambda;
the CDK app (infra/named_queries.py) reads the same files with this code. docs/report.md tells
why the time zone is a literal and how parameters are passed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spotify_runtime.play_rule import IS_PLAY_MACRO, IS_PLAY_SQL, MIN_MS_PLAYED_PARAMETER

PARAMETERS_PREFIX = "-- parameters:"


@dataclass(frozen=True)
class NamedQuery:
    """One named query: its name (the file stem), description and SQL text."""

    name: str
    description: str
    sql: str
    parameters: tuple[str, ...] = ()
    """The names of its `?` execution parameters, in order (none for most queries)."""
    zone: str | None = None
    """The time zone its `{{local_time(...)}}` and `{{local_day(...)}}` were written in (None:
    it has none, and no time zone changes its text)."""

    def values(self, known: Mapping[str, object]) -> list[object]:
        """Its execution parameters' values in order, looked up by name in `known`."""
        missing = sorted({name for name in self.parameters if name not in known})
        if missing:
            raise ValueError(f"{self.name}: no value for parameter(s) {', '.join(missing)}")
        return [known[name] for name in self.parameters]

    @property
    def counts_plays(self) -> bool:
        """Whether it applies the counting rule (and so takes `min_ms_played`)."""
        return MIN_MS_PLAYED_PARAMETER in self.parameters


def _code(sql: str) -> str:
    """`sql` without comments, and with string literals emptied (so `'?'` is not a marker)."""
    kept, in_string = [], False
    for line in sql.splitlines():
        for index, char in enumerate(line):
            if char == "'":
                in_string = not in_string
                kept.append(char)
            elif not in_string and line.startswith("--", index):
                break
            elif not in_string:
                kept.append(char)
        kept.append("\n")
    return "".join(kept)


def parameter_markers(sql: str) -> int:
    """How many `?` markers `sql` holds outside comments and string literals."""
    return _code(sql).count("?")


_CLAUSE = re.compile(r"\b(select|from|where|group\s+by|having|order\s+by|on|limit|with)\b|\?",
                     re.IGNORECASE)


def markers_outside_where(sql: str) -> int:
    """How many `?` markers stand in another clause than WHERE: Athena takes execution
    parameters only in WHERE clauses (`SELECT ? ...` is refused), DuckDB anywhere."""
    outside, clause = 0, ""
    for match in _CLAUSE.finditer(_code(sql)):
        if match.group(0) == "?":
            outside += clause != "where"
        else:
            clause = match.group(1).lower()
    return outside


def _declared_parameters(sql: str) -> tuple[str, ...]:
    for line in sql.splitlines():
        if line.startswith(PARAMETERS_PREFIX):
            names = line.removeprefix(PARAMETERS_PREFIX).split("(")[0]
            return tuple(name.strip() for name in names.split(",") if name.strip())
    return ()


ROWS_OF_PERIOD_MACRO = "{{rows_of_period}}"
"""What a report query writes as the body of its `in_period` CTE (and declares `start_day,
end_day, min_ms_played` twice for): every row of `listening` in the period, with `is_play`."""
ROWS_OF_PERIOD_SQL = (
    "-- Every row of the period, with is_play: whether the counting rule makes it a play.\n"
    "    SELECT *, TRUE AS is_play\n"
    "    FROM listening\n"
    "    WHERE {{local_day(ended_at)}} BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND "
    f"{IS_PLAY_MACRO}\n"
    "    UNION ALL\n"
    "    SELECT *, FALSE AS is_play\n"
    "    FROM listening\n"
    "    WHERE {{local_day(ended_at)}} BETWEEN CAST(? AS DATE) AND CAST(? AS DATE) AND NOT "
    f"{IS_PLAY_MACRO}"
)
"""Two WHERE clauses joined, not a CASE: Athena takes `?` execution parameters only in WHERE. The
period's days are days of the query's time zone ({{local_day}})."""

LOCAL_TIME_MACRO = re.compile(r"\{\{local_(time|day)\((.+?)\)\}\}")
"""`{{local_time(x)}}`: the `timestamp` `x` (the UTC wall clock) as the wall clock of the query's
time zone; `{{local_day(x)}}`: its date there. `x` is any expression on one line."""
DEFAULT_ZONE = "UTC"


def check_zone(zone: str) -> str:
    """`zone` if it is an IANA time zone name; ValueError otherwise."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r} (an IANA name such as 'Europe/Paris')"
                         ) from None
    if "'" in zone:  # no IANA name has one; it would end the SQL literal
        raise ValueError(f"unknown time zone {zone!r}")
    return zone


def local_time_sql(expression: str, zone: str) -> str:
    """The SQL of `{{local_time(expression)}}` in `zone`: the same text for Athena and DuckDB.

    Read `x AT TIME ZONE 'UTC'` as "the instant whose UTC wall clock is x" on both engines
    (DuckDB: a `timestamp` AT TIME ZONE is read in that zone; Trino: it is cast to `timestamp
    with time zone` in the session's zone, always UTC on Athena, then shown in UTC). The second
    AT TIME ZONE shows that instant in `zone` (DuckDB answers a `timestamp`, Trino a `timestamp
    with time zone`), and the CAST keeps its wall clock as a `timestamp` (Trino drops the zone,
    keeping the local date and time). TIMESTAMP(6): microseconds kept, never rounded into the
    next day."""
    return (f"CAST(({expression} AT TIME ZONE 'UTC') AT TIME ZONE '{check_zone(zone)}' "
            "AS TIMESTAMP(6))")


def expand_local_time(sql: str, zone: str) -> str:
    """`sql` with every `{{local_time(x)}}` and `{{local_day(x)}}` written out for `zone`."""
    def expand(match: re.Match[str]) -> str:
        local = local_time_sql(match.group(2).strip(), zone)
        return local if match.group(1) == "time" else f"CAST({local} AS DATE)"
    return LOCAL_TIME_MACRO.sub(expand, sql)


def read_named_query(path: Path, zone: str = DEFAULT_ZONE) -> NamedQuery:
    """Read one `.sql` file, its days and hours in `zone` (an IANA name); its first line must be
    a `--` description comment, and its `?` markers as many as the names of its `-- parameters:`
    line."""
    check_zone(zone)
    text = path.read_text(encoding="utf-8").strip().replace(ROWS_OF_PERIOD_MACRO,
                                                             ROWS_OF_PERIOD_SQL)
    local = LOCAL_TIME_MACRO.search(_code(text)) is not None
    sql = expand_local_time(text, zone).replace(IS_PLAY_MACRO, IS_PLAY_SQL)
    first_line = sql.splitlines()[0] if sql else ""
    if not first_line.startswith("--"):
        raise ValueError(f"{path}: the first line must be a '-- description' comment")
    parameters = _declared_parameters(sql)
    if parameter_markers(sql) != len(parameters):
        raise ValueError(f"{path}: {parameter_markers(sql)} '?' marker(s) but "
                         f"{len(parameters)} declared on its '{PARAMETERS_PREFIX}' line")
    if markers_outside_where(sql):
        raise ValueError(f"{path}: a '?' marker outside a WHERE clause (Athena takes execution "
                         "parameters only there)")
    if "{{" in _code(sql):
        raise ValueError(f"{path}: an unknown {{{{macro}}}} (known: {IS_PLAY_MACRO}, "
                         f"{ROWS_OF_PERIOD_MACRO}, {{{{local_time(x)}}}}, {{{{local_day(x)}}}})")
    if (MIN_MS_PLAYED_PARAMETER in parameters) != (IS_PLAY_SQL in sql):
        raise ValueError(f"{path}: a query that counts plays writes {IS_PLAY_MACRO} and declares "
                         f"{MIN_MS_PLAYED_PARAMETER}, one with the other")
    return NamedQuery(path.stem, first_line.removeprefix("--").strip(), sql, parameters,
                      zone if local else None)


def load_named_queries(directory: Path, zone: str = DEFAULT_ZONE) -> list[NamedQuery]:
    """Every named query in `directory`, sorted by name, its days and hours in `zone`."""
    return [read_named_query(path, zone) for path in sorted(directory.glob("*.sql"))]
