"""Transactions downloaded from a Dutch fuel-card portal: `;`-separated, decimal commas, dd-mm-yyyy.

A credit note is a row with negative quantity and amount. Card number and driver are personal data:
they pass through here unchanged and are pseudonymised before the warehouse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.sources import helpers
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import FUEL_UNITS

NAME: Final = "fuelcard_nl_portal"
DATASET: Final = schemas.FUEL_TRANSACTIONS

HEADER: Final = (
    Column("Datum", aliases=("Transactiedatum",)),
    Column("Tijd", required=False, aliases=("Transactietijd",)),
    Column("Kaartnummer", required=False, aliases=("Pasnummer",)),
    Column("Kenteken"),
    Column("Bestuurder", required=False, aliases=("Chauffeur",)),
    Column("Station", required=False, aliases=("Tankstation",)),
    Column("Product"),
    Column("Hoeveelheid", aliases=("Aantal",)),
    Column("Eenheid"),
    Column("Prijs per eenheid", required=False, aliases=("Eenheidsprijs",)),
    Column("Bedrag", required=False, aliases=("Bedrag incl. btw",)),
    Column("Valuta", required=False),
    Column("Kilometerstand", required=False, aliases=("Km-stand",)),
)
SIGNATURE: Final = (HEADER[0], HEADER[3], HEADER[6], HEADER[7])
CURRENCY: Final = "EUR"


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE)


def read(path: Path) -> pd.DataFrame:
    """Prices and amounts in another currency than euro are left missing rather than mixed in."""
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
    at = helpers.local_datetime(table["Datum"], table["Tijd"])
    currency = helpers.text(table["Valuta"]).str.upper().fillna(CURRENCY)
    in_euro = (currency == CURRENCY).to_numpy(dtype=bool)
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "transaction_at": at,
            "period": helpers.month_start(at),
            "card_number": helpers.text(table["Kaartnummer"]),
            "driver": helpers.text(table["Bestuurder"]),
            "plate": helpers.plate(table["Kenteken"]),
            "station": helpers.text(table["Station"]),
            "product": helpers.text(table["Product"]),
            "quantity": helpers.decimal(table["Hoeveelheid"]),
            "unit": helpers.lookup(table["Eenheid"], FUEL_UNITS),
            "unit_price_eur": np.where(in_euro, helpers.decimal(table["Prijs per eenheid"]), np.nan),
            "amount_eur": np.where(in_euro, helpers.decimal(table["Bedrag"]), np.nan),
            "odometer_km": helpers.decimal(table["Kilometerstand"]),
        }
    )
    return schemas.conform(frame, DATASET)
