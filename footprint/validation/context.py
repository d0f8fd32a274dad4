"""The facts a validation runs with, and the suite's $PARAMETERs made from them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from footprint.schemas import LOCAL_TZ

SUITE_PARAMETERS: Final = frozenset(
    {
        "period_start_at",
        "period_end_at",
        "period_start_date",
        "period_end_date",
        "known_products",
        "known_plates",
        "known_eans",
        "future_from_at",
        "future_from_date",
    }
)


@dataclass(frozen=True)
class ValidationContext:
    """What the rules compare against: the month being ingested, what the configuration knows, and today.

    today (local, None: the real one): a row dated after it cannot have happened yet, even inside the period.
    """

    period_start: dt.date
    period_end: dt.date
    products: Sequence[str]
    eans: Sequence[str]
    plates: Sequence[str]
    today: dt.date | None = None
    # Why a row's unit has no route to its factor's unit, asked per distinct (subject column, subject,
    # unit): subject column is ean, product or activity_type; None means it has one (footprint.units).
    unit_refusal: Callable[[str, str, str], str | None] | None = None
    # The largest single fuelling a plate may have (litres, or the row's unit) and what says so.
    fuelling_limit: Callable[[str], tuple[float, str]] | None = None

    def __post_init__(self) -> None:
        if self.period_end <= self.period_start:
            raise ValueError(f"period_end {self.period_end} must lie after period_start {self.period_start}")


def normalised_products(products: pd.Series) -> pd.Series:
    """Product names as the rules compare them: a configured name matches whatever its case and spacing."""
    return products.astype("string").str.strip().str.casefold()


def suite_parameters(context: ValidationContext) -> dict[str, Any]:
    """Suite parameters: period bounds and the start of tomorrow at local midnight, and the configured names."""
    start = pd.Timestamp(context.period_start)
    end = pd.Timestamp(context.period_end)
    today = context.today or pd.Timestamp.now(tz=LOCAL_TZ).date()
    tomorrow = pd.Timestamp(today + dt.timedelta(days=1))
    products = normalised_products(pd.Series(list(context.products), dtype="string")).dropna()
    return {
        "period_start_at": start.tz_localize(LOCAL_TZ),
        "period_end_at": end.tz_localize(LOCAL_TZ),
        "period_start_date": start,
        "period_end_date": end,
        "known_products": sorted(set(products)),
        "known_plates": sorted(set(context.plates)),
        "known_eans": sorted(set(context.eans)),
        "future_from_at": tomorrow.tz_localize(LOCAL_TZ),
        "future_from_date": tomorrow,
    }
