"""Reporting periods are calendar months, written YYYY-MM everywhere a user sees them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from footprint.errors import UsageError

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_HALF = re.compile(r"^(\d{4})H([12])$")
# The years footprint works with. Nothing in a CO2 inventory predates 1990, the Kyoto Protocol's base
# year, and no target lies beyond 2100, the horizon of the climate agreements; a year outside them is a
# typo (0001, 9999). Inside them the month arithmetic of alerts and reports (years back, one ahead) never
# leaves what a date can hold.
FIRST_YEAR: Final = 1990
LAST_YEAR: Final = 2100
YEARS_TEXT: Final = f"{FIRST_YEAR}-{LAST_YEAR}"


def _year_month(text: str) -> tuple[int, int] | str:
    """(year, month) of a YYYY-MM text within the years footprint works with, or why it is not one."""
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return f"{text!r} is not a month written as YYYY-MM, e.g. 2025-03"
    year, month = int(match.group(1)), int(match.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"{text!r} lies outside the years footprint works with ({YEARS_TEXT})"
    return year, month


def month_problem(text: str) -> str | None:
    """Why a text is not a month footprint works with; None when it is one (for validators that collect problems)."""
    found = _year_month(text)
    return found if isinstance(found, str) else None


def year_problem(year: int) -> str | None:
    """Why a year is not one footprint works with (0 or 99999 is a typo); None when it is one."""
    if FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return f"{year} lies outside the years footprint works with ({YEARS_TEXT})"


def parse_period(text: str) -> dt.date:
    """Return the first day of the month named by YYYY-MM."""
    found = _year_month(text)
    if isinstance(found, str):
        raise UsageError(f"period {found}")
    return dt.date(found[0], found[1], 1)


def format_period(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_index(month: dt.date) -> int:
    """Months since January of year 0: months differ by a subtraction, a month moves by an addition."""
    return month.year * 12 + month.month - 1


def month_at(index: int) -> dt.date:
    """The first day of the month a month_index names."""
    return dt.date(index // 12, index % 12 + 1, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    return month_at(month_index(month) + count)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """All months from first to last inclusive."""
    if last < first:
        raise UsageError(f"--to {format_period(last)} lies before --from {format_period(first)}")
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    return months


@dataclass(frozen=True)
class Half:
    """A half-year report's period, written YYYYH1 or YYYYH2.

    Both halves run from January, so a report is always year to date: H1 is January-June, H2 the
    whole year (January-December), which is what the CO2-Prestatieladder asks twice a year.
    """

    year: int
    half: int

    def __post_init__(self) -> None:
        if self.half not in (1, 2):
            raise UsageError(f"half year {self.year}H{self.half} does not exist: a year has H1 and H2")
        problem = year_problem(self.year)
        if problem is not None:
            raise UsageError(f"half {self}: {problem}")

    @classmethod
    def parse(cls, text: str) -> Half:
        """'2025H1' (or '2025h1') -> Half(2025, 1)."""
        match = _HALF.match(text.strip().upper())
        if not match:
            raise UsageError(f"half {text!r} is not a half year written as YYYYH1 or YYYYH2, e.g. 2025H1")
        problem = year_problem(int(match.group(1)))
        if problem is not None:
            raise UsageError(f"half {text!r}: {problem}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, value: Half | str) -> Half:
        """A Half as it is, a text parsed: for entry points that callers reach with either."""
        return value if isinstance(value, Half) else cls.parse(value)

    @property
    def months(self) -> int:
        """How many months the report covers from January: 6 or 12 (also the last month's number)."""
        return 6 if self.half == 1 else 12

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last_month(self) -> dt.date:
        return dt.date(self.year, self.months, 1)

    def __str__(self) -> str:
        return f"{self.year}H{self.half}"
