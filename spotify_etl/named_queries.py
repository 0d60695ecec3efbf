"""The named queries: one `.sql` file each in `spotify_etl/queries/`, read by Athena and locally."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent / "queries"


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (file stem), description (first `--` line) and SQL text."""

    name: str
    description: str
    sql: str


def load_named_queries(folder: Path = QUERIES_DIR) -> list[NamedQuery]:
    """Every `*.sql` file of `folder`, sorted by name."""
    queries = []
    for path in sorted(folder.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        comments = [line for line in sql.splitlines() if line.strip().startswith("--")]
        description = comments[0].strip().removeprefix("--").strip() if comments else path.stem
        queries.append(NamedQuery(name=path.stem, description=description, sql=sql))
    return queries
