"""The period a report covers: whole UTC days, first and last included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from spotify_runtime.play_rule import MIN_MS_PLAYED_PARAMETER, PlayRule


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included (UTC days)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def year(cls, year: int) -> Period:
        """The calendar year `year`."""
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month `year`-`month`."""
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))

    def before(self) -> Period:
        """The period just before this one: the previous year for a calendar year, the
        previous month for a calendar month, else as many days ending the day before."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
                and self.start.year == self.end.year:
            return Period.year(self.start.year - 1)
        if self.start.day == 1 and self == Period.month(self.start.year, self.start.month):
            previous_month_end = self.start - timedelta(days=1)
            return Period.month(previous_month_end.year, previous_month_end.month)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @classmethod
    def last_12_months(cls, today: date) -> Period:
        """The 365 days up to and including `today`."""
        return cls(today - timedelta(days=364), today)

    def parameters(self, names: Sequence[str], rule: PlayRule | None = None) -> list[str]:
        """The values of a report query's execution parameters, named on its `-- parameters:`
        line: `start_day` and `end_day` as `YYYY-MM-DD`, and with `rule` the counting rule's
        threshold `min_ms_played` (milliseconds)."""
        values = {"start_day": self.start.isoformat(), "end_day": self.end.isoformat()}
        if rule is not None:
            values[MIN_MS_PLAYED_PARAMETER] = str(rule.min_ms_played)
        unknown = [name for name in names if name not in values]
        if unknown:
            raise ValueError(f"unknown report query parameter(s) {unknown}; known: "
                             f"{', '.join(values)}")
        return [values[name] for name in names]

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"
