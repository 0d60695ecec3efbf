"""Stage-by-stage progress for the local run: a spinner while a stage runs, then its timing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.markup import escape


def first_line(error: BaseException) -> str:
    """An exception as one line: its message's first line, or its type if it has none (a stage
    line or a DuckDB error has room for one)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class StageFailedError(Exception):
    """A stage raised; the message names the stage and the cause in one line."""


TITLE_WIDTH = 17


def _line(mark: str, title: str, elapsed: float, detail: str) -> str:
    return f"{mark} {escape(title):<{TITLE_WIDTH}} {elapsed:6.2f} s  [dim]{escape(detail)}[/]"


@dataclass
class StageReport:
    """What a running stage reports: a short detail shown after its timing."""

    detail: str = ""


@dataclass
class Progress:
    """Runs named stages in order and remembers how long each took."""

    console: Console
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def stage(self, title: str) -> Iterator[StageReport]:
        """Run the block as one stage; failures become StageFailedError naming the stage."""
        report = StageReport()
        started = time.perf_counter()
        try:
            with self.console.status(f"{escape(title)} ..."):
                yield report
        except Exception as error:
            elapsed = time.perf_counter() - started
            self.timings.append((title, elapsed))
            # The cause is said once, in the run's closing error line; the stage line says what
            # the stage got done and points there.
            message = first_line(error).removeprefix(f"{title}: ")
            detail = f"{report.detail}; failed (see the error below)" if report.detail else (
                "failed (see the error below)")
            self.console.print(_line("[red]✗[/]", title, elapsed, detail))
            raise StageFailedError(f"{title}: {message}") from error
        elapsed = time.perf_counter() - started
        self.timings.append((title, elapsed))
        self.console.print(_line("[green]✓[/]", title, elapsed, report.detail))
