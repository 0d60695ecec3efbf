"""The catalog's views: one `.sql` file each in infra/views/, defined at deploy and run locally.

`listening` is an Athena view stored as what Athena itself stores for `CREATE VIEW`: a Glue table
of type VIRTUAL_VIEW whose `ViewOriginalText` is `/* Presto View: <base64 JSON> */` holding the
SQL and its column types. Defined that way it exists from the deploy on, like the tables, with
no query to run first; a named query that creates it would leave the catalog without the view
until someone ran it, and again after every change of its SQL. Locally the same text becomes a
DuckDB view (`CREATE VIEW listening AS <sql>`). The columns are a contract (reports are written
against them): `COLUMNS` declares them, and a test checks the SQL yields exactly these.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

VIEWS_DIR = Path(__file__).with_name("views")
PRESTO_TYPES = {"string": "varchar", "bigint": "bigint", "boolean": "boolean",
                "timestamp": "timestamp"}
"""Glue type -> the type name a Presto view's JSON uses."""

LISTENING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ended_at", "timestamp"), ("ms_played", "bigint"), ("content_type", "string"),
    ("song_id", "string"), ("episode_id", "string"), ("track_name", "string"),
    ("artist_name", "string"), ("album_name", "string"), ("episode_name", "string"),
    ("show_name", "string"), ("reason_start", "string"), ("reason_end", "string"),
    ("skipped", "boolean"), ("shuffle", "boolean"), ("platform", "string"),
    ("conn_country", "string"), ("origin", "string"), ("ms_heard", "bigint"),
    ("track_key", "string"), ("album_key", "string"),
)
"""(name, Glue type) of `listening`, in order; `origin` is `export`, `api` or `both`;
`ms_heard` is what a row adds to minutes: `ms_played`, or an API play's track length (the API
does not say how long it played); `track_key` is what a track is counted by: artist and title,
the names an ID was seen with merged into one (null for episodes); `album_key` is what an album
is counted by, the same way: artist and album title, an album ID merging its names."""


@dataclass(frozen=True)
class ViewDefinition:
    """One view: its name (the file stem), description (first line), SQL and columns."""

    name: str
    description: str
    sql: str
    columns: tuple[tuple[str, str], ...]

    def presto_view_text(self, database: str) -> str:
        """`ViewOriginalText` as Athena writes it for this view in `database`."""
        document = {
            "originalSql": self.sql, "catalog": "awsdatacatalog", "schema": database,
            "columns": [{"name": name, "type": PRESTO_TYPES[type_]}
                        for name, type_ in self.columns],
        }
        encoded = base64.b64encode(json.dumps(document).encode("utf-8")).decode("ascii")
        return f"/* Presto View: {encoded} */"


def read_view(path: Path, columns: tuple[tuple[str, str], ...]) -> ViewDefinition:
    """One `.sql` file: a `--` description line, then one SELECT (no trailing semicolon)."""
    text = path.read_text(encoding="utf-8").strip()
    first, _, sql = text.partition("\n")
    if not first.startswith("--") or not sql.strip():
        raise ValueError(f"{path}: a '-- description' line, then the view's SELECT")
    return ViewDefinition(path.stem, first.removeprefix("--").strip(), sql.strip().rstrip(";"),
                          columns)


def all_views() -> list[ViewDefinition]:
    """Every view, in the order they can be created."""
    return [read_view(VIEWS_DIR / "listening.sql", LISTENING_COLUMNS)]
