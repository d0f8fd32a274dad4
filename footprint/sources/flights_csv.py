"""A travel agency's list of flights booked: one row per flight leg (a return trip is two rows).

Each row becomes passenger-kilometres (passengers x one-way distance); the one-way distance is kept
as well because it selects the factor list's distance band.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import activity_rows
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import constant, text
from footprint.sources.cell_times import local_date
from footprint.sources.csv_table import read_table
from footprint.sources.text_head import Column, header_sniffer

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
METHOD: Final = "travel agency statement"


sniff = header_sniffer(SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """description reads "AMS-BCN Economy": the route in IATA codes and the class as written."""
    table = read_table(path, NAME, HEADER, SIGNATURE)
    return activity_rows.flights(
        table.source_row,
        day=local_date(table["Vertrekdatum"]),
        origin=text(table["Van"]).str.upper(),
        destination=text(table["Naar"]).str.upper(),
        travel_class=table["Klasse"],
        agency=table["Reisbureau"],
        distance_km=decimal(table["Afstand km"]),
        passengers=decimal(table["Reizigers"]),
        method=constant(METHOD, len(table), "string"),
    )
