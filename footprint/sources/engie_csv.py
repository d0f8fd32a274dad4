"""ENGIE usage export: hourly usage of each EAN of the customer, comma-separated and quoted.

    "Datum","EAN","Verbruik","Type","Piek"
    "2021-12-25T00:00:00+01:00","871687120061402458","0.742","Elektriciteit","false"
    "2021-12-25T00:00:00+01:00","871687140013926764","0.0","Gas","0"

Datum is the START of the interval, ISO-8601 with its UTC offset; the interval length is read from
each EAN's timestamps (an hour in every export seen). Verbruik has a decimal point. Type gives the
unit: Elektriciteit -> kWh, Gas -> m3. Piek (peak) is the electricity tariff: true -> high, false ->
low; gas has a single tariff whatever Piek says. Every row is consumption and measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import helpers, meters
from footprint.sources.helpers import Column
from footprint.sources.meters import EanOption, Note
from footprint.sources.vocabulary import CARRIER_UNITS, CARRIERS, PEAK_FLAGS

NAME: Final = "engie_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month
SEPARATOR: Final = ","

HEADER: Final = (
    Column("Datum"),
    Column("EAN"),
    Column("Verbruik"),
    Column("Type"),
    Column("Piek", required=False),
)
SIGNATURE: Final = HEADER[:4]


def sniff(head: str) -> bool:
    return helpers.sniff_header(head, SIGNATURE, SEPARATOR)


def read(path: Path, *, ean: EanOption = None) -> pd.DataFrame:
    """All EANs in the file, or only those given with `ean`."""
    return read_with_report(path, ean=ean)[0]


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE, SEPARATOR)
    eans = helpers.text(table["EAN"])
    keep = meters.selected_eans(eans, ean, path)
    carrier = helpers.lookup(table["Type"], CARRIERS)
    unit = carrier.map(CARRIER_UNITS).astype("string")
    peak = helpers.lookup(table["Piek"], PEAK_FLAGS)
    tariff = peak.where(carrier.eq("electricity").fillna(False), other=pd.NA)
    tariff = tariff.mask(carrier.eq("gas").fillna(False), "single").astype("string")
    start = helpers.instant(table["Datum"])
    step = meters.interval_steps(start, eans.fillna("").to_numpy(dtype=object))
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "ean": eans,
            "interval_start": start,
            "interval_end": start + pd.to_timedelta(step),
            "period": helpers.month_start(start),
            "quantity": helpers.point_decimal(table["Verbruik"]),
            "unit": unit,
            "direction": helpers.constant("consumption", len(table), "string"),
            "tariff": tariff,
            "estimated": helpers.constant(False, len(table), "boolean"),
        }
    )
    frame = schemas.conform(frame[keep].reset_index(drop=True), DATASET)
    notes = meters.interval_notes(frame) + meters.negative_notes(frame)
    return frame, meters.capped(notes)

