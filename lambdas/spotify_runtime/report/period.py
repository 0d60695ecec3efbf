"""The period a report covers: whole days of its time zone, first and last included.

"The year 2024" in Europe/Paris runs from midnight on 1 January, Paris time (23:00 UTC the day
before), to midnight on 1 January 2025, Paris time: the report's queries compare the local day of
each play ({{local_day(ended_at)}}, spotify_runtime.named_queries) with the period's days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from spotify_runtime.play_rule import MIN_MS_PLAYED_PARAMETER, PlayRule

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included: days of `zone`, where the report's days, weeks,
    months and hours of day are counted (default UTC)."""

    start: date
    end: date
    zone: ZoneInfo = UTC_ZONE

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def year(cls, year: int, zone: ZoneInfo = UTC_ZONE) -> Period:
        """The calendar year `year` in `zone`."""
        return cls(date(year, 1, 1), date(year, 12, 31), zone)

    @classmethod
    def month(cls, year: int, month: int, zone: ZoneInfo = UTC_ZONE) -> Period:
        """The calendar month `year`-`month` in `zone`."""
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1), zone)

    def before(self) -> Period:
        """The period just before this one: the previous year for a calendar year, the
        previous month for a calendar month, else as many days ending the day before."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
                and self.start.year == self.end.year:
            return Period.year(self.start.year - 1, self.zone)
        if self.start.day == 1 and self == Period.month(self.start.year, self.start.month,
                                                        self.zone):
            previous_month_end = self.start - timedelta(days=1)
            return Period.month(previous_month_end.year, previous_month_end.month, self.zone)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1),
                      self.zone)

    @classmethod
    def last_12_months(cls, today: date, zone: ZoneInfo = UTC_ZONE) -> Period:
        """The 365 days up to and including `today` (a day of `zone`)."""
        return cls(today - timedelta(days=364), today, zone)

    def in_zone(self, zone: ZoneInfo) -> Period:
        """The same days in `zone`."""
        return replace(self, zone=zone)

    def parameters(self, names: Sequence[str], rule: PlayRule | None = None) -> list[str]:
        """The values of a report query's execution parameters, named on its `-- parameters:`
        line: `start_day` and `end_day` as `YYYY-MM-DD` (days of the period's zone), and with
        `rule` the counting rule's threshold `min_ms_played` (milliseconds)."""
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
