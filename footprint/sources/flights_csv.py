"""A travel agency's list of flights booked: one row per flight leg (a return trip is two rows).

Each row becomes passenger-kilometres (passengers x one-way distance); the one-way distance is kept
as well because it selects the factor list's distance band.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import helpers
from footprint.sources.helpers import Column

NAME: Final = "flights_csv"
DATASET: Final = schemas.SUPPLIER_ACTIVITY

HEADER: Final = (
    Column("Vertrekdatum", aliases=("Datum",)),
    Column("Van", aliases=("Van (IATA)", "Vertrek")),
    Column("Naar", aliases=("Naar (IATA)", "Bestemming")),
    Column("Afstand km", aliases=("Afstand",)),
    Column("Klasse", required=False),
    Column("Reizigers", aliases=("Passagiers", "Aantal reizigers")),
    Column("Reisbureau", required=False),
)
SIGNATURE: Final = (HEADER[0], HEADER[1], HEADER[2])
DEFAULT_SUPPLIER: Final = "travel agency"
ACTIVITY_TYPE: Final = "flight"
GHG_CATEGORY: Final = 6
METHOD: Final = "travel agency statement"
DATA_QUALITY: Final = "primary"


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """description reads "AMS-BCN Economy": the route in IATA codes and the class as written."""
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
    n = len(table)
    day = helpers.local_date(table["Vertrekdatum"])
    distance = helpers.decimal(table["Afstand km"])
    route = (
        helpers.text(table["Van"]).str.upper().fillna("?") + "-" + helpers.text(table["Naar"]).str.upper().fillna("?")
    )
    travel_class = helpers.text(table["Klasse"])
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "period": helpers.month_start(day),
            "activity_date": day,
            "supplier": helpers.text(table["Reisbureau"]).fillna(DEFAULT_SUPPLIER),
            "activity_type": helpers.constant(ACTIVITY_TYPE, n, "string"),
            "description": route.where(travel_class.isna(), route + " " + travel_class),
            "quantity": helpers.decimal(table["Reizigers"]) * distance,
            "unit": helpers.constant("pkm", n, "string"),
            "distance_km": distance,
            "ghg_category": helpers.constant(GHG_CATEGORY, n, "Int64"),
            "reported_kg_co2e": helpers.constant(float("nan"), n, "float64"),
            "method": helpers.constant(METHOD, n, "string"),
            "data_quality": helpers.constant(DATA_QUALITY, n, "string"),
        }
    )
    return schemas.conform(frame, DATASET)
