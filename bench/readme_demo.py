"""`python -m bench.readme_demo`: rewrite the README's sample `make demo` output from a
real run, so the sample stays what a user sees (tests/local/test_run_local.py checks it).

The README shows an excerpt, short enough to read at a glance: the command, every stage line and
the summary rows of SHOWN_SUMMARY_ROWS; the named queries' tables and the other summary rows are
left out (docs/local-run.md says what they hold).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COMMAND = ".venv/bin/python -m spotify_etl run-local"
WIDTH = "100"
SHOWN_SUMMARY_ROWS = ("rows added", "run log")
"""The summary rows the README shows: what the run produced, and what its run log recorded."""


def sample_output() -> str:
    """The README's excerpt of the demo's output at the README's width, as a user's checkout
    would show it: run in a scratch folder holding this checkout's cdk.json."""
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(ROOT / "cdk.json", scratch)
        env = {**os.environ, "COLUMNS": WIDTH, "TERM": "dumb",
               "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "lambdas")])}
        done = subprocess.run(
            [sys.executable, "-m", "spotify_etl", "run-local"],
            cwd=scratch, env=env, capture_output=True, text=True, check=True,
        )
    return excerpt(done.stdout)


def excerpt(output: str) -> str:
    """The command, the stage lines, and the summary box with only SHOWN_SUMMARY_ROWS (each with
    its wrapped continuation lines), trailing spaces stripped."""
    lines = output.rstrip("\n").splitlines()
    stages = [line for line in lines if line.startswith(("✓", "✗"))]
    summary = next(i for i, line in enumerate(lines) if line.strip() == "Summary")
    top, *rows = lines[summary + 1:]
    bottom = next(i for i, line in enumerate(rows) if line.startswith("└"))
    kept, keep = [], False
    for line in rows[:bottom]:
        label = line.split("│")[1].strip() if line.startswith("│") else ""
        keep = label in SHOWN_SUMMARY_ROWS if label else keep
        if keep:
            kept.append(line)
    return "\n".join(line.rstrip() for line in
                     [COMMAND, *stages, "Summary", top, *kept, rows[bottom]])


def rewrite(readme: Path = README) -> None:
    """Replace the first ```text block that starts with the demo command."""
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"```text\n{COMMAND}\n") + len("```text\n")
    end = text.index("```", start)
    readme.write_text(text[:start] + sample_output() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    rewrite()
