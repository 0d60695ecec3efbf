"""The named queries: one `.sql` file each in infra/queries/, run by Athena and locally.

The file's stem is the query's name and its first line, a `--` comment, its description. The
CatalogStack creates one Athena named query per file; the local run and `query --named` execute
the very same text on DuckDB, so every query sticks to SQL both engines accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUERIES_DIR = Path(__file__).with_name("queries")


class UnknownQueryError(KeyError):
    """No named query by that name; the message lists the known ones."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class NamedQuery:
    """One named query: its name (the file stem), description and SQL text."""

    name: str
    description: str
    sql: str


def read_named_query(path: Path) -> NamedQuery:
    """Read one `.sql` file; its first line must be a `--` description comment."""
    sql = path.read_text(encoding="utf-8").strip()
    first_line = sql.splitlines()[0] if sql else ""
    if not first_line.startswith("--"):
        raise ValueError(f"{path}: the first line must be a '-- description' comment")
    return NamedQuery(path.stem, first_line.removeprefix("--").strip(), sql)


def load_named_queries(directory: Path = QUERIES_DIR) -> list[NamedQuery]:
    """Every named query in `directory`, sorted by name."""
    return [read_named_query(path) for path in sorted(directory.glob("*.sql"))]


def get_named_query(name: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    """The named query called `name`; UnknownQueryError lists the known names otherwise."""
    queries = {query.name: query for query in load_named_queries(directory)}
    if name not in queries:
        known = ", ".join(queries) or "none"
        raise UnknownQueryError(f"unknown named query {name!r} (known: {known})")
    return queries[name]
