"""GreenChoice meter readings: cumulative electricity readings per day, newest first.

    OpnameDatum;StandNormaal;StandDal;TerugleveringNormaal;TerugleveringDal
    2023-08-02;874;824;1608;722
    2023-08-01;868;822;1588;722

Each row is the meter's state at the start (00:00) of OpnameDatum, in kWh: StandNormaal and
StandDal are consumption at the high and low tariff, TerugleveringNormaal and TerugleveringDal
feed-in. Usage is the difference between consecutive readings of a register in date order: the
row of 2023-08-02 gives the usage of 1 August (2023-08-01 00:00 to 2023-08-02 00:00); a missing
day makes the interval longer. The oldest reading gives no usage (nothing before it is known).
A reading lower than the one before starts a new series (see meter_readings.usage_from_readings).

The unit is kWh: Normaal/Dal registers and feed-in exist only on an electricity meter (a gas meter
has one register and feeds nothing back). An empty or `-` reading is no reading: it is skipped and
its usage falls in the next interval (a note says so); a register with no reading anywhere in the file
(a meter without feed-in) gives no rows and one `no_readings` note per direction.

The file holds no EAN: the user gives it (`--ean`, or for ingest footprint.yaml meters[].files).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from footprint import schemas
from footprint.sources.cell_numbers import decimal
from footprint.sources.cell_text import constant, text
from footprint.sources.cell_times import local_date
from footprint.sources.csv_table import read_table
from footprint.sources.meter_eans import ELECTRICITY, EanOption, assign_eans, unit_of
from footprint.sources.meter_readings import Register, readings_to_usage
from footprint.sources.notes import Note, capped, no_readings_note, rows_only
from footprint.sources.text_head import Column, header_sniffer

NAME: Final = "greenchoice_csv"
DATASET: Final = schemas.METER_USAGE
SPANS_MONTHS: Final = True  # an export of a year or more: rows may reach back before the delivery month
NEEDS_EAN: Final = True  # the export names no meter: the EAN comes from --ean or the file name

HEADER: Final = (
    Column("OpnameDatum", aliases=("Opname datum",)),
    Column("StandNormaal"),
    Column("StandDal"),
    Column("TerugleveringNormaal", required=False),
    Column("TerugleveringDal", required=False),
)
SIGNATURE: Final = HEADER[:3]
# column -> (direction, tariff)
REGISTERS: Final = {
    "StandNormaal": ("consumption", "high"),
    "StandDal": ("consumption", "low"),
    "TerugleveringNormaal": ("feed_in", "high"),
    "TerugleveringDal": ("feed_in", "low"),
}


sniff = header_sniffer(SIGNATURE)


def read_with_report(path: Path, *, ean: EanOption = None) -> tuple[pd.DataFrame, list[Note]]:
    table = read_table(path, NAME, HEADER, SIGNATURE)
    code = assign_eans(ean, [ELECTRICITY], path)[ELECTRICITY]
    n = len(table)
    registers = [
        Register(name, direction, tariff, decimal(table[name]))
        for name, (direction, tariff) in REGISTERS.items()
        if name in table.present
    ]
    frame, notes = readings_to_usage(
        registers,
        day=local_date(table["OpnameDatum"]),
        source_row=table.source_row,
        ean=constant(code, n, "string"),
        unit=constant(unit_of(ELECTRICITY), n, "string"),
    )
    frame = schemas.conform(frame, DATASET)
    for direction in ("consumption", "feed_in"):
        names = [r.label for r in registers if r.direction == direction]
        if names and not any(text(table[name]).notna().any() for name in names):
            notes.append(no_readings_note(direction, names))
    return frame, capped(notes)


read = rows_only(read_with_report)
