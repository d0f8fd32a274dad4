"""Staff expense declarations of business kilometres by private car or train.

The employee's name is personal data the inventory does not need: it is never read. The free-text
Omschrijving is not carried either (it often names clients or colleagues). For car rows `description`
holds the car's fuel as one of petrol, diesel, electric, unknown: the key to the private-car factor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.sources import helpers
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import CAR_FUELS, TRANSPORT

NAME: Final = "mileage_csv"
DATASET: Final = schemas.SUPPLIER_ACTIVITY

HEADER: Final = (
    Column("Datum", aliases=("Reisdatum",)),
    Column("Medewerker", required=False),
    Column("Vervoer", aliases=("Vervoermiddel",)),
    Column("Brandstof", required=False),
    Column("Kilometers", aliases=("Km", "Afstand km")),
    Column("Omschrijving", required=False),
)
SIGNATURE: Final = (HEADER[0], HEADER[2], HEADER[4])
SUPPLIER: Final = "staff declarations"
GHG_CATEGORY: Final = 6
METHOD: Final = "expense declaration"
DATA_QUALITY: Final = "primary"
UNITS: Final = {"private_car": "km", "train": "pkm"}


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """An empty Brandstof on a car row means unknown fuel; a word not in the list is <NA> (quarantined)."""
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
    n = len(table)
    day = helpers.local_date(table["Datum"])
    activity = helpers.lookup(table["Vervoer"], TRANSPORT)
    is_car = (activity == "private_car").fillna(False).to_numpy(dtype=bool)
    fuel = helpers.lookup(table["Brandstof"], CAR_FUELS, missing="unknown")
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "period": helpers.month_start(day),
            "activity_date": day,
            "supplier": helpers.constant(SUPPLIER, n, "string"),
            "activity_type": activity,
            "description": fuel.where(is_car, pd.NA),
            "quantity": helpers.decimal(table["Kilometers"]),
            "unit": activity.map(UNITS).astype("string"),
            "distance_km": np.full(n, np.nan),
            "ghg_category": helpers.constant(GHG_CATEGORY, n, "Int64"),
            "reported_kg_co2e": np.full(n, np.nan),
            "method": helpers.constant(METHOD, n, "string"),
            "data_quality": helpers.constant(DATA_QUALITY, n, "string"),
        }
    )
    return schemas.conform(frame, DATASET)
