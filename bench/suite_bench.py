"""The development loop's own costs: the test suite as `make test` runs it, and one synth.

These are the figures the README gives for `make test` and `make synth`; measured here so they
are true for the machine in docs/benchmarks.md instead of remembered.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.report import Section, seconds

_PASSED = re.compile(r"(\d+) passed")


@dataclass(frozen=True)
class SuiteCost:
    """How many tests `make test` runs, how long they take, and one synth of every stage."""

    tests: int
    suite_seconds: float
    synth_seconds: float


def _timed(argv: list[str], repo_root: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=repo_root, env=env, capture_output=True, text=True,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:4])} failed: {(done.stdout + done.stderr)[-500:]}")
    return elapsed, done.stdout


def run(repo_root: Path) -> SuiteCost:
    """Run the suite as `make test` does (pytest -n 2, after ruff) and `python app.py` once."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    suite, output = _timed([sys.executable, "-m", "pytest", "-n", "2", "-q",
                            "-p", "no:cacheprovider"], repo_root, env)
    found = _PASSED.findall(output)
    if not found:
        raise RuntimeError("pytest printed no 'N passed' line")
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as out:
        synth, _ = _timed([sys.executable, "app.py"], repo_root, {**env, "CDK_OUTDIR": out})
    return SuiteCost(tests=int(found[-1]), suite_seconds=suite, synth_seconds=synth)


def to_section(result: SuiteCost) -> Section:
    """The figures as a table."""
    return Section(
        title="Development loop: the test suite and a synth",
        headers=["What", "Figure"],
        rows=[
            ["tests `make test` runs", f"{result.tests:,}"],
            ["the suite's wall time (`pytest -n 2`, as `make test`)",
             seconds(result.suite_seconds)],
            ["one synth of every environment (`python app.py`, cdk-nag on)",
             seconds(result.synth_seconds)],
        ],
        notes=["Ruff's check (part of `make test`) takes well under a second and is not timed."],
        data=result,
    )
