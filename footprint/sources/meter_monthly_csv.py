"""A supplier's or portal's monthly usage overview: one row per connection, month, direction and tariff.

`Periode tot` is the first day after the period (the period runs up to, not including, that date), so
a January row reads 01-01-2024 to 01-02-2024 and interval_end is local midnight of 1 February.

EANs follow the one meter rule (meter_eans.row_eans): the EAN column counts where it holds a valid EAN;
rows with a placeholder or none take the `ean` argument. When every row's Product names a carrier
(Elektriciteit, Gas) a given EAN is placed by carrier (`--ean gas=...`); otherwise one EAN serves
the rows without their own. Direction, tariff, unit and status are read from their columns through
the vocabulary; an unknown word is empty and refused by validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources.cell_numbers import quantity_in_unit
from footprint.sources.cell_text import lookup, text
from footprint.sources.cell_times import at_local_midnight, local_date, month_start
from footprint.sources.csv_table import read_table
from footprint.sources.meter_eans import EanOption, row_eans
from footprint.sources.text_head import Column, header_sniffer
from footprint.sources.vocabulary import (
    CARRIERS,
    DIRECTIONS,
    ESTIMATED,
    METER_UNITS,
    TARIFFS,
)

NAME: Final = "meter_monthly_csv"
DATASET: Final = schemas.METER_USAGE

HEADER: Final = (
    Column("EAN", aliases=("EAN-code",)),
    Column("Product", required=False),
    Column("Periode van", aliases=("Van",)),
    Column("Periode tot", aliases=("Tot",)),
    Column("Verbruik"),
    Column("Eenheid"),
    Column("Richting"),
    Column("Tarief", required=False),
    Column("Status"),
)
SIGNATURE: Final = (HEADER[0], HEADER[2], HEADER[3], HEADER[4])


sniff = header_sniffer(SIGNATURE)


def read(path: Path, *, ean: EanOption = None) -> pd.DataFrame:
    """The Product column (Elektriciteit, Gas, ...) only places a given EAN: the carrier of the figures comes
    from the meter's configuration."""
    table = read_table(path, NAME, HEADER, SIGNATURE)
    carriers = lookup(table["Product"], CARRIERS)
    eans = row_eans(
        text(table["EAN"]), ean, path, carriers if carriers.notna().all() and len(carriers) else None
    )
    start = at_local_midnight(local_date(table["Periode van"]))
    quantity, unit = quantity_in_unit(table["Verbruik"], table["Eenheid"], METER_UNITS)
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "ean": eans,
            "interval_start": start,
            "interval_end": at_local_midnight(local_date(table["Periode tot"])),
            "period": month_start(start),
            "quantity": quantity,
            "unit": unit,
            "direction": lookup(table["Richting"], DIRECTIONS),
            "tariff": lookup(table["Tarief"], TARIFFS),
            "estimated": lookup(table["Status"], ESTIMATED),
        }
    )
    return schemas.conform(frame, DATASET)
