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

EANs follow the one meter rule (meter_eans.row_eans): the EAN column counts where it holds a valid
EAN; rows with a placeholder (XXXXXXXXXXXXXXXXXX) or none take `ean`, placed by their carrier.
Selecting some of a file's EANs is `footprint parse --ean`'s job (convert.parse_file), not this reader's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources.cell_numbers import point_decimal
from footprint.sources.cell_text import constant, lookup, text
from footprint.sources.cell_times import instant, month_start
from footprint.sources.csv_table import RawTable, read_table
from footprint.sources.meter_eans import ELECTRICITY, GAS, EanOption, row_eans
from footprint.sources.meter_intervals import (
    interval_notes,
    interval_steps,
    negative_notes,
)
from footprint.sources.notes import Note, capped, rows_only, unknown_word_notes
from footprint.sources.text_head import Column, sniff_header
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
    return sniff_header(head, SIGNATURE, SEPARATOR)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE, SEPARATOR)
    carrier, direction = _carrier_and_direction(table)
    eans = row_eans(text(table["EAN"]), ean, path, carrier)
    unit = carrier.map(CARRIER_UNITS).astype("string")
    peak = lookup(table["Piek"], PEAK_FLAGS)
    tariff = peak.where(carrier.eq(ELECTRICITY).fillna(False), other=pd.NA)
    tariff = tariff.mask(carrier.eq(GAS).fillna(False), "single").astype("string")
    start = instant(table["Datum"])
    step = interval_steps(start, eans.fillna("").to_numpy(dtype=object))
    frame = pd.DataFrame(
        {
            "source_row": table.source_row,
            "ean": eans,
            "interval_start": start,
            "interval_end": start + pd.to_timedelta(step),
            "period": month_start(start),
            "quantity": point_decimal(table["Verbruik"]),
            "unit": unit,
            "direction": direction,
            "tariff": tariff,
            "estimated": constant(False, len(table), "boolean"),
        }
    )
    frame = schemas.conform(frame, DATASET)
    words = text(table["Type"])
    notes = unknown_word_notes(
        words, direction.isna().to_numpy(), table.source_row, "Type",
        "neither a carrier nor feed-in; unit and direction left empty, so validation refuses the rows",
    )
    notes += interval_notes(frame) + negative_notes(frame)
    return frame, capped(notes)


def _carrier_and_direction(table: RawTable) -> tuple[pd.Series, pd.Series]:
    """Per row the carrier and direction its Type word says (see the module docstring); <NA> for others."""
    carrier = lookup(table["Type"], CARRIERS)
    feed_in = lookup(table["Type"], DIRECTIONS).eq("feed_in").fillna(False) & carrier.isna()
    carrier = carrier.mask(feed_in, ELECTRICITY).astype("string")
    direction = pd.Series(pd.NA, index=carrier.index, dtype="string")
    direction = direction.mask(carrier.notna(), "consumption").mask(feed_in, "feed_in")
    return carrier, direction


# Every row of the file; `ean` is the EAN of rows whose EAN cell holds no valid one.
read = rows_only(read_with_report)
