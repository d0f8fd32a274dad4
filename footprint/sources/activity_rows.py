"""supplier_activity rows from the cells of a supplier statement, a mileage list or a flight list.

The CSV formats (supplier_statement_csv, mileage_csv, flights_csv) and footprint's own template
(supplier_template, CSV or XLSX) hold the same lists under other column names: they convert their
cells and hand them here, so a list means the same whichever file it came in.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa

from footprint import schemas
from footprint.sources.cell_numbers import integer
from footprint.sources.cell_text import constant, lookup, text
from footprint.sources.cell_times import month_start
from footprint.sources.vocabulary import CAR_FUELS, DATA_QUALITY, TRANSPORT

DATASET: Final = schemas.SUPPLIER_ACTIVITY
TRAVEL_CATEGORY: Final = 6  # GHG Protocol scope 3 category 6, business travel
MILEAGE_SUPPLIER: Final = "staff declarations"
FLIGHT_SUPPLIER: Final = "travel agency"
MILEAGE_UNITS: Final = {"private_car": "km", "train": "pkm"}
PRIMARY: Final = "primary"


def statements(
    source_row: np.ndarray,
    *,
    month: pd.Series,
    supplier: pa.Array,
    category: pa.Array,
    description: pa.Array,
    amount: pa.Array,
    unit: pa.Array,
    reported_kg_co2e: np.ndarray,
    method: pa.Array,
    default_method: str,
    data_quality: pa.Array,
) -> pd.DataFrame:
    """Reported kg CO2e is the quantity; the activity quantity and unit go in the description.

    activity_date stays empty: a statement covers a month, not a day.
    """
    n = len(source_row)
    what = text(description)
    written = text(amount)
    with_amount = what.fillna("") + " (" + (written + " " + text(unit).fillna("")).str.strip() + ")"
    frame = pd.DataFrame(
        {
            "source_row": source_row,
            "period": month_start(month),
            "activity_date": pd.Series(pd.NaT, index=pd.RangeIndex(n), dtype="datetime64[s]"),
            "supplier": text(supplier),
            "activity_type": constant("supplier_reported", n, "string"),
            "description": with_amount.where(written.notna(), what).str.strip(),
            "quantity": reported_kg_co2e,
            "unit": constant("kg_co2e", n, "string"),
            "distance_km": np.full(n, np.nan),
            "ghg_category": integer(category),
            "reported_kg_co2e": reported_kg_co2e,
            "method": text(method).fillna(default_method),
            "data_quality": lookup(data_quality, DATA_QUALITY),
        }
    )
    return schemas.conform(frame, DATASET)


def mileage(
    source_row: np.ndarray, *, day: pd.Series, transport: pa.Array, car_fuel: pa.Array, km: np.ndarray, method: str
) -> pd.DataFrame:
    """For a car, description is its fuel (the key to the private-car factor); an empty fuel is unknown.

    A fuel word not in the vocabulary is <NA>, so validation quarantines the row.
    """
    n = len(source_row)
    activity = lookup(transport, TRANSPORT)
    is_car = activity.eq("private_car").fillna(False).to_numpy(dtype=bool)
    fuel = lookup(car_fuel, CAR_FUELS, missing="unknown")
    frame = pd.DataFrame(
        {
            "source_row": source_row,
            "period": month_start(day),
            "activity_date": day,
            "supplier": constant(MILEAGE_SUPPLIER, n, "string"),
            "activity_type": activity,
            "description": fuel.where(is_car, pd.NA),
            "quantity": km,
            "unit": activity.map(MILEAGE_UNITS).astype("string"),
            "distance_km": np.full(n, np.nan),
            "ghg_category": constant(TRAVEL_CATEGORY, n, "Int64"),
            "reported_kg_co2e": np.full(n, np.nan),
            "method": constant(method, n, "string"),
            "data_quality": constant(PRIMARY, n, "string"),
        }
    )
    return schemas.conform(frame, DATASET)


def flights(
    source_row: np.ndarray,
    *,
    day: pd.Series,
    origin: pd.Series,
    destination: pd.Series,
    travel_class: pa.Array,
    agency: pa.Array,
    distance_km: np.ndarray,
    passengers: np.ndarray,
    method: pd.Series,
) -> pd.DataFrame:
    """Passenger-km = passengers x one-way distance; description reads "AMS-BCN Economy" (route and class).

    `origin` and `destination` are the IATA codes as text; the one-way distance is kept as well because
    it selects the factor list's distance band.
    """
    n = len(source_row)
    route = origin.fillna("?") + "-" + destination.fillna("?")
    written_class = text(travel_class)
    frame = pd.DataFrame(
        {
            "source_row": source_row,
            "period": month_start(day),
            "activity_date": day,
            "supplier": text(agency).fillna(FLIGHT_SUPPLIER),
            "activity_type": constant("flight", n, "string"),
            "description": route.where(written_class.isna(), route + " " + written_class),
            "quantity": passengers * distance_km,
            "unit": constant("pkm", n, "string"),
            "distance_km": distance_km,
            "ghg_category": constant(TRAVEL_CATEGORY, n, "Int64"),
            "reported_kg_co2e": np.full(n, np.nan),
            "method": method,
            "data_quality": constant(PRIMARY, n, "string"),
        }
    )
    return schemas.conform(frame, DATASET)
