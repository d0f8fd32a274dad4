"""The cleaning-products supplier's quarterly CO2 statement, one row per product per month of the quarter."""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np

from footprint.demo import activity as act
from footprint.demo import company as co
from footprint.demo.sheet import Sheet, growth, nl_grouped
from footprint.periods import format_period
from footprint.sources import supplier_statement_csv

STATEMENT_HEADER: Final = tuple(c.header for c in supplier_statement_csv.HEADER)


def statement_sheet(month: dt.date, rng: np.random.Generator) -> Sheet | None:
    """The supplier sends one statement a quarter, with a row per product per month of that quarter."""
    if month.month % 3:
        return None
    rows = []
    for offset in (2, 1, 0):
        covered = dt.date(month.year, month.month - offset, 1)
        for line in act.SUPPLY_LINES:
            amount = round(line.per_month * growth(0.05, covered) * rng.normal(1, 0.1))
            kg = amount * line.kg_co2e_per_unit[covered.year - co.BASE_YEAR]
            rows.append(
                [
                    act.SUPPLIER,
                    format_period(covered),
                    "1",
                    line.description,
                    nl_grouped(amount),
                    line.unit,
                    nl_grouped(kg, 2),
                    line.method,
                    line.quality,
                ]
            )
    quarter = (month.month - 1) // 3 + 1
    return Sheet(
        f"co2_opgave_hygiena_{month.year}-Q{quarter}.csv", supplier_statement_csv.NAME, STATEMENT_HEADER, rows=rows
    )
