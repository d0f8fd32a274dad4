"""Tiny canonical frames and the shared assertions for the validation tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from footprint import units
from footprint.schemas import (
    FUEL_TRANSACTIONS,
    LOCAL_TZ,
    METER_USAGE,
    SUPPLIER_ACTIVITY,
    conform,
)
from footprint.validation.context import ValidationContext
from footprint.validation.outcome import QUARANTINE_COLUMNS, ValidationOutcome

EAN_A = "871234567890123451"  # valid GS1 check digit
EAN_B = "871690930000000010"  # valid GS1 check digit
JANUARY = pd.Timestamp("2024-01-01")


def local(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=LOCAL_TZ)


def _clean_rows(dataset: str) -> list[dict[str, Any]]:
    """Three rows that pass every rule, source_row 2, 3 and 4 as in a CSV with a header."""
    if dataset == FUEL_TRANSACTIONS:
        return [
            {
                "source_row": row,
                "transaction_at": local(f"2024-01-{day:02d} 10:15:00"),
                "period": JANUARY,
                "card_number": "7002-0001",
                "driver": "J. Jansen",
                "plate": "AB123C",
                "station": "Utrecht A2",
                "product": product,
                "quantity": 40.0,
                "unit": "l",
                "unit_price_eur": 1.9,
                "amount_eur": 76.0,
                "odometer_km": 1000.0 * day,
            }
            for row, day, product in [(2, 5, "Diesel"), (3, 12, "Diesel"), (4, 19, "Wasstraat")]
        ]
    if dataset == METER_USAGE:
        return [
            {
                "source_row": row,
                "ean": EAN_A,
                "interval_start": local(start),
                "interval_end": local(start) + pd.Timedelta(minutes=15),
                "period": JANUARY,
                "quantity": 12.5,
                "unit": "kWh",
                "direction": "consumption",
                "tariff": tariff,
                "estimated": False,
            }
            for row, start, tariff in [
                (2, "2024-01-01 00:00", "low"),
                (3, "2024-01-01 00:15", "low"),
                (4, "2024-01-31 23:45", None),
            ]
        ]
    if dataset == SUPPLIER_ACTIVITY:
        common = {"period": JANUARY, "method": "supplier-specific", "data_quality": "primary", "description": None}
        return [
            common
            | {
                "source_row": 2,
                "activity_date": pd.Timestamp("2024-01-09"),
                "supplier": "Reisbureau Noord",
                "activity_type": "flight",
                "quantity": 1200.0,
                "unit": "pkm",
                "distance_km": 600.0,
                "ghg_category": 6,
                "reported_kg_co2e": None,
            },
            common
            | {
                "source_row": 3,
                "activity_date": None,
                "supplier": "staff declarations",
                "activity_type": "private_car",
                "quantity": 350.0,
                "unit": "km",
                "distance_km": None,
                "ghg_category": 6,
                "reported_kg_co2e": None,
            },
            common
            | {
                "source_row": 4,
                "activity_date": pd.Timestamp("2024-01-31"),
                "supplier": "Afvalbedrijf West",
                "activity_type": "supplier_reported",
                "quantity": 812.0,
                "unit": "kg_co2e",
                "distance_km": None,
                "ghg_category": None,
                "reported_kg_co2e": 812.0,
            },
        ]
    raise ValueError(dataset)


# What the pipeline derives from footprint.yaml for these rows: EAN_A an electricity meter, Diesel a fuel,
# AB123C a van with an 80 l tank (so 120 l with the 50 % margin), other plates the 300 default.
_UNIT_KEYS = {("ean", EAN_A): "electricity:grey", ("ean", EAN_B): "natural_gas", ("product", "Diesel"): "fuel:diesel",
              ("activity_type", "flight"): "flight:short", ("activity_type", "private_car"): "private_car:unknown",
              ("activity_type", "supplier_reported"): "supplier_reported"}


def _unit_refusal(column: str, subject: str, unit: str) -> str | None:
    key = _UNIT_KEYS.get((column, subject))
    return units.refusal(key, unit) if key else None


def _fuelling_limit(plate: str) -> tuple[float, str]:
    return (120.0, "tank_litres 80 + 50 %") if plate == "AB123C" else (300.0, "not a configured vehicle: the default bound")


@pytest.fixture
def context() -> ValidationContext:
    return ValidationContext(
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2024, 2, 1),
        products=["Diesel", " wasstraat ", "Euro 95"],
        eans=[EAN_A, EAN_B],
        plates=["AB123C", "XY987Z"],
        unit_refusal=_unit_refusal,
        fuelling_limit=_fuelling_limit,
    )


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    """Clean canonical rows of a dataset, with some columns of one source_row changed."""

    def build(dataset: str, changes: dict[str, Any] | None = None, row: int = 3) -> pd.DataFrame:
        rows = _clean_rows(dataset)
        for record in rows:
            if record["source_row"] == row:
                record.update(changes or {})
        return conform(pd.DataFrame(rows), dataset)

    return build


def _assert_consistent(outcome: ValidationOutcome, frame: pd.DataFrame) -> None:
    """What every outcome must satisfy: dtypes kept, counts reconcile, good rows are unflagged input rows."""
    assert list(outcome.quarantine.columns) == list(QUARANTINE_COLUMNS)
    assert outcome.quarantine.dtypes.astype(str).to_dict() == QUARANTINE_COLUMNS
    assert outcome.rows_read == len(frame)
    assert len(outcome.good) + outcome.quarantined_rows == outcome.rows_read
    assert outcome.good.dtypes.equals(frame.dtypes)
    flagged = set(outcome.quarantine["source_row"])
    expected_good = frame[~frame["source_row"].isin(flagged)]
    pd.testing.assert_frame_equal(outcome.good, expected_good)


@pytest.fixture
def check_outcome() -> Callable[[ValidationOutcome, pd.DataFrame], None]:
    return _assert_consistent
