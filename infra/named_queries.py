"""The named queries the CDK app creates in the workgroup: one `.sql` file each, in
infra/queries/ and, the listening report's, in the runtime package (REPORT_QUERIES_DIR), where
the monthly report function reads them too.

The CatalogStack creates one Athena named query per file; the local run and `query --named`
execute the very same text on DuckDB, so every query sticks to SQL both engines accept. How a
file is read (description, `-- parameters:` line, `{{is_play}}`, `{{local_day(x)}}`) is
spotify_runtime.named_queries: a query's days and hours are those of the time zone it is read
for, the environment's schedule_time_zone at synth (UTC by default).
"""

from __future__ import annotations

from pathlib import Path

from spotify_runtime.named_queries import (
    DEFAULT_ZONE,
    PARAMETERS_PREFIX,
    NamedQuery,
    markers_outside_where,
    parameter_markers,
    read_named_query,
)
from spotify_runtime.named_queries import load_named_queries as _load
from spotify_runtime.report.queries import REPORT_QUERIES_DIR

__all__ = ["PARAMETERS_PREFIX", "QUERIES_DIR", "REPORT_QUERIES_DIR", "NamedQuery",
           "UnknownQueryError", "get_named_query", "load_named_queries",
           "markers_outside_where", "parameter_markers", "read_named_query"]

QUERIES_DIR = Path(__file__).with_name("queries")


class UnknownQueryError(KeyError):
    """No named query by that name; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


def load_named_queries(directory: Path = QUERIES_DIR, zone: str = DEFAULT_ZONE
                       ) -> list[NamedQuery]:
    """Every named query in `directory` (default: infra/queries/), sorted by name, its days and
    hours in `zone` (an IANA name)."""
    return _load(directory, zone)


def get_named_query(name: str, directory: Path = QUERIES_DIR, zone: str = DEFAULT_ZONE
                    ) -> NamedQuery:
    """The named query called `name`, its days and hours in `zone`; UnknownQueryError lists the
    known names otherwise."""
    queries = {query.name: query for query in load_named_queries(directory, zone)}
    if name not in queries:
        known = ", ".join(queries) or "none"
        raise UnknownQueryError(f"unknown named query {name!r} (known: {known})")
    return queries[name]
