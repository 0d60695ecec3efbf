"""Wall time and peak RSS of one command run as a whole separate process.

Each measurement goes through a small wrapper process (`python -m bench.measure CMD...`):
a child forked from this large benchmark process would report *our* resident memory as its
peak (Linux keeps the pre-exec high-water mark), so the command is forked from the wrapper,
whose footprint is below any Python process's, and the wrapper reports the child's `wait4`
usage as JSON on stdout.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class CommandFailedError(RuntimeError):
    """A measured command exited non-zero; the message holds the tail of its stderr."""


@dataclass(frozen=True)
class ProcessCost:
    """What one process cost: wall seconds (spawn to exit) and its peak resident memory."""

    wall_seconds: float
    peak_rss_bytes: int


def _rss_bytes(ru_maxrss: int) -> int:
    # Linux reports kilobytes, macOS bytes.
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def measure_process(argv: Sequence[str], cwd: Path | None = None, *, stdin: bytes | None = None,
                    env: dict[str, str] | None = None) -> ProcessCost:
    """Run `argv` to completion (through the wrapper) and return its cost; `stdin` is what
    the command reads (an answer to a prompt), `env` its environment (default: this one)."""
    wrapper = [sys.executable, "-m", "bench.measure", *argv]
    with tempfile.TemporaryFile() as stderr:
        done = subprocess.run(wrapper, input=stdin, stdout=subprocess.PIPE, stderr=stderr,
                              cwd=cwd, env=env, check=False)
        if done.returncode != 0:
            stderr.seek(0)
            tail = stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            message = f"{' '.join(argv)} exited {done.returncode}: {' | '.join(tail)}"
            raise CommandFailedError(message)
    return ProcessCost(**json.loads(done.stdout))


def median_cost(costs: Sequence[ProcessCost]) -> ProcessCost:
    """Median wall time and median peak RSS (taken independently) of several runs."""
    return ProcessCost(
        wall_seconds=statistics.median(c.wall_seconds for c in costs),
        peak_rss_bytes=int(statistics.median(c.peak_rss_bytes for c in costs)),
    )


def _wrapper_main(argv: list[str]) -> int:
    """Run argv, print its cost as JSON; exit with its status."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    print(json.dumps({"wall_seconds": wall, "peak_rss_bytes": _rss_bytes(usage.ru_maxrss)}))
    return process.returncode


if __name__ == "__main__":
    raise SystemExit(_wrapper_main(sys.argv[1:]))
