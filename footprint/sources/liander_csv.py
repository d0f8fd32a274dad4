"""Liander (grid operator) export of daily meter readings, comma-separated, lines padded with spaces.

    eancodeasn,meternummer,meterreadingdate,reading1,usage1,reading2,usage2,reading3,usage3,reading4,usage4
    871687120061402458,E0045003866355817,05-06-2023,15626.2,,17771.9,,0,,0,
    871687120061402458,E0045003866355817,06-06-2023,15630.4,4.2,17779.4,7.5,0,0,0,0
    871687140013926764,G0039001721304017,05-06-2023,11052.7,,,,,,,

One row per connection (eancodeasn), meter and day; the reading is the meter's state at the start
(00:00) of meterreadingdate, with a decimal point. Registers of an electricity meter (meter number
E...): reading1 consumption low tariff, reading2 consumption high tariff, reading3 feed-in low,
reading4 feed-in high. This was read from the data: weekend days, which run entirely on the low
tariff, add only to reading1 and reading3, and the supplier's overview of the same connection
(Oxxio sample) shows reading1 as "Meterstand laagtarief (El 1)" and reading3 as El 3. A gas meter
(meter number G...) has reading1 only (m3, single tariff). A meter number starting with neither
letter takes the carrier from the EAN (871687120... electricity, 871687140... gas); otherwise the unit
is left empty and validation quarantines the rows.

EANs follow the one meter rule (meter_eans.row_eans): eancodeasn counts where it holds a valid EAN; rows
with a placeholder or none take `ean`, placed by the meter's carrier. Selecting some of a file's
EANs is `footprint parse --ean`'s job (convert.parse_file), not this reader's. An electricity meter
whose feed-in registers (reading3, reading4) are empty on every row has no feed-in: no feed-in rows
and one note, nothing quarantined.

Usage is computed from the cumulative readings (see meter_readings.usage_from_readings), not taken from the
usageN columns (they are the same differences, rounded, and are used to cross-check in the tests):
the row of 06-06-2023 gives the usage of 5 June. A new meter number on the same EAN (a meter
replacement) or a reading lower than the one before (a counter reset) starts a new series; the
interval across it has no quantity and `read_with_report` returns a note for it.

Why this is code, not a profile: what a reading column measures changes from row to row. reading1 is
electricity consumption at the low tariff on a row whose meter number starts with E, the gas register
(m3) on a row whose meter number starts with G, and on any other row the carrier of that row's own EAN
number (871687120.../871687140...). A meter profile gives each column one carrier, direction and unit
for the whole file (a `from_ean` carrier is decided once per file, by the EAN the user gives); it has no
way to pick a column's meaning by another cell of the same row. The replacement note, one for all
registers of the replaced meter, is also this module's (meter_readings.merge_register_notes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from footprint import schemas
from footprint.sources.cell_numbers import point_decimal
from footprint.sources.cell_text import text
from footprint.sources.cell_times import local_date
from footprint.sources.csv_table import read_table
from footprint.sources.meter_eans import (
    EAN_PREFIX_CARRIERS,
    ELECTRICITY,
    GAS,
    EanOption,
    row_eans,
)
from footprint.sources.meter_readings import Register, readings_to_usage
from footprint.sources.notes import Note, capped, no_readings_note, rows_only
from footprint.sources.text_head import Column, sniff_header
from footprint.sources.vocabulary import CARRIER_UNITS

NAME: Final = "liander_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month
SEPARATOR: Final = ","

HEADER: Final = (
    Column("eancodeasn", aliases=("ean", "eancode")),
    Column("meternummer", required=False),
    Column("meterreadingdate"),
    Column("reading1"),
    Column("usage1", required=False),
    Column("reading2", required=False),
    Column("usage2", required=False),
    Column("reading3", required=False),
    Column("usage3", required=False),
    Column("reading4", required=False),
    Column("usage4", required=False),
)
SIGNATURE: Final = (HEADER[0], HEADER[2], HEADER[3])
# column -> (direction, tariff) on an electricity meter
ELECTRICITY_REGISTERS: Final = {
    "reading1": ("consumption", "low"),
    "reading2": ("consumption", "high"),
    "reading3": ("feed_in", "low"),
    "reading4": ("feed_in", "high"),
}
GAS_REGISTERS: Final = {"reading1": ("consumption", "single")}


def sniff(head: str) -> bool:
    return sniff_header(head, SIGNATURE, SEPARATOR)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE, SEPARATOR)
    written = text(table["eancodeasn"])
    meter = text(table["meternummer"])
    carrier = _carrier(meter, written)
    eans = row_eans(written, ean, path, carrier)
    unit = carrier.map(CARRIER_UNITS).astype("string")
    is_gas = carrier.eq(GAS).fillna(False).to_numpy(dtype=bool)
    is_electricity = carrier.eq(ELECTRICITY).fillna(False).to_numpy(dtype=bool)
    day = local_date(table["meterreadingdate"])
    registers: list[Register] = []
    for name, (direction, tariff) in ELECTRICITY_REGISTERS.items():
        if name not in table.present:
            continue
        reading = point_decimal(table[name])
        if name in GAS_REGISTERS:
            electric = reading.copy()
            electric[is_gas] = np.nan
            gas = reading.copy()
            gas[~is_gas] = np.nan
            registers.append(Register(f"{name} ({tariff} {direction})", direction, tariff, electric))
            gas_direction, gas_tariff = GAS_REGISTERS[name]
            registers.append(Register(f"{name} (gas)", gas_direction, gas_tariff, gas))
        else:
            reading[is_gas] = np.nan
            registers.append(Register(f"{name} ({tariff} {direction})", direction, tariff, reading))
    frame, notes = readings_to_usage(
        registers, day=day, source_row=table.source_row, ean=eans, unit=unit, meter=meter
    )
    frame = schemas.conform(frame, DATASET)
    feed_in = [name for name, (direction, _) in ELECTRICITY_REGISTERS.items() if direction == "feed_in"]
    present = [name for name in feed_in if name in table.present]
    if present and is_electricity.any():
        cells = np.logical_or.reduce([text(table[name]).notna().to_numpy() for name in present])
        if not cells[is_electricity].any():
            notes.append(no_readings_note("feed_in", present))
    unknown = carrier.isna().to_numpy() & meter.notna().to_numpy()
    if unknown.any():
        first = int(table.source_row[np.flatnonzero(unknown)[0]])
        notes.append(
            Note(
                "carrier",
                f"{int(unknown.sum())} rows whose meter number starts with neither E nor G and whose EAN is not in "
                "the 871687120/871687140 ranges: the unit is left empty",
                row=first,
            )
        )
    return frame, capped(notes)


def _carrier(meter: pd.Series, eans: pd.Series) -> pd.Series:
    """E... meters are electricity, G... gas; otherwise the EAN's prefix decides."""
    letter = meter.str.strip().str[:1].str.upper()
    by_meter = letter.map({"E": ELECTRICITY, "G": GAS}).astype("string")
    by_prefix = pd.Series(pd.NA, index=eans.index, dtype="string")
    for prefix, carrier in EAN_PREFIX_CARRIERS.items():
        by_prefix = by_prefix.mask(eans.str.startswith(prefix).fillna(False), carrier)
    return by_meter.fillna(by_prefix)


# Every connection in the file; `ean` is the EAN of rows whose eancodeasn holds no valid one.
read = rows_only(read_with_report)
