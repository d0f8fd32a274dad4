"""Reporting periods are calendar months, written YYYY-MM everywhere a user sees them."""

from __future__ import annotations

import datetime as dt
import re

from footprint.errors import UsageError

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> dt.date:
    """Return the first day of the month named by YYYY-MM."""
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"period {text!r} is not a month written as YYYY-MM, e.g. 2025-03")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def format_period(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """All months from first to last inclusive."""
    if last < first:
        raise UsageError(f"--to {format_period(last)} lies before --from {format_period(first)}")
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return months
