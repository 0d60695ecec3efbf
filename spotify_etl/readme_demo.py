"""`python -m spotify_etl.readme_demo`: rewrite the README's sample `make demo` output from a
real run, so the sample stays what a user sees (tests/local/test_run_local.py checks it).

The run goes to a temporary lake; its path is shown as a user's `./.lake`, and only the first
named query's table is kept (the others are summarised in one line).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COMMAND = ".venv/bin/python -m spotify_etl run-local"
SHOWN_LAKE = "/home/you/spotify-etl/.lake"
WIDTH = "100"


def sample_output() -> str:
    """The demo's output at the README's width, as a user's checkout would show it: run in a
    scratch folder holding this checkout's cdk.json, with the default lake `./.lake`."""
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(ROOT / "cdk.json", scratch)
        env = {**os.environ, "COLUMNS": WIDTH, "TERM": "dumb",
               "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "lambdas")])}
        done = subprocess.run(
            [sys.executable, "-m", "spotify_etl", "run-local"],
            cwd=scratch, env=env, capture_output=True, text=True, check=True,
        )
        lake = str((Path(scratch) / ".lake").resolve())
    # Same width as what it replaces, so the summary's box stays aligned.
    text = re.sub(re.escape(lake) + " *",
                  lambda m: SHOWN_LAKE.ljust(len(m.group(0))), done.stdout)
    return _shorten(text.replace("Query it: python ", "Query it: .venv/bin/python ")
                    .replace("          python -m", "          .venv/bin/python -m"))


def _shorten(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("Summary"))
    stages_end = next(i for i, line in enumerate(lines) if not line.startswith(("✓", "✗")))
    queries = lines[stages_end:summary]
    first_query_end = next(i for i, line in enumerate(queries) if line.endswith("row(s)")) + 1
    kept = [*lines[:stages_end], *queries[:first_query_end], "",
            "(the other named queries follow)", "", *lines[summary:]]
    return "\n".join(line.rstrip() for line in [COMMAND, *kept])


def rewrite(readme: Path = README) -> None:
    """Replace the first ```text block that starts with the demo command."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"```text\n{COMMAND}\n") + len("```text\n")
    end = text.index("```", start)
    readme.write_text(text[:start] + sample_output() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    rewrite()
