"""A supplier's periodic statement of the emissions it attributes to us (its own kg CO2e per month).

The canonical row carries the reported kg CO2e as quantity (unit kg_co2e); the supplier's activity
quantity and unit are kept in the description, e.g. "Schoonmaakmiddelen (1.250 kg)".
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

NAME: Final = "supplier_statement_csv"
DATASET: Final = schemas.SUPPLIER_ACTIVITY

HEADER: Final = (
    Column("Leverancier"),
    Column("Periode", aliases=("Maand",)),
    Column("Categorie", aliases=("Scope 3 categorie", "GHG categorie")),
    Column("Omschrijving", required=False),
    Column("Hoeveelheid", required=False),
    Column("Eenheid", required=False),
    Column("kg CO2e", aliases=("kg CO2-eq", "CO2e kg", "Uitstoot kg CO2e")),
    Column("Methode", required=False),
    Column("Datakwaliteit"),
)
SIGNATURE: Final = (HEADER[0], HEADER[1], HEADER[6])
PERIOD_FORMATS: Final = ("%Y-%m", "%m-%Y", "%Y-%m-%d", "%d-%m-%Y")
DEFAULT_METHOD: Final = "supplier statement"


sniff = header_sniffer(SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """Periode is a month (YYYY-MM); activity_date stays empty because a statement covers a month, not a day.

    A month of any year is kept: validation names one outside the inventory's months (0001-01, 9999-12).
    """
    table = read_table(path, NAME, HEADER, SIGNATURE)
    return activity_rows.statements(
        table.source_row,
        month=local_date(table["Periode"], PERIOD_FORMATS, any_year=True),
        supplier=table["Leverancier"],
        category=table["Categorie"],
        description=table["Omschrijving"],
        amount=table["Hoeveelheid"],
        unit=table["Eenheid"],
        reported_kg_co2e=decimal(table["kg CO2e"]),
        method=table["Methode"],
        default_method=DEFAULT_METHOD,
        data_quality=table["Datakwaliteit"],
    )
