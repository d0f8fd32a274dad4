"""Canonical activity tables: what every source parser produces, whatever the provider's layout.

Parsers return a pandas DataFrame with exactly these columns (in this order) and dtypes. Values a
parser cannot read become missing (NaN / NaT / <NA>) rather than errors: the Great Expectations
suites in expectations/ then quarantine those rows with their file, line and column.

`source_row` is the line (CSV) or row (XLSX) number a person sees when opening the file, so a
quarantine entry or a lineage query leads straight to the cell.
"""

from __future__ import annotations

import functools
from typing import Any, Final

import pandas as pd

FUEL_TRANSACTIONS: Final = "fuel_transactions"
METER_USAGE: Final = "meter_usage"
SUPPLIER_ACTIVITY: Final = "supplier_activity"

DATASETS: Final = (FUEL_TRANSACTIONS, METER_USAGE, SUPPLIER_ACTIVITY)
# The quarantine rule of a row another file already counts (footprint.ingest.overlaps); reports count it apart.
ALREADY_COUNTED: Final = "cross_file:already_counted"

# Timestamps are timezone-aware (Europe/Amsterdam local time converted to an aware value);
# `period` is the first day of the local calendar month the activity belongs to.
TIMESTAMP: Final = "datetime64[us, Europe/Amsterdam]"
LOCAL_TZ: Final = "Europe/Amsterdam"

COLUMNS: Final[dict[str, dict[str, str]]] = {
    FUEL_TRANSACTIONS: {
        "source_row": "int64",
        "transaction_at": TIMESTAMP,
        "period": "datetime64[s]",
        "card_number": "string",  # personal data: pseudonymised before the warehouse
        "driver": "string",  # personal data: pseudonymised before the warehouse
        "plate": "string",  # normalised: upper case, no dashes
        "station": "string",
        "product": "string",  # as the provider names it: "Diesel", "Euro 95", "Wasstraat"
        "quantity": "float64",  # negative on credit notes
        "unit": "string",  # l, kg, kWh, pcs
        "unit_price_eur": "float64",
        "amount_eur": "float64",
        "odometer_km": "float64",
    },
    METER_USAGE: {
        "source_row": "int64",
        "ean": "string",
        "interval_start": TIMESTAMP,
        "interval_end": TIMESTAMP,
        "period": "datetime64[s]",
        "quantity": "float64",
        "unit": "string",  # kWh, m3, GJ
        "direction": "string",  # consumption, feed_in, generation
        "tariff": "string",  # low, high, single
        "estimated": "boolean",
    },
    SUPPLIER_ACTIVITY: {
        "source_row": "int64",
        "period": "datetime64[s]",
        "activity_date": "datetime64[s]",
        "supplier": "string",  # supplier, travel agency or "staff declarations"
        "activity_type": "string",  # flight, private_car, train, supplier_reported
        "description": "string",
        "quantity": "float64",  # pkm for flights and trains, km for cars, kg CO2e when reported
        "unit": "string",  # pkm, km, kg_co2e
        "distance_km": "float64",  # one-way flight distance: selects the factor list's distance band
        "ghg_category": "Int64",  # GHG Protocol scope 3 category (1-15)
        "reported_kg_co2e": "float64",  # only when the supplier reports its own emissions
        "method": "string",  # how the figure was obtained (metered, invoiced, supplier-specific, ...)
        "data_quality": "string",  # primary or secondary
    },
}


def empty_frame(dataset: str) -> pd.DataFrame:
    """A frame with the dataset's canonical columns and dtypes and no rows."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS[dataset].items()})


def conform(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Order columns canonically and cast to the canonical dtypes (a parser's last step)."""
    missing = [c for c in COLUMNS[dataset] if c not in frame.columns]
    if missing:
        raise ValueError(f"parser output for {dataset} lacks columns {missing}")
    # Only columns not yet canonical are cast: astype copies even when every dtype already matches.
    selected = frame[list(COLUMNS[dataset])]
    wrong = {c: d for c, d in _dtypes(dataset).items() if selected[c].dtype != d}
    return selected.astype(wrong) if wrong else selected


@functools.cache
def _dtypes(dataset: str) -> dict[str, Any]:
    """The canonical dtypes as pandas objects: parsing "datetime64[us, Europe/Amsterdam]" per file adds up."""
    return {column: pd.api.types.pandas_dtype(dtype) for column, dtype in COLUMNS[dataset].items()}
