"""AWS cron expressions (EventBridge Scheduler, Glue), every field checked as AWS checks it.

`minutes hours day-of-month month day-of-week year`, for example `10 18 * * ? *`. AWS rejects
an out-of-range or malformed field only at deploy time (or, for Glue, at the first run); this
says which field is wrong when the app is synthesized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class CronError(ValueError):
    """A cron expression AWS would refuse; the message names the field and the value."""


@dataclass(frozen=True)
class _Field:
    label: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    question_mark: bool = False


_FIELDS = (
    _Field("minutes", 0, 59),
    _Field("hours", 0, 23),
    _Field("day-of-month", 1, 31, question_mark=True),
    _Field("month", 1, 12, MONTHS),
    _Field("day-of-week", 1, 7, DAYS, question_mark=True),
    _Field("year", 1970, 2199),
)
_STEP = re.compile(r"^(?P<base>[^/]+)(/(?P<step>\d+))?$")


def check_cron(expression: str) -> None:
    """Raise CronError unless `expression` is a valid AWS cron (the 6 fields, no `cron(...)`)."""
    if re.match(r"^\s*(cron|rate|at)\(", expression):
        raise CronError("write the 6 cron fields only, without cron(...); rate and at "
                        "expressions are not accepted here")
    parts = expression.split()
    if len(parts) != 6:
        raise CronError(f"expected 6 fields (minutes hours day-of-month month day-of-week "
                        f"year), got {len(parts)}")
    for spec, text in zip(_FIELDS, parts, strict=True):
        _check_field(spec, text)
    day_of_month, day_of_week = parts[2], parts[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise CronError("exactly one of day-of-month and day-of-week must be '?'")


def _check_field(spec: _Field, text: str) -> None:
    if text == "?":
        if not spec.question_mark:
            raise CronError(f"{spec.label}: '?' is allowed only in day-of-month and day-of-week")
        return
    for element in text.split(","):
        _check_element(spec, element, text)


def _check_element(spec: _Field, element: str, text: str) -> None:
    where = f"{spec.label} {text!r}"
    if spec.label == "day-of-month" and re.fullmatch(r"L|LW|L-\d+|\d+W", element):
        for number in re.findall(r"\d+", element):
            _in_range(spec, int(number), where)
        return
    if spec.label == "day-of-week" and (match := re.fullmatch(r"(\w+)#(\d)", element)):
        _value(spec, match.group(1), where)
        if not 1 <= int(match.group(2)) <= 5:
            raise CronError(f"{where}: the week after '#' must be 1 to 5")
        return
    if spec.label == "day-of-week" and re.fullmatch(r"\w*L", element):
        if element != "L":
            _value(spec, element[:-1], where)
        return
    match = _STEP.match(element)
    if not match:
        raise CronError(f"{where}: {element!r} is not a value, range or step")
    base, step = match.group("base"), match.group("step")
    if step is not None and int(step) < 1:
        raise CronError(f"{where}: the step after '/' must be at least 1")
    if base == "*":
        return
    if "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(spec, first, where), _value(spec, last, where)
        if start > end:
            raise CronError(f"{where}: the range {base} runs backwards")
        return
    _value(spec, base, where)


def _value(spec: _Field, token: str, where: str) -> int:
    if token.isdigit():
        return _in_range(spec, int(token), where)
    if token.upper() in spec.names:
        return spec.names.index(token.upper()) + spec.low
    named = f" or {spec.names[0]}-{spec.names[-1]}" if spec.names else ""
    raise CronError(f"{where}: {token!r} is not a number {spec.low}-{spec.high}{named}")


def _in_range(spec: _Field, number: int, where: str) -> int:
    if not spec.low <= number <= spec.high:
        raise CronError(f"{where}: value {number} is out of range ({spec.low}-{spec.high})")
    return number
