"""A queue worker's extractor made of a plain function, for tests of the worker's decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from spotify_runtime.extract.deadline import Deadline
from spotify_runtime.extract.landing import SourceOutcome
from spotify_runtime.sources import Source


class FunctionExtractor:
    """Extracts with `extract(source, run_at, deadline)`, which returns the raw key written (or
    a SourceOutcome) or raises as a real extraction would; `counters()` gives (requests, 429s)."""

    def __init__(self, extract: Callable[[Source, datetime, Deadline], Any],
                 counters: Callable[[], tuple[int, int]] = lambda: (0, 0)) -> None:
        self._extract = extract
        self.counters = counters

    def extract_source(self, source: Source, run_at: datetime,
                       deadline: Deadline) -> SourceOutcome:
        """The function's result as the source's outcome."""
        result = self._extract(source, run_at, deadline)
        return result if isinstance(result, SourceOutcome) else SourceOutcome(source, result)
