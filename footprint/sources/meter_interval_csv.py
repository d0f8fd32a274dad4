"""Interval usage of one connection (15-minute or hourly), as a metering portal exports it.

The EAN sits on a line above the header (`EAN;871...`) or in an `EAN` column. Interval start and end
carry their UTC offset, so the doubled hour of the autumn night is two distinct rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.errors import InputFileError
from footprint.sources import helpers
from footprint.sources.helpers import Column
from footprint.sources.vocabulary import DIRECTIONS, ESTIMATED, METER_UNITS, TARIFFS

NAME: Final = "meter_interval_csv"
DATASET: Final = schemas.METER_USAGE

HEADER: Final = (
    Column("Begin", aliases=("Van", "Start", "Interval start")),
    Column("Einde", aliases=("Tot", "Eind", "Interval einde")),
    Column("Verbruik", aliases=("Hoeveelheid",)),
    Column("Eenheid"),
    Column("Status", aliases=("Meetstatus",)),
    Column("Richting", required=False),
    Column("Tarief", required=False),
    Column("EAN", required=False, aliases=("EAN-code", "Aansluiting")),
)
SIGNATURE: Final = (HEADER[0], HEADER[1], HEADER[2])
PREAMBLE_EAN: Final = "EAN"


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE)


def read(path: Path, *, ean: str | None = None) -> pd.DataFrame:
    """Without a Richting column every row is consumption (levering); without Tarief the tariff is <NA>.

    A given `ean` stands in for a missing `EAN;...` line; the file's own EAN wins.
    """
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE)
    n = len(table)
    preamble_ean = table.preamble.get(helpers.normalise_name(PREAMBLE_EAN)) or ean
    if "EAN" in table.present:
        ean = helpers.text(table["EAN"])
        if preamble_ean:
            ean = ean.fillna(preamble_ean)
    elif preamble_ean:
        ean = helpers.constant(preamble_ean, n, "string")
    else:
        raise InputFileError(
            path,
            "no EAN: expected a line 'EAN;<18 digits>' above the header or an EAN column; or give it with --ean",
            column="EAN",
        )
    direction = (
        helpers.lookup(table["Richting"], DIRECTIONS)
        if "Richting" in table.present
        else helpers.constant("consumption", n, "string")
    )
    quantity, unit = helpers.quantity_in_unit(table["Verbruik"], table["Eenheid"], METER_UNITS)
    start = helpers.instant(table["Begin"])
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "ean": ean,
            "interval_start": start,
            "interval_end": helpers.instant(table["Einde"]),
            "period": helpers.month_start(start),
            "quantity": quantity,
            "unit": unit,
            "direction": direction,
            "tariff": helpers.lookup(table["Tarief"], TARIFFS),
            "estimated": helpers.lookup(table["Status"], ESTIMATED),
        }
    )
    return schemas.conform(frame, DATASET)
