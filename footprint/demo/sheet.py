"""One CSV file of the demo inbox being assembled, and how its Dutch sources write numbers and dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from footprint.demo import company as co


@dataclass
class Sheet:
    """One CSV file being assembled: rows as text fields, planted rows as (row index, column, kind)."""

    name: str
    format: str
    header: tuple[str, ...]
    rows: list[list[str]] = field(default_factory=list)
    preamble: tuple[str, ...] = ()
    encoding: str = "utf-8"
    newline: str = "\n"
    planted: list[tuple[int, str | None, str]] = field(default_factory=list)

    def plant(self, index: int, row: list[str], column: str | None, kind: str) -> None:
        self.planted = [(i + (i >= index), c, k) for i, c, k in self.planted]
        self.rows.insert(index, row)
        self.planted.append((index, column, kind))

    def source_row(self, index: int) -> int:
        return len(self.preamble) + 2 + index

    def render(self) -> bytes:
        lines = [*self.preamble, ";".join(self.header), *(";".join(r) for r in self.rows)]
        return (self.newline.join(lines) + self.newline).encode(self.encoding)


def nl(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")


def nl_grouped(value: float, decimals: int = 0) -> str:
    """Dutch number with thousands dots, as portals print them: 12.345,67."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def dmy(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def days_in(month: dt.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def growth(rate: float, month: dt.date) -> float:
    """The factor a figure growing by rate a year has reached in month, from 1 in January of the base year."""
    return float((1 + rate) ** (month.year - co.BASE_YEAR + (month.month - 1) / 12))


def working_days(month: dt.date) -> list[dt.date]:
    return [d for d in (month.replace(day=i) for i in range(1, days_in(month) + 1)) if d.weekday() < 5]
