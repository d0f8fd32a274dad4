"""A supplier's periodic statement of the emissions it attributes to us (its own kg CO2e per month).

The canonical row carries the reported kg CO2e as quantity (unit kg_co2e); the supplier's activity
quantity and unit are kept in the description, e.g. "Schoonmaakmiddelen (1.250 kg)".
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import helpers
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import DATA_QUALITY

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
ACTIVITY_TYPE: Final = "supplier_reported"
DEFAULT_METHOD: Final = "supplier statement"


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """Periode is a month (YYYY-MM); activity_date stays empty because a statement covers a month, not a day.

    A month of any year is kept: validation names one outside the inventory's months (0001-01, 9999-12).
    """
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
    n = len(table)
    month = helpers.local_date(table["Periode"], PERIOD_FORMATS, any_year=True)
    reported = helpers.decimal(table["kg CO2e"])
    what = helpers.text(table["Omschrijving"])
    amount = helpers.text(table["Hoeveelheid"])
    unit = helpers.text(table["Eenheid"]).fillna("")
    with_amount = what.fillna("") + " (" + (amount + " " + unit).str.strip() + ")"
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "period": helpers.month_start(month),
            "activity_date": pd.Series(pd.NaT, index=pd.RangeIndex(n), dtype="datetime64[s]"),
            "supplier": helpers.text(table["Leverancier"]),
            "activity_type": helpers.constant(ACTIVITY_TYPE, n, "string"),
            "description": with_amount.where(amount.notna(), what).str.strip(),
            "quantity": reported,
            "unit": helpers.constant("kg_co2e", n, "string"),
            "distance_km": helpers.constant(float("nan"), n, "float64"),
            "ghg_category": helpers.integer(table["Categorie"]),
            "reported_kg_co2e": reported,
            "method": helpers.text(table["Methode"]).fillna(DEFAULT_METHOD),
            "data_quality": helpers.lookup(table["Datakwaliteit"], DATA_QUALITY),
        }
    )
    return schemas.conform(frame, DATASET)
