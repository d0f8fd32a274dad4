"""ENGIE usage export: hourly usage of each EAN of the customer, comma-separated and quoted.

    "Datum","EAN","Verbruik","Type","Piek"
    "2021-12-25T00:00:00+01:00","871687120061402458","0.742","Elektriciteit","false"
    "2021-12-25T00:00:00+01:00","871687140013926764","0.0","Gas","0"
    "2021-12-25T00:00:00+01:00","871687120061402458","0.125","Teruglevering","false"

Datum is the START of the interval, ISO-8601 with its UTC offset; the interval length is read from
each EAN's timestamps (an hour in every export seen). Verbruik has a decimal point.

Type is read through footprint/data/vocabulary.yaml: a carrier word (Elektriciteit, Gas) is that
carrier's consumption (kWh, m3); a feed-in word (Teruglevering, ...) is electricity feed-in (kWh),
because only an electricity connection feeds energy back: a gas connection has no feed-in register
and ENGIE delivers no district heat in these exports. Any other word (or an empty Type) leaves unit
and direction empty, so validation refuses the row, and a note names the word. Piek (peak) is the
electricity tariff, consumption and feed-in alike: true -> high, false -> low; gas has a single
tariff whatever Piek says. Every row is a measurement (not estimated).

EANs follow the one meter rule (meters.row_eans): the EAN column counts where it holds a valid
EAN; rows with a placeholder (XXXXXXXXXXXXXXXXXX) or none take `ean`, placed by their carrier.
Selecting some of a file's EANs is `footprint parse --ean`'s job (convert.parse_file), not this reader's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources import helpers, meters
from footprint.sources.helpers import Column
from footprint.sources.meters import EanOption, Note
from footprint.sources.vocabulary import CARRIER_UNITS, CARRIERS, DIRECTIONS, PEAK_FLAGS

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
    """Every row of the file; `ean` is the EAN of rows whose EAN cell holds no valid one."""
    return read_with_report(path, ean=ean)[0]


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = helpers.read_table(path, NAME, HEADER, SIGNATURE, SEPARATOR)
    carrier, direction = _carrier_and_direction(table)
    eans = meters.row_eans(helpers.text(table["EAN"]), ean, path, carrier)
    unit = carrier.map(CARRIER_UNITS).astype("string")
    peak = helpers.lookup(table["Piek"], PEAK_FLAGS)
    tariff = peak.where(carrier.eq(meters.ELECTRICITY).fillna(False), other=pd.NA)
    tariff = tariff.mask(carrier.eq(meters.GAS).fillna(False), "single").astype("string")
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
            "direction": direction,
            "tariff": tariff,
            "estimated": helpers.constant(False, len(table), "boolean"),
        }
    )
    frame = schemas.conform(frame, DATASET)
    words = helpers.text(table["Type"])
    notes = meters.unknown_word_notes(
        words, direction.isna().to_numpy(), table.source_row, "Type",
        "neither a carrier nor feed-in; unit and direction left empty, so validation refuses the rows",
    )
    notes += meters.interval_notes(frame) + meters.negative_notes(frame)
    return frame, meters.capped(notes)


def _carrier_and_direction(table: helpers.RawTable) -> tuple[pd.Series, pd.Series]:
    """Per row the carrier and direction its Type word says (see the module docstring); <NA> for others."""
    carrier = helpers.lookup(table["Type"], CARRIERS)
    feed_in = helpers.lookup(table["Type"], DIRECTIONS).eq("feed_in").fillna(False) & carrier.isna()
    carrier = carrier.mask(feed_in, meters.ELECTRICITY).astype("string")
    direction = pd.Series(pd.NA, index=carrier.index, dtype="string")
    direction = direction.mask(carrier.notna(), "consumption").mask(feed_in, "feed_in")
    return carrier, direction
