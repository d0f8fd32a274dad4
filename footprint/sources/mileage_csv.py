"""Staff expense declarations of business kilometres by private car or train.

The employee's name is personal data the inventory does not need: it is never read. The free-text
Omschrijving is not carried either (it often names clients or colleagues). For car rows `description`
holds the car's fuel as one of petrol, diesel, electric, unknown: the key to the private-car factor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import activity_rows
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_times import local_date
from footprint.sources.csv_table import read_table
from footprint.sources.text_head import Column, header_sniffer

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
METHOD: Final = "expense declaration"


sniff = header_sniffer(SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """An empty Brandstof on a car row means unknown fuel; a word not in the list is <NA> (quarantined)."""
    table = read_table(path, NAME, HEADER, SIGNATURE)
    return activity_rows.mileage(
        table.source_row,
        day=local_date(table["Datum"]),
        transport=table["Vervoer"],
        car_fuel=table["Brandstof"],
        km=decimal(table["Kilometers"]),
        method=METHOD,
    )
